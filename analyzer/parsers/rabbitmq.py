"""RabbitMQ: ``rabbitmqctl report`` and ``rabbitmqctl cluster_status``, 3.6 and 3.8+ formats.

RabbitMQ up to 3.7 prints Erlang terms after each ``... of node X`` banner; 3.8+ prints titled
text sections (titles in ANSI bold). Both give one ``rabbitmq`` row per ``Cluster status of node``
block with the same columns and the same alarm wording, so rules need not know the version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyparsing as pp

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error

# --- Erlang terms --------------------------------------------------------------------------


class Atom(str):
    """An Erlang atom (a plain str for every other purpose)."""


def _hashable(key: object) -> object:
    try:
        hash(key)
        return key
    except TypeError:
        return repr(key)


def _erlang_grammar() -> pp.ParserElement:
    term = pp.Forward()
    atom = pp.Regex(r"[a-z][A-Za-z0-9_@.\-]*").set_parse_action(lambda t: Atom(t[0]))
    quoted_atom = pp.QuotedString("'", esc_char="\\").set_parse_action(lambda t: Atom(t[0]))
    string = pp.QuotedString('"', esc_char="\\", multiline=True, unquote_results=True)
    number = pp.Regex(r"-?\d+(\.\d+)?([eE][-+]?\d+)?").set_parse_action(
        lambda t: float(t[0]) if any(c in t[0] for c in ".eE") else int(t[0]))
    binary_bytes = pp.DelimitedList(pp.Regex(r"\d+")).set_parse_action(
        lambda t: bytes(int(b) % 256 for b in t).decode("utf-8", "replace"))
    binary = (pp.Suppress("<<") + pp.Optional(string | binary_bytes, default="") + pp.Suppress(">>"))
    pid = pp.Regex(r"<[^<>\s,{}\[\]]+>")
    opaque = pp.Regex(r"#[A-Za-z]+<[^>]*>")
    items = pp.Optional(pp.DelimitedList(term))
    tuple_ = (pp.Suppress("{") + pp.Group(items) + pp.Suppress("}")).set_parse_action(lambda t: tuple(t[0]))
    list_ = (pp.Suppress("[") + pp.Group(items + pp.Optional(pp.Suppress("|") + term))
             + pp.Suppress("]")).set_parse_action(lambda t: [list(t[0])])
    pair = pp.Group(term + pp.Suppress("=>") + term)
    map_ = (pp.Suppress("#{") + pp.Group(pp.Optional(pp.DelimitedList(pair))) + pp.Suppress("}")
            ).set_parse_action(lambda t: [{_hashable(k): v for k, v in t[0]}])
    term <<= binary | pid | opaque | map_ | tuple_ | list_ | string | number | quoted_atom | atom
    return term


ERLANG_TERM = _erlang_grammar()


def parse_erlang_term(text: str) -> object:
    """One Erlang term as Python: lists, tuples, str (atoms are `Atom`), int, float, dict."""
    return ERLANG_TERM.parse_string(text, parse_all=True)[0]


def proplist(term: object) -> dict:
    """``[{key, value}, ...]`` as a dict (other elements are ignored)."""
    out = {}
    if isinstance(term, list):
        for item in term:
            if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[0], str):
                out[item[0]] = item[1] if len(item) == 2 else item[1:]
    return out


# --- report layout -------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BANNER = re.compile(r"^(?P<what>Status|Cluster status|Application environment) of node "
                    r"'?(?P<node>[^'\s]+)'?(?: \.\.\.)?\s*$")
BLOCK_END = re.compile(r"^(Reporting server status|Status of node|Cluster status of node|"
                       r"Application environment of node|Connections:|Channels:|"
                       r"(Queues|Exchanges|Bindings|Consumers|Permissions|Policies|Parameters) on |"
                       r"Listing |Timeout: |Error:)")
QUEUES_36 = re.compile(r"^Queues on (?P<vhost>.*):\s*$")
QUEUES_38 = re.compile(r"^Listing queues for vhost (?P<vhost>.*?) \.\.\.\s*$")
NODE_ERROR = re.compile(r"^Error:.*?(unable to (connect to|perform an operation on) node|nodedown|"
                        r"could not connect|is not running|app to be running)", re.IGNORECASE)
REPORTING_NODE = re.compile(r"^Reporting server status of node '?(rabbit@[^'\s]+?)'? \.\.\.", re.M)
ERROR_NODE = re.compile(r"node '?(rabbit@[^'\s:.]+(?:\.[^'\s:]+)*)'?")

TEXT_SECTIONS = ("Basics", "Cluster Tags", "Disk Nodes", "RAM Nodes", "Running Nodes", "Versions",
                 "CPU Cores", "Maintenance status", "Alarms", "Network Partitions", "Listeners",
                 "Feature flags")

ALARM_WORDS = {"memory": "Memory", "disk": "Free disk space", "file_descriptor_limit": "File descriptor limit"}


@dataclass
class NodeStatus:
    """What a ``Status of node`` block says about one node."""
    version: str | None = None
    alarms: list[str] = field(default_factory=list)
    listeners: list[str] = field(default_factory=list)


def _alarm_text(kind: str, node: str) -> str:
    return f"{ALARM_WORDS.get(kind, kind)} alarm on node {node}"


def _erlang_alarms(value: object, default_node: str) -> list[str]:
    """Alarms of a 3.6 term: ``[{Node,[{{resource_limit,memory,Node},[]}]}]``, ``[memory]`` ..."""
    out: list[str] = []

    def one(alarm: object, node: str) -> None:
        if isinstance(alarm, tuple) and alarm and isinstance(alarm[0], tuple):
            one(alarm[0], node)
        elif isinstance(alarm, tuple) and len(alarm) >= 2 and alarm[0] == "resource_limit":
            one(str(alarm[1]), str(alarm[2]) if len(alarm) > 2 else node)
        elif isinstance(alarm, str):
            out.append(_alarm_text(alarm, node))
        else:
            out.append(f"{alarm!r} alarm on node {node}")

    for item in value if isinstance(value, list) else []:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) \
                and item[0].startswith(("rabbit", "rmq")) and isinstance(item[1], list):
            for alarm in item[1]:
                one(alarm, str(item[0]))
        else:
            one(item, default_node)
    return sorted(set(out), key=out.index)


def _erlang_listeners(value: object) -> list[str]:
    return [f"{item[0]}:{item[1]}" for item in value if isinstance(item, tuple) and len(item) >= 2] \
        if isinstance(value, list) else []


def _node_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _blank_row(node: str, line: int, fmt: str) -> dict:
    return {"cluster_name": None, "version": None, "node_name": node, "disc_nodes": [], "ram_nodes": [],
            "running_nodes": [], "stopped_nodes": [], "partitions": [], "partitioned": False,
            "alarms": [], "listeners": [], "format": fmt, "error": None, "line": line}


def _finish(row: dict) -> dict:
    members = row["disc_nodes"] + [n for n in row["ram_nodes"] if n not in row["disc_nodes"]]
    row["stopped_nodes"] = [n for n in members if n not in row["running_nodes"]]
    row["partitioned"] = bool(row["partitions"])
    return row


def _cluster_from_term(term: object, node: str, line: int) -> dict:
    props = proplist(term)
    row = _blank_row(node, line, "erlang")
    nodes = proplist(props.get("nodes"))
    row["disc_nodes"] = _node_list(nodes.get("disc"))
    row["ram_nodes"] = _node_list(nodes.get("ram"))
    row["running_nodes"] = _node_list(props.get("running_nodes"))
    name = props.get("cluster_name")
    row["cluster_name"] = str(name) if name is not None else None
    for item in props.get("partitions") or []:
        if isinstance(item, tuple) and len(item) == 2:
            row["partitions"].append({"node": str(item[0]), "partitioned_from": _node_list(item[1])})
    row["alarms"] = _erlang_alarms(props.get("alarms"), node)
    return _finish(row)


def _status_from_term(term: object, node: str) -> NodeStatus:
    props = proplist(term)
    status = NodeStatus()
    for app in props.get("running_applications") or []:
        if isinstance(app, tuple) and len(app) >= 3 and app[0] == "rabbit":
            status.version = str(app[2])
    status.alarms = _erlang_alarms(props.get("alarms"), node)
    status.listeners = _erlang_listeners(props.get("listeners"))
    return status


def _text_sections(lines: list[tuple[int, str]]) -> dict[str, list[tuple[int, str]]]:
    sections: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    for lineno, text in lines:
        title = text.strip()
        if title in TEXT_SECTIONS or title.rstrip(":") in ("Log file(s)", "Runtime", "Plugins", "Memory",
                                                           "Data directory", "Config files", "Totals",
                                                           "File Descriptors", "Free Disk Space"):
            current = sections.setdefault(title, [])
            continue
        if current is not None and title and title != "(none)":
            current.append((lineno, title))
    return sections


_LISTENER_TEXT = re.compile(r"port: (?P<port>\d+), protocol: (?P<proto>[^,]+)")
_VERSION_TEXT = re.compile(r"^(?P<node>\S+): RabbitMQ (?P<version>\S+)")
_PARTITION_TEXT = re.compile(r"^Node (?P<node>\S+) cannot communicate with (?P<peers>.+)$")


def _cluster_from_text(lines: list[tuple[int, str]], node: str, line: int) -> dict:
    sections = _text_sections(lines)
    row = _blank_row(node, line, "text")
    for _, text in sections.get("Basics", []):
        if text.startswith("Cluster name:"):
            row["cluster_name"] = text.partition(":")[2].strip() or None
    row["disc_nodes"] = [t for _, t in sections.get("Disk Nodes", [])]
    row["ram_nodes"] = [t for _, t in sections.get("RAM Nodes", [])]
    row["running_nodes"] = [t for _, t in sections.get("Running Nodes", [])]
    for _, text in sections.get("Versions", []):
        m = _VERSION_TEXT.match(text)
        if m and m.group("node") == node:
            row["version"] = m.group("version")
    row["alarms"] = [t for _, t in sections.get("Alarms", [])]
    for lineno, text in sections.get("Network Partitions", []):
        m = _PARTITION_TEXT.match(text)
        if not m:
            raise ParseError(f"unexpected network partition line: {text!r}", line=lineno)
        row["partitions"].append({"node": m.group("node"),
                                  "partitioned_from": [p.strip() for p in m.group("peers").split(",")]})
    row["listeners"] = [f"{m.group('proto').strip()}:{m.group('port')}"
                        for _, t in sections.get("Listeners", [])
                        if (m := _LISTENER_TEXT.search(t)) and (f"Node: {node}," in t or not t.startswith("Node:"))]
    return _finish(row)


def _status_from_text(lines: list[tuple[int, str]]) -> NodeStatus:
    status = NodeStatus()
    sections = _text_sections(lines)
    for _, text in sections.get("Runtime", []):
        if text.startswith("RabbitMQ version:"):
            status.version = text.partition(":")[2].strip()
    status.alarms = [t for _, t in sections.get("Alarms", [])]
    status.listeners = [f"{m.group('proto').strip()}:{m.group('port')}"
                        for _, t in sections.get("Listeners", []) if (m := _LISTENER_TEXT.search(t))]
    return status


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _queue_rows(vhost: str, block: list[tuple[int, str]]) -> list[dict]:
    if not block:
        return []
    header = block[0][1].split("\t")
    if "name" not in header:
        return []
    col = {name: i for i, name in enumerate(header)}

    def get(fields: list[str], name: str) -> str | None:
        i = col.get(name)
        return fields[i] if i is not None and i < len(fields) else None

    rows = []
    for lineno, text in block[1:]:
        fields = text.split("\t")
        pid = get(fields, "pid") or ""
        home = re.match(r"<(rabbit@[^.>]+(?:\.[^.>]+)*?)\.\d+\.\d+\.\d+>", pid)
        rows.append({
            "vhost": vhost,
            "queue": get(fields, "name"),
            "messages": _int(get(fields, "messages")),
            "messages_ready": _int(get(fields, "messages_ready")),
            "messages_unacknowledged": _int(get(fields, "messages_unacknowledged")),
            "consumers": _int(get(fields, "consumers")),
            "state": get(fields, "state") or None,
            "queue_node": home.group(1) if home else None,
            "line": lineno,
        })
    return rows


def _blocks(lines: list[str]):
    """Yield (kind, match, start_line, [(line, text)]) for each banner-led block of the report."""
    i = 0
    while i < len(lines):
        text = lines[i]
        m = BANNER.match(text) or QUEUES_36.match(text) or QUEUES_38.match(text) or NODE_ERROR.match(text)
        if not m:
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and not BLOCK_END.match(lines[i]):
            body.append((i + 1, lines[i]))
            i += 1
        yield m, start + 1, body


def _erlang_block(body: list[tuple[int, str]]) -> tuple[object, int] | None:
    """The Erlang term of a banner block, or None when the block is 3.8+ text."""
    first = next(((n, t) for n, t in body if t.strip()), None)
    if first is None or not first[1].lstrip().startswith("["):
        return None
    term_lines = []
    for n, t in body:
        if not t.strip() and term_lines:
            break
        if t.strip():
            term_lines.append(t)
    text = "\n".join(term_lines)
    try:
        return parse_erlang_term(text), first[0]
    except pp.ParseBaseException as err:
        raise ParseError(f"unreadable Erlang term: {err.msg}", line=first[0] + err.lineno - 1) from None
    except RecursionError:
        raise ParseError("Erlang term nested too deeply", line=first[0]) from None


@parser("rabbitmq_report", "rabbitmq_cluster_status", tables=("rabbitmq", "rabbitmq_queues"))
def parse_rabbitmq_report(text: str, path: str) -> dict[str, list[dict]]:
    """Parse ``rabbitmqctl report`` / ``cluster_status`` (3.6 Erlang terms or 3.8+ text). Sample::

        Cluster status of node 'rabbit@controller-0'
        [{nodes,[{disc,['rabbit@controller-0','rabbit@controller-1']}]},
         {running_nodes,['rabbit@controller-0']},
         {cluster_name,<<"rabbit@controller-0.localdomain">>},
         {partitions,[{'rabbit@controller-0',['rabbit@controller-1']}]},
         {alarms,[{'rabbit@controller-0',[]}]}]

    One ``rabbitmq`` row per cluster status block (a 3.6 report has one per running node),
    with the version and listeners of that node's status block; a ``rabbitmqctl`` error about
    an unreachable node gives a row with ``error``. ``rabbitmq_queues``: one row per listed queue.
    """
    lines = [ANSI.sub("", line.rstrip("\r")) for line in text.split("\n")]
    for i in range(len(lines) - 1):   # 3.8 prints "Error:" alone, the reason on the next line
        if lines[i].strip() == "Error:" and lines[i + 1].strip():
            lines[i], lines[i + 1] = "Error: " + lines[i + 1].strip(), ""
    reporting = REPORTING_NODE.search(text)
    statuses: dict[str, NodeStatus] = {}
    rows: list[dict] = []
    queues: list[dict] = []
    try:
        for m, start, body in _blocks(lines):
            if m.re is NODE_ERROR:
                node = ERROR_NODE.search(m.string) or reporting
                row = _blank_row(node.group(1) if node else None, start, "error")
                row["error"] = m.string.strip()
                rows.append(row)
            elif m.re in (QUEUES_36, QUEUES_38):
                content = [(n, t) for n, t in body if t.strip()]
                queues.extend(_queue_rows(m.group("vhost").strip('"'), content))
            elif m.group("what") == "Application environment":
                continue
            else:
                node = m.group("node")
                parsed = _erlang_block(body)
                if m.group("what") == "Status":
                    statuses[node] = (_status_from_term(parsed[0], node) if parsed
                                      else _status_from_text(body))
                else:
                    rows.append(_cluster_from_term(parsed[0], node, start) if parsed
                                else _cluster_from_text(body, node, start))
    except ParseError as err:
        raise partial_error(err.message, err.line, _tables(rows, statuses, queues)) from None
    if not rows and not statuses:
        raise ParseError("no 'Cluster status of node' or 'Status of node' block", line=1)
    if not rows:
        raise partial_error("report without a 'Cluster status of node' block", 1,
                            _tables(rows, statuses, queues))
    return _tables(rows, statuses, queues)


def _tables(rows: list[dict], statuses: dict[str, NodeStatus], queues: list[dict]) -> dict[str, list[dict]]:
    for row in rows:
        status = statuses.get(row["node_name"])
        if status is None:
            continue
        row["version"] = row["version"] or status.version
        row["listeners"] = row["listeners"] or status.listeners
        row["alarms"] = row["alarms"] or status.alarms
    return {"rabbitmq": rows, "rabbitmq_queues": queues}
