"""`docker inspect` / `podman inspect` JSON -> container_inspect (and container_images for images).

sos writes one file per object (`sos_commands/docker/docker_inspect_<id>` in sos 3.5, where
containers and images share the name pattern; `containers/` and `images/` sub-folders later),
but the parser takes any inspect output: a JSON list of objects (or one object), in any place.
Containers and images are told apart by their content (`State` vs `RepoTags`).

Field names differ by runtime and version (docker `Id`/`State.Health`, podman 1.x `ID`,
`State.Healthcheck`, `ImageName`, `Mounts[].options`, podman 2+ `Mounts[].Options`/`RW`,
`Config.CreateCommand`); every row has the same columns whatever the source.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import datetime, timezone

from analyzer.errors import ParseError
from analyzer.parsers.base import parser, partial_error
from analyzer.parsers.container_common import (command_text, env_to_dict,
                                               redact_argv, redact_env_list, run_command,
                                               runtime_from_path, split_image)
from analyzer.redact import redact_text, redact_value

TRIPLEO_LABELS = ("config_id", "container_name", "managed_by", "config_data")
_ZERO_TIME = "0001-01-01T00:00:00"
_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")
_RUNTIME_ENV = ("HOSTNAME=", "container=")
_MOUNT_FLAGS = {"rbind", "bind", "rprivate", "private", "rslave", "slave", "rshared", "shared",
                "nosuid", "nodev", "noexec", "rw"}
_BIND_TYPES = ("bind", "volume", "")


def iso_utc(value) -> str | None:
    """Runtime timestamp -> ISO-8601 UTC (`...Z`); the zero time and blanks -> None."""
    if not value or not isinstance(value, str) or value.startswith(_ZERO_TIME):
        return None
    text = value.strip()
    text = re.sub(r" [A-Z]{3,5}$", "", text.replace(" +", "+").replace(" -", "-"))
    m = _ISO.match(text.replace(" ", "T", 1))
    if not m:
        return value
    base, frac, zone = m.group(1), (m.group(2) or "")[:7], m.group(3)
    if not zone:
        return base + frac
    zone = "+00:00" if zone == "Z" else (zone if ":" in zone else zone[:3] + ":" + zone[3:])
    when = datetime.fromisoformat(base + frac + zone).astimezone(timezone.utc)
    return when.isoformat().replace("+00:00", "Z")


def _objects(text: str):
    """Yield (line, object) for each object of an inspect output; ParseError on broken JSON."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos >= len(text):
        return
    if text[pos] == "{":
        obj, _ = _decode(decoder, text, pos)
        yield _line_of(text, pos), obj
        return
    if text[pos] != "[":
        raise ParseError("inspect output is not a JSON list or object", line=_line_of(text, pos))
    pos = _skip_ws(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        return
    while True:
        if pos >= len(text):
            raise ParseError("inspect output ends inside the list (truncated)", line=_line_of(text, pos))
        obj, end = _decode(decoder, text, pos)
        yield _line_of(text, pos), obj
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            return
        raise ParseError("expected ',' or ']' between inspect objects", line=_line_of(text, pos))


def _decode(decoder: json.JSONDecoder, text: str, pos: int):
    try:
        return decoder.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise ParseError(f"broken JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply", line=_line_of(text, pos)) from None


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _get(obj, *keys, default=None):
    for key in keys:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(key)
    return default if obj is None else obj


def _first(obj: dict, *names):
    for name in names:
        if isinstance(obj, dict) and obj.get(name) not in (None, ""):
            return obj[name]
    return None


def _runtime(obj: dict, path: str) -> str:
    found = runtime_from_path(path)
    if found:
        return found
    podman_keys = ("ImageName", "ExitCommand", "OCIRuntime", "ConmonPidFile", "IsInfra", "StaticDir")
    return "podman" if any(k in obj for k in podman_keys) else "docker"


def _state(state: dict) -> str:
    status = str(state.get("Status") or "").lower()
    mapping = {"configured": "created", "stopped": "exited", "initialized": "created"}
    if status:
        return mapping.get(status, status)
    for flag, name in (("Restarting", "restarting"), ("Paused", "paused"), ("Dead", "dead"),
                       ("Running", "running")):
        if state.get(flag) is True:
            return name
    return "unknown"


def _health(state: dict) -> str | None:
    health = _first(state, "Health", "Healthcheck")
    status = health.get("Status") if isinstance(health, dict) else None
    return str(status).lower() if status else None


def _mounts(raw) -> list[dict]:
    mounts = []
    for m in raw if isinstance(raw, list) else []:
        if not isinstance(m, dict):
            continue
        options = m.get("Options", m.get("options")) or []
        kind = str(m.get("Type", m.get("type")) or "")
        source = m.get("Source", m.get("source")) or m.get("Name") or ""
        dest = m.get("Destination", m.get("destination")) or ""
        rw = m.get("RW")
        if rw is None:
            rw = "ro" not in options
        mode = str(m.get("Mode") or "")
        if not mode:
            mode = ",".join(o for o in options if o not in _MOUNT_FLAGS and "=" not in o)
        mounts.append({"source": source, "destination": dest, "mode": mode or None,
                       "rw": bool(rw), "type": kind or None})
    return mounts


def _volume_args(mounts: list[dict]) -> list[str]:
    out = []
    for m in mounts:
        if (m["type"] or "") not in _BIND_TYPES or not m["source"] or not m["destination"]:
            continue
        mode = m["mode"] or ("" if m["rw"] else "ro")
        if not m["rw"] and "ro" not in mode.split(","):
            mode = ",".join(x for x in ("ro", mode) if x)
        out.append(f"{m['source']}:{m['destination']}" + (f":{mode}" if mode else ""))
    return out


def _user(value) -> str | None:
    if isinstance(value, dict):
        uid, gid = value.get("uid"), value.get("gid")
        return None if uid is None else (f"{uid}:{gid}" if gid is not None else str(uid))
    return str(value) if value not in (None, "") else None


def _argv(value) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        return shlex.split(str(value))
    except ValueError:
        return [str(value)]


def _config_data(raw) -> dict | str | None:
    """The paunch/tripleo `config_data` label: a JSON container definition, secrets redacted."""
    if raw in (None, ""):
        return None
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return redact_text(str(raw))
    if not isinstance(data, dict):
        return redact_text(str(raw))
    data = dict(data)
    if "environment" in data:
        data["environment"] = env_to_dict(data["environment"])
    if "command" in data:
        cmd = data["command"]
        data["command"] = redact_argv(cmd) if isinstance(cmd, list) else redact_text(str(cmd))
    return data


def _labels(raw) -> dict:
    labels = {}
    for key, value in (raw or {}).items() if isinstance(raw, dict) else []:
        if key == "config_data":
            labels[key] = _config_data(value)
        else:
            labels[str(key)] = redact_value(str(key), str(value)) if value is not None else None
    return labels


def container_row(obj: dict, path: str, line: int) -> dict:
    """One container_inspect row from one inspected container."""
    runtime = _runtime(obj, path)
    state = obj.get("State") if isinstance(obj.get("State"), dict) else {}
    config = obj.get("Config") if isinstance(obj.get("Config"), dict) else {}
    host = obj.get("HostConfig") if isinstance(obj.get("HostConfig"), dict) else {}
    name = str(obj.get("Name") or "").lstrip("/") or None
    image = _first(config, "Image") or _first(obj, "ImageName")
    image_repo, image_tag = split_image(image)
    env = redact_env_list(config.get("Env"))
    mounts = _mounts(obj.get("Mounts"))
    labels = _labels(config.get("Labels"))
    entrypoint = _argv(config.get("Entrypoint"))
    cmd = _argv(config.get("Cmd"))
    if entrypoint and cmd[:len(entrypoint)] == entrypoint:   # podman 1.x repeats it in Cmd
        cmd = cmd[len(entrypoint):]
    config_data = labels.get("config_data") if isinstance(labels.get("config_data"), dict) else None
    healthcheck = _argv(_get(config, "Healthcheck", "Test"))
    if healthcheck[:1] in (["CMD-SHELL"], ["CMD"]):
        healthcheck = healthcheck[1:]
    network = _first(host, "NetworkMode")
    privileged = host.get("Privileged")
    user = _user(config.get("User"))
    restart = _get(host, "RestartPolicy", "Name")
    create_command = config.get("CreateCommand")
    return {
        "name": name,
        "container_id": _first(obj, "Id", "ID"),
        "image": image,
        "image_repo": image_repo,
        "image_tag": image_tag,
        "image_id": str(_first(obj, "Image") or "").removeprefix("sha256:") or None,
        "created": iso_utc(obj.get("Created")),
        "state": _state(state),
        "running": bool(state.get("Running")),
        "exit_code": state.get("ExitCode") if isinstance(state.get("ExitCode"), int) else None,
        "oom_killed": bool(state.get("OOMKilled")),
        "error": redact_text(state.get("Error")) or None,
        "restart_count": obj.get("RestartCount") if isinstance(obj.get("RestartCount"), int) else None,
        "started_at": iso_utc(state.get("StartedAt")),
        "finished_at": iso_utc(state.get("FinishedAt")),
        "health": _health(state),
        "healthcheck": shlex.join(healthcheck) if healthcheck else None,
        "env": env,
        "mounts": mounts,
        "network_mode": network,
        "privileged": bool(privileged) if privileged is not None else None,
        "user": user,
        "restart_policy": restart or None,
        "entrypoint": command_text(entrypoint),
        "command": command_text(cmd),
        "labels": labels,
        "config_id": labels.get("config_id"),
        "managed_by": labels.get("managed_by"),
        "tripleo_container_name": labels.get("container_name"),
        "config_data": config_data,
        "create_command": command_text(create_command) if isinstance(create_command, list) else None,
        "run_command": run_command(
            runtime, name=name, net=network, privileged=privileged, user=user,
            env=[e for e in env if not e.startswith(_RUNTIME_ENV)], volumes=_volume_args(mounts),
            image=image, command=redact_argv(cmd), restart=restart if runtime == "docker" else None),
        "runtime": runtime,
        "line": line,
    }


def image_rows(obj: dict, path: str, line: int) -> list[dict]:
    """container_images rows (one per repo tag) from one inspected image."""
    runtime = _runtime(obj, path)
    config = obj.get("Config") if isinstance(obj.get("Config"), dict) else {}
    labels = _labels(obj.get("Labels") or config.get("Labels"))
    image_id = str(_first(obj, "Id", "ID") or "").removeprefix("sha256:") or None
    digests = obj.get("RepoDigests") or []
    digest = str(digests[0]).split("@", 1)[1] if digests and "@" in str(digests[0]) else _first(obj, "Digest")
    tags = [str(t) for t in obj.get("RepoTags") or []] or [None]
    rows = []
    for ref in tags:
        repo, tag = split_image(ref)
        rows.append({
            "repository": repo, "tag": tag, "image": ref, "image_id": image_id, "digest": digest,
            "created": iso_utc(obj.get("Created")),
            "size_bytes": obj.get("Size") if isinstance(obj.get("Size"), int) else None,
            "version": labels.get("version"), "release": labels.get("release"),
            "labels": labels, "runtime": runtime, "line": line,
        })
    return rows


def _is_image(obj: dict) -> bool:
    return "State" not in obj and ("RepoTags" in obj or "RootFS" in obj)


@parser("container_inspect", tables=("container_inspect", "container_images"))
def parse_container_inspect(text: str, path: str) -> dict[str, list[dict]]:
    """Parse `docker inspect` / `podman inspect` output of containers (and images). Sample:

        [
            {
                "Id": "3f1c...", "Name": "/nova_api", "State": {"Status": "running", ...},
                "Config": {"Image": "192.168.24.1:8787/rhosp13/openstack-nova-api:13.0-88",
                           "Env": ["KOLLA_CONFIG_STRATEGY=COPY_ALWAYS", ...],
                           "Labels": {"config_id": "tripleo_step4", "managed_by": "paunch", ...}},
                "Mounts": [{"Source": "/etc/hosts", "Destination": "/etc/hosts", "Mode": "ro", "RW": false}],
                "HostConfig": {"NetworkMode": "host", "Privileged": false, ...}
            }
        ]
    """
    tables: dict[str, list[dict]] = {"container_inspect": [], "container_images": []}
    try:
        for line, obj in _objects(text):
            if not isinstance(obj, dict):
                raise ParseError("inspect list item is not a JSON object", line=line)
            try:
                if _is_image(obj):
                    tables["container_images"].extend(image_rows(obj, path, line))
                elif "State" in obj or "Config" in obj:
                    tables["container_inspect"].append(container_row(obj, path, line))
                else:
                    raise ParseError("JSON object is neither a container nor an image inspect", line=line)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
                raise ParseError(f"unexpected inspect field shape: {exc}", line=line) from None
    except ParseError as exc:
        if any(tables.values()):
            raise partial_error(exc.message, exc.line, tables) from None
        raise
    return tables
