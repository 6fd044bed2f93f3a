"""Which rule patterns a log file is scanned with.

Every rule pattern joins the single log scan, but a pattern scoped to services (`service:
["haproxy*"]`) or paths cannot select events of another service's own log file, so such files
are scanned without it; identical regexes of several rules (a rule and a correlation side) are
searched once and every id is tagged. Files whose events take their service from each line
(syslog, journal: the program name) get every pattern.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from analyzer.logs.scan import LogScanner, service_from_path

CONTAINER_LOGS = "var/log/containers/"


class LogRouter:
    """One LogScanner per distinct set of patterns; `scan_plan(path)` -> (scanner, aliases)."""

    def __init__(self, patterns: list[tuple[str, object]], scopes: dict[str, tuple] | None = None):
        self.scopes = scopes or {}
        by_regex: dict[tuple, list[str]] = {}
        self.regex: dict[str, object] = {}
        for pattern_id, regex in patterns:
            key = (getattr(regex, "pattern", regex), getattr(regex, "flags", 0))
            by_regex.setdefault(key, []).append(pattern_id)
            self.regex[pattern_id] = regex
        # the first id of a regex is searched; the others are tagged with it
        self.aliases = {ids[0]: ids[1:] for ids in by_regex.values() if len(ids) > 1}
        self.primary = [ids[0] for ids in by_regex.values()]
        self._scanners: dict[frozenset, LogScanner] = {}

    def _applies(self, pattern_id: str, path: str, service: str | None) -> bool:
        ids = [pattern_id] + self.aliases.get(pattern_id, [])
        for pid in ids:
            services, paths = self.scopes.get(pid, ((), ()))
            if paths and not any(fnmatchcase(path, p) for p in paths):
                continue
            if services and service is not None and not any(
                    fnmatchcase(service.lower(), s.lower()) for s in services):   # as the engine does
                continue
            return True
        return False

    def _chosen(self, path: str) -> frozenset:
        service = service_from_path(path) if path.startswith(CONTAINER_LOGS) else None
        return frozenset(p for p in self.primary if self._applies(p, path, service))

    def ids_for(self, path: str) -> frozenset:
        """Every pattern id a file at `path` is scanned with (aliases included)."""
        chosen = self._chosen(path)
        return chosen | {a for p in chosen for a in self.aliases.get(p, ())}

    def scanner_for(self, path: str) -> LogScanner:
        chosen = self._chosen(path)
        scanner = self._scanners.get(chosen)
        if scanner is None:
            scanner = self._scanners[chosen] = LogScanner(
                extra_patterns=[(p, self.regex[p]) for p in sorted(chosen)])
        return scanner

    def expand(self, record: dict) -> dict:
        """Tag a record with the aliases of the pattern ids it matched."""
        matched = record.get("matched")
        if matched and self.aliases:
            extra = [a for pid in matched for a in self.aliases.get(pid, ())]
            if extra:
                record["matched"] = sorted(set(matched) | set(extra))
        return record
