"""Alternatives inside a repeat that can match the same text are refused; distinct ones pass."""

import pytest

from analyzer.engine.regexguard import compile_guarded
from analyzer.errors import RuleError


@pytest.mark.parametrize("pattern", ["(a|a)+!$", "(?:x|x)*y", "(ab|ab)+"])
def test_overlapping_alternation_in_a_repeat_is_refused(pattern):
    with pytest.raises(RuleError, match="alternatives inside a repeat"):
        compile_guarded(pattern)


@pytest.mark.parametrize("pattern", ["(foo|bar)+", "(a|b)+", "(\\w|\\d)+", "running_partitioned_network|Partial partition"])
def test_distinct_alternatives_are_accepted(pattern):
    assert compile_guarded(pattern).pattern == pattern
