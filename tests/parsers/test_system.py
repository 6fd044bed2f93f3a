"""System facts: packages, failed units, uptime, memory, disks, time settings, release."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.errors import ParseError
from analyzer.parsers import load_all
from analyzer.parsers.system import (parse_date, parse_date_utc, parse_df, parse_failed_units, parse_free,
                                     parse_installed_rpms, parse_meminfo, parse_os_release,
                                     parse_rhosp_release, parse_timedatectl, parse_uptime, split_nvra)

RPMS_42 = "sos_commands/rpm/sh_-c_rpm_--nodigest_-qa_--qf_-59_NVRA_INSTALLTIME_date_sort_-V"

# RHEL 8.4 / RHOSP 16.2 controller, installed-rpms of sos 4.2 (excerpt, sorted with sort -V).
RHEL8_RPMS = """\
ansible-2.9.27-1.el8ae.noarch                               Thu 24 Feb 2022 09:41:02 AM UTC
gpg-pubkey-d4082792-5b32db75                                Thu 24 Feb 2022 09:38:11 AM UTC
gpg-pubkey-fd431d51-4ae0493b                                Thu 24 Feb 2022 09:38:10 AM UTC
kernel-4.18.0-305.34.2.el8_4.x86_64                         Thu 24 Feb 2022 09:40:21 AM UTC
openstack-nova-common-20.6.2-2.20220104215219.el8ost.noarch Thu 24 Feb 2022 09:45:37 AM UTC
pacemaker-2.0.5-9.el8_4.3.x86_64                            Thu 24 Feb 2022 09:43:55 AM UTC
podman-3.0.1-8.module+el8.4.0+13887+a13d2fa6.x86_64         Thu 24 Feb 2022 09:42:18 AM UTC
python3-tripleoclient-16.5.1-2.20220104213421.el8ost.noarch Thu 24 Feb 2022 09:46:02 AM UTC
rhosp-release-16.2.2-1.el8ost.noarch                        Thu 24 Feb 2022 09:39:48 AM UTC
"""

# sos 3.2-era layout: awk kept the tab-separated epoch, vendor, build host and signatures.
RHEL7_OLD_RPMS = (
    "pacemaker-1.1.18-11.el7_5.3.x86_64                          Tue 21 Aug 2018 02:46:12 PM EDT"
    "\t1534877172\tRed Hat, Inc.\tx86-041.build.eng.bos.redhat.com\tRSA/SHA256, Wed 20 Jun 2018 09:01:44 AM EDT,"
    " Key ID 199e2f91fd431d51\tRSA/SHA256, Wed 20 Jun 2018 09:01:44 AM EDT, Key ID 199e2f91fd431d51\n"
    "docker-1.13.1-75.git8633870.el7_5.x86_64                    Tue 21 Aug 2018 02:47:03 PM EDT"
    "\t1534877223\tRed Hat, Inc.\tx86-019.build.eng.bos.redhat.com\t(none)\t(none)\n")


def test_rhel8_installed_rpms():
    rows = parse_installed_rpms(RHEL8_RPMS, RPMS_42)["packages"]
    by = {r["name"]: r for r in rows}
    assert len(rows) == 9
    assert (by["openstack-nova-common"]["version"], by["openstack-nova-common"]["release"],
            by["openstack-nova-common"]["arch"]) == ("20.6.2", "2.20220104215219.el8ost", "noarch")
    assert by["podman"]["release"] == "8.module+el8.4.0+13887+a13d2fa6"
    assert by["rhosp-release"]["version"] == "16.2.2"
    assert by["gpg-pubkey"]["arch"] is None and [r["name"] for r in rows].count("gpg-pubkey") == 2
    assert by["pacemaker"]["installtime"] == "Thu 24 Feb 2022 09:43:55 AM UTC"
    assert by["pacemaker"]["installtime_utc"] == "2022-02-24T09:43:55+00:00"
    assert by["kernel"]["line"] == 4


def test_old_layout_with_epoch_and_vendor():
    rows = parse_installed_rpms(RHEL7_OLD_RPMS, "sos_commands/rpm/sh_-c_rpm_--nodigest_-qa_--qf_NAME_-_VERSION")["packages"]
    assert [(r["name"], r["version"], r["arch"]) for r in rows] == [
        ("pacemaker", "1.1.18", "x86_64"), ("docker", "1.13.1", "x86_64")]
    assert rows[0]["installtime"] == "Tue 21 Aug 2018 02:46:12 PM EDT"
    assert rows[0]["installtime_utc"] == "2018-08-21T18:46:12+00:00"
    assert rows[0]["vendor"] == "Red Hat, Inc." and rows[1]["buildhost"].startswith("x86-019")


def test_package_data_layout():
    text = ("haproxy-1.8.27-2.el8.x86_64\tThu 24 Feb 2022 09:43:01 AM UTC\t1645695781\tRed Hat, Inc."
            "\tx86-vm-07.build.eng.bos.redhat.com\tRSA/SHA256, Mon 14 Jun 2021, Key ID 199e2f91fd431d51\t(none)\n")
    (row,) = parse_installed_rpms(text, "sos_commands/rpm/package-data")["packages"]
    assert (row["name"], row["version"], row["installtime_utc"]) == ("haproxy", "1.8.27", "2022-02-24T09:43:01+00:00")


def test_rpm_error_keeps_rows():
    text = RHEL8_RPMS[:200] + "\nerror: rpmdb: BDB0113 Thread/process 2491/140 failed\n"
    with pytest.raises(ParseError) as err:
        parse_installed_rpms(text, RPMS_42)
    assert len(err.value.partial["packages"]) == 3


@pytest.mark.parametrize("nvra, expected", [
    ("python3-oslo-messaging-10.2.4-2.20210916103610.el8ost.noarch",
     ("python3-oslo-messaging", "10.2.4", "2.20210916103610.el8ost", "noarch")),
    ("gpg-pubkey-fd431d51-4ae0493b.(none)", ("gpg-pubkey", "fd431d51", "4ae0493b", None)),
])
def test_split_nvra(nvra, expected):
    assert split_nvra(nvra) == expected


# ---------------------------------------------------------------- failed units

FAILED_RHEL8 = """\
  UNIT                                      LOAD   ACTIVE SUB    DESCRIPTION
