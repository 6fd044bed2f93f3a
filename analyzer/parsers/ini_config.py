"""INI-style configuration files -> the ``config`` table, secrets replaced by markers.

Reads the oslo.config files of the OpenStack services (``puppet-generated/<svc>/etc/<svc>/*.conf``
and their ``/etc`` fallbacks), neutron plugin ``.ini`` files and MariaDB ``my.cnf.d/*.cnf``,
following the rules of oslo.config's ini parser: ``#``/``;`` comments, ``[section]`` headers,
``key = value`` or ``key: value`` (split at the first separator, so values may contain ``=``),
matching quotes stripped, indented lines continuing the previous value (joined with a newline).
MariaDB files differ: only ``=`` separates, indentation is insignificant, a key may stand alone
(``skip-name-resolve``) and ``!includedir`` lines are kept as options. ``rabbitmq-env.conf``
(shell assignments, no sections) reads the same way, ``export`` dropped.

Table ``config``, one row per option occurrence (a repeated option keeps every row): file (the
path in the sosreport), service (from ``puppet-generated/<svc>/``, ``config-data/<svc>/`` or
``etc/<svc>/``), section (``""`` before the first header), option, value, secret, line.

Secrets never leave the parser: the values of password/secret/token/key options and the
credentials inside URLs (``transport_url`` with several hosts, ``[database] connection``,
``backend_url``) are replaced by `analyzer.redact` markers; ``secret`` is True when the value
was, or would be, replaced. Values that sos already masked (``*********``) are kept as sos wrote
them: a marker of the stars would make every masked value look like the same secret.
"""

from __future__ import annotations

import re

from analyzer.parsers.base import parser, partial_error
from analyzer.redact import MARKER_PREFIX, is_secret_option, redact_text, redact_value, secret_marker

_SERVICE_PATTERNS = (
    re.compile(r"(?:^|/)var/lib/config-data/puppet-generated/([^/]+)/"),
    re.compile(r"(?:^|/)var/lib/config-data/([^/]+)/etc/"),
    re.compile(r"(?:^|/)etc/(my\.cnf\.d)/"),
    re.compile(r"(?:^|/)etc/([^/]+)/"),
)
_SECTION = re.compile(r"^\[(?P<name>[^\]]*)\]\s*(?:[#;].*)?$")
# Credentials of the second and later hosts of a multi-host URL:
# rabbit://guest:pw@ctl-0:5672,guest:pw@ctl-1:5672/  (redact_value masks only the first)
_MORE_HOST_CREDENTIALS = re.compile(r"(?<=,)(?P<user>[^\s/@:,]*):(?P<password>[^\s/@,]+)@")
# sos' own masking of OpenStack configs (`password=*********`)
_SOS_MASK = re.compile(r"\*{3,}")
# Secret options the shared list does not know.
_MORE_SECRET_OPTIONS = re.compile(r"(^|[_-])sst_auth$|^wsrep_sst_auth$", re.IGNORECASE)


def service_of(path: str) -> str | None:
    """The service a config file belongs to: `puppet-generated/nova/etc/nova/nova.conf` -> nova."""
    for pattern in _SERVICE_PATTERNS:
        m = pattern.search(path)
        if m:
            return "mysql" if m.group(1) in ("my.cnf.d", "my.cnf") else m.group(1)
    if re.search(r"(?:^|/)etc/my\.cnf$", path):
        return "mysql"
    return None


def _redact(option: str, value: str | None) -> tuple[str | None, bool]:
    """(value safe to keep, whether it is a secret)."""
    if value is None:
        return None, is_secret_option(option)
    if _MORE_SECRET_OPTIONS.search(option):
        return (secret_marker(value) if value else value), True
    safe = redact_value(option, value)
    if "://" in safe:
        safe = _MORE_HOST_CREDENTIALS.sub(
            lambda m: m.group(0) if m.group("password").startswith(MARKER_PREFIX)
            else f"{m.group('user')}:{secret_marker(m.group('password'))}@", safe)
    for masked in set(_SOS_MASK.findall(value)):    # sos already masked it: keep its stars
        safe = safe.replace(secret_marker(masked), masked)
    return safe, safe != value or is_secret_option(option) or bool(_SOS_MASK.search(value))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _split(line: str, mysql: bool) -> tuple[str, str | None]:
    """`key = value` -> (key, value); a lone key -> (key, None)."""
    equal = line.find("=")
    colon = -1 if mysql else line.find(":")
    if equal < 0 and colon < 0:
        return line.strip(), None
    at = equal if colon < 0 or 0 <= equal < colon else colon
    return line[:at].strip(), _unquote(line[at + 1:].strip())


@parser("ini_config", tables=("config",))
def parse_ini_config(text: str, path: str) -> dict[str, list[dict]]:
    """Parse an INI-style config, e.g. puppet-generated/nova/etc/nova/nova.conf::

        [DEFAULT]
        transport_url=rabbit://guest:<secret>@controller-0.internalapi.localdomain:5672/?ssl=0
        enabled_apis=osapi_compute,metadata
        [database]
        connection=mysql+pymysql://nova:<secret>@172.17.1.150/nova?read_default_group=tripleo

    or my.cnf.d/tripleo.cnf (``[mysqld]``, ``skip-name-resolve``, ``bind-address = 172.17.1.12``).
    """
    mysql = path.endswith(".cnf") or "my.cnf" in path
    service = service_of(path)
    pending: list[dict] = []      # rows with the raw value, redacted once complete
    section = ""
    continuable = False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if "\x00" in line:
            raise partial_error("binary content in a config file", n, {"config": _finish(pending)})
        stripped = line.strip()
        if not stripped:
            continuable = False
            continue
        if not mysql and line[0] in " \t" and continuable and not stripped.startswith(("#", ";")):
            row = pending[-1]
            row["value"] = stripped if row["value"] in (None, "") else f"{row['value']}\n{stripped}"
            continue
        continuable = False
        if stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("["):
            m = _SECTION.match(stripped)
            if not m:
                raise partial_error(f"unterminated section header: {stripped[:60]!r}", n,
                                    {"config": _finish(pending)})
            section = m.group("name").strip()
            continue
        if mysql and stripped.startswith("!"):          # !include / !includedir <path>
            option, _, value = stripped.partition(" ")
            value = value.strip()
        else:
            option, value = _split(stripped, mysql)
        if option.startswith("export ") and value is not None:     # rabbitmq-env.conf is sh
            option = option[len("export "):].strip()
        if not option or (value is None and re.search(r"\s", option)) or option[0] in "<{}>":
            raise partial_error(f"not an INI option line: {redact_text(stripped[:60])!r}", n,
                                {"config": _finish(pending)})
        pending.append({"file": path, "service": service, "section": section, "option": option,
                        "value": value, "secret": False, "line": n})
        continuable = True
    return {"config": _finish(pending)}


def _finish(rows: list[dict]) -> list[dict]:
    """The rows with their secrets replaced (values are kept raw until a value is complete)."""
    done = []
    for row in rows:
        value, secret = _redact(row["option"], row["value"])
        done.append({**row, "value": value, "secret": secret})
    return done
