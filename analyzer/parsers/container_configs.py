"""TripleO container definitions (what paunch / tripleo_container_manage means to run) -> container_configs.

Three layouts under `var/lib/tripleo-config/`, told apart by the path:

- RHOSP 13 (docker, paunch): `docker-container-startup-config-step_N.json`, one JSON object
  `{container_name: definition}` per step;
- RHOSP 16.0 (podman, paunch): `container-startup-config-step_N.json`, same shape;
- RHOSP 16.1+ (tripleo_container_manage): `container-startup-config/step_N/<name>.json`, one
  definition per file.

Each may come as `hashed-<file>`: the same definitions with `TRIPLEO_CONFIG_HASH` added, the
copy actually applied (`hashed` is True on those rows). A definition with `"action": "exec"`
runs a command in another container and is not a container itself (`action` column).
"""

from __future__ import annotations

import json
import re

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error
from analyzer.parsers.container_common import (as_bool, command_argv, command_text, env_to_dict,
                                               run_command, split_image)

_STEP_FILE = re.compile(r"(?:^|/)(?P<hashed>hashed-)?(?P<docker>docker-)?container-startup-config-step_(?P<step>\d+)\.json$")
_PER_CONTAINER = re.compile(r"(?:^|/)container-startup-config/step_(?P<step>\d+)/(?P<hashed>hashed-)?(?P<name>[^/]+)\.json$")


def _healthcheck(value) -> str | None:
    if isinstance(value, dict):
        test = value.get("test")
        if isinstance(test, list):
            test = command_text([t for t in test if t not in ("CMD", "CMD-SHELL")])
        return str(test) if test not in (None, "") else None
    return str(value) if value not in (None, "", False) else None


def _volumes(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def config_row(name: str, definition: dict, *, step: int | None, runtime: str, source_format: str,
               hashed: bool, line: int) -> dict:
    """One container_configs row from one container definition."""
    image = definition.get("image")
    image = str(image) if image not in (None, "") else None
    image_repo, image_tag = split_image(image)
    environment = env_to_dict(definition.get("environment"))
    volumes = _volumes(definition.get("volumes"))
    net = definition.get("net")
    user = definition.get("user")
    privileged = as_bool(definition.get("privileged"))
    action = str(definition.get("action") or "run")
    command = definition.get("command")
    start_order = definition.get("start_order")
    detach = as_bool(definition.get("detach"))
    return {
        "step": step,
        "name": name,
        "image": image,
        "image_repo": image_repo,
        "image_tag": image_tag,
        "action": action,
        "restart": definition.get("restart"),
        "net": str(net) if net not in (None, "") else None,
        "privileged": privileged,
        "user": str(user) if user not in (None, "") else None,
        "healthcheck": _healthcheck(definition.get("healthcheck")),
        "volumes": volumes,
        "environment": environment,
        "start_order": start_order if isinstance(start_order, int) else None,
        "detach": True if detach is None else detach,
        "command": command_text(command),
        "run_command": None if action == "exec" else run_command(
            runtime, name=name, net=net, privileged=privileged, user=user,
            env=[f"{k}={v}" for k, v in environment.items()], volumes=volumes, image=image,
            command=command_argv(command)),
        "source_format": source_format,
        "hashed": hashed,
        "runtime": runtime,
        "line": line,
    }


def _looks_like_definition(data: dict) -> bool:
    """A lone definition (keys like image/net/volumes) rather than {name: definition}."""
    return isinstance(data.get("image"), str) or isinstance(data.get("volumes"), list)


def _key_lines(text: str, names) -> dict[str, int]:
    """Line of each top-level container name in a step file (first `"name": {` seen, else `"name":`)."""
    lines = {}
    for name in names:
        key = re.escape(json.dumps(name, ensure_ascii=False)) + r"\s*:"
        m = re.search(key + r"\s*\{", text) or re.search(key, text)
        lines[name] = text.count("\n", 0, m.start()) + 1 if m else 1
    return lines


def _load(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"broken JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply", line=1) from None


@parser("container_startup_config", tables=("container_configs",))
def parse_container_startup_config(text: str, path: str) -> dict[str, list[dict]]:
    """Parse TripleO container startup configs. Sample (RHOSP 13 step file):

        {"nova_api": {"start_order": 2, "image": "192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88",
                      "net": "host", "user": "root", "privileged": true, "restart": "always",
                      "volumes": ["/etc/hosts:/etc/hosts:ro", ...],
                      "environment": ["KOLLA_CONFIG_STRATEGY=COPY_ALWAYS"]},
         "nova_api_db_sync": {"start_order": 0, "detach": false, "command": "/usr/bin/bootstrap_host_exec ..."}}

    RHOSP 16.1+ `container-startup-config/step_4/nova_api.json` holds one such definition.
    """
    if not text.strip():
        return {"container_configs": []}
    data = _load(text)
    per_container = _PER_CONTAINER.search(path)
    step_file = _STEP_FILE.search(path)
    try:
        if per_container:
            if not isinstance(data, dict):
                raise ParseError("container definition is not a JSON object", line=1)
            row = config_row(per_container["name"], data, step=int(per_container["step"]),
                             runtime="podman", source_format="tripleo16-per-container",
                             hashed=bool(per_container["hashed"]), line=1)
            return {"container_configs": [row]}
        if not isinstance(data, dict):
            raise ParseError("startup config is not a JSON object of container definitions", line=1)
        if not step_file and _looks_like_definition(data):
            name = re.sub(r"^hashed-|\.json$", "", path.rsplit("/", 1)[-1]) or None
            return {"container_configs": [config_row(
                name, data, step=None, runtime="podman", source_format="tripleo16-per-container",
                hashed=path.rsplit("/", 1)[-1].startswith("hashed-"), line=1)]}
        docker = bool(step_file and step_file["docker"])
        step = int(step_file["step"]) if step_file else None
        fmt = "tripleo13-step-json" if docker else "tripleo16-step-json"
        lines = _key_lines(text, data)
        rows = []
        for name, definition in data.items():
            if not isinstance(definition, dict):
                raise partial_error(f"definition of {name!r} is not a JSON object", lines[name],
                                    {"container_configs": rows})
            rows.append(config_row(name, definition, step=step, runtime="docker" if docker else "podman",
                                   source_format=fmt, hashed=bool(step_file and step_file["hashed"]),
                                   line=lines[name]))
        return {"container_configs": rows}
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ParseError(f"unexpected container definition shape: {exc}", line=1) from None
