"""haproxy.cfg and stats CSV parsing: TripleO samples written here, plus realdata conformance."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import ParseError
from analyzer.parsers.haproxy import parse_haproxy_cfg, parse_haproxy_stats_csv, split_words
from analyzer.redact import MARKER_PREFIX
from tests.conftest import read_realdata

PUPPET_PATH = "var/lib/config-data/puppet-generated/haproxy/etc/haproxy/haproxy.cfg"

# RHOSP 16.1 controller, TLS on the public endpoints, puppet-tripleo layout.
TRIPLEO_CFG = """\
# This file is managed by Puppet
global
  daemon
  group  haproxy
  log  /dev/log local0
  maxconn  20480
  pidfile  /var/run/haproxy.pid
  ssl-default-bind-ciphers  !SSLv2:kEECDH:kRSA:kEDH:kPSK:+3DES:!aNULL:!eNULL:!MD5:!EXP:!RC4:!SEED:!IDEA:!DES
  ssl-default-bind-options  no-sslv3 no-tlsv10
  stats  socket /var/lib/haproxy/stats mode 600 level user
  stats  timeout 2m
  user  haproxy

defaults
  log  global
  maxconn  4096
  mode  tcp
  retries  3
  timeout  http-request 10s
  timeout  queue 2m
  timeout  connect 10s
  timeout  client 2m
  timeout  server 2m
  timeout  check 10s

listen haproxy.stats
  bind 192.168.24.7:1993 transparent
  mode http
  stats enable
  stats uri /
  stats auth admin:Vh7kZq3yQ2pXr8Tn

listen keystone_public
  bind 10.0.0.5:13000 transparent ssl crt /etc/pki/tls/private/overcloud_endpoint.pem
  bind 172.16.2.5:5000 transparent
  mode http
  http-request set-header X-Forwarded-Proto https if { ssl_fc }
  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }
  http-request set-header X-Forwarded-Port %[dst_port]
  option httpchk
  option httplog
  option forwardfor
  redirect scheme https code 301 if { hdr(host) -i 10.0.0.5 } !{ ssl_fc }
  server controller-0.internalapi.localdomain 172.16.2.10:5000 check fall 5 inter 2000 rise 2
  server controller-1.internalapi.localdomain 172.16.2.11:5000 check fall 5 inter 2000 rise 2
  server controller-2.internalapi.localdomain 172.16.2.12:5000 check fall 5 inter 2000 rise 2

listen mysql
  bind 172.16.2.5:3306 transparent
  option tcpka
  option httpchk
  option tcplog
  stick on dst
  stick-table type ip size 1000
  timeout client 90m
  timeout server 90m
  server controller-0.internalapi.localdomain 172.16.2.10:3306 backup check inter 1s on-marked-down shutdown-sessions port 9200
  server controller-1.internalapi.localdomain 172.16.2.11:3306 backup check inter 1s on-marked-down shutdown-sessions port 9200
  server controller-2.internalapi.localdomain 172.16.2.12:3306 backup check inter 1s on-marked-down shutdown-sessions port 9200

listen nova_osapi
  bind 10.0.0.5:13774 transparent ssl crt /etc/pki/tls/private/overcloud_endpoint.pem
  bind 172.16.2.5:8774 transparent
  mode http
  balance roundrobin
  option httpchk
  option httplog
  server controller-0.internalapi.localdomain 172.16.2.10:8774 check fall 5 inter 2000 rise 2
  server controller-1.internalapi.localdomain 172.16.2.11:8774 check fall 5 inter 2000 rise 2
  server controller-2.internalapi.localdomain 172.16.2.12:8774 disabled check fall 5 inter 2000 rise 2

listen redis
  bind 172.16.2.6:6379 transparent
  balance first
  option tcp-check
  tcp-check send AUTH\\ Xq9wLmP2\\r\\n
  tcp-check expect string +OK
  tcp-check send PING\\r\\n
  tcp-check expect string +PONG
  tcp-check send info\\ replication\\r\\n
  tcp-check expect string role:master
  server controller-0.internalapi.localdomain 172.16.2.10:6379 check fall 5 inter 2000 rise 2
  server controller-1.internalapi.localdomain 172.16.2.11:6379 check fall 5 inter 2000 rise 2

