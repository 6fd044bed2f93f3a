"""`docker ps -a` / `podman ps -a` -> containers; `docker images` / `podman images` -> container_images.

The STATUS cell has a small grammar (pyparsing), the same for both runtimes except that
podman 1.x-3.x says "Up 3 days ago" where docker says "Up 3 days":

    Up 2 hours (healthy)            Up 3 days ago (unhealthy)      Up 5 minutes (health: starting)
    Exited (1) 2 hours ago          Restarting (1) 5 seconds ago   Up 2 hours (Paused)
    Created    Paused    Dead    Configured    Removal In Progress
"""

from __future__ import annotations

import pyparsing as pp

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error
from analyzer.parsers.container_common import runtime_from_path, split_image
from analyzer.parsers.container_table import cut_row, find_header, header_columns
from analyzer.redact import redact_text

# -- STATUS grammar ------------------------------------------------------------------------

_INT = pp.Word(pp.nums)
_CODE = pp.Suppress("(") + pp.Opt("-") + _INT + pp.Suppress(")")
_AGE = pp.SkipTo(pp.Literal("(") | pp.StringEnd())
_HEALTH = (pp.Suppress("(")
           + pp.Opt(pp.CaselessLiteral("health:").suppress())
           + pp.Regex(r"[A-Za-z ]+?(?=\))")("health")
           + pp.Suppress(")"))
_UP = pp.CaselessKeyword("Up")("word") + _AGE("age") + pp.ZeroOrMore(pp.Group(_HEALTH))("flags")
_ENDED = ((pp.CaselessKeyword("Exited") | pp.CaselessKeyword("Restarting"))("word")
          + pp.Combine(_CODE)("code") + pp.restOfLine("age"))
_SIMPLE = pp.Regex(r"(?i)(Created|Configured|Paused|Dead|Stopped|Stopping|Removal In Progress)")("word") \
    + pp.restOfLine("age")
STATUS = (_UP | _ENDED | _SIMPLE) + pp.StringEnd()

_SIMPLE_STATE = {"created": "created", "configured": "created", "paused": "paused", "dead": "dead",
                 "stopped": "exited"}
_HEALTHS = {"healthy": "healthy", "unhealthy": "unhealthy", "starting": "starting"}


def parse_status(text: str) -> dict:
    """STATUS cell -> state, health, exit_code, uptime_text, exited_ago_text."""
    out = {"state": "unknown", "health": None, "exit_code": None, "uptime_text": None,
           "exited_ago_text": None}
    try:
        res = STATUS.parse_string(text.strip(), parse_all=True)
    except pp.ParseBaseException:
        return out
    word = res["word"].lower()
    if word == "up":
        out["state"] = "running"
        age = res.get("age", "").strip()
        out["uptime_text"] = (age[:-4].strip() if age.lower().endswith(" ago") else age) or None
        for flag in res.get("flags", []):
            value = flag["health"].strip().lower()
            if value == "paused":
                out["state"] = "paused"
            elif value in _HEALTHS:
                out["health"] = _HEALTHS[value]
    elif word in ("exited", "restarting"):
        out["state"] = word if word == "restarting" else "exited"
        out["exit_code"] = int(res["code"])
        out["exited_ago_text"] = res.get("age", "").strip() or None
    else:
        out["state"] = _SIMPLE_STATE.get(word, "unknown")
    return out


# -- ps -a ---------------------------------------------------------------------------------

_PS_REQUIRED = ("CONTAINER ID", "IMAGE", "STATUS", "NAMES")


def _command_cell(cell: str) -> tuple[str | None, bool]:
    """COMMAND cell without docker's quotes; True when it was cut short (`…` or `...`)."""
    text = cell.strip()
    if not text:
        return None, False
    if text.startswith('"'):
        text = text[1:-1] if text.endswith('"') and len(text) > 1 else text[1:]
    truncated = text.endswith(("…", "..."))
    return redact_text(text), truncated


