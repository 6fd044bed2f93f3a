"""Safe YAML: lines, no object tags, alias bombs refused, keys kept as text."""

import pytest

from analyzer.engine.yamlsafe import MAX_ALIASES, load_located
from analyzer.errors import RuleError

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def test_lines_of_keys_and_items():
    data, lines = load_located("rules:\n  - id: a.b\n    where: x == 1\n  - id: c.d\n", "f.yaml")
    assert data == {"rules": [{"id": "a.b", "where": "x == 1"}, {"id": "c.d"}]}
    assert lines[("rules", 0, "where")] == 3
    assert lines[("rules", 1)] == 4


def test_billion_laughs_is_refused_with_its_line():
    with pytest.raises(RuleError) as info:
        load_located(BILLION_LAUGHS, "bomb.yaml")
    assert "alias" in info.value.message
    assert info.value.path == "bomb.yaml"
    assert info.value.line is not None


def test_few_aliases_but_huge_expansion_is_refused():
    # 6 levels of 10 references: 60 aliases (under the limit), 10**7 nodes once expanded
    levels = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        levels.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i-1}"] * 10) + "]")
    text = "\n".join(levels) + "\n"
    assert text.count("*") <= MAX_ALIASES
    with pytest.raises(RuleError, match="expands to more than"):
        load_located(text, "deep.yaml")


def test_python_object_tags_are_refused():
    with pytest.raises(RuleError) as info:
        load_located("a: 1\nb: !!python/object/apply:os.system ['true']\n", "evil.yaml")
    assert info.value.line == 2


def test_custom_tags_are_refused():
    with pytest.raises(RuleError, match="tag"):
        load_located("a: !include other.yaml\n", "x.yaml")


def test_duplicate_key_names_its_line():
    with pytest.raises(RuleError) as info:
        load_located("id: a.b\ntitle: x\nid: c.d\n", "dup.yaml")
    assert info.value.line == 3 and "duplicate key 'id'" in info.value.message


def test_yaml11_booleans_as_keys_stay_text():
    data, _ = load_located("join: {table: t, on: [node, name]}\nno: 1\n")
    assert data == {"join": {"table": "t", "on": ["node", "name"]}, "no": 1}


def test_syntax_error_gives_line():
    with pytest.raises(RuleError) as info:
        load_located("rules:\n  - id: a.b\n    title: bad: colon\n", "s.yaml")
    assert info.value.line == 3 and info.value.path == "s.yaml"
