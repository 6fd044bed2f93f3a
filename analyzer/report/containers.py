"""Containers per node (state, health, exit code) and images whose tag differs among nodes.

Read from the `containers` table (`docker ps -a` / `podman ps -a` of each node).
"""

from __future__ import annotations

from analyzer.bundle import Bundle
from analyzer.report.frames import plain, records, text

_RUNNING = ("running", "up")


def image_tag(image: str | None) -> str | None:
    """`registry:8787/rhosp16/openstack-nova-api:16.2-82` -> `16.2-82` (None when untagged)."""
    if not image:
        return None
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def _problem(item: dict) -> str | None:
    state, health = (item["state"] or "").lower(), (item["health"] or "").lower()
    if health == "unhealthy":
        return "unhealthy"
    if state.startswith("restarting"):
        return "restarting"
    if state and not state.startswith(_RUNNING):
        code = item["exit_code"]
        if state.startswith("exited") and code in (0, "0"):
            return None
        return state if code is None else f"{state} ({code})"
    return None


def build_containers(bundle: Bundle) -> dict:
    """The `containers` section."""
    rows = records(bundle.table("containers"),
                   ["node", "name", "image", "state", "health", "status_text", "exit_code"])
    if not rows:
        return {"collected": False, "nodes": [], "image_differences": []}
    per_node: dict[str, list[dict]] = {}
    for row in rows:
        code = plain(row["exit_code"])
        if isinstance(code, float) and code.is_integer():
            code = int(code)          # a column with gaps comes back from pandas as float
        item = {"name": text(row["name"]) or "?", "image": text(row["image"]), "tag": image_tag(text(row["image"])),
                "state": text(row["state"]), "health": text(row["health"]),
                "status_text": text(row["status_text"]), "exit_code": code}
        item["problem"] = _problem(item)
        per_node.setdefault(text(row["node"]) or "?", []).append(item)
    nodes = []
    for node in sorted(per_node):
        items = sorted(per_node[node], key=lambda c: (c["problem"] is None, c["name"]))
        nodes.append({"node": node, "total": len(items),
                      "running": sum(1 for c in items if (c["state"] or "").lower().startswith(_RUNNING)),
                      "unhealthy": sum(1 for c in items if (c["health"] or "").lower() == "unhealthy"),
                      "problems": sum(1 for c in items if c["problem"]), "containers": items})
    images: dict[str, dict[str, str]] = {}
    for node, items in per_node.items():
        for c in items:
            if c["image"]:
                images.setdefault(c["name"], {})[node] = c["image"]
    differences = []
    for name in sorted(images):
        seen = images[name]
        if len(seen) > 1 and len(set(seen.values())) > 1:
            differences.append({"name": name, "images": [
                {"node": n, "image": i, "tag": image_tag(i)} for n, i in sorted(seen.items())]})
    return {"collected": True, "nodes": nodes, "image_differences": differences}
