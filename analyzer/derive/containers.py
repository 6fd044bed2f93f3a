"""Containers TripleO means to run (container_configs) against what `ps -a` shows (containers).

One row per configured long-running container of a node that has a `ps -a` listing:

    node, name, configured_image, running_image, state, problem, problem_text, step, config_file

`problem` is 'not_present' (no such container), 'not_running' (present, not running),
'image_differs' (running another image than configured) or None; `problem_text` says it in
words; `config_file` is the definition it was compared with, as a path on the node (what
`paunch debug --file` takes). One-shot definitions
(`detach: false`, e.g. `nova_api_db_sync`) and `action: exec` entries are left out: they are
expected to have exited, or are not containers at all.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["node", "name", "configured_image", "running_image", "state", "problem", "problem_text", "step",
           "config_file"]


def _column(df: pd.DataFrame, name: str, default) -> pd.Series:
    if name in df.columns:
        return df[name].where(df[name].notna(), default)
    return pd.Series(default, index=df.index, dtype=object)


def _latest_definitions(configs: pd.DataFrame) -> pd.DataFrame:
    """One definition per (node, name): the hashed copy (the one applied), then the highest step."""
    keep = configs[(_column(configs, "action", "run") != "exec")
                   & _column(configs, "detach", True).astype(bool)]
    keep = keep.assign(_hashed=_column(keep, "hashed", False).astype(bool),
                       _step=pd.to_numeric(_column(keep, "step", -1), errors="coerce").fillna(-1))
    keep = keep.sort_values(["node", "name", "_hashed", "_step"])
    return keep.drop_duplicates(["node", "name"], keep="last")


def expected_vs_running(configs_df: pd.DataFrame, containers_df: pd.DataFrame) -> pd.DataFrame:
    """Left-join configured containers on (node, name) with the `ps -a` rows of that node."""
    if configs_df is None or containers_df is None or configs_df.empty or containers_df.empty:
        return pd.DataFrame(columns=COLUMNS)
    listed_nodes = set(containers_df["node"].dropna())
    configs = _latest_definitions(configs_df[configs_df["node"].isin(listed_nodes)])
    running = containers_df[["node", "name", "image", "state"]].drop_duplicates(["node", "name"])
    configs = configs.assign(config_file=_column(configs, "source", None).map(
        lambda s: "/" + s.lstrip("/") if isinstance(s, str) else None), step=configs["_step"].astype(int))
    joined = configs[["node", "name", "image", "step", "config_file"]].rename(
        columns={"image": "configured_image"}).merge(
        running.rename(columns={"image": "running_image"}), on=["node", "name"], how="left")

    def problem(row) -> str | None:
        if pd.isna(row["state"]):
            return "not_present"
        if row["state"] != "running":
            return "not_running"
        if row["configured_image"] and row["running_image"] != row["configured_image"]:
            return "image_differs"
        return None

    joined["problem"] = joined.apply(problem, axis=1) if len(joined) else []
    texts = {"not_present": lambda r: "missing from ps -a",
             "not_running": lambda r: f"not running ({r['state']})",
             "image_differs": lambda r: f"running {r['running_image']} instead of {r['configured_image']}"}
    joined["problem_text"] = [texts[p](r) if p in texts else None
                              for p, (_, r) in zip(joined["problem"], joined.iterrows())] if len(joined) else []
    joined = joined.astype(object).where(joined.notna(), None)
    return joined[COLUMNS].reset_index(drop=True)
