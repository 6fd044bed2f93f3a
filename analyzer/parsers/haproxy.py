"""HAProxy: ``haproxy.cfg`` sections and servers, and the stats CSV sos saves.

The configuration is line oriented: a section keyword (``global``, ``defaults``, ``listen``,
``frontend``, ``backend``, ...) opens a section and every following line up to the next section
keyword belongs to it. Words are split the way HAProxy splits them (blanks, ``\\`` escapes,
single and double quotes, ``#`` comments).
"""

from __future__ import annotations

import csv
import re

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error
from analyzer.redact import secret_marker

PROXY_SECTIONS = ("global", "defaults", "listen", "frontend", "backend")
OTHER_SECTIONS = ("peers", "resolvers", "userlist", "cache", "program", "mailers",
                  "http-errors", "ring", "namespace_list", "fcgi-app", "log-forward", "crt-store",
                  "traces")
NAMED_SECTIONS = ("listen", "frontend", "backend")

# `server` keywords that take a value; every other word of a server line is a flag.
SERVER_VALUED_KEYWORDS = {
    "inter", "fastinter", "downinter", "fall", "rise", "port", "addr", "weight", "cookie",
    "maxconn", "maxqueue", "minconn", "ca-file", "crl-file", "crt", "verify", "verifyhost", "sni",
    "check-sni", "on-marked-down", "on-marked-up", "on-error", "error-limit", "observe",
    "slowstart", "id", "agent-port", "agent-inter", "agent-addr", "agent-send", "resolvers",
    "resolve-prefer", "resolve-net", "init-addr", "track", "redir", "source", "usesrc",
    "namespace", "ciphers", "ciphersuites", "alpn", "npn", "proto", "pool-max-conn",
    "pool-purge-delay", "max-reuse", "tcp-ut", "socks4", "ws", "ssl-min-ver", "ssl-max-ver",
    "curves", "sigalgs", "proxy-v2-options", "check-proto", "check-alpn", "log-proto", "shard",
    "guid", "hash-key", "pool-low-conn", "check-via-socks4",
}

_TIME_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_TIME = re.compile(r"^(\d+)(us|ms|s|m|h|d)?$")


def split_words(line: str, lineno: int) -> list[str]:
    """Split one configuration line into words; drops a trailing ``#`` comment."""
    words: list[str] = []
    word: list[str] = []
    in_word = False
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"' and i + 1 < len(line):
                i += 1
                word.append(line[i])
            else:
                word.append(c)
        elif c == "\\" and i + 1 < len(line):
            i += 1
            word.append(line[i])
            in_word = True
        elif c in "\"'":
            quote = c
            in_word = True
        elif c == "#":
            break
        elif c.isspace():
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            word.append(c)
            in_word = True
        i += 1
    if quote:
        raise ParseError(f"unterminated {quote} quote", line=lineno)
    if in_word:
        words.append("".join(word))
    return words


