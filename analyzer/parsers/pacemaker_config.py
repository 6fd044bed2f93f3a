"""`pcs config`, `pcs property` and `pcs resource show|config` -> pcs_bundles and pcs_properties.

A bundle definition in the pcs 0.9/0.10 layout (alphabetical options, ``masters=``):

     Bundle: galera-bundle
      Docker: image=192.168.24.1:8787/rhosp13/openstack-mariadb:pcmklatest masters=3 network=host options="--user=root --log-driver=journald" replicas=3 run-command="/bin/bash /usr/local/bin/kolla_start"
      Network: control-port=3123
      Storage Mapping:
       options=ro source-dir=/var/lib/kolla/config_files/mysql.json target-dir=/var/lib/kolla/config_files/config.json (mysql-cfg-files)
      Resource: galera (class=ocf provider=heartbeat type=galera)

and in the pcs 0.11 layout (``Podman: image=... replicas=3 promoted-max=3 ...``, storage lines
``source-dir=... target-dir=... options=ro (id)``, ``Meta Attributes: <id>`` followed by one
``name=value`` per line). Cluster properties come as ``name: value`` (old) or ``name=value`` (new)
under ``Cluster Properties:``. Resource attributes (where fence passwords live) are not kept;
container run options and property values go through :mod:`analyzer.redact`.
"""

from __future__ import annotations

import re
import shlex

from analyzer.errors import ParseError
from analyzer.parsers.base import Tables, parser
from analyzer.parsers.pacemaker import looks_like_status, parse_pcs_status
from analyzer.redact import redact_text, redact_value

