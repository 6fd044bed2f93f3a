"""Evaluate compiled rules over a Bundle: one function per rule kind.

Every kind returns the findings it raised and its "hits" (the matching events, with times),
which correlation rules read. A rule whose tables are absent from the bundle is "not
checked", never "passed"; a rule that fails (type error in an expression...) is listed in
`errors` and the other rules still run.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analyzer.engine.expr import Env
from analyzer.engine.findings import (evidence_item, fill, fold, make_finding,
                                      render_value, sort_findings)
from analyzer.engine.rule import Rule, template_fields
from analyzer.engine.scantrust import ScanRecord, scan_equivalent
from analyzer.logs.timeutil import iso_utc
from analyzer.errors import RuleError
from analyzer.memory import release_freed_memory

MAX_SEARCH_TEXT = 20_000
_NOT_GROUP_FIELDS = {"node", "nodes", "count", "runtime", "source", "line", "values", "role",
                     "odd_nodes", "per_node"}
_EMPTY_HITS = pd.DataFrame(columns=["node", "ts", "source", "line", "text"])


class NotChecked(Exception):
    """The rule could not be checked on this case (reason in args[0])."""


@dataclass
class EngineResult:
    """What the engine found: findings, rules not checked (with why), rules that failed."""

    findings: list[dict] = field(default_factory=list)
    not_checked: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


class Case:
    """Case-wide facts every rule needs, computed once per evaluation."""

    def __init__(self, bundle):
        self.bundle = bundle
        self.present = set(bundle.table_names)
        self.roles = {name: list(info.roles or []) for name, info in bundle.nodes.items()}
        self.collected_at = {name: pd.Timestamp(info.collected_at)
                             for name, info in bundle.nodes.items() if info.collected_at}
        latest = bundle.collected_at
        self.default_now = pd.Timestamp(latest) if latest else None
        self.controllers = self._count_controllers()
        self.controller_names = self._controller_names()
        self._frames: dict[str, pd.DataFrame] = {}
        self.hits: dict[str, pd.DataFrame] = {}
        self.status: dict[str, str] = {}
        self._event_tags: dict[str, np.ndarray] | None = None
        #: ids of the rules a correlation reads the hits of (only those are kept)
        self.correlated: set[str] = set()
        self._scanned: dict[str, np.ndarray | None] = {}
        self._scan_record: ScanRecord | None = None

    def keep_hits(self, rule_id: str, hits: pd.DataFrame) -> None:
        """Keep a rule's matching events for the correlations that read them; the others'
        are let go (a log rule's hits can be most of the events table)."""
        if rule_id in self.correlated:
            self.hits[rule_id] = hits

    def scanned_rows(self, spec) -> np.ndarray | None:
        """Per event, whether the log scan searched `spec`'s pattern in its line (its tags
        then decide: see engine.scantrust), or None when nothing is known of the scan."""
        if spec.pattern_id not in self._scanned:
            self._scanned[spec.pattern_id] = None
            scan = getattr(self.bundle, "log_scan", None)
            if scan is not None and scan_equivalent(spec.pattern):
                if self._scan_record is None:
                    self._scan_record = ScanRecord(*scan)
                if self._scan_record.scanned(spec.pattern_id, spec.pattern):
                    try:
                        self._scanned[spec.pattern_id] = self._scan_record.rows(
                            self.frame("events"), spec.pattern_id)
                    except (AttributeError, TypeError):   # texts that are not strings
                        pass
        return self._scanned[spec.pattern_id]

    def event_tags(self) -> dict[str, np.ndarray]:
        """tag_rows of the events table, computed once."""
        if self._event_tags is None:
            self._event_tags = tag_rows(self.frame("events"))
        return self._event_tags

    def _count_controllers(self) -> int:
        by_role = sum(1 for roles in self.roles.values() if "controller" in roles)
        members = 0
        pcs_nodes = self.bundle.table("pcs_nodes")
        if "cluster_node" in pcs_nodes.columns:
            rows = pcs_nodes
            if "kind" in rows.columns:
                rows = rows[rows["kind"].isna() | (rows["kind"] == "member")]
            members = rows["cluster_node"].dropna().nunique()
        return int(max(by_role, members))

    def _controller_names(self) -> frozenset:
        names = set()
        for name, info in self.bundle.nodes.items():
            if "controller" in (info.roles or []):
                names.update(n.split(".")[0].lower() for n in (name, info.hostname) if n)
        pcs_nodes = self.bundle.table("pcs_nodes")
        if "cluster_node" in pcs_nodes.columns:
            rows = pcs_nodes
            if "kind" in rows.columns:
                rows = rows[rows["kind"].isna() | (rows["kind"] == "member")]
            names.update(str(n).split(".")[0].lower() for n in rows["cluster_node"].dropna())
        return frozenset(names)

    def frame(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            frame = self.bundle.table(name)
            self._frames[name] = frame.reset_index(drop=True)
        return self._frames[name]

    def env(self, frame: pd.DataFrame, rule: Rule) -> Env:
        return Env(frame, rule.id, self.collected_at, self.default_now, self.controllers,
                   self.controller_names)

    def runtime(self, nodes, row: dict | None = None) -> str | None:
        if row and isinstance(row.get("runtime"), str) and row["runtime"]:
            return row["runtime"]
        found = sorted({self.bundle.node_runtime(n) for n in nodes} - {None})
        return "/".join(found) if found else None

    def node_input(self, node: str) -> str:
        info = self.bundle.nodes.get(node)
        return info.inputs[0] if info and info.inputs else "-"


# --------------------------------------------------------------------------------------------
# helpers


def _clean(value):
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _row_dict(row: pd.Series) -> dict:
    return {str(k): _clean(v) for k, v in row.items()}


def _key_text(value) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(sorted(render_value(v) for v in value))
    return render_value(value)


def _text_key(frame: pd.DataFrame, columns) -> pd.Series:
    """One hashable key per row from `columns` (lists sorted, nulls rendered as text)."""
    if not columns:
        return pd.Series([()] * len(frame), index=frame.index, dtype=object)
    parts = [frame[c].map(_key_text) if c in frame.columns
             else pd.Series(["-"] * len(frame), index=frame.index) for c in columns]
    return pd.Series(list(zip(*parts)), index=frame.index, dtype=object)


def _spread(rows: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """Order rows so the first few cover every node: node, source, line, round-robin; the
    first `limit` of them when given. The order is found on the key columns alone, so only
    the rows kept are copied (a log rule's group can be most of the events)."""
    if rows.empty:
        return rows
    keys = [c for c in ("node", "source", "line", "ts") if c in rows.columns]
    order = np.arange(len(rows))
    if keys:
        frame = rows[keys].reset_index(drop=True)
        order = frame.sort_values(keys, kind="stable", na_position="last").index.to_numpy()
        if "node" in keys:
            nodes = frame["node"].iloc[order].reset_index(drop=True)
            ranked = pd.DataFrame({"_rank": nodes.groupby(nodes, dropna=False, sort=False).cumcount(),
                                   "node": nodes})
            order = order[ranked.sort_values(["_rank", "node"], kind="stable").index.to_numpy()]
    if limit is not None:
        order = order[:limit]
    return rows.iloc[order]


def _row_evidence(rule: Rule, rows: pd.DataFrame, text_columns: list[str]) -> list[dict]:
    items = []
    for _, row in rows.iterrows():
        data = _row_dict(row)
        if rule.evidence:
            text = fill(rule.evidence, data)
        else:
            text = " ".join(f"{c}={render_value(data.get(c))}" for c in text_columns
                            if c in data)
        items.append(evidence_item(data.get("node"), data.get("source"), data.get("line"),
                                   text, data.get("ts")))
    return items


def _evidence_columns(rule: Rule, frame: pd.DataFrame) -> list[str]:
    wanted = template_fields(rule.title) + list(rule.group_by) + list(rule.across_group_by)
    wanted += list(rule.differ)
    if rule.where:
        wanted += rule.where.columns
    out = []
    for column in wanted:
        column = column.split(".")[0]
        if column in frame.columns and column not in ("node", "source", "line") \
                and column not in out:
            out.append(column)
    return out


def _default_group(rule: Rule, frame: pd.DataFrame) -> list[str]:
    if rule.group_by:
        return list(rule.group_by)
    fields = template_fields(rule.title) + template_fields(rule.summary)
    return [f for f in dict.fromkeys(fields) if f not in _NOT_GROUP_FIELDS and f in frame.columns]


def _group_context(case: Case, rows: pd.DataFrame) -> tuple[dict, list[str]]:
    first = _row_dict(rows.iloc[0])
    nodes = sorted({str(n) for n in rows["node"].dropna()}) if "node" in rows.columns else []
    context = dict(first)
    context["node"] = ", ".join(nodes) if nodes else "-"
    context["nodes"] = context["node"]
    context["count"] = len(rows)
    runtime = case.runtime(nodes, first)
    if runtime:
        context["runtime"] = runtime
    else:
        context.pop("runtime", None)
    context["controllers"] = case.controllers
    return context, nodes


# --------------------------------------------------------------------------------------------
# kinds


def _with_fields(rule: Rule, case: Case, rows: pd.DataFrame) -> pd.DataFrame:
    """Add the rule's computed `fields` (for templates) to the matched rows."""
    if not rule.fields:
        return rows
    env = case.env(rows, rule)
    values = {name: expression.evaluate(env) for name, expression in rule.fields.items()}
    return rows.assign(**values)


def eval_table(rule: Rule, case: Case) -> list[dict]:
    frame = case.frame(rule.table)
    if rule.join:
        other = case.frame(rule.join["table"])
        on = rule.join["on"]
        if all(c in frame.columns and c in other.columns for c in on):
            frame = frame.merge(other.drop(columns=[c for c in ("source", "line")
                                                    if c in other.columns and c not in on]),
                                on=on, how="left", suffixes=("", f"_{rule.join['table']}"))
    if frame.empty:
        return []
    env = case.env(frame, rule)
    rows = frame[rule.where.mask(env)] if rule.where else frame
    if rows.empty:
        return []
    rows = _with_fields(rule, case, rows)
    group = _default_group(rule, rows)
    keys = _text_key(rows, group)
    text_columns = _evidence_columns(rule, frame)
    findings = []
    for key in sorted(set(keys)):
        members = rows[keys == key]
        if rule.having and not rule.having.holds(env.sub(members)):
            continue
        members = _spread(members)
        context, nodes = _group_context(case, members)
        evidence = _row_evidence(rule, members.head(rule.max_evidence), text_columns)
        finding = make_finding(rule, context, nodes, evidence, len(members))
        finding["evidence_omitted"] = max(len(members) - len(evidence), 0)
        findings.append(finding)
    return findings


def _role_groups(rule: Rule, case: Case, nodes_with_data: set) -> dict[str, list[str]]:
    if rule.among == "all":
        return {"all": sorted(nodes_with_data)}
    if rule.among == "role":
        roles = sorted({r for n in nodes_with_data for r in case.roles.get(n, [])})
    else:
        roles = [rule.among]
    return {role: sorted(n for n in nodes_with_data if role in case.roles.get(n, []))
            for role in roles}


def eval_cross_node(rule: Rule, case: Case) -> list[dict]:
    frame = case.frame(rule.table)
    env = case.env(frame, rule)
    rows = frame[rule.where.mask(env)] if (rule.where and not frame.empty) else frame
    nodes_with_data = set(rows["node"].dropna()) if "node" in rows.columns else set()
    groups = {role: nodes for role, nodes in _role_groups(rule, case, nodes_with_data).items()
              if len(nodes) >= 2}
    if not groups:
        who = "nodes" if rule.among in ("all", "role") else f"{rule.among} nodes"
        raise NotChecked(f"needs {rule.table} rows from at least 2 {who} "
                         f"(found {len(nodes_with_data)})")
    text_columns = _evidence_columns(rule, frame)
    findings = []
    for role, nodes in sorted(groups.items()):
        sub = rows[rows["node"].isin(nodes)]
        if sub.empty:
            continue
        keys = _text_key(sub, rule.across_group_by)
        values = _text_key(sub, rule.differ)
        table = pd.DataFrame({"key": keys, "node": sub["node"], "value": values})
        per_node = table.groupby(["key", "node"], sort=True)["value"].agg(
            lambda v: tuple(sorted(set(v))))
        for key, by_node in per_node.groupby(level=0, sort=True):
            seen = {node: value for (_, node), value in by_node.items()}
            if rule.missing == "differ":
                for node in nodes:
                    seen.setdefault(node, ())
            if len(set(seen.values())) < 2:
                continue
            findings.append(_drift_finding(rule, case, role, sub[keys == key], seen,
                                           text_columns))
    return findings


def _drift_finding(rule, case, role, members, seen: dict, text_columns) -> dict:
    tally: dict[tuple, int] = {}
    for value in seen.values():
        tally[value] = tally.get(value, 0) + 1
    top = max(tally.values())
    common = [v for v, n in tally.items() if n == top]
    odd = sorted(n for n, v in seen.items() if len(common) > 1 or v != common[0])

    def show(value):
        if not value:
            return "(absent)"
        return " | ".join(" ".join(part for part in item) for item in value)

    members = _spread(members)
    context, _ = _group_context(case, members)
    nodes = sorted(seen)
    context.update({"node": ", ".join(nodes), "nodes": ", ".join(nodes), "role": role,
                    "odd_nodes": ", ".join(odd),
                    "values": "; ".join(f"{n}: {show(seen[n])}" for n in nodes)})
    evidence = _row_evidence(rule, members.head(rule.max_evidence), text_columns)
    finding = make_finding(rule, context, nodes, evidence, len(odd) or 1)
    finding["evidence_omitted"] = max(len(members) - len(evidence), 0)
    return finding


def _by_value(series: pd.Series, predicate) -> pd.Series:
    """`predicate` of every value as a bool Series, called once per distinct value (services,
    files and levels repeat over thousands of events); missing values count as None."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    verdicts = np.array([bool(predicate(v)) for v in uniques] + [bool(predicate(None))],
                        dtype=bool)
    return pd.Series(verdicts[codes], index=series.index)


def _glob_mask(series: pd.Series, globs) -> pd.Series:
    patterns = [g.lower() for g in globs]
    return _by_value(series, lambda v: isinstance(v, str) and any(
        fnmatch.fnmatchcase(v.lower(), g) for g in patterns))


def _event_times(events: pd.DataFrame) -> pd.Series:
    if "ts" not in events.columns:
        return pd.Series(pd.NaT, index=events.index, dtype="datetime64[ns, UTC]")
    ts = events["ts"]
    if pd.api.types.is_datetime64_any_dtype(ts):
        return ts if ts.dt.tz is not None else ts.dt.tz_localize("UTC")
    return pd.to_datetime(ts, utc=True, errors="coerce", format="mixed")


def _search_text(events: pd.DataFrame) -> pd.Series:
    if "text" in events.columns:
        text = events["text"]
    elif "message" in events.columns:
        text = events["message"]
        if "detail" in events.columns:
            text = text.fillna("").astype(str) + "\n" + events["detail"].fillna("").astype(str)
    else:
        return pd.Series([""] * len(events), index=events.index)
    return text


def _pattern_hits(events: pd.DataFrame, pattern) -> pd.Series:
    """Whether `pattern` is found in each event's search text (its first MAX_SEARCH_TEXT
    characters; "" when it has none). Texts holding none of the literals every match needs
    are ruled out by a vectorised substring test first (Arrow's, on string columns)."""
    text = _search_text(events)
    need = _needed_literals(pattern)
    if need is not None and len(text):
        maybe = np.zeros(len(text), dtype=bool)
        try:
            for literal in need.literals:
                maybe |= text.str.contains(literal, regex=False, case=not need.icase,
                                           na=False).to_numpy(dtype=bool)
        except (AttributeError, TypeError):   # not a column of strings (hand-written cases)
            return _pattern_hits_all(text, pattern)
        hits = np.zeros(len(text), dtype=bool)
        if maybe.any():
            hits[maybe] = _pattern_hits_all(text[maybe], pattern).to_numpy(dtype=bool)
        return pd.Series(hits, index=events.index)
    return _pattern_hits_all(text, pattern)


def _pattern_hits_all(text: pd.Series, pattern) -> pd.Series:
    return text.map(
        lambda v: pattern.search(v[:MAX_SEARCH_TEXT] if isinstance(v, str) else "") is not None
    ).astype(bool)


_NEEDED: dict[tuple, object] = {}


def _needed_literals(pattern):
    """The literals one of which every match of `pattern` contains (as str), or None when
    there are none to test by substring (see logs.literals.required_literals); a
    case-insensitive pattern with non-ASCII literals is not prefiltered (Unicode case
    folding is the regex's)."""
    key = (pattern.pattern, pattern.flags)
    if key not in _NEEDED:
        from analyzer.logs.literals import Requirement, required_literals

        need = required_literals(pattern.pattern, pattern.flags)
        if need is not None:
            try:
                literals = tuple(lit.decode("utf-8") for lit in need.literals)
            except UnicodeDecodeError:
                need = None
            else:
                if need.icase and not all(lit.isascii() for lit in literals):
                    need = None
                else:
                    need = Requirement(literals, need.exact, need.icase)
        _NEEDED[key] = need
    return _NEEDED[key]


#: rows whose texts are searched together (only their texts are Python strings at once)
SEARCH_CHUNK = 8192


def _pattern_mask(events: pd.DataFrame, positions: np.ndarray, spec,
                  tags: dict[str, np.ndarray], scanned: np.ndarray | None = None) -> np.ndarray:
    """Per event, whether the one at one of `positions` was tagged with the pattern id by the
    scanner (`tags`: see tag_rows) or its search text matches the pattern; searched a chunk of
    rows at a time, except the rows `scanned` says the scan's tags decide."""
    hits = np.zeros(len(events), dtype=bool)
    tagged = tags.get(spec.pattern_id)
    if tagged is not None:
        hits[tagged] = True
    if scanned is not None:
        positions = positions[~scanned[positions] | hits[positions]]
    searched = events[[c for c in ("text", "message", "detail") if c in events.columns]]
    for start in range(0, len(positions), SEARCH_CHUNK):
        chunk = positions[start:start + SEARCH_CHUNK]
        chunk = chunk[~hits[chunk]]
        if len(chunk):
            hits[chunk] = _pattern_hits(searched.iloc[chunk], spec.pattern).to_numpy(dtype=bool)
    keep = np.zeros(len(events), dtype=bool)
    keep[positions] = True
    return hits & keep


def tag_rows(events: pd.DataFrame) -> dict[str, np.ndarray]:
    """Pattern id -> positions of the events the scanner tagged with it (`matched`: a list of
    ids, or a comma-separated string in hand-written cases)."""
    if "matched" not in events.columns:
        return {}
    rows: dict[str, list[int]] = {}
    for position, value in enumerate(events["matched"].to_numpy()):
        if not value or not isinstance(value, (str, list, tuple, set, frozenset)):
            continue
        for pattern_id in (value.split(",") if isinstance(value, str) else value):
            rows.setdefault(pattern_id, []).append(position)
    return {pid: np.asarray(found, dtype=np.intp) for pid, found in rows.items()}


def select_events(spec, rule: Rule, case: Case) -> pd.DataFrame:
    """Events matching a log selection, with a parsed `ts` column (UTC), sorted by time."""
    events = case.frame("events")
    if events.empty:
        return events.assign(ts=pd.Series(dtype="datetime64[ns, UTC]"))
    mask = pd.Series(True, index=events.index)
    if spec.services:
        mask &= _glob_mask(events.get("service", pd.Series(index=events.index, dtype=object)),
                           spec.services)
    if spec.paths:
        paths = events["file"] if "file" in events.columns else events.get("source")
        mask &= _glob_mask(paths, spec.paths)
    if spec.levels and "level" in events.columns:
        mask &= _by_value(events["level"], lambda v: isinstance(v, str) and v.upper() in spec.levels)
    elif spec.levels:
        mask &= False
    if spec.pattern is not None:
        mask &= pd.Series(_pattern_mask(events, np.flatnonzero(mask.to_numpy()), spec,
                                        case.event_tags(), case.scanned_rows(spec)),
                          index=events.index)
    times = _event_times(events)
    if spec.where is not None and mask.any():
        chosen = events[mask].assign(ts=times[mask])
        mask &= spec.where.mask(case.env(chosen, rule)).reindex(events.index, fill_value=False)
    if spec.window is not None:
        now = case.env(events, rule).now()
        if now is None:
            raise NotChecked("no collection time known: cannot apply the log window")
        mask &= times >= (now - spec.window)
    chosen = events[mask].assign(ts=times[mask])
    order = [c for c in ("ts", "node", "file", "line") if c in chosen.columns]
    return chosen.sort_values(order, kind="stable", na_position="last")


def _counted(spec, events: pd.DataFrame) -> pd.DataFrame:
    """Keep events of (group, node) that reach min_count."""
    if events.empty or spec.min_count <= 1:
        return events
    keys = list(spec.group_by) + ["node"]
    key = _text_key(events, keys)
    sizes = key.map(key.value_counts())
    return events[sizes >= spec.min_count]


def _event_evidence(events: pd.DataFrame) -> list[dict]:
    items = []
    for _, row in events.iterrows():
        data = _row_dict(row)
        text = data.get("text") or data.get("message") or ""
        items.append(evidence_item(data.get("node"), data.get("file") or data.get("source"),
                                   data.get("line"), text, data.get("ts")))
    return items


def eval_logs(rule: Rule, case: Case) -> list[dict]:
    spec = rule.logs
    events = _counted(spec, select_events(spec, rule, case))
    case.keep_hits(rule.id, events)
    if events.empty:
        return []
    events = _with_fields(rule, case, events)
    used = template_fields(rule.title) + template_fields(rule.summary)
    # an explicit group_by decides the findings; template fields then come from each group's
    # first event (a traceback's last line holds message ids that would split every group)
    group = list(spec.group_by) or [f for f in rule.fields if f in used]
    keys = _text_key(events, group)
    findings = []
    for _, members in events.groupby(keys, sort=True):
        context, nodes = _group_context(case, members)
        counts = members["node"].value_counts()
        context["per_node"] = ", ".join(f"{n} ({counts[n]})" for n in sorted(counts.index))
        shown = _spread(members, rule.max_evidence)
        finding = make_finding(rule, context, nodes, _event_evidence(shown), len(members))
        finding["evidence_omitted"] = len(members) - len(shown)
        times = members["ts"].dropna()
        if len(times):
            finding["first_seen"], finding["last_seen"] = iso_utc(times.min()), iso_utc(times.max())
        findings.append(finding)
    return findings


def _side_events(side, rule: Rule, case: Case) -> pd.DataFrame:
    if side.rule:
        status = case.status.get(side.rule)
        if status == "not_checked":
            raise NotChecked(f"rule {side.rule} was not checked")
        if status == "error":
            raise NotChecked(f"rule {side.rule} failed")
        hits = case.hits.get(side.rule)
        if hits is None:
            raise NotChecked(f"rule {side.rule} gives no event times to correlate")
        return hits
    return _counted(side.logs, select_events(side.logs, rule, case))


def _utc_ns(times: pd.Series) -> np.ndarray:
    """Aware UTC times -> naive datetime64 values (UTC) for searchsorted."""
    return times.dt.tz_convert(None).to_numpy()


def eval_correlate(rule: Rule, case: Case) -> list[dict]:
    first = _side_events(rule.first, rule, case)
    then = _side_events(rule.then, rule, case)
    first = first[first["ts"].notna()] if "ts" in first.columns else first.iloc[0:0]
    then = then[then["ts"].notna()] if "ts" in then.columns else then.iloc[0:0]
    if first.empty or then.empty or first["node"].nunique() < rule.first.min_nodes:
        case.keep_hits(rule.id, _EMPTY_HITS)
        return []
    linked_then, linked_first = [], set()
    scopes = sorted(set(then["node"])) if rule.same_node else [None]
    for scope in scopes:
        a = first if scope is None else first[first["node"] == scope]
        b = then if scope is None else then[then["node"] == scope]
        if a.empty or b.empty:
            continue
        starts = a["ts"].sort_values()
        start_values = _utc_ns(starts)
        idx = np.searchsorted(start_values, _utc_ns(b["ts"]), side="right") - 1
        ok = idx >= 0
        gaps = _utc_ns(b["ts"]) - start_values[np.clip(idx, 0, None)]
        ok &= gaps <= np.timedelta64(rule.within.value, "ns")
        linked_then.append(b[ok])
        linked_first.update(starts.index[idx[ok]])
    linked = pd.concat(linked_then) if linked_then else then.iloc[0:0]
    if linked.empty or linked["node"].nunique() < rule.then.min_nodes:
        case.keep_hits(rule.id, _EMPTY_HITS)
        return []
    origins = first.loc[sorted(linked_first)].sort_values("ts")
    case.keep_hits(rule.id, pd.concat([origins, linked]).sort_values("ts"))
    then_nodes = sorted(linked["node"].dropna().unique())
    first_nodes = sorted(origins["node"].dropna().unique())
    context, _ = _group_context(case, linked)
    context.update({"first_nodes": ", ".join(first_nodes), "then_nodes": ", ".join(then_nodes),
                    "first_rule": rule.first.rule or "-", "then_rule": rule.then.rule or "-",
                    "within": render_value(rule.within), "first_at": iso_utc(origins["ts"].min())})
    evidence = (_event_evidence(_spread(origins, max(rule.max_evidence // 2, 1)))
                + _event_evidence(_spread(linked, rule.max_evidence)))
    nodes = sorted(set(first_nodes) | set(then_nodes))
    finding = make_finding(rule, context, nodes, evidence, len(linked), extra={"correlation": {
        "first": {"rule": rule.first.rule, "nodes": first_nodes,
                  "at": iso_utc(origins["ts"].min())},
        "then": {"rule": rule.then.rule, "nodes": then_nodes, "count": int(len(linked)),
                 "until": iso_utc(linked["ts"].max())},
        "within_s": int(rule.within.total_seconds())}})
    finding["evidence_omitted"] = max(len(origins) + len(linked) - len(finding["evidence"]), 0)
    finding["first_seen"] = iso_utc(origins["ts"].min())
    finding["last_seen"] = iso_utc(linked["ts"].max())
    return [finding]


def eval_expect_rows(rule: Rule, case: Case) -> list[dict]:
    nodes = sorted(n for n, roles in case.roles.items()
                   if rule.expect_role is None or rule.expect_role in roles)
    if not nodes:
        who = f"{rule.expect_role} node" if rule.expect_role else "node"
        raise NotChecked(f"no {who} in the case")
    frame = case.frame(rule.expect_table)
    if rule.expect_where is not None and not frame.empty:
        frame = frame[rule.expect_where.mask(case.env(frame, rule))]
    have = set(frame["node"].dropna()) if "node" in frame.columns else set()
    findings = []
    for node in nodes:
        if node in have:
            continue
        context = {"node": node, "table": rule.expect_table, "role": rule.expect_role or "-"}
        runtime = case.runtime([node])
        if runtime:
            context["runtime"] = runtime
        evidence = [evidence_item(node, case.node_input(node), None,
                                  f"no {rule.expect_table} data for {node}")]
        findings.append(make_finding(rule, context, [node], evidence, 1))
    return findings


KINDS = {"table": eval_table, "cross_node": eval_cross_node, "logs": eval_logs,
         "correlate": eval_correlate, "expect_rows": eval_expect_rows}


# --------------------------------------------------------------------------------------------


def _suppressed(rule: Rule, case: Case) -> bool:
    """True when the rule's `unless` table has a matching row (the rule then stays quiet)."""
    if rule.unless_table is None:
        return False
    frame = case.frame(rule.unless_table)
    if frame.empty:
        return False
    return bool(rule.unless_where.mask(case.env(frame, rule)).any())


def _selected(ruleset, only) -> list[Rule]:
    """Enabled rules; or the `only` ids (even if disabled) with the rules they correlate."""
    if only is None:
        return ruleset.enabled()
    wanted = set(only)
    for rule_id in list(wanted):
        rule = ruleset.rules.get(rule_id)
        if rule:
            wanted.update(rule.referenced_rules())
    return [ruleset.rules[i] for i in sorted(wanted) if i in ruleset.rules]


def evaluate(ruleset, bundle, only=None) -> EngineResult:
    """Run the enabled rules (or `only` those ids and what they correlate) over `bundle`."""
    case = Case(bundle)
    result = EngineResult()
    rules = _selected(ruleset, only)
    case.correlated = {ref for r in rules if r.kind == "correlate" for ref in r.referenced_rules()}
    ordered = [r for r in rules if r.kind != "correlate"] + \
              [r for r in rules if r.kind == "correlate"]
    raw: list[dict] = []
    for rule in ordered:
        missing = [t for t in rule.requires if t not in case.present]
        if missing:
            case.status[rule.id] = "not_checked"
            result.not_checked.append({"rule_id": rule.id, "title": rule.title,
                                       "reason": f"no {', '.join(missing)} data in the case "
                                                 "(artifact missing or not parsed)"})
            continue
        try:
            found = [] if _suppressed(rule, case) else KINDS[rule.kind](rule, case)
        except NotChecked as exc:
            case.status[rule.id] = "not_checked"
            result.not_checked.append({"rule_id": rule.id, "title": rule.title,
                                       "reason": str(exc)})
            continue
        except RuleError as exc:
            case.status[rule.id] = "error"
            result.errors.append({"rule_id": rule.id, "source": rule.location,
                                  "message": exc.message})
            continue
        except Exception as exc:  # noqa: BLE001 - one bad rule must not stop the others
            case.status[rule.id] = "error"
            result.errors.append({"rule_id": rule.id, "source": rule.location,
                                  "message": f"internal error: {type(exc).__name__}: {exc}"})
            continue
        case.status[rule.id] = "checked"
        raw.extend(found)
        if rule.kind in ("logs", "correlate"):
            release_freed_memory()   # a log rule's texts, freed, would stay resident
    limits = {r.id: r.max_evidence for r in rules}
    result.findings = sort_findings(fold(raw, limits))
    result.not_checked.sort(key=lambda n: n["rule_id"])
    result.errors.sort(key=lambda e: e["rule_id"])
    return result
