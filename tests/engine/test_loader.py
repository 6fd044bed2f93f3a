"""Rule files: every mistake reported with file:line; ids, overrides, disabled rules."""

from pathlib import Path

import pytest

from analyzer.engine import collect_rules, load_rules
from analyzer.engine.loader import RuleLoadError, load_file

GOOD_RULE = """\
rules:
  - id: containers.unhealthy
    title: "Container {name} is unhealthy on {node}"
    component: containers
    severity: error
    table: containers
    where: health == "unhealthy"
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def errors_of(path: Path) -> list[str]:
    return [str(e) for e in load_file(path).errors]


BROKEN = {
    # name: (file text, line expected, text expected in the message)
    "unknown key with suggestion": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severty: error\n"
        "    table: containers\n", 5, "unknown key 'severty' in rules.0; did you mean 'severity'?"),
    "unknown key in logs": (
        "rules:\n  - id: a.b\n    title: t\n    component: system\n    severity: info\n"
        "    logs:\n      patern: x\n", 7, "did you mean 'pattern'?"),
    "severity not in enum": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severity: fatal\n"
        "    table: containers\n", 5, "'fatal' is not one of: critical, error, warning, info"),
    "component not in enum": (
        "rules:\n  - id: a.b\n    title: t\n    component: container\n    severity: info\n"
        "    table: containers\n", 4, "did you mean 'containers'?"),
    "bad expression": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severity: info\n"
        "    table: containers\n    where: health == \n", 7, "bad expression"),
    "nested quantifier": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severity: info\n"
        "    table: containers\n    where: name ~ \"(a+)+$\"\n", 7, "nested quantifier"),
    "nested quantifier in a log pattern": (
        "rules:\n  - id: a.b\n    title: t\n    component: system\n    severity: info\n"
        "    logs:\n      pattern: \"(\\\\w+\\\\s?)*$\"\n", 7, "nested quantifier"),
    "column typo": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severity: info\n"
        "    table: containers\n    where: helth == \"unhealthy\"\n", 7,
        "table 'containers' has no column 'helth'; did you mean 'health'?"),
    "table typo": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severity: info\n"
        "    table: container\n", 6, "unknown table 'container'; did you mean 'containers'?"),
    "two kinds": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severity: info\n"
        "    table: containers\n    logs: {pattern: x}\n", 2, "exactly one of"),
    "no component": (
        "rules:\n  - id: a.b\n    title: t\n    severity: info\n    table: containers\n",
        2, "no component"),
    "bad duration": (
        "rules:\n  - id: a.b\n    title: t\n    component: system\n    severity: info\n"
        "    logs: {pattern: x, window: 5 minutes}\n", 6, "window"),
    "bad id": (
        "rules:\n  - id: Unhealthy Containers\n    title: t\n    component: containers\n"
        "    severity: info\n    table: containers\n", 2, "is not a rule id"),
    "missing title": (
        "rules:\n  - id: a.b\n    component: containers\n    severity: info\n"
        "    table: containers\n", 2, "'title' is required"),
    "unknown function": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severity: info\n"
        "    table: containers\n    where: upper(name) == \"X\"\n", 7, "unknown function 'upper'"),
    "yaml syntax": ("rules:\n  - id: a.b\n    title: [unclosed\n", 4, "invalid YAML"),
    "not a mapping": ("- id: a.b\n", 1, "a rule file is a mapping"),
    "test case unknown key": (
        "rules:\n  - id: a.b\n    title: t\n    component: containers\n    severity: info\n"
        "    table: containers\n    tests:\n      - expect: fire\n        fact: {}\n", 9,
        "did you mean 'facts'?"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_rule_file_reports_file_and_line(tmp_path, name):
    text, line, message = BROKEN[name]
    path = write(tmp_path, "broken.yaml", text)
    errors = errors_of(path)
    assert errors, f"{name}: no error"
    assert any(e.startswith(f"{path}:{line}: ") and message in e for e in errors), errors


def test_one_bad_rule_does_not_hide_the_others(tmp_path):
    text = GOOD_RULE + ("  - id: b.c\n    title: t\n    component: containers\n"
                        "    severity: error\n    table: containers\n    where: nme == 1\n"
                        "  - id: c.d\n    title: t\n    component: containers\n"
                        "    severity: oops\n    table: containers\n")
    result = load_file(write(tmp_path, "mixed.yaml", text))
    assert [r.id for r in result.rules] == ["containers.unhealthy"]
    assert sorted(e.line for e in result.errors) == [13, 17]   # where: nme, severity: oops


def test_alias_bomb_rule_file_is_refused(tmp_path):
    laughs = ["x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        laughs.append(f"x{i}: &x{i} [" + ", ".join([f"*x{i-1}"] * 10) + "]")
    path = write(tmp_path, "bomb.yaml", "\n".join(laughs) + "\n")
    errors = errors_of(path)
    assert len(errors) == 1 and "alias" in errors[0] and errors[0].startswith(f"{path}:")


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    write(tmp_path, "a.yaml", GOOD_RULE)
    write(tmp_path, "b.yaml", GOOD_RULE)
    _, errors = collect_rules([tmp_path], include_shipped=False)
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{tmp_path / 'b.yaml'}:2: ")
    assert f"first defined at {tmp_path / 'a.yaml'}:2" in str(errors[0])


def test_user_folder_overrides_shipped_rule_by_id(tmp_path):
    write(tmp_path, "mine.yaml", GOOD_RULE.replace("severity: error", "severity: warning"))
    ruleset = load_rules([tmp_path])
    rule = ruleset.get("containers.unhealthy")
    assert rule.severity == "warning"
    assert rule.source == str(tmp_path / "mine.yaml")
    assert ruleset.overridden["containers.unhealthy"].endswith("rules/containers.yaml:5")
    assert len(ruleset) == len(load_rules())


def test_user_folder_adds_and_disables_rules(tmp_path):
    write(tmp_path, "mine.yaml", GOOD_RULE.replace("containers.unhealthy", "site.nova-unhealthy")
          + "  - id: containers.restarting\n    title: \"off\"\n    component: containers\n"
            "    severity: info\n    table: containers\n    disabled: true\n")
    ruleset = load_rules([tmp_path])
    enabled = {r.id for r in ruleset.enabled()}
    assert "site.nova-unhealthy" in enabled
    assert "containers.restarting" not in enabled and "containers.restarting" in ruleset.rules


def test_load_rules_raises_with_every_error(tmp_path):
    write(tmp_path, "a.yaml", "rules:\n  - id: a.b\n    title: t\n    severity: nope\n")
    write(tmp_path, "b.yaml", "rules:\n  - {id: c.d, title: t, severity: info, component: ceph, "
                              "table: ceph, wher: x}\n")
    with pytest.raises(RuleLoadError) as info:
        load_rules([tmp_path])
    text = str(info.value)
    assert f"{tmp_path / 'a.yaml'}:4:" in text and f"{tmp_path / 'b.yaml'}:2:" in text
    assert "did you mean 'where'?" in text


def test_sibling_tests_file_attaches_cases_and_rejects_unknown_ids(tmp_path):
    write(tmp_path, "a.yaml", GOOD_RULE)
    write(tmp_path / "tests", "a.yaml",
          "tests:\n  containers.unhealthy:\n    - expect: quiet\n      facts: {containers: []}\n"
          "  containers.unhealty:\n    - expect: fire\n")
    ruleset, errors = collect_rules([tmp_path], include_shipped=False)
    assert len(ruleset.get("containers.unhealthy").tests) == 1
    assert len(errors) == 1 and "did you mean 'containers.unhealthy'?" in str(errors[0])
    assert str(errors[0]).startswith(f"{tmp_path / 'tests' / 'a.yaml'}:6:")


def test_correlation_to_unknown_rule(tmp_path):
    write(tmp_path, "c.yaml",
          "rules:\n  - id: x.after\n    title: t\n    component: rabbitmq\n    severity: error\n"
          "    correlate:\n      first: {rule: rabbitmq.partition-loged}\n"
          "      then: {logs: {pattern: AMQP}}\n      within: 10m\n")
    _, errors = collect_rules([tmp_path])
    assert any("did you mean 'rabbitmq.partition-logged'?" in str(e) for e in errors)


def test_shipped_rules_load_cleanly():
    ruleset, errors = collect_rules()
    assert errors == []
    assert len(ruleset) >= 40
