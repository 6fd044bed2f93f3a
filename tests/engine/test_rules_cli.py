"""`sos-analyzer rules list | validate | test | explain`."""

from click.testing import CliRunner

from analyzer.commands.rules import rules_group


def invoke(*args):
    return CliRunner().invoke(rules_group, list(args))


def test_rules_test_runs_every_case():
    result = invoke("test")
    assert result.exit_code == 0, result.output
    passed = int(result.output.strip().splitlines()[-1].split()[0])
    assert passed >= 80 and result.output.strip().endswith("0 failed")


def test_rules_test_reports_a_failing_case_with_its_line(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "rules:\n  - id: site.exited\n    title: '{name} exited'\n    component: containers\n"
        "    severity: error\n    table: containers\n    where: state == \"exited\"\n"
        "    tests:\n      - name: wrong expectation\n        expect: quiet\n"
        "        facts: {containers: [{name: a, state: exited}]}\n")
    result = invoke("test", "--rules", str(tmp_path), "site.exited")
    assert result.exit_code == 1
    assert f"{tmp_path / 'mine.yaml'}:9: expected no finding, got: 'a exited'" in result.output
    assert "has no test case where it should fire" in result.output


def test_validate_lists_errors_with_file_and_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("rules:\n  - id: a.b\n    title: t\n    severity: high\n")
    result = invoke("validate", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path / 'bad.yaml'}:4: rules.0.severity: 'high' is not one of" in result.output


def test_validate_shipped_and_list():
    assert "ok: " in invoke("validate").output
    listing = invoke("list", "--component", "galera").output
    assert "galera.bootstrap-needed" in listing and "containers.unhealthy" not in listing


def test_explain_shows_condition_and_remediation():
    result = invoke("explain", "pacemaker.replicas-below-configured")
    assert result.exit_code == 0
    assert "joined with pcs_bundles on node, bundle" in result.output
    assert "pcs resource show {bundle}" in result.output
    unknown = invoke("explain", "galera.not-sync")
    assert unknown.exit_code == 1 and "did you mean 'galera.not-synced'?" in unknown.output
