"""Secrets never reach a report.

`secret_marker` replaces a secret value by a stable marker (short salted hash), so that two
nodes with the same password still compare equal without the password being kept.
`redact_text` scrubs free text (log lines, evidence, command output) of the secret shapes we
know: ``password=...`` style assignments, credentials inside URLs, Keystone/Fernet tokens,
``X-Auth-Token`` headers and PEM private keys.
"""

from __future__ import annotations

import hashlib
import re

_SALT = b"sos-analyzer/redact/v1"
MARKER_PREFIX = "[redacted:"

SECRET_OPTION = re.compile(
    r"(pass(word|wd)?|secret|token|(^|_)key$|_key_|private|credential|auth_key|api_key|"
    r"rabbit_password|admin_password|connection_password|transport_url|connection$|"
    r"fernet|encryption_key|memcache_secret_key|sst_auth|^auth$)", re.IGNORECASE)
_NOT_SECRET_OPTION = re.compile(r"(^|_)(file|path|dir|length|type|expiration|timeout|backend|"
                                r"driver|enabled|provider|format|prefix|algorithm|user|username|name|"
                                r"auth_type|ttl|cache|method)$", re.IGNORECASE)


def secret_marker(value: str) -> str:
    """A marker standing for `value`: equal values give equal markers."""
    digest = hashlib.sha256(_SALT + value.encode("utf-8", "replace")).hexdigest()[:8]
    return f"{MARKER_PREFIX}{digest}]"


def is_secret_option(option: str) -> bool:
    """True for config option names whose values are secrets (password, *_key, token ...)."""
    name = option.strip()
    if _NOT_SECRET_OPTION.search(name):
        return False
    return bool(SECRET_OPTION.search(name))


_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<cred>[^\s/@:]*:[^\s/@]*)@")
_ASSIGNMENT = re.compile(
    r"(?P<key>\b[\w.\-]*(?:password|passwd|pwd|secret|token|api_key|auth_key)[\w.\-]*)"
    r"(?P<sep>\s*[=:]\s*|\"\s*:\s*\"|'\s*:\s*')(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;&\"'}]+)",
    re.IGNORECASE)
_AUTH_HEADER = re.compile(r"(?P<key>X-(?:Auth|Subject)-Token[\"']?\s*[:=]\s*[\"']?)(?P<value>[A-Za-z0-9_\-=.+/]{8,})",
                          re.IGNORECASE)
_FERNET = re.compile(r"\bgAAAAA[A-Za-z0-9_\-=]{20,}")
_PKI_TOKEN = re.compile(r"\bMII[A-Za-z0-9+/=]{40,}")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|\Z)",
                          re.DOTALL)


_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s\"'<>]+")
# user:password@ right after the scheme or after a comma (multi-host transport_url)
_URL_HOST_CREDENTIALS = re.compile(r"(?P<lead>//|,)(?P<user>[^\s/@:,]*):(?P<password>[^\s/@,]*)@")


def _url_password(m: re.Match) -> str:
    password = m.group("password")
    if password.startswith(MARKER_PREFIX):
        return m.group(0)
    return f"{m.group('lead')}{m.group('user')}:{secret_marker(password)}@"


def _url(m: re.Match) -> str:
    return _URL_HOST_CREDENTIALS.sub(_url_password, m.group(0))


def _assign(m: re.Match) -> str:
    value = m.group("value")
    bare = value.strip("\"'")
    if bare.startswith(MARKER_PREFIX) or not bare or bare.lower() in ("none", "null", "<none>", "***", "********"):
        return m.group(0)
    quote = value[0] if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1 else ""
    return f"{m.group('key')}{m.group('sep')}{quote}{secret_marker(bare)}{quote}"


# Every secret shape below holds one of these (case aside): a text without any is returned
# as it is after one search instead of six substitutions (most log lines and evidence).
_ANY_SHAPE = re.compile(r"-----BEGIN|://|passw|pwd|secret|token|api_key|auth_key|gAAAAA|MII",
                        re.IGNORECASE)


def redact_text(text: str) -> str:
    """Replace every secret shape in `text` by its marker."""
    if not text or not _ANY_SHAPE.search(text):
        return text
    return _redact_shapes(text)


def _redact_shapes(text: str) -> str:
    text = _PRIVATE_KEY.sub(lambda m: secret_marker(m.group(0)), text)
    text = _URL.sub(_url, text)
    text = _AUTH_HEADER.sub(lambda m: m.group("key") + secret_marker(m.group("value")), text)
    text = _ASSIGNMENT.sub(_assign, text)
    text = _FERNET.sub(lambda m: secret_marker(m.group(0)), text)
    text = _PKI_TOKEN.sub(lambda m: secret_marker(m.group(0)), text)
    return text


def redact_value(option: str, value: str) -> str:
    """Config value of `option`: a marker when the option is a secret, URL creds masked otherwise."""
    if value is None:
        return value
    if is_secret_option(option) and not _URL_CREDENTIALS.search(value):
        return secret_marker(value) if value.strip() else value
    return redact_text(value)


def redact_obj(obj):
    """Apply `redact_text` to every string of a JSON-like structure (the report's one pass)."""
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, list):
        return [redact_obj(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(redact_obj(v) for v in obj)
    if isinstance(obj, dict):
        return {k: redact_obj(v) for k, v in obj.items()}
    return obj
