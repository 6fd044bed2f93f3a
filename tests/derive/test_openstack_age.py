from datetime import datetime, timezone

import pandas as pd

from analyzer.bundle import Bundle, NodeInfo
from analyzer.derive.openstack import with_heartbeat_age


def test_heartbeat_age_is_measured_from_when_the_list_was_taken():
    nodes = {"controller-0": NodeInfo(name="controller-0",
                                      collected_at=datetime(2022, 5, 14, 5, 20, 11, tzinfo=timezone.utc))}
    services = pd.DataFrame([
        {"node": "controller-0", "binary": "nova-compute", "host": "compute-0.localdomain",
         "updated_at": "2022-05-14T05:10:03+00:00"},
        {"node": "controller-0", "binary": "nova-scheduler", "host": "controller-0.localdomain",
         "updated_at": "2022-05-14T05:20:09+00:00"},
        {"node": "controller-0", "binary": "nova-conductor", "host": "controller-1.localdomain", "updated_at": None},
    ])
    out = with_heartbeat_age(services, Bundle(nodes, {"openstack_services": services}, []))
    assert list(out["updated_age_s"]) == [608.0, 2.0, None]
