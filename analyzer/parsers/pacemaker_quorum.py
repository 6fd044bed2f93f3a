"""`pcs quorum status` / `corosync-quorumtool -s` -> pcs_quorum (one row).

    Quorum information
    ------------------
    Quorum provider:  corosync_votequorum
    Nodes:            3
    Node ID:          1
    Quorate:          Yes

    Votequorum information
    ----------------------
    Expected votes:   3
    Total votes:      3
    Quorum:           2
    Flags:            Quorate

    Membership information
    ----------------------
        Nodeid      Votes    Qdevice Name
             1          1         NR controller-0 (local)
"""

from __future__ import annotations

import re

from analyzer.errors import ParseError
from analyzer.parsers.base import Tables, parser

_FIELD = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]*?):\s+(?P<value>.*?)\s*$")
_MEMBER = re.compile(r"^\s*(?P<id>\d+|0x[0-9a-fA-F]+)\s+(?P<votes>\d+)\s+(?:(?P<qdevice>[A-Z]+(?:,[A-Z]+)*)\s+)?"
                     r"(?P<name>\S+)(?P<local> \(local\))?\s*$")
_ERROR = re.compile(r"(Cannot initialize|Error:|is not running|not available|Unable to)", re.IGNORECASE)
_INTS = {"nodes": "nodes_count", "expected votes": "expected_votes", "highest expected": "highest_expected",
         "total votes": "total_votes", "quorum": "quorum"}


def _quorum(text: str) -> dict:
    row = {"quorate": None, "expected_votes": None, "highest_expected": None, "total_votes": None,
           "quorum": None, "nodes_count": None, "nodes": [], "members": [], "local_node": None,
           "node_id": None, "ring_id": None, "provider": None, "flags": [], "date": None, "error": None,
           "line": None}
    in_members = False
    for index, raw in enumerate(text.splitlines()):
        lineno, line = index + 1, raw.rstrip()
        if not line.strip() or set(line.strip()) == {"-"}:
            continue
        if line.strip().startswith("Membership information"):
            in_members = True
            continue
        if in_members:
            if line.split()[:2] == ["Nodeid", "Votes"]:
                continue
            m = _MEMBER.match(line)
            if not m:
                raise ParseError(f"unrecognised membership line: {line.strip()[:120]!r}", line=lineno)
            if m["name"] == "Qdevice" and int(m["id"], 0) == 0:
                row["members"].append({"nodeid": 0, "votes": int(m["votes"]), "qdevice": None,
                                       "name": "Qdevice", "local": False})
                continue
            member = {"nodeid": int(m["id"], 0), "votes": int(m["votes"]), "qdevice": m["qdevice"],
                      "name": m["name"], "local": bool(m["local"])}
            row["members"].append(member)
            row["nodes"].append(m["name"])
            if member["local"]:
                row["local_node"] = m["name"]
            continue
        m = _FIELD.match(line.strip())
        if m:
            key, value = m["key"].lower(), m["value"]
            row["line"] = row["line"] or lineno
            if key == "quorate":
                row["quorate"] = value.lower().startswith("yes")
            elif key in _INTS:
                number = re.match(r"\d+", value)
                row[_INTS[key]] = int(number[0]) if number else None
            elif key == "flags":
                row["flags"] = value.split()
            elif key == "node id":
                row["node_id"] = value
            elif key == "ring id":
                row["ring_id"] = value
            elif key == "quorum provider":
                row["provider"] = value
            elif key == "date":
                row["date"] = value
            continue
        if _ERROR.search(line):
            row["error"] = line.strip()
            row["line"] = row["line"] or lineno
    return row


@parser("pcs_quorum_status", tables=("pcs_quorum",))
def parse_quorum_status(text: str, path: str) -> Tables:
    """Quorum state of one node: quorate, votes, members. Sample (full one in the module docstring):

        Quorate:          Yes
        Expected votes:   3
        Total votes:      3
             1          1         NR controller-0 (local)
    """
    row = _quorum(text)
    if row["line"] is None:
        raise ParseError("no quorum information found", line=1 if text else None)
    if row["quorate"] is None and "Quorate" in row["flags"]:
        row["quorate"] = True
    return {"pcs_quorum": [row]}
