"""Secrets planted in sosreports, through the real CLI: the outputs hold markers only.

Two controllers with the same config files but different passwords (so config drift shows
the values side by side) and logs whose error lines carry secrets (so findings quote them as
evidence). Each secret's surroundings are checked to be in the report too: the test fails if a
secret disappears because its line was never reported rather than because it was masked.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from tests.hostile.corpus import PODMAN_PS, SANDBOX_SECRET, write_tar
from tests.hostile.sandbox import make_root, run_cli
from tests.ingest.tarbuild import sosreport_members

NOVA_CONF = "var/lib/config-data/puppet-generated/nova/etc/nova/nova.conf"
CONDUCTOR_LOG = "var/log/containers/nova/nova-conductor.log"
FERNET = ("gAAAAABmK3v9bXh1Qz0kU2V4bWtZcWZ3cFhKbE9YV2Q0eTZ6Q2tqZ1JfN3FwN1dBc3pIY2JvR2xuT0xfT1dqVk5"
          "xbUhZc2Vqd0Z0cUJ4Y3dTUVhtS1o5TDQ2dGV0bGpGb0pYcnM")
PEM_BODY = ("MIIEowIBAAKCAQEAu3hYqPq0dQ8KkzR1yJ5f3n0Wc9Vb2m7Lx4TzG6sHf1aDpE8cN2rUvQ0iKjMwXyZtB5nOeL7q"
            "9gFhS4aR6DkTmPVW3oYcXiJzU0lN8b1HvE2fQ7tAsK5yRgLdM3wO9pIeCjZu")


def secrets(node: int) -> dict[str, str]:
    """The planted values of controller-`node` (every one differs between the two nodes)."""
    return {
        "ini_password": f"K3yst0ne-auth-pw-{node}x",
        "db_url_password": f"n0va-DB-url-pw-{node}x",
        "rabbit_host1": f"R4bbit-one-{node}x",
        "rabbit_host2": f"R4bbit-two-{node}x",
        "rabbit_host3": f"R4bbit-three-{node}x",
        "memcache_key": f"Mc4che-secret-{node}x",
        "log_password": f"hunter2-logged-{node}x",
        "log_url_password": f"l0gged-url-pw-{node}x",
        "fernet": FERNET[:-1] + str(node),
        "pem": PEM_BODY + str(node),
    }


def nova_conf(s: dict[str, str], node: int) -> str:
    hosts = ",".join(f"guest:{s[k]}@controller-{i}.internalapi.localdomain:5672"
                     for i, k in enumerate(("rabbit_host1", "rabbit_host2", "rabbit_host3")))
    return f"""[DEFAULT]
transport_url=rabbit://{hosts}/?ssl=0
debug=False
my_ip=172.17.1.{20 + node}

[database]
connection=mysql+pymysql://nova:{s['db_url_password']}@172.17.1.150/nova?read_default_file=/etc/my.cnf.d/tripleo.cnf&read_default_group=tripleo
max_retries=-1

[keystone_authtoken]
www_authenticate_uri=http://172.17.1.150:5000
auth_type=password
username=nova
password={s['ini_password']}
memcache_secret_key={s['memcache_key']}
"""


def conductor_log(s: dict[str, str]) -> str:
    return (
        "2020-05-14 04:40:11.102 22 ERROR oslo_db.sqlalchemy.engines [req-0b7c3f5e-7a11-4d3e-9c61-3c1d0f0e9a21 - - - - -] "
        "Database connection was found disconnected; reconnecting: oslo_db.exception.DBConnectionError: "
        f"(pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query') "
        f"url=mysql+pymysql://nova:{s['log_url_password']}@172.17.1.150/nova password={s['log_password']}\n"
        "2020-05-14 04:40:12.417 22 ERROR keystonemiddleware.auth_token [-] Bad response code while validating "
        f"token {s['fernet']}: 503: DBConnectionError: Can't connect to MySQL server on '172.17.1.150'\n"
        "2020-05-14 04:40:13.001 22 ERROR nova.servicegroup.drivers.db [-] Unexpected error while reporting "
        "service status with {'cert': '/etc/pki/tls/certs/nova.crt', 'key': '-----BEGIN RSA PRIVATE KEY-----\\n"
        f"{s['pem']}\\n-----END RSA PRIVATE KEY-----\\n'}}: oslo_db.exception.DBConnectionError: MySQL server "
        "has gone away\n"
        "2020-05-14 04:40:13.001 22 ERROR nova.servicegroup.drivers.db Traceback (most recent call last):\n"
        "2020-05-14 04:40:13.001 22 ERROR nova.servicegroup.drivers.db oslo_db.exception.DBConnectionError: "
        "MySQL server has gone away\n"
    )


def node_members(node: int) -> list[tuple]:
    root = f"sosreport-controller-{node}-2020-05-14-secret{node}"
    s = secrets(node)
    return sosreport_members(root, hostname=f"controller-{node}") + [
        ("file", f"{root}/sos_commands/podman/podman_ps_-a", PODMAN_PS),
        ("file", f"{root}/{NOVA_CONF}", nova_conf(s, node)),
        ("file", f"{root}/{CONDUCTOR_LOG}", conductor_log(s)),
    ]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = make_root(tmp_path_factory.mktemp("redaction"), SANDBOX_SECRET)
    inputs = [write_tar(root / "inputs" / f"controller-{n}.tar.xz", node_members(n)) for n in (0, 1)]
    run = run_cli(root, [*map(str, inputs)], timeout=60)       # not --quiet: the terminal summary too
    assert run.returncode == 0, run.stderr[-3000:]
    texts = run.outputs()
    texts["terminal"] = run.stdout + run.stderr
    return texts


ALL_SECRETS = sorted({(name, value) for n in (0, 1) for name, value in secrets(n).items()})


@pytest.mark.parametrize("name,value", ALL_SECRETS, ids=[f"{n}-{v[-2:]}" for n, v in ALL_SECRETS])
def test_no_planted_secret_in_any_output(outputs, name, value):
    leaks = [fname for fname, text in outputs.items()
             if value in text or html.escape(value) in text or json.dumps(value)[1:-1] in text]
    assert leaks == [], f"{name} leaked"


def test_pem_key_body_fragments_do_not_leak(outputs):
    for fname, text in outputs.items():
        assert PEM_BODY[:40] not in text, fname


def test_the_reported_lines_and_values_hold_markers(outputs):
    """The secrets' surroundings reached the report, with markers in place of the secrets."""
    report = json.loads(outputs["report.json"])
    texts = json.dumps(report)
    assert any(f["rule_id"] == "logs.db-connection-lost" for f in report["findings"])
    marker = r"\[redacted:[0-9a-f]{8}\]"
    assert re.search(rf"password={marker}", texts), "the logged password= line is not in the report"
    assert re.search(rf"mysql\+pymysql://nova:{marker}@172\.17\.1\.150/nova", texts)
    assert re.search(rf"token {marker}: 503", texts), "the keystone token line is not in the report"
    assert re.search(rf"'key': '{marker}", texts), "the logged private key is not in the report"
    drift = json.dumps(report["drift"])
    for option in ("transport_url", "connection", "password", "memcache_secret_key"):
        assert f'"{option}"' in drift, f"{option} missing from the drift view"
    assert re.search(rf"rabbit://guest:{marker}@controller-0[^,]*,guest:{marker}@controller-1[^,]*,"
                     rf"guest:{marker}@controller-2", drift)
    for fname in ("report.md", "report.html"):
        assert re.search(marker, outputs[fname]), fname