_BUNDLE = re.compile(r"^Bundle: (?P<name>\S+)$")
_CONTAINER = re.compile(r"^(?P<runtime>Docker|Podman|Rkt): (?P<rest>.*)$", re.IGNORECASE)
_PRIMITIVE = re.compile(r"^Resource: (?P<name>\S+) \((?P<agent>[^)]*)\)$")
_PROPERTIES = re.compile(r"^Cluster Properties:(?: (?P<set>\S+))?$")
_PROPERTY = re.compile(r"^(?P<name>[\w.-]+)(?::\s+|=)(?P<value>.*)$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _pairs(text: str, lineno: int) -> tuple[dict[str, str], str | None]:
    """``a=1 b="x y" (id)`` -> ({a: 1, b: x y}, id)."""
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError as exc:
        raise ParseError(f"unbalanced quotes in pcs option list: {exc}", line=lineno) from None
    pairs: dict[str, str] = {}
    ident = None
    for token in tokens:
        if token.startswith("(") and token.endswith(")"):
            ident = token[1:-1]
        elif "=" in token:
            key, _, value = token.partition("=")
            pairs[key] = value
    return pairs, ident


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _agent(text: str) -> str | None:
    """``class=ocf provider=heartbeat type=galera`` -> ``ocf:heartbeat:galera``."""
    parts = dict(p.split("=", 1) for p in text.split() if "=" in p)
    if "type" not in parts:
        return None
    return ":".join(p for p in (parts.get("class"), parts.get("provider"), parts["type"]) if p)


class _BundleBlock:
    """The lines under one ``Bundle:`` header, read into one pcs_bundles row."""

    def __init__(self, name: str, lineno: int):
        self.row = {"bundle": name, "container_type": None, "image": None, "replicas": None,
                    "replicas_per_host": None, "promoted_max": None, "network": None, "run_command": None,
                    "options": None, "control_port": None, "ip_range_start": None, "storage_maps": [],
                    "port_maps": [], "meta": {}, "primitive": None, "agent": None, "line": lineno}
        self.sublist: str | None = None
        self.sublist_indent = 0
        self.child_indent: int | None = None

    def line(self, raw: str, lineno: int) -> None:
        text, indent = raw.strip(), _indent(raw)
        if self.child_indent is None:
            self.child_indent = indent
        if indent > self.child_indent and self.sublist:
            self._sublist_line(text, lineno)
            return
        if indent > self.child_indent:
            return  # attributes and operations of the inner primitive
        self.sublist = None
        m = _CONTAINER.match(text)
        if m:
            self._container(m["runtime"].lower(), m["rest"], lineno)
        elif text.startswith("Network:"):
            pairs, _ = _pairs(text[len("Network:"):], lineno)
            self.row["control_port"] = _int(pairs.get("control-port"))
            self.row["ip_range_start"] = pairs.get("ip-range-start")
        elif text in ("Storage Mapping:", "Port Mapping:"):
            self.sublist = text
        elif text.startswith("Meta Attrs:") or text.startswith("Meta Attributes:"):
            rest = text.split(":", 1)[1]
            pairs, _ = _pairs(rest, lineno)
            self.row["meta"].update({k: redact_value(k, v) for k, v in pairs.items()})
            if not pairs:
                self.sublist = "Meta"
        elif _PRIMITIVE.match(text):
            m = _PRIMITIVE.match(text)
            self.row["primitive"], self.row["agent"] = m["name"], _agent(m["agent"])

    def _container(self, runtime: str, rest: str, lineno: int) -> None:
        pairs, _ = _pairs(rest, lineno)
        self.row.update(container_type=runtime, image=pairs.get("image"), replicas=_int(pairs.get("replicas")),
                        replicas_per_host=_int(pairs.get("replicas-per-host")),
                        promoted_max=_int(pairs.get("promoted-max") or pairs.get("masters")),
                        network=pairs.get("network"),
                        run_command=redact_text(pairs["run-command"]) if "run-command" in pairs else None,
                        options=redact_text(pairs["options"]) if "options" in pairs else None)

    def _sublist_line(self, text: str, lineno: int) -> None:
        pairs, ident = _pairs(text, lineno)
        if self.sublist == "Storage Mapping:":
            self.row["storage_maps"].append({"source": pairs.get("source-dir") or pairs.get("source-dir-root"),
                                             "target": pairs.get("target-dir"), "options": pairs.get("options"),
                                             "id": ident})
        elif self.sublist == "Port Mapping:":
            self.row["port_maps"].append({"port": _int(pairs.get("port")),
                                          "internal_port": _int(pairs.get("internal-port")),
                                          "range": pairs.get("range"), "id": ident})
        elif self.sublist == "Meta":
            self.row["meta"].update({k: redact_value(k, v) for k, v in pairs.items()})


def _read_config(text: str) -> Tables:
    bundles: list[dict] = []
    properties: list[dict] = []
    block: _BundleBlock | None = None
    block_indent = 0
    props_indent: int | None = None
    for index, raw in enumerate(text.splitlines()):
        lineno = index + 1
        if not raw.strip():
            continue
        indent, stripped = _indent(raw), raw.strip()
        if block is not None and indent <= block_indent:
            bundles.append(block.row)
            block = None
        if props_indent is not None and indent <= props_indent:
            props_indent = None
        if block is not None:
            block.line(raw, lineno)
            continue
        if props_indent is not None:
            m = _PROPERTY.match(stripped)
            if m:
                value = m["value"].strip()
                default = value.endswith(" (default)")
                value = value[:-len(" (default)")] if default else value
                properties.append({"property": m["name"], "value": redact_value(m["name"], value),
                                   "default": default, "line": lineno})
            continue
        m = _BUNDLE.match(stripped)
        if m:
            block, block_indent = _BundleBlock(m["name"], lineno), indent
        elif _PROPERTIES.match(stripped):
            props_indent = indent
    if block is not None:
        bundles.append(block.row)
    for row in bundles:
        if row["container_type"] is None:
            raise ParseError(f"bundle {row['bundle']} has no container line (truncated?)", line=row["line"])
    return {"pcs_bundles": bundles, "pcs_properties": properties}


@parser("pcs_config", "pcs_property", tables=("pcs_bundles", "pcs_properties"))
def parse_pcs_config(text: str, path: str) -> Tables:
    """Bundle definitions and cluster properties of `pcs config` (and `pcs property list|config
    --all`, whose ``name=value (default)`` lines set ``default``). Sample:

        Cluster Name: tripleo_cluster
        Resources:
         Bundle: haproxy-bundle
          Podman: image=cluster.common.tag/rhosp16-openstack-haproxy:pcmklatest network=host replicas=3 run-command="/bin/bash /usr/local/bin/kolla_start"
          Storage Mapping:
           options=ro source-dir=/var/lib/kolla/config_files/haproxy.json target-dir=/var/lib/kolla/config_files/config.json (haproxy-cfg-files)
        Cluster Properties:
         stonith-enabled: false
    """
    tables = _read_config(text)
    if not any(tables.values()) and not re.search(r"^(Cluster Name:|Resources:|Corosync Nodes:)", text, re.M):
        raise ParseError("no pcs config content found", line=1 if text else None)
    return tables


@parser("pcs_resource_show", tables=("pcs_bundles", "pcs_resources"))
def parse_pcs_resource_show(text: str, path: str) -> Tables:
    """`pcs resource show <bundle>` / `pcs resource config`: bundle definitions (as `pcs config`).

    Old pcs (0.9) printed resource *status* for a bare `pcs resource show`; that form is read
    with the status grammar into pcs_resources. Sample:

        Bundle: galera-bundle
          Podman: image=cluster.common.tag/rhosp17-openstack-mariadb:pcmklatest replicas=3 promoted-max=3 network=host
    """
    tables = _read_config(text)
    if tables["pcs_bundles"] or re.search(r"^\s*(Resource|Group|Clone|Bundle): ", text, re.M):
        return {"pcs_bundles": tables["pcs_bundles"], "pcs_resources": []}
    if looks_like_status(text):
        return {"pcs_bundles": [], "pcs_resources": parse_pcs_status(text, path)["pcs_resources"]}
    raise ParseError("no pcs resource definitions or status found", line=1 if text else None)
