"""Where shipped data lives: installed as package data, or the top-level folders of a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_rules_dir() -> Path:
    """The shipped rule packs: package `analyzer.rules` when installed, `rules/` in a checkout."""
    checkout = Path(__file__).resolve().parent.parent / "rules"
    if checkout.is_dir() and (Path(__file__).resolve().parent.parent / "pyproject.toml").is_file():
        return checkout
    try:
        return Path(str(resources.files("analyzer.rules")))
    except ModuleNotFoundError:
        return checkout
