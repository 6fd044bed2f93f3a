"""The fact tables rules may read, and their columns (the parsers' contract, DESIGN.md).

Rule validation checks every column a rule names against this list: a name that is not listed
but is close to a listed one is a typo and an error ("did you mean 'health'?"); other names are
accepted, since parsers may add columns. Tables not listed here (e.g. `packages`) accept any
column. A name ending in `*` stands for every column with that prefix (Galera's `wsrep_*`).
"""

from __future__ import annotations

BASE_COLUMNS = ("node", "source", "line")

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "containers": ("name", "image", "image_tag", "state", "health", "status_text", "exit_code",
                   "runtime"),
    "container_configs": ("step", "name", "image", "restart", "healthcheck"),
    "container_expected": ("name", "configured_image", "running_image", "state", "problem", "problem_text",
                           "step", "config_file"),
    "pcs_cluster": ("cluster_name", "dc", "quorum", "maintenance", "stonith_enabled", "daemons"),
    "pcs_nodes": ("cluster_node", "state", "kind"),
    "pcs_resources": ("resource", "kind", "bundle", "replica", "container", "agent", "role",
                      "role_normalized", "location", "failed", "managed", "disabled"),
    "pcs_failed_actions": ("resource", "operation", "on_node", "status", "rc", "rc_text",
                           "exitreason", "last_rc_change"),
    "pcs_bundles": ("bundle", "image", "replicas"),
    "haproxy_proxies": ("proxy", "kind", "mode", "binds", "bind_addresses"),
    "haproxy_servers": ("proxy", "server", "address", "port", "check", "fall", "inter", "rise",
                        "backup", "disabled"),
    "vips": ("address", "resource", "network", "location", "started", "failed", "listens",
             "observed_by"),
    "galera": ("record", "wsrep_cluster_size", "wsrep_cluster_status",
               "wsrep_local_state_comment", "wsrep_ready", "wsrep_*", "uuid", "seqno",
               "safe_to_bootstrap", "node_name", "view_id", "my_uuid", "members", "version"),
    "galera_summary": ("uuid", "seqno", "seqno_source", "safe_to_bootstrap",
                       "wsrep_cluster_status", "bootstrap_candidate", "reason"),
    "rabbitmq": ("node_name", "cluster_name", "running_nodes", "disc_nodes", "ram_nodes",
                 "stopped_nodes", "partitions", "partitioned", "alarms", "listeners", "version",
                 "error"),
    "redis": ("role", "master_host", "master_port", "master_link_status",
              "master_link_down_since_seconds", "connected_slaves", "slaves", "error", "pcs_master",
              "pcs_agrees"),
    "ceph": ("health", "checks", "osds_total", "osds_up", "osds_in", "quorum", "out_of_quorum",
             "fsid", "mons"),
    "ceph_checks": ("code", "severity", "message"),
    "openstack_services": ("kind", "binary", "host", "zone", "status", "state", "alive",
                           "admin_state_up", "agent_type", "hypervisor_hostname", "updated_at",
                           "disabled_reason", "forced_down", "updated_age_s"),
    "config": ("file", "service", "section", "option", "value", "secret"),
    "clock": ("offset_s", "evidence", "method"),
    "events": ("ts", "service", "file", "level", "logger", "pid", "request_id", "message",
               "detail", "signature", "text", "matched"),
}


def known_columns(table: str) -> tuple[str, ...] | None:
    """Columns of `table` (base columns included), or None when the table is not registered."""
    columns = TABLE_COLUMNS.get(table)
    if columns is None:
        return None
    return BASE_COLUMNS + columns


def is_known_column(table: str, column: str) -> bool:
    """True when `column` (its part before the first dot) is a column of `table`."""
    columns = known_columns(table)
    if columns is None:
        return True
    head = column.split(".", 1)[0]
    return any(head == c or (c.endswith("*") and head.startswith(c[:-1])) for c in columns)
