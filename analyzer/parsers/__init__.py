"""Parsers: one module per artifact family, each registering pure text -> rows functions.

Importing this package imports every module in it, so a new parser module only has to use the
``@parser`` decorator of :mod:`analyzer.parsers.base`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from analyzer.parsers.base import REGISTRY, ParserSpec, Tables, parser  # noqa: F401


@lru_cache(maxsize=1)
def load_all() -> dict[str, ParserSpec]:
    """Import every parser module of the package (once) and return the registry."""
    for info in pkgutil.iter_modules(__path__):
        if info.name != "base" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY
