"""Helpers shared by the container parsers: runtime, image references, secrets, `run` lines.

No parser is registered here. Everything is pure and works on plain values.
"""

from __future__ import annotations

import re
import shlex

from analyzer.redact import is_secret_option, redact_text, secret_marker

_DIGEST_OR_ID = re.compile(r"^(sha256:)?[0-9a-f]{12,64}$")
_SECRET_FLAG = re.compile(r"^-{1,2}[\w.-]*(pass(word|wd)?|secret|token|credential|api[_-]?key)[\w.-]*$",
                          re.IGNORECASE)


def runtime_from_path(path: str, default: str | None = None) -> str | None:
    """'docker' or 'podman' as named by a sos path (`sos_commands/podman/...`, `docker_ps_-a`)."""
    low = path.lower()
    found = [(low.rfind(rt), rt) for rt in ("docker", "podman") if rt in low]
    if not found:
        return default
    return max(found)[1]


def split_image(reference: str | None) -> tuple[str | None, str | None]:
    """`registry:8787/ns/name:tag` -> (`registry:8787/ns/name`, `tag`); digests keep no tag.

    A bare image id (what `docker ps` shows once the tag moved away) gives (id, None).
    """
    if not reference:
        return None, None
    ref = reference.strip()
    if "@" in ref:
        return ref.split("@", 1)[0], None
    if _DIGEST_OR_ID.match(ref):
        return ref, None
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1:] or None
    return ref, None


def _masked_already(value: str) -> bool:
    return bool(value) and set(value) <= {"*"}


def redact_env_value(key: str, value) -> str:
    """Value of environment variable `key` with secrets replaced by a marker."""
    if value is None:
        return value
    value = str(value)
    if is_secret_option(key):
        return value if (not value.strip() or _masked_already(value)) else secret_marker(value)
    return redact_text(value)


def redact_env_list(env) -> list[str]:
    """`["K=V", ...]` with secret values redacted (sos' own `********` masks are kept)."""
    out = []
    for item in env or []:
        text = str(item)
        key, sep, value = text.partition("=")
        out.append(f"{key}{sep}{redact_env_value(key, value)}" if sep else redact_text(text))
    return out


def env_to_dict(env) -> dict[str, str]:
    """TripleO `environment`: a dict (RHOSP 16+) or a list of `K=V` (RHOSP 13) -> redacted dict."""
    if isinstance(env, dict):
        items = [(str(k), "" if v is None else str(v)) for k, v in env.items()]
    else:
        items = [tuple(str(e).partition("=")[::2]) for e in (env or [])]
    return {k: redact_env_value(k, v) for k, v in items}


def redact_argv(args) -> list[str]:
    """A command as argv with secrets redacted, including `--some-password VALUE` pairs."""
    out: list[str] = []
    for arg in args:
        arg = str(arg)
        if out and _SECRET_FLAG.match(out[-1]) and not arg.startswith("-"):
            out.append(secret_marker(arg))
        else:
            out.append(redact_text(arg))
    return out


def command_text(command) -> str | None:
    """A command (argv list or shell string) as one redacted string; None when absent."""
    if command is None or command == [] or command == "":
        return None
    if isinstance(command, (list, tuple)):
        return shlex.join(redact_argv(command))
    return redact_text(str(command))


def command_argv(command) -> list[str]:
    """A command as redacted argv (a string is split the shell way, or kept whole if it cannot be)."""
    if command is None or command == "":
        return []
    if isinstance(command, (list, tuple)):
        return redact_argv(command)
    try:
        return redact_argv(shlex.split(str(command)))
    except ValueError:
        return [redact_text(str(command))]


def run_command(runtime: str, *, name: str | None, net: str | None, privileged: bool | None,
                user: str | None, env: list[str], volumes: list[str], image: str | None,
                command: list[str], restart: str | None = None) -> str:
    """The `<runtime> run` line that recreates a container by hand.

    `env` holds redacted `K=V` strings, `volumes` `src:dst[:mode]` strings, `command` argv.
    """
    argv = [runtime or "podman", "run"]
    if name:
        argv += ["--name", name]
    if net:
        argv.append(f"--net={net}")
    if privileged is not None:
        argv.append(f"--privileged={'true' if privileged else 'false'}")
    if user:
        argv.append(f"--user={user}")
    if restart and restart not in ("no", ""):
        argv.append(f"--restart={restart}")
    for item in env:
        argv += ["-e", item]
    for vol in volumes:
        argv += ["-v", vol]
    if image:
        argv.append(image)
    argv += command
    return shlex.join(argv)


def as_bool(value) -> bool | None:
    """JSON/YAML truthiness as TripleO writes it (true, "true", "True", 1)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off", ""):
        return False
    return None
