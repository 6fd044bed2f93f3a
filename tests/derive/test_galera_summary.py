"""Galera bootstrap candidate from grastate/wsrep rows of three controllers."""

from __future__ import annotations

import pandas as pd

from analyzer.derive.galera import galera_summary
from analyzer.parsers.galera import parse_galera_status, parse_grastate
from tests.conftest import read_realdata

UUID = "6c4d2b6e-3f1a-11ec-8a2e-b7d3c0e5a9f1"


def grastate(node: str, seqno: int, safe: int | None = 0, uuid: str = UUID) -> list[dict]:
    text = f"# GALERA saved state\nversion: 2.1\nuuid:    {uuid}\nseqno:   {seqno}\n"
    if safe is not None:
        text += f"safe_to_bootstrap: {safe}\n"
    rows = parse_grastate(text, "var/lib/mysql/grastate.dat")["galera"]
    return [dict(r, node=node, source="var/lib/mysql/grastate.dat") for r in rows]


def summary(*row_lists: list[dict]) -> dict[str, dict]:
    df = pd.DataFrame([r for rows in row_lists for r in rows])
    return {r["node"]: r for r in galera_summary(df).to_dict("records")}


def test_safe_to_bootstrap_wins_over_a_higher_seqno():
    nodes = summary(grastate("controller-0", 482901, 0), grastate("controller-1", 482977, 0),
                    grastate("controller-2", 482950, 1))
    assert [n for n, r in nodes.items() if r["bootstrap_candidate"]] == ["controller-2"]
    assert nodes["controller-2"]["reason"].startswith("safe_to_bootstrap: 1")
    assert nodes["controller-1"]["seqno"] == 482977 and nodes["controller-1"]["safe_to_bootstrap"] == 0


def test_highest_seqno_when_none_is_safe():
    nodes = summary(grastate("controller-0", 482901, 0), grastate("controller-1", 482977, 0),
                    grastate("controller-2", 482950, 0))
    assert [n for n, r in nodes.items() if r["bootstrap_candidate"]] == ["controller-1"]
    assert nodes["controller-1"]["reason"] == "highest seqno 482977 (from grastate)"
    assert nodes["controller-0"]["reason"] == "seqno 482901 is lower than 482977"


def test_running_node_position_comes_from_wsrep_last_committed():
    status = parse_galera_status("| wsrep_last_committed | 482990 |\n| wsrep_cluster_status | non-Primary |\n",
                                 "wsrep.txt")["galera"]
    running = [dict(r, node="controller-0", source="sos_commands/mysql/wsrep") for r in status]
    nodes = summary(grastate("controller-0", -1, 0), running, grastate("controller-1", 482977, 0),
                    grastate("controller-2", -1, 0))
    c0 = nodes["controller-0"]
    assert (c0["seqno"], c0["seqno_source"], c0["wsrep_cluster_status"]) == (482990, "wsrep_last_committed", "non-Primary")
    assert c0["bootstrap_candidate"] and not nodes["controller-1"]["bootstrap_candidate"]
    assert "position unknown on controller-2" in c0["reason"]
    assert nodes["controller-2"]["reason"] == "seqno unknown (-1 or missing)"


def test_node_without_saved_state_is_never_the_candidate():
    nodes = summary(grastate("controller-0", 0, 1, uuid="00000000-0000-0000-0000-000000000000"),
                    grastate("controller-1", 12, 0))
    assert not nodes["controller-0"]["bootstrap_candidate"] and nodes["controller-1"]["bootstrap_candidate"]
    assert nodes["controller-0"]["reason"].startswith("no saved state")


def test_empty_table():
    assert galera_summary(pd.DataFrame()).empty


# --- realdata: three nodes' grastate.dat pasted in one document ----------------------------------

def realdata_summary(name: str) -> dict[str, dict]:
    rows = parse_grastate(read_realdata(name), "grastate.dat")["galera"]
    df = pd.DataFrame([dict(r, node="doc", source="grastate.dat") for r in rows])
    return {r["node"]: r for r in galera_summary(df).to_dict("records")}


def test_realdata_all_seqno_minus_one_has_no_candidate():
    nodes = realdata_summary("galera/osa-docs-grastate.dat-seqno-minus1.txt")
    assert sorted(nodes) == ["node2_galera_container-49a47d25", "node3_galera_container-3ea2cbd3",
                             "node4_galera_container-76275635"]
    assert not any(r["bootstrap_candidate"] for r in nodes.values())
    assert all("every seqno is -1" in r["reason"] and "--wsrep-recover" in r["reason"] for r in nodes.values())


def test_realdata_equal_seqno_31_makes_every_node_a_candidate():
    nodes = realdata_summary("galera/osa-docs-grastate.dat-seqno31-x3.txt")
    assert len(nodes) == 3 and all(r["bootstrap_candidate"] and r["seqno"] == 31 for r in nodes.values())
    assert all(r["safe_to_bootstrap"] is None for r in nodes.values())
    assert nodes["node2_galera_container-49a47d25"]["reason"].startswith("highest seqno 31 (from grastate), equal to")