def to_milliseconds(value: str | None) -> int | None:
    """HAProxy time value (``2000``, ``1s``, ``90m``) in milliseconds; None when not a time."""
    if value is None:
        return None
    m = _TIME.match(value.strip())
    if not m:
        return None
    return int(int(m.group(1)) * _TIME_UNITS_MS[m.group(2) or "ms"])


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def split_address(text: str) -> tuple[str, int | None, str | None]:
    """``10.0.0.5:13000`` -> (address, port, port_text). IPv6 takes the last colon as the port."""
    addr = text
    for prefix in ("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@", "udp@", "udp4@", "udp6@"):
        if addr.startswith(prefix):
            addr = addr[len(prefix):]
    if addr.startswith(("unix@", "abns@", "fd@", "sockpair@", "/")):
        return addr, None, None
    if addr.startswith("["):
        host, _, rest = addr[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else None
        return host, _int(port_text), port_text or None
    if ":" not in addr:
        return addr, None, None
    host, _, port_text = addr.rpartition(":")
    if port_text and not re.fullmatch(r"\d+(-\d+)?", port_text):
        return addr, None, None
    return host or "*", _int(port_text), port_text or None


def _parse_bind(words: list[str], lineno: int) -> list[dict]:
    if len(words) < 2:
        raise ParseError("bind without an address", line=lineno)
    params = words[2:]
    flags = set(params)
    binds = []
    for spec in words[1].split(","):
        if not spec:
            continue
        address, port, port_text = split_address(spec)
        binds.append({
            "bind": spec,
            "address": address,
            "port": port,
            "port_text": port_text,
            "ssl": "ssl" in flags,
            "transparent": "transparent" in flags,
            "crt": params[params.index("crt") + 1] if "crt" in params[:-1] else None,
            "line": lineno,
        })
    return binds


def _parse_server(proxy: str, words: list[str], lineno: int) -> dict:
    if len(words) < 3:
        raise ParseError("server line without a name and an address", line=lineno)
    address, port, _ = split_address(words[2])
    params = words[3:]
    values: dict[str, str] = {}
    flags: set[str] = set()
    i = 0
    while i < len(params):
        word = params[i]
        if word in SERVER_VALUED_KEYWORDS and i + 1 < len(params):
            values[word] = params[i + 1]
            i += 2
        else:
            flags.add(word)
            i += 1
    return {
        "proxy": proxy,
        "server": words[1],
        "address": address,
        "port": port,
        "check": "check" in flags,
        "inter": to_milliseconds(values.get("inter")),
        "fall": _int(values.get("fall")),
        "rise": _int(values.get("rise")),
        "backup": "backup" in flags,
        "disabled": "disabled" in flags,
        "cookie": values.get("cookie"),
        "ssl": "ssl" in flags,
        "check_port": _int(values.get("port")),
        "weight": _int(values.get("weight")),
        "maxconn": _int(values.get("maxconn")),
        "line": lineno,
    }


def _new_proxy(kind: str, name: str, lineno: int, defaults: dict | None) -> dict:
    return {
        "proxy": name,
        "kind": kind,
        "mode": (defaults or {}).get("mode") if kind in NAMED_SECTIONS else None,
        "mode_declared": False,
        "binds": [],
        "bind_addresses": [],
        "bind_ports": [],
        "bind_details": [],
        "ssl": False,
        "transparent": False,
        "options": [],
        "timeouts": {},
        "maxconn": None,
        "default_backend": None,
        "use_backends": [],
        "balance": None,
        "stats": False,
        "stats_uri": None,
        "stats_auth": [],
        "line": lineno,
    }


def _apply_keyword(proxy: dict, words: list[str], lineno: int) -> None:
    key = words[0]
    args = words[1:]
    if key == "bind":
        for bind in _parse_bind(words, lineno):
            proxy["binds"].append(bind["bind"])
            proxy["bind_addresses"].append(bind["address"])
            proxy["bind_ports"].append(bind["port"])
            proxy["bind_details"].append(bind)
            proxy["ssl"] = proxy["ssl"] or bind["ssl"]
            proxy["transparent"] = proxy["transparent"] or bind["transparent"]
    elif key == "mode" and args:
        proxy["mode"] = args[0]
        proxy["mode_declared"] = True
    elif key == "option" and args:
        proxy["options"].append(" ".join(args))
    elif key == "no" and len(args) >= 2 and args[0] == "option":
        proxy["options"].append("no " + " ".join(args[1:]))
    elif key == "timeout" and len(args) >= 2:
        proxy["timeouts"][args[0]] = args[1]
    elif key == "maxconn" and args:
        proxy["maxconn"] = _int(args[0])
    elif key == "default_backend" and args:
        proxy["default_backend"] = args[0]
    elif key == "use_backend" and args:
        proxy["use_backends"].append(args[0])
    elif key == "balance" and args:
        proxy["balance"] = " ".join(args)
    elif key == "stats" and args:
        sub = args[0]
        if sub == "enable":
            proxy["stats"] = True
        elif sub == "uri" and len(args) > 1:
            proxy["stats"] = True
            proxy["stats_uri"] = args[1]
        elif sub == "auth" and len(args) > 1:
            proxy["stats"] = True
            user, _, password = args[1].partition(":")
            proxy["stats_auth"].append(f"{user}:{secret_marker(password)}")
        elif sub in ("show-node", "show-legends", "refresh", "realm", "admin", "hide-version"):
            proxy["stats"] = True


@parser("haproxy_cfg", tables=("haproxy_proxies", "haproxy_servers"))
def parse_haproxy_cfg(text: str, path: str) -> dict[str, list[dict]]:
    """Parse ``haproxy.cfg`` (puppet-generated or /etc) into proxies and servers. Sample::

        listen mysql
          bind 172.16.2.5:3306 transparent
          option tcpka
          server controller-0.internalapi.localdomain 172.16.2.10:3306 backup check inter 1s port 9200

    One ``haproxy_proxies`` row per section (global, defaults, listen, frontend, backend) with
    its binds, options, timeouts and stats settings (``stats auth`` passwords become markers);
    ``mode`` is the effective one (inherited from the last ``defaults`` when not declared). One
    ``haproxy_servers`` row per ``server`` line; ``inter`` is in milliseconds.
    """
    proxies: list[dict] = []
    servers: list[dict] = []
    current: dict | None = None
    skipping = False
    last_defaults: dict | None = None
    orphan_line: int | None = None
    try:
        for lineno, raw in enumerate(text.split("\n"), start=1):
            words = split_words(raw.rstrip("\r"), lineno)
            if not words:
                continue
            key = words[0]
            if key in PROXY_SECTIONS:
                if key in NAMED_SECTIONS and len(words) < 2:
                    raise ParseError(f"{key} section without a name", line=lineno)
                name = words[1] if len(words) > 1 else key
                current = _new_proxy(key, name, lineno, last_defaults)
                if key == "defaults":
                    last_defaults = current
                proxies.append(current)
                skipping = False
                continue
            if key in OTHER_SECTIONS:
                current, skipping = None, True
                continue
            if skipping:
                continue
            if current is None:
                orphan_line = orphan_line or lineno
                continue
            if key == "server":
                servers.append(_parse_server(current["proxy"], words, lineno))
            else:
                _apply_keyword(current, words, lineno)
    except ParseError as err:
        raise partial_error(err.message, err.line, _tables(proxies, servers)) from None
    if not proxies:
        raise ParseError("no global, defaults, listen, frontend or backend section", line=orphan_line or 1)
    if orphan_line is not None:
        raise partial_error("configuration lines before the first section (truncated file?)",
                            orphan_line, _tables(proxies, servers))
    return _tables(proxies, servers)


def _tables(proxies: list[dict], servers: list[dict]) -> dict[str, list[dict]]:
    return {"haproxy_proxies": proxies, "haproxy_servers": servers}


STATS_TYPES = {"0": "frontend", "1": "backend", "2": "server", "3": "listener"}


@parser("haproxy_stats_csv", tables=("haproxy_status",))
def parse_haproxy_stats_csv(text: str, path: str) -> dict[str, list[dict]]:
    """Parse the stats CSV (``curl http://<stats vip>:1993/;csv`` -> ``haproxy_overview.txt``)::

        # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,...,status,weight,act,bck,...
        mysql,FRONTEND,,,0,2,4096,12,...,OPEN,,,,...
        mysql,controller-0.internalapi.localdomain,0,0,0,1,,6,...,UP,1,0,1,...,L7OK,200,...

    One ``haproxy_status`` row per proxy line (FRONTEND, BACKEND and each server). curl's
    progress meter before the header is skipped.
    """
    lines = [line.rstrip("\r") for line in text.split("\n")]
    header_at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("# pxname,")), None)
    if header_at is None:
        raise ParseError("no '# pxname,svname,...' stats CSV header", line=1)
    header = [h.strip() for h in lines[header_at].lstrip()[2:].split(",")]
    if "svname" not in header or "status" not in header:
        raise ParseError("stats CSV header without svname/status columns", line=header_at + 1)
    rows: list[dict] = []
    for index in range(header_at + 1, len(lines)):
        raw = lines[index]
        lineno = index + 1
        if not raw.strip():
            continue
        try:
            fields = next(csv.reader([raw]))
        except csv.Error as err:
            raise partial_error(f"unreadable CSV line: {err}", lineno, {"haproxy_status": rows}) from None
        if len(fields) < min(len(header), 18):
            raise partial_error("stats CSV line with too few fields (truncated?)", lineno,
                                {"haproxy_status": rows})
        record = dict(zip(header, fields))
        rows.append({
            "proxy": record.get("pxname"),
            "server": record.get("svname"),
            "type": STATS_TYPES.get(record.get("type", ""), record.get("type") or None),
            "status": record.get("status") or None,
            "check_status": record.get("check_status") or None,
            "check_code": _int(record.get("check_code")),
            "last_chk": record.get("last_chk") or None,
            "lastchg": _int(record.get("lastchg")),
            "downtime": _int(record.get("downtime")),
            "chkfail": _int(record.get("chkfail")),
            "chkdown": _int(record.get("chkdown")),
            "weight": _int(record.get("weight")),
            "active": _int(record.get("act")),
            "backup": _int(record.get("bck")),
            "sessions": _int(record.get("scur")),
            "line": lineno,
        })
    return {"haproxy_status": rows}
