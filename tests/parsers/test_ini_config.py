"""INI configs -> config table; secrets never leave the parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.errors import ParseError
from analyzer.parsers import load_all
from analyzer.parsers.ini_config import parse_ini_config, service_of
from analyzer.redact import MARKER_PREFIX, secret_marker

NOVA_PATH = "var/lib/config-data/puppet-generated/nova/etc/nova/nova.conf"

# RHOSP 16.2 controller nova.conf excerpt (puppet-generated, as TripleO writes it).
NOVA_CONF = """\
[DEFAULT]
instance_usage_audit_period=hour
rootwrap_config=/etc/nova/rootwrap.conf
compute_driver=libvirt.LibvirtDriver
allow_resize_to_same_host=False
vif_plugging_is_fatal=True
vif_plugging_timeout=300
dhcp_domain=
log_dir=/var/log/nova
transport_url=rabbit://guest:Kq7pWnXq2ZVb3mTc@controller-0.internalapi.redhat.local:5672,guest:Kq7pWnXq2ZVb3mTc@controller-1.internalapi.redhat.local:5672,guest:Kq7pWnXq2ZVb3mTc@controller-2.internalapi.redhat.local:5672/?ssl=0
enabled_apis=osapi_compute,metadata
osapi_compute_listen=172.17.1.42
# The metadata service listens here
metadata_listen=172.17.1.42

[api]
auth_strategy=keystone

[api_database]
connection=mysql+pymysql://nova_api:hX4nPzR8tLw2@172.17.1.150/nova_api?read_default_file=/etc/my.cnf.d/tripleo.cnf&read_default_group=tripleo

[cache]
backend=oslo_cache.memcache_pool
enabled=True
memcache_servers=controller-0.internalapi.redhat.local:11211,controller-1.internalapi.redhat.local:11211
memcache_secret_key=uY3bWq9fHs1XcVe7

[database]
connection=mysql+pymysql://nova:hX4nPzR8tLw2@172.17.1.150/nova?read_default_file=/etc/my.cnf.d/tripleo.cnf&read_default_group=tripleo
max_retries=-1
db_max_retries=-1

[keystone_authtoken]
www_authenticate_uri=http://10.0.0.110:5000
auth_url=http://172.17.1.150:5000
username=nova
password=Rb6TqPz3XvNk9Wd2
user_domain_name=Default
project_name=service
project_domain_name=Default
auth_type=password

[neutron]
auth_type=v3password
password=Jf2mLq8VnS4cXo1R
metadata_proxy_shared_secret=Zt5rYp0wQe7uIa3S
service_metadata_proxy=True

[oslo_messaging_notifications]
driver=noop
transport_url=rabbit://guest:Kq7pWnXq2ZVb3mTc@controller-0.internalapi.redhat.local:5672/?ssl=0

[pci]
alias={"name": "a1", "product_id": "1572", "vendor_id": "8086", "device_type": "type-PF"}
alias={"name": "a2", "product_id": "154d", "vendor_id": "8086", "device_type": "type-PF"}

[placement]
password=Mq1vBz7nXc4Lk2Pe
valid_interfaces=internal
"""

SECRETS = ("Kq7pWnXq2ZVb3mTc", "hX4nPzR8tLw2", "uY3bWq9fHs1XcVe7", "Rb6TqPz3XvNk9Wd2",
           "Jf2mLq8VnS4cXo1R", "Zt5rYp0wQe7uIa3S", "Mq1vBz7nXc4Lk2Pe")

# RHOSP 16 puppet-generated/mysql/etc/my.cnf.d/tripleo.cnf plus client credentials.
TRIPLEO_CNF = """\
[client]
user = root
password = "Pz8sKw3mVq"

[mysqld]
bind-address = 172.17.1.46
skip-name-resolve
max_connections = 4096
innodb_file_per_table = ON
wsrep_sst_auth = root:Pz8sKw3mVq
wsrep_provider_options = gmcast.listen_addr=tcp://172.17.1.46:4567;gcache.size=128M

