"""The rule engine: YAML rule packs -> compiled rules -> findings over a Bundle.

    from analyzer.engine import load_rules, evaluate
    ruleset = load_rules(extra_dirs=["./my-rules"])    # RuleLoadError lists file:line mistakes
    patterns = ruleset.log_patterns()                 # [(pattern_id, regex)] for the log scan
    result = evaluate(ruleset, bundle)                # findings, not_checked, errors
"""

from analyzer.engine.evaluate import EngineResult, evaluate
from analyzer.engine.expr import compile_expression
from analyzer.engine.loader import (RuleLoadError, RuleSet, collect_rules, load_rules,
                                    log_patterns, rule_schema, shipped_rules_dir)
from analyzer.engine.rule import Rule
from analyzer.engine.testing import run_rule_tests

__all__ = ["EngineResult", "Rule", "RuleLoadError", "RuleSet", "collect_rules",
           "compile_expression", "evaluate", "load_rules", "log_patterns", "rule_schema",
           "run_rule_tests", "shipped_rules_dir"]