def _table_rows(text: str, required: tuple[str, ...], non_empty: tuple[str, ...], what: str):
    """(columns, [(line number, cells) ...], first bad line) of an aligned table.

    A row whose cells straddle the header positions, or lacks one of `non_empty`, is bad.
    """
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return [], [], None
    head = find_header(lines, required)
    if head is None:
        first = next(i for i, line in enumerate(lines) if line.strip())
        raise ParseError(f"no {what} header (needs {', '.join(required)})", line=first + 1)
    columns = header_columns(lines[head])
    rows, bad = [], None
    for i in range(head + 1, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        cells = cut_row(line, columns)
        if cells is None or not all(cells.get(t) for t in non_empty):
            bad = bad or i + 1
            continue
        rows.append((i + 1, cells))
    return columns, rows, bad


@parser("container_ps", tables=("containers",))
def parse_container_ps(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `docker ps -a` / `podman ps -a` (columns found from the header). Sample:

        CONTAINER ID        IMAGE                                                        COMMAND                  CREATED             STATUS                    PORTS               NAMES
        1c5ea6e1b2a4        192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88         "kolla_start"            3 days ago          Up 3 days (healthy)                           nova_api
        4b9f8f2c0d11        192.168.24.1:8787/rhosp13/openstack-rabbitmq:pcmklatest      "/bin/bash /usr/lo..."   3 days ago          Exited (1) 2 hours ago                        rabbitmq-bundle-docker-0
    """
    runtime = runtime_from_path(path)
    _, cells_rows, bad = _table_rows(text, _PS_REQUIRED, ("CONTAINER ID", "IMAGE", "NAMES"), "ps")
    rows = []
    for line_no, cells in cells_rows:
        status_text = cells.get("STATUS", "")
        command, truncated = _command_cell(cells.get("COMMAND", ""))
        image = cells.get("IMAGE") or None
        image_repo, image_tag = split_image(image)
        row = {
            "name": cells["NAMES"],
            "container_id": cells["CONTAINER ID"],
            "image": image,
            "image_repo": image_repo,
            "image_tag": image_tag,
            "command": command,
            "command_truncated": truncated,
            "created": cells.get("CREATED") or None,
            "status_text": status_text,
            "ports": cells.get("PORTS") or None,
            "runtime": runtime,
            "line": line_no,
        }
        row.update(parse_status(status_text))
        if "SIZE" in cells:
            row["size"] = cells["SIZE"] or None
        rows.append(row)
    tables = {"containers": rows}
    if bad is not None:
        raise partial_error("row does not fit the header columns (truncated or re-wrapped table)",
                            bad, tables)
    return tables


# -- images --------------------------------------------------------------------------------

_IMAGES_REQUIRED = ("REPOSITORY", "TAG", "IMAGE ID")


def _none_marker(value: str | None) -> str | None:
    return None if value in (None, "", "<none>") else value


@parser("container_images", tables=("container_images",))
def parse_container_images(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `docker images` / `podman images [--digests]`. Sample:

        REPOSITORY                                            TAG          IMAGE ID      CREATED      SIZE
        undercloud.ctlplane:8787/rhosp-rhel8/openstack-nova-api  16.2_20230526.1  5d4a2f1c9e77  8 weeks ago  1.21 GB
        undercloud.ctlplane:8787/rhosp-rhel8/openstack-rabbitmq  pcmklatest       0c3f6d5e2a10  8 weeks ago  640 MB
    """
    runtime = runtime_from_path(path)
    columns, cells_rows, bad = _table_rows(text, _IMAGES_REQUIRED, _IMAGES_REQUIRED, "images")
    size_title = next((c.title for c in columns if c.title in ("SIZE", "VIRTUAL SIZE")), None)
    rows = []
    for line_no, cells in cells_rows:
        repo = _none_marker(cells.get("REPOSITORY"))
        tag = _none_marker(cells.get("TAG"))
        rows.append({
            "repository": repo,
            "tag": tag,
            "image": f"{repo}:{tag}" if repo and tag else repo,
            "image_id": cells["IMAGE ID"],
            "digest": _none_marker(cells.get("DIGEST")),
            "created": cells.get("CREATED") or None,
            "size": cells.get(size_title) if size_title else None,
            "runtime": runtime,
            "line": line_no,
        })
    tables = {"container_images": rows}
    if bad is not None:
        raise partial_error("row does not fit the header columns (truncated or re-wrapped table)",
                            bad, tables)
    return tables


