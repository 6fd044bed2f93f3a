import pandas as pd

from analyzer.derive.redis import annotate_redis


def _pcs(location_of_promoted):
    rows = []
    for observer in ("controller-0", "controller-1", "controller-2"):
        for i, node in enumerate(("controller-0", "controller-1", "controller-2")):
            rows.append({"node": observer, "bundle": "redis-bundle", "resource": f"redis-bundle-{i}",
                         "location": node, "role_normalized": "promoted" if node == location_of_promoted else "unpromoted"})
    return pd.DataFrame(rows)


def test_each_redis_role_is_checked_against_the_replica_pacemaker_promoted():
    redis = pd.DataFrame([{"node": "controller-0", "role": "master"}, {"node": "controller-1", "role": "slave"},
                          {"node": "controller-2", "role": "master"}])
    out = annotate_redis(redis, _pcs("controller-0"))
    assert set(out["pcs_master"]) == {"controller-0"}
    assert list(out["pcs_agrees"]) == [True, True, False]


def test_without_pcs_nothing_is_claimed():
    out = annotate_redis(pd.DataFrame([{"node": "controller-0", "role": "master"}]), None)
    assert out["pcs_master"].isna().all() and out["pcs_agrees"].isna().all()
