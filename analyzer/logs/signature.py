"""Message signatures: the message with its variable parts masked, so that repeats fold.

    >>> signature("Failed to connect to 10.0.0.5:5672 after 3 tries (req-4f1d2a3c-...)")
    'Failed to connect to <ip> after <n> tries (<req>)'
"""

from __future__ import annotations

import re

import pandas as pd

MAX_SIGNATURE_INPUT = 400

# Order matters: the longest, most specific shapes first.
_MASKS = [
    (re.compile(r"\breq-[0-9a-fA-F]{8}-?[0-9a-fA-F-]{4,}"), "<req>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
     "<uuid>"),
    (re.compile(r"<\d+\.\d+\.\d+>"), "<pid>"),  # Erlang pids
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}(?:%\w+)?(?![\w:])"
                r"|\[[0-9a-fA-F:]*::[0-9a-fA-F:]*\](?::\d+)?"), "<ip>"),
    (re.compile(r"(?<![\w.-])(?:/[\w.@+-]+){2,}/?"), "<path>"),
    (re.compile(r"\b[a-zA-Z][\w-]*(?:\.[a-zA-Z][\w-]*)*\.(?:localdomain|local|com|net|org|"
                r"internal|lan|example|novalocal|ctlplane|internalapi|storage|storagemgmt|"
                r"tenant|external|management|redhat\.com)\b"), "<host>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])"
                r"[0-9a-fA-F]{8,}\b"), "<hex>"),
    (re.compile(r"\b(?:[a-z]+-)+\d+\b"), "<host>"),  # controller-0, overcloud-novacompute-1
    (re.compile(r"[-+]?\b\w*\d\w*\b"), "<n>"),  # numbers and tokens holding digits
]


# What each mask's regex cannot match without (a literal it contains, or a digit): most
# tokens skip most substitutions.
_DIGIT = re.compile(r"\d")
_NEEDS = ["req-", "-", "<", ".", ":", "/", ".", "digit", "-", "digit"]
assert len(_NEEDS) == len(_MASKS)

_TOKEN_CACHE: dict[str, str] = {}
_TOKEN_CACHE_SIZE = 100_000


def _mask_token(token: str) -> str:
    masked = _TOKEN_CACHE.get(token)
    if masked is None:
        masked = token
        digit = _DIGIT.search(token) is not None
        for (regex, marker), need in zip(_MASKS, _NEEDS):
            if (digit if need == "digit" else need in masked):
                masked = regex.sub(marker, masked)
        if len(_TOKEN_CACHE) >= _TOKEN_CACHE_SIZE:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[token] = masked
    return masked


#: every ASCII digit plays the same part in every mask (`\d`, `[0-9a-fA-F]`, `\w`) and
#: every digit ends up masked, so messages that differ only in their digits share a signature:
#: it is computed once per distinct message with its digits zeroed
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_SIGNATURE_CACHE: dict[bytes, str] = {}
_SIGNATURE_CACHE_SIZE = 50_000


def signature(message: str) -> str:
    """`message` with uuids, request ids, hex, IPs, numbers, paths and host names masked
    (whitespace collapsed). Works token by token: words of letters are kept as they are."""
    text = (message or "")[:MAX_SIGNATURE_INPUT]
    key = text.encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS)
    masked = _SIGNATURE_CACHE.get(key)
    if masked is None:
        masked = " ".join(token if token.isalpha() else _mask_token(token)
                          for token in text.split())
        if len(_SIGNATURE_CACHE) >= _SIGNATURE_CACHE_SIZE:
            _SIGNATURE_CACHE.clear()
        _SIGNATURE_CACHE[key] = masked
    return masked


FOLD_COLUMNS = ("signature", "level", "services", "count", "nodes", "count_by_node",
                "first_seen", "last_seen", "example")


def fold(events_df: pd.DataFrame) -> pd.DataFrame:
    """One row per signature: level (the worst seen), services, count, nodes, count_by_node
    ({node: count}), first_seen/last_seen (UTC) and an example message; most frequent first.

    Needs the events columns signature, level, message, ts, and node/service when present.
    """
    if events_df.empty:
        return pd.DataFrame(columns=list(FOLD_COLUMNS))
    rank = {"CRITICAL": 0, "ERROR": 1, "WARNING": 2, "INFO": 3, "DEBUG": 4}
    df = events_df
    node = df["node"] if "node" in df else pd.Series("", index=df.index)
    service = df["service"] if "service" in df else pd.Series("", index=df.index)
    rows = []
    for sig, group in df.groupby("signature", sort=False):
        nodes = node.loc[group.index].fillna("")
        by_node = {str(k): int(v) for k, v in nodes.value_counts().sort_index().items()}
        ts = group["ts"].dropna() if "ts" in group else pd.Series([], dtype=object)
        rows.append({
            "signature": sig,
            "level": min(group["level"], key=lambda lv: rank.get(lv, 9)),
            "services": sorted({str(s) for s in service.loc[group.index].dropna()}),
            "count": len(group),
            "nodes": sorted(by_node),
            "count_by_node": by_node,
            "first_seen": ts.min() if len(ts) else None,
            "last_seen": ts.max() if len(ts) else None,
            "example": group["message"].iloc[0],
        })
    out = pd.DataFrame(rows, columns=list(FOLD_COLUMNS))
    return out.sort_values(["count", "signature"], ascending=[False, True],
                           ignore_index=True)