● tripleo_nova_compute.service              loaded failed failed nova_compute container
● tripleo_nova_compute_healthcheck.service  loaded failed failed nova_compute healthcheck

LOAD   = Reflects whether the unit definition was properly loaded.
ACTIVE = The high-level unit activation state, i.e. generalization of SUB.
SUB    = The low-level unit activation state, values depend on unit type.

2 loaded units listed. Pass --all to see loaded but inactive units, too.
To show all installed unit files use 'systemctl list-unit-files'.
"""

NO_FAILED_RHEL7 = """\
UNIT LOAD ACTIVE SUB DESCRIPTION
0 loaded units listed. Pass --all to see loaded but inactive units, too.
To show all installed unit files use 'systemctl list-unit-files'.
"""


def test_failed_units():
    rows = parse_failed_units(FAILED_RHEL8, "sos_commands/systemd/systemctl_list-units_--failed")["failed_units"]
    assert [(r["unit"], r["active"], r["sub"], r["line"]) for r in rows] == [
        ("tripleo_nova_compute.service", "failed", "failed", 2),
        ("tripleo_nova_compute_healthcheck.service", "failed", "failed", 3)]
    assert rows[0]["description"] == "nova_compute container"


def test_no_failed_units():
    assert parse_failed_units(NO_FAILED_RHEL7, "x")["failed_units"] == []


def test_failed_units_truncated():
    with pytest.raises(ParseError) as err:
        parse_failed_units("\n".join(FAILED_RHEL8.splitlines()[:2]), "x")
    assert len(err.value.partial["failed_units"]) == 1


# ---------------------------------------------------------------- uptime, memory, df

@pytest.mark.parametrize("line, seconds, users, load15", [
    (" 10:12:01 up 35 days,  3:04,  1 user,  load average: 0.52, 0.61, 0.70", (35 * 24 * 60 + 184) * 60, 1, 0.70),
    (" 08:01:44 up 12 min,  0 users,  load average: 5.97, 4.10, 2.03", 12 * 60, 0, 2.03),
    (" 23:59:59 up 1 day, 15 min,  2 users,  load average: 0.00, 0.01, 0.05", (1440 + 15) * 60, 2, 0.05),
    (" 14:32:10 up  2:05,  load average: 12.40, 11.95, 11.62", 125 * 60, None, 11.62),
])
def test_uptime(line, seconds, users, load15):
    (row,) = parse_uptime(line + "\n", "sos_commands/host/uptime")["uptime"]
    assert (row["uptime_seconds"], row["users"], row["load15"]) == (seconds, users, load15)


def test_uptime_garbage():
    with pytest.raises(ParseError):
        parse_uptime("uptime: command not found\n", "uptime")


FREE_RHEL8 = """\
              total        used        free      shared  buff/cache   available