[tripleo]
bind-address = 172.17.1.46
!includedir /etc/my.cnf.d
"""


def _rows(text, path=NOVA_PATH):
    return parse_ini_config(text, path)["config"]


def _strings(rows):
    for row in rows:
        for value in row.values():
            if isinstance(value, str):
                yield value


def test_nova_conf_secrets_become_markers():
    rows = _rows(NOVA_CONF)
    assert not [s for s in SECRETS if any(s in v for v in _strings(rows))]
    by = {(r["section"], r["option"]): r for r in rows}
    url = by[("DEFAULT", "transport_url")]["value"]
    assert url.count(secret_marker("Kq7pWnXq2ZVb3mTc")) == 3
    assert url.startswith("rabbit://guest:") and "@controller-2.internalapi.redhat.local:5672/?ssl=0" in url
    db = by[("database", "connection")]
    assert db["secret"] is True
    assert db["value"].startswith("mysql+pymysql://nova:" + MARKER_PREFIX)
    assert db["value"].endswith("@172.17.1.150/nova?read_default_file=/etc/my.cnf.d/tripleo.cnf"
                                "&read_default_group=tripleo")
    assert by[("keystone_authtoken", "password")]["value"] == secret_marker("Rb6TqPz3XvNk9Wd2")
    # equal secrets give equal markers, so drift between nodes is still visible
    api_db = by[("api_database", "connection")]["value"]
    assert secret_marker("hX4nPzR8tLw2") in api_db and secret_marker("hX4nPzR8tLw2") in db["value"]
    assert by[("keystone_authtoken", "auth_type")] == {
        "file": NOVA_PATH, "service": "nova", "section": "keystone_authtoken", "option": "auth_type",
        "value": "password", "secret": False, "line": 41}


def test_nova_conf_values_and_repeats():
    rows = _rows(NOVA_CONF)
    by = {(r["section"], r["option"]): r for r in rows}
    assert by[("DEFAULT", "enabled_apis")]["value"] == "osapi_compute,metadata"
    assert by[("DEFAULT", "dhcp_domain")]["value"] == ""
    assert by[("DEFAULT", "metadata_listen")]["line"] == 14
    aliases = [r for r in rows if r["option"] == "alias"]
    assert [r["line"] for r in aliases] == [54, 55] and '"product_id": "154d"' in aliases[1]["value"]
    assert len(rows) == 39


def test_values_with_equal_sign_and_continuations():
    text = ("[DEFAULT]\n"
            "; comment in the ; style\n"
            "   # indented comment\n"
            "default_log_levels = amqp=WARN,amqplib=WARN,\n"
            "    sqlalchemy=WARN,oslo.messaging=INFO\n"
            "logging_context_format_string: %(asctime)s.%(msecs)03d %(process)d\n"
            "quoted = 'spaced value'\n")
    rows = _rows(text, "etc/nova/nova.conf")
    assert [(r["option"], r["value"], r["line"]) for r in rows] == [
        ("default_log_levels", "amqp=WARN,amqplib=WARN,\nsqlalchemy=WARN,oslo.messaging=INFO", 4),
        ("logging_context_format_string", "%(asctime)s.%(msecs)03d %(process)d", 6),
        ("quoted", "spaced value", 7)]
    assert {r["service"] for r in rows} == {"nova"}


def test_my_cnf_keys_without_value_and_secrets():
    path = "var/lib/config-data/puppet-generated/mysql/etc/my.cnf.d/tripleo.cnf"
    rows = _rows(TRIPLEO_CNF, path)
    assert "Pz8sKw3mVq" not in "".join(_strings(rows))
    by = {(r["section"], r["option"]): r for r in rows}
    assert by[("mysqld", "skip-name-resolve")]["value"] is None
    assert by[("mysqld", "bind-address")]["value"] == "172.17.1.46"
    assert by[("client", "password")]["secret"] and by[("mysqld", "wsrep_sst_auth")]["secret"]
    assert by[("mysqld", "wsrep_provider_options")]["value"].endswith("gcache.size=128M")
    assert by[("tripleo", "!includedir")]["value"] == "/etc/my.cnf.d"
    assert {r["service"] for r in rows} == {"mysql"}


def test_neutron_plugin_ini_and_rabbitmq_env():
    ini = ("[ml2]\ntype_drivers = geneve,vxlan,vlan,flat\nmechanism_drivers=ovn\n"
           "[ml2_type_geneve]\nmax_header_size=38\nvni_ranges=1:65536\n")
    rows = _rows(ini, "var/lib/config-data/puppet-generated/neutron/etc/neutron/plugins/ml2/ml2_conf.ini")
    assert [(r["section"], r["option"], r["value"]) for r in rows][-1] == ("ml2_type_geneve", "vni_ranges", "1:65536")
    env = "LANG=en_US.UTF-8\nRABBITMQ_NODENAME=rabbit@controller-0\nexport ERL_EPMD_ADDRESS=172.17.1.46\n"
    rows = _rows(env, "var/lib/config-data/puppet-generated/rabbitmq/etc/rabbitmq/rabbitmq-env.conf")
    assert [(r["section"], r["option"]) for r in rows] == [
        ("", "LANG"), ("", "RABBITMQ_NODENAME"), ("", "ERL_EPMD_ADDRESS")]
    assert {r["service"] for r in rows} == {"rabbitmq"}


@pytest.mark.parametrize("path, service", [
    ("var/lib/config-data/puppet-generated/nova_libvirt/etc/nova/nova.conf", "nova_libvirt"),
    ("var/lib/config-data/puppet-generated/glance_api/etc/glance/glance-api.conf", "glance_api"),
    ("var/lib/config-data/neutron/etc/neutron/neutron.conf", "neutron"),
    ("etc/cinder/cinder.conf", "cinder"),
    ("etc/my.cnf.d/server.cnf", "mysql"),
    ("etc/my.cnf", "mysql"),
])
def test_service_from_path(path, service):
    assert service_of(path) == service


def test_values_masked_by_sos_stay_as_sos_wrote_them():
    text = ("[DEFAULT]\ntransport_url=*********\n[database]\n"
            "connection=mysql+pymysql://neutron:*********@172.17.1.150/ovs_neutron\n"
            "[nova]\npassword=*********\n")
    rows = _rows(text, "var/lib/config-data/puppet-generated/neutron/etc/neutron/neutron.conf")
    assert [(r["option"], r["value"], r["secret"]) for r in rows] == [
        ("transport_url", "*********", True),
        ("connection", "mysql+pymysql://neutron:*********@172.17.1.150/ovs_neutron", True),
        ("password", "*********", True)]


def test_broken_section_header_keeps_rows_before():
    with pytest.raises(ParseError) as err:
        _rows("[DEFAULT]\ndebug=True\n[keystone_authtoken\npassword=x\n")
    assert err.value.line == 3
    assert [r["option"] for r in err.value.partial["config"]] == ["debug"]


def test_non_ini_content_is_an_error():
    with pytest.raises(ParseError) as err:
        _rows("<VirtualHost 172.17.1.42:8774>\n  ServerName controller-0\n</VirtualHost>\n",
              "etc/nova/nova.conf")
    assert err.value.line == 1


def test_partial_rows_are_redacted_too():
    with pytest.raises(ParseError) as err:
        _rows("[database]\nconnection=mysql+pymysql://nova:Hq2Lp9@172.17.1.150/nova\nbind 1.2.3.4\n")
    assert "Hq2Lp9" not in "".join(_strings(err.value.partial["config"]))


def test_registered_kind():
    assert load_all()["ini_config"].fn is parse_ini_config


_secret = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", min_size=8, max_size=20)


@settings(max_examples=150, deadline=None)
@given(password=_secret, user=st.sampled_from(["guest", "nova", "neutron"]),
       option=st.sampled_from(["password", "admin_password", "memcache_secret_key",
                               "metadata_proxy_shared_secret", "rabbit_password", "admin_token"]),
       hosts=st.integers(1, 3), spaced=st.booleans())
def test_planted_secrets_never_survive(password, user, option, hosts, spaced):
    password = "Zq9" + password         # never a substring of the surrounding text
    eq = " = " if spaced else "="
    netloc = ",".join(f"{user}:{password}@controller-{i}.internalapi.localdomain:5672" for i in range(hosts))
    text = (f"[DEFAULT]\ntransport_url{eq}rabbit://{netloc}/?ssl=0\n"
            f"[database]\nconnection{eq}mysql+pymysql://{user}:{password}@172.17.1.150/{user}\n"
            f"[keystone_authtoken]\n{option}{eq}{password}\n"
            f"[coordination]\nbackend_url{eq}redis://:{password}@172.17.1.9:6379/\n")
    rows = _rows(text)
    assert len(rows) == 4 and all(r["secret"] for r in rows)
    assert not any(password in v for v in _strings(rows))


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(0, 2500), junk=st.text(max_size=40))
def test_only_parse_error_escapes(cut, junk):
    try:
        _rows(NOVA_CONF[:cut] + junk + NOVA_CONF[cut + len(junk):])
    except ParseError:
        pass
