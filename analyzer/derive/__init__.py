"""Tables computed from other tables once every input is parsed.

Each deriver reads named tables of the Bundle and sets a new one; a deriver whose input table
is absent leaves its table absent (rules over it then report "not checked").
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from analyzer.bundle import Bundle


def _opt(bundle: Bundle, name: str) -> pd.DataFrame | None:
    return bundle.table(name) if bundle.has_table(name) else None


def _vips(bundle: Bundle):
    from analyzer.derive.vips import derive_vips

    return derive_vips(bundle.table("pcs_resources"), _opt(bundle, "haproxy_proxies"), _opt(bundle, "pcs_bundles"))


def _galera(bundle: Bundle):
    from analyzer.derive.galera import galera_summary

    return galera_summary(bundle.table("galera"))


def _containers(bundle: Bundle):
    from analyzer.derive.containers import expected_vs_running

    return expected_vs_running(bundle.table("container_configs"), bundle.table("containers"))


def _redis(bundle: Bundle):
    from analyzer.derive.redis import annotate_redis

    return annotate_redis(bundle.table("redis"), _opt(bundle, "pcs_resources"))


def _openstack(bundle: Bundle):
    from analyzer.derive.openstack import with_heartbeat_age

    return with_heartbeat_age(bundle.table("openstack_services"), bundle)


def _clock(bundle: Bundle):
    from analyzer.derive.clock import clock_table

    return clock_table(bundle)


# output table -> (table that must be present, deriver)
DERIVERS: list[tuple[str, str, Callable[[Bundle], pd.DataFrame | None]]] = [
    ("vips", "pcs_resources", _vips),
    ("galera_summary", "galera", _galera),
    ("container_expected", "container_configs", _containers),
    ("redis", "redis", _redis),
    ("openstack_services", "openstack_services", _openstack),
    ("clock", "nodes", _clock),
]


def run_all(bundle: Bundle) -> None:
    """Run every deriver whose input table exists."""
    for out, needs, fn in DERIVERS:
        if bundle.has_table(needs):
            df = fn(bundle)
            if df is not None:
                bundle.set_table(out, df)