Mem:      131748372    61347896    45223032     4116752    25177444    65027620
Swap:       8388604      102400     8286204
"""

FREE_RHEL6_M = """\
             total       used       free     shared    buffers     cached
Mem:         15950      15590        360          0        256      11882
-/+ buffers/cache:       3451      12499
Swap:         8191        110       8081
"""


def test_free_kib_and_old_layout_mib():
    (row,) = parse_free(FREE_RHEL8, "sos_commands/memory/free")["memory"]
    assert (row["total"], row["available"], row["swap_used"]) == (131748372 * 1024, 65027620 * 1024, 102400 * 1024)
    (old,) = parse_free(FREE_RHEL6_M, "sos_commands/memory/free_-m")["memory"]
    assert (old["total"], old["used"], old["buff_cache"]) == (15950 * 2 ** 20, 3451 * 2 ** 20, (256 + 11882) * 2 ** 20)
    assert old["available"] is None and old["line"] == 2


MEMINFO = """\
MemTotal:       131748372 kB
MemFree:        45223032 kB
MemAvailable:   65027620 kB
Buffers:            4220 kB
Cached:         21633880 kB
SwapCached:            0 kB
Shmem:           4116752 kB
SReclaimable:    3539344 kB
SwapTotal:       8388604 kB
SwapFree:        8286204 kB
HugePages_Total:      64
HugePages_Free:       12
Hugepagesize:       1048576 kB
"""


def test_meminfo():
    (row,) = parse_meminfo(MEMINFO, "proc/meminfo")["memory"]
    assert row["method"] == "meminfo" and row["available"] == 65027620 * 1024
    assert row["used"] == (131748372 - 45223032 - 4220 - 21633880 - 3539344) * 1024
    assert (row["hugepages_total"], row["hugepages_free"], row["hugepage_size"]) == (64, 12, 2 ** 30)
    assert row["swap_used"] == 102400 * 1024


DF = """\
Filesystem                        1K-blocks     Used Available Use% Mounted on
sysfs                                     0        0         0    - /sys
/dev/vda2                          41931756 39845312   2086444  96% /
/dev/mapper/rhel_overcloud--controller--0-var_lib_containers
                                  104806400 52403200  52403200  50% /var/lib/containers
tmpfs                               6587420        0   6587420   0% /run/user/0
"""


def test_df():
    rows = parse_df(DF, "sos_commands/filesys/df_-al_-x_autofs")["disk"]
    assert [r["mount"] for r in rows] == ["/sys", "/", "/var/lib/containers", "/run/user/0"]
    full = [r for r in rows if (r["use_pct"] or 0) >= 90]
    assert [(r["filesystem"], r["avail"]) for r in full] == [("/dev/vda2", 2086444 * 1024)]
    assert rows[2]["filesystem"] == "/dev/mapper/rhel_overcloud--controller--0-var_lib_containers"
    assert rows[2]["line"] == 4 and rows[0]["use_pct"] is None


def test_df_truncated():
    with pytest.raises(ParseError) as err:
        parse_df(DF + "/dev/vdb1   1048576   1024\n", "df")
    assert err.value.line == 7 and len(err.value.partial["disk"]) == 4


# ---------------------------------------------------------------- time

TIMEDATECTL_RHEL7 = """\
      Local time: Tue 2019-05-14 10:12:01 UTC
  Universal time: Tue 2019-05-14 10:12:01 UTC
        RTC time: Tue 2019-05-14 10:11:58
       Time zone: UTC (UTC, +0000)
     NTP enabled: yes
NTP synchronized: no
 RTC in local TZ: no
      DST active: n/a
"""

TIMEDATECTL_RHEL8 = """\
               Local time: Tue 2021-06-15 10:12:01 EDT
           Universal time: Tue 2021-06-15 14:12:01 UTC
                 RTC time: Tue 2021-06-15 14:12:01
                Time zone: America/New_York (EDT, -0400)
System clock synchronized: yes
              NTP service: active
          RTC in local TZ: no
