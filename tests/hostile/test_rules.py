"""Hostile rule folders given with `--rules DIR`: YAML bombs, object tags, runaway regexes.

Rule files are shared between engineers like reports are, so they are untrusted too: loading
one must never run code, expand without bound or hang the scan.
"""

from __future__ import annotations

import pytest

from tests.hostile.corpus import ROOT, SANDBOX_SECRET, good_sosreport, write_tar
from tests.hostile.sandbox import make_root, run_cli
from tests.ingest.tarbuild import sosreport_members

RULE_HEAD = "rules:\n  - id: custom.{id}\n    title: t\n    component: system\n    severity: warning\n"


def alias_bomb(root) -> str:
    lines = ["x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]" for i in range(1, 12)]
    return "\n".join(lines) + "\n"


def object_tags(root) -> str:
    pwned = root / "pwned"
    return (RULE_HEAD.format(id="tags")
            + f"    table: !!python/object/apply:os.system [\"touch {pwned}\"]\n"
            + f"    where: !!python/object/new:subprocess.Popen [[\"touch\", \"{pwned}\"]]\n")


def nested_quantifier(root) -> str:
    return RULE_HEAD.format(id="regex") + "    logs:\n      pattern: \"^(\\\\w+\\\\s?)*$\"\n"


BAD_FOLDERS = {"alias_bomb": (alias_bomb, "aliases"), "object_tags": (object_tags, "tag"),
               "nested_quantifier": (nested_quantifier, "nested quantifier")}


def run_with_rules(tmp_path, text_of, extra_inputs=(), timeout=30):
    root = make_root(tmp_path / "root", SANDBOX_SECRET)
    rules = root / "rules"
    rules.mkdir()
    (rules / "custom.yaml").write_text(text_of(root))
    good = good_sosreport(root / "inputs")
    args = [str(good), *map(str, extra_inputs), "--quiet", "--rules", str(rules)]
    return root, run_cli(root, args, timeout=timeout)


@pytest.fixture(scope="module")
def bad_folder_run(tmp_path_factory):
    cache = {}

    def run(name):
        if name not in cache:
            cache[name] = run_with_rules(tmp_path_factory.mktemp(name), BAD_FOLDERS[name][0])
        return cache[name]
    return run


@pytest.mark.parametrize("name", sorted(BAD_FOLDERS))
def test_bad_rule_file_never_runs_code_or_writes(bad_folder_run, name):
    root, run = bad_folder_run(name)
    assert run.returncode is not None, "killed at the time bound"
    assert run.peak_rss_mb < 400
    assert not (root / "pwned").exists()
    assert run.changed_outside == []


@pytest.mark.parametrize("name", sorted(BAD_FOLDERS))
def test_bad_rule_file_is_a_usage_error_naming_file_and_line(bad_folder_run, name):
    root, run = bad_folder_run(name)
    assert "Traceback" not in run.stderr
    assert run.returncode == 2
    assert f"{root / 'rules' / 'custom.yaml'}:" in run.stderr and BAD_FOLDERS[name][1] in run.stderr


def overlapping_alternation(root) -> str:
    """No nested quantifier, yet it backtracks exponentially on 'aaaa...a?': refused at load."""
    return RULE_HEAD.format(id="regex") + "    logs:\n      pattern: \"(a|a)+!$\"\n"


def test_regex_with_overlapping_alternation_is_bounded(tmp_path):
    log = "2020-05-14 04:45:52.123 7 ERROR nova.api [-] " + "a" * 40 + "?\n"
    hostile = tmp_path / "inputs-extra"
    hostile.mkdir()
    path = write_tar(hostile / "aaaa.tar.xz", sosreport_members(ROOT) + [
        ("file", f"{ROOT}/var/log/containers/nova/nova-api.log", log)])
    root, run = run_with_rules(tmp_path, overlapping_alternation, [path], timeout=30)
    assert run.returncode is not None, "killed at the time bound"
    assert run.returncode == 2
    assert f"{root / 'rules' / 'custom.yaml'}:7:" in run.stderr and "(a|a)+!$" in run.stderr
    assert run.changed_outside == []
