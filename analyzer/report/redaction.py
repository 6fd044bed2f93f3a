"""The one redaction pass every writer goes through (`analyzer.redact.redact_obj`).

Evidence lines carry the offsets of the matched part; redacting changes lengths, so the matched
part is redacted with its text and its offsets recomputed, or dropped when a secret straddles it.
"""

from __future__ import annotations

from analyzer.redact import redact_obj, redact_text


def _redacted_match(text: str, match: list[int]) -> tuple[str, list[int] | None]:
    start, end = match
    whole = redact_text(text)
    before, inside, after = (redact_text(text[:start]), redact_text(text[start:end]), redact_text(text[end:]))
    if before + inside + after == whole and inside:
        return whole, [len(before), len(before) + len(inside)]
    return whole, None


def redact_report(report: dict) -> dict:
    """A copy of `report` with every secret shape replaced by its marker."""
    findings = []
    for finding in report.get("findings") or []:
        evidence = []
        for item in finding.get("evidence") or []:
            item = dict(item)
            if item.get("match") and isinstance(item.get("text"), str):
                item["text"], match = _redacted_match(item["text"], item["match"])
                if match:
                    item["match"] = match
                else:
                    item.pop("match")
            evidence.append(item)
        findings.append({**finding, "evidence": evidence})
    return redact_obj({**report, "findings": findings})