"""


def test_timedatectl_rhel7():
    (row,) = parse_timedatectl(TIMEDATECTL_RHEL7, "sos_commands/systemd/timedatectl")["time_settings"]
    assert (row["timezone"], row["ntp_synchronized"], row["ntp_enabled"], row["ntp_service"]) == ("UTC", False, True, None)
    assert row["universal_time"] == "2019-05-14T10:12:01+00:00" and row["rtc_time"] == "2019-05-14T10:11:58"


def test_timedatectl_rhel8():
    (row,) = parse_timedatectl(TIMEDATECTL_RHEL8, "sos_commands/systemd/timedatectl")["time_settings"]
    assert row["timezone"] == "America/New_York"
    assert (row["tz_abbreviation"], row["utc_offset"]) == ("EDT", "-0400")
    assert row["local_time"] == "2021-06-15T10:12:01"
    assert row["universal_time"] == "2021-06-15T14:12:01+00:00"
    assert (row["ntp_synchronized"], row["ntp_service"], row["ntp_enabled"], row["rtc_in_local_tz"]) == (
        True, "active", True, False)


def test_timedatectl_failure_message():
    with pytest.raises(ParseError):
        parse_timedatectl("Failed to create bus connection: No such file or directory\n", "timedatectl")


def test_date_and_date_utc():
    (local,) = parse_date("Tue Jun 15 10:12:01 EDT 2021\n", "sos_commands/date/date")["time_settings"]
    assert (local["local_time"], local["tz_abbreviation"], local["universal_time"]) == (
        "2021-06-15T10:12:01", "EDT", None)
    (utc,) = parse_date_utc("Tue Jun  5 14:12:01 UTC 2021\n", "sos_commands/date/date_--utc")["time_settings"]
    assert utc["universal_time"] == "2021-06-05T14:12:01+00:00" and utc["method"] == "date_utc"
    with pytest.raises(ParseError):
        parse_date("date: invalid date\n", "date")


# ---------------------------------------------------------------- release

@pytest.mark.parametrize("line, version, full, codename", [
    ("Red Hat OpenStack Platform release 16.2.4 (Train)", "16.2", "16.2.4", "Train"),
    ("Red Hat OpenStack Platform release 13.0.13 (Queens)", "13.0", "13.0.13", "Queens"),
    ("Red Hat OpenStack Platform release 17.1.0 (Wallaby)", "17.1", "17.1.0", "Wallaby"),
])
def test_rhosp_release(line, version, full, codename):
    (row,) = parse_rhosp_release(line + "\n", "etc/rhosp-release")["os"]
    assert (row["rhosp_version"], row["rhosp_full_version"], row["codename"]) == (version, full, codename)


def test_os_release_forms():
    (rhel,) = parse_os_release("Red Hat Enterprise Linux release 8.4 (Ootpa)\n", "etc/redhat-release")["os"]
    assert (rhel["os_name"], rhel["os_version"], rhel["codename"]) == ("Red Hat Enterprise Linux", "8.4", "Ootpa")
    text = ('NAME="Red Hat Enterprise Linux"\nVERSION="9.2 (Plow)"\nID="rhel"\nID_LIKE="fedora"\n'
            'VERSION_ID="9.2"\nPRETTY_NAME="Red Hat Enterprise Linux 9.2 (Plow)"\n')
    (osr,) = parse_os_release(text, "etc/os-release")["os"]
    assert (osr["os_id"], osr["os_version"], osr["codename"], osr["text"]) == (
        "rhel", "9.2", "Plow", "Red Hat Enterprise Linux 9.2 (Plow)")


def test_registered_kinds():
    registry = load_all()
    for kind in ("installed_rpms", "failed_units", "uptime", "free", "meminfo", "df", "timedatectl",
                 "date", "date_utc", "rhosp_release", "os_release"):
        assert registry[kind].fn.__module__ == "analyzer.parsers.system"


CASES = [(parse_installed_rpms, RHEL8_RPMS), (parse_installed_rpms, RHEL7_OLD_RPMS),
         (parse_failed_units, FAILED_RHEL8), (parse_uptime, " 10:12:01 up 35 days,  3:04,  1 user,  load average: 0.52, 0.61, 0.70"),
         (parse_free, FREE_RHEL6_M), (parse_meminfo, MEMINFO), (parse_df, DF),
         (parse_timedatectl, TIMEDATECTL_RHEL7), (parse_date, "Tue Jun 15 10:12:01 EDT 2021"),
         (parse_rhosp_release, "Red Hat OpenStack Platform release 16.2.4 (Train)"),
         (parse_os_release, 'NAME="Red Hat Enterprise Linux"\nVERSION_ID="9.2"\n')]


@settings(max_examples=300, deadline=None)
@given(case=st.sampled_from(CASES), cut=st.integers(0, 1200), junk=st.text(max_size=30))
def test_only_parse_error_escapes(case, cut, junk):
    fn, sample = case
    try:
        fn(sample[:cut] + junk + sample[cut + len(junk):], "sos_commands/x/free_-m")
    except ParseError:
        pass