frontend horizon_fe
  bind 10.0.0.5:443 transparent ssl crt /etc/pki/tls/private/overcloud_endpoint.pem
  mode http
  default_backend horizon_be

backend horizon_be
  mode http
  cookie SERVERID insert indirect nocache
  server controller-0.internalapi.localdomain 172.16.2.10:80 cookie controller-0.internalapi.localdomain check fall 5 inter 2000 rise 2
"""


def proxies_by_name(tables):
    return {row["proxy"]: row for row in tables["haproxy_proxies"]}


def test_tripleo_cfg_sections_and_kinds():
    tables = parse_haproxy_cfg(TRIPLEO_CFG, PUPPET_PATH)
    proxies = proxies_by_name(tables)
    assert [p["kind"] for p in tables["haproxy_proxies"]] == [
        "global", "defaults", "listen", "listen", "listen", "listen", "listen", "frontend", "backend"]
    assert proxies["mysql"]["line"] == 48
    assert proxies["mysql"]["mode"] == "tcp" and not proxies["mysql"]["mode_declared"]
    assert proxies["nova_osapi"]["mode"] == "http"
    assert proxies["mysql"]["options"] == ["tcpka", "httpchk", "tcplog"]
    assert proxies["mysql"]["timeouts"] == {"client": "90m", "server": "90m"}
    assert proxies["nova_osapi"]["balance"] == "roundrobin"
    assert proxies["horizon_fe"]["default_backend"] == "horizon_be"
    assert proxies["global"]["maxconn"] == 20480


def test_binds_with_ssl_and_transparent():
    proxies = proxies_by_name(parse_haproxy_cfg(TRIPLEO_CFG, PUPPET_PATH))
    nova = proxies["nova_osapi"]
    assert nova["binds"] == ["10.0.0.5:13774", "172.16.2.5:8774"]
    assert nova["bind_addresses"] == ["10.0.0.5", "172.16.2.5"]
    assert nova["bind_ports"] == [13774, 8774]
    assert nova["ssl"] is True and nova["transparent"] is True
    public, internal = nova["bind_details"]
    assert public["ssl"] and public["crt"] == "/etc/pki/tls/private/overcloud_endpoint.pem"
    assert not internal["ssl"] and internal["transparent"]
    assert proxies["mysql"]["ssl"] is False


def test_server_lines():
    servers = parse_haproxy_cfg(TRIPLEO_CFG, PUPPET_PATH)["haproxy_servers"]
    assert len(servers) == 12
    mysql0 = next(s for s in servers if s["proxy"] == "mysql")
    assert mysql0["server"] == "controller-0.internalapi.localdomain"
    assert (mysql0["address"], mysql0["port"], mysql0["check_port"]) == ("172.16.2.10", 3306, 9200)
    assert mysql0["backup"] and mysql0["check"] and mysql0["inter"] == 1000
    nova = [s for s in servers if s["proxy"] == "nova_osapi"]
    assert [(s["fall"], s["inter"], s["rise"]) for s in nova] == [(5, 2000, 2)] * 3
    assert [s["disabled"] for s in nova] == [False, False, True]
    horizon = next(s for s in servers if s["proxy"] == "horizon_be")
    assert horizon["cookie"] == "controller-0.internalapi.localdomain"


def test_stats_auth_is_redacted():
    tables = parse_haproxy_cfg(TRIPLEO_CFG, PUPPET_PATH)
    stats = proxies_by_name(tables)["haproxy.stats"]
    assert stats["stats"] is True and stats["stats_uri"] == "/"
    assert stats["bind_addresses"] == ["192.168.24.7"] and stats["bind_ports"] == [1993]
    [auth] = stats["stats_auth"]
    assert auth.startswith("admin:" + MARKER_PREFIX)
    flat = repr(tables)
    assert "Vh7kZq3yQ2pXr8Tn" not in flat and "Xq9wLmP2" not in flat


def test_words_follow_haproxy_quoting():
    assert split_words('  option httpchk GET "/ HTTP/1.0"  # check', 3) == ["option", "httpchk", "GET", "/ HTTP/1.0"]
    assert split_words(r"tcp-check send info\ replication\r\n", 1) == ["tcp-check", "send", r"info replicationrn"]
    with pytest.raises(ParseError) as err:
        split_words('errorfile 503 "/etc/haproxy/errors', 7)
    assert err.value.line == 7


def test_ipv6_binds_and_wildcards():
    cfg = "listen keystone_admin\n  bind fd00:fd00:fd00:2000::10:35357 transparent\n  bind *:81\n  bind :::5000 v4v6\n"
    proxy = parse_haproxy_cfg(cfg, "etc/haproxy/haproxy.cfg")["haproxy_proxies"][0]
    assert proxy["bind_addresses"] == ["fd00:fd00:fd00:2000::10", "*", "::"]
    assert proxy["bind_ports"] == [35357, 81, 5000]


def test_unnamed_listen_is_a_parse_error_with_line():
    with pytest.raises(ParseError) as err:
        parse_haproxy_cfg("global\n  daemon\n\nlisten\n  bind 1.2.3.4:80\n", "haproxy.cfg")
    assert err.value.line == 4
    assert [p["proxy"] for p in err.value.partial["haproxy_proxies"]] == ["global"]


def test_truncated_head_keeps_the_sections_that_follow():
    tail = "  server controller-2 172.16.2.12:8042 check fall 5 inter 2000 rise 2\n\n" + \
        "listen cinder\n  bind 172.16.2.5:8776 transparent\n  server controller-0 172.16.2.10:8776 check\n"
    with pytest.raises(ParseError) as err:
        parse_haproxy_cfg(tail, PUPPET_PATH)
    assert err.value.line == 1
    assert [s["server"] for s in err.value.partial["haproxy_servers"]] == ["controller-0"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_garbage_only_raises_parse_error(text):
    for fn in (parse_haproxy_cfg, parse_haproxy_stats_csv):
        try:
            fn(text, "haproxy.cfg")
        except ParseError:
            pass


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=len(TRIPLEO_CFG) - 1))
def test_cut_configuration_only_raises_parse_error(cut):
    try:
        parse_haproxy_cfg(TRIPLEO_CFG[:cut], PUPPET_PATH)
        parse_haproxy_cfg(TRIPLEO_CFG[cut:], PUPPET_PATH)
    except ParseError:
        pass


STATS_HEADER = (
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,"
    "status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,"
    "type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,"
    "hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,"
    "comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,\n")


def stats_line(px, sv, status, typ, check_status="", check_code="", last_chk="", act="", bck="",
               chkfail="", chkdown="", lastchg="", downtime=""):
    fields = [px, sv, "0", "0", "0", "1", "", "6", "1201", "2930", "", "0", "", "0", "0", "0", "0",
              status, "1", act, bck, chkfail, chkdown, lastchg, downtime, "", "1", "4", "1", "", "6", "",
              typ, "0", "", "1", check_status, check_code, "1", "", "", "", "", "", "", "0", "", "", "",
              "0", "0", "", "", "", "", "12", last_chk, "", "0", "0", "0", "3"]
    return ",".join(fields) + ",\n"


STATS_CSV = (
    "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
    "                                 Dload  Upload   Total   Spent    Left  Speed\n"
    "\r100  4718    0  4718    0     0  1535k      0 --:--:-- --:--:-- --:--:-- 1535k\n"
    + STATS_HEADER
    + stats_line("mysql", "FRONTEND", "OPEN", "0")
    + stats_line("mysql", "controller-0.internalapi.localdomain", "UP", "2", "L7OK", "200",
                 "Galera cluster node is synced.", act="0", bck="1", lastchg="86112", downtime="0")
    + stats_line("mysql", "controller-1.internalapi.localdomain", "DOWN", "2", "L7STS", "503",
                 "Galera cluster node is not synced.", act="0", bck="1", chkfail="3", chkdown="1",
                 lastchg="512", downtime="512")
    + stats_line("mysql", "controller-2.internalapi.localdomain", "MAINT", "2", act="0", bck="1")
    + stats_line("mysql", "BACKEND", "UP", "1", lastchg="86112")
)


def test_stats_csv_statuses():
    rows = parse_haproxy_stats_csv(STATS_CSV, "sos_commands/haproxy/haproxy_overview.txt")["haproxy_status"]
    assert [(r["server"], r["status"], r["type"]) for r in rows] == [
        ("FRONTEND", "OPEN", "frontend"),
        ("controller-0.internalapi.localdomain", "UP", "server"),
        ("controller-1.internalapi.localdomain", "DOWN", "server"),
        ("controller-2.internalapi.localdomain", "MAINT", "server"),
        ("BACKEND", "UP", "backend")]
    down = rows[2]
    assert down["proxy"] == "mysql" and down["line"] == 7
    assert (down["check_status"], down["check_code"], down["chkdown"]) == ("L7STS", 503, 1)
    assert down["last_chk"] == "Galera cluster node is not synced."
    assert down["downtime"] == 512 and down["backup"] == 1


def test_stats_csv_without_header_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_haproxy_stats_csv("<html><body><h1>401 Unauthorized</h1></body></html>\n", "haproxy_overview.txt")


def test_stats_csv_cut_line_keeps_previous_rows():
    cut = STATS_CSV[:STATS_CSV.index("controller-1") + 30]
    with pytest.raises(ParseError) as err:
        parse_haproxy_stats_csv(cut, "haproxy_overview.txt")
    assert err.value.line == 7
    assert len(err.value.partial["haproxy_status"]) == 2


# --- conformance over ../shared/realdata -----------------------------------------------------

def test_realdata_tripleo_mysql_listen():
    tables = parse_haproxy_cfg(read_realdata("haproxy/insights-haproxy.cfg-tripleo-mysql-listen.txt"),
                               PUPPET_PATH)
    proxies = proxies_by_name(tables)
    assert list(proxies) == ["global", "defaults", "mysql"]
    assert proxies["mysql"]["binds"] == ["10.0.1.10:3306"]
    assert proxies["mysql"]["options"] == ["tcpka", "httpchk"]
    servers = tables["haproxy_servers"]
    assert [s["server"] for s in servers] == ["chicago-controller-0", "chicago-controller-1", "chicago-controller-2"]
    assert all(s["backup"] and s["check"] and s["check_port"] == 9200 and s["fall"] == 5 and s["rise"] == 2
               and s["inter"] == 2000 for s in servers)


def test_realdata_osp_puppet_listens():
    tables = parse_haproxy_cfg(read_realdata("haproxy/insights-haproxy.cfg-osp-puppet.txt"), "etc/haproxy/haproxy.cfg")
    listens = [p for p in tables["haproxy_proxies"] if p["kind"] == "listen"]
    assert len(listens) == 18
    servers = tables["haproxy_servers"]
    assert len(servers) == 51
    proxies = proxies_by_name(tables)
    assert proxies["ceilometer-api"]["binds"] == ["10.64.111.94:8777", "10.64.111.93:8777", "10.64.111.92:8777"]
    assert proxies["horizon"]["mode"] == "http" and proxies["amqp"]["mode"] == "tcp"
    assert proxies["stats"]["stats"] is True and proxies["stats"]["bind_addresses"] == ["*"]
    assert proxies["galera"]["timeouts"] == {"client": "90m", "server": "90m"}
    galera = [s for s in servers if s["proxy"] == "galera"]
    assert {s["check_port"] for s in galera} == {9200}
    assert all(s["inter"] == 1000 for s in servers if s["proxy"] == "amqp")
    metadata = [s for s in servers if s["proxy"] == "nova-metadata"]
    assert all(s["check"] and s["inter"] is None for s in metadata)
    horizon = [s["cookie"] for s in servers if s["proxy"] == "horizon"]
    assert horizon == ["lb-backend-ncerdlabdell397", "lb-backend-ncerdlabdell400", "lb-backend-ncerdlabdell401"]
