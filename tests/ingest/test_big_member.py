"""A log member of several GB is scanned whole, in chunks, with bounded memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap

GEN = textwrap.dedent('''
    import sys, tarfile
    size = int(sys.argv[1])
    out = sys.stdout.buffer
    root = "sosreport-controller-0-2020-05-14-abcdefg"
    def member(name, data_len, chunks):
        ti = tarfile.TarInfo(f"{root}/{name}"); ti.size = data_len; ti.mtime = 1589431552
        out.write(ti.tobuf(tarfile.GNU_FORMAT))
        written = 0
        for c in chunks:
            out.write(c); written += len(c)
        assert written == data_len
        out.write(b"\\0" * ((512 - data_len % 512) % 512))
    host = b"controller-0\\n"
    member("sos_commands/host/hostname", len(host), [host])
    line = b"2020-05-14 04:45:52.123 7 INFO nova.api.openstack.wsgi [req-1 - - - - -] GET /v2.1 status: 200\\n"
    block = line * (1048576 // len(line))
    n = size // len(block)
    member("var/log/containers/nova/nova-api.log", n * len(block), (block for _ in range(n)))
    out.write(b"\\0" * 1024)
    out.flush()
''')


def test_multi_gb_member_streams_with_bounded_memory(tmp_path):
    size = 3 * 1024 ** 3
    gen = subprocess.Popen([sys.executable, "-c", GEN, str(size)], stdout=subprocess.PIPE)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    run = subprocess.run([sys.executable, "-m", "analyzer.cli", "facts", "/dev/stdin", "--table", "log_levels",
                          "--format", "json"], stdin=gen.stdout, capture_output=True, timeout=300)
    gen.stdout.close()
    gen.wait(timeout=60)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    levels = {r["level"]: r["count"] for r in json.loads(run.stdout)}
    line = len(b"2020-05-14 04:45:52.123 7 INFO nova.api.openstack.wsgi [req-1 - - - - -] GET /v2.1 status: 200\n")
    per_block = 1048576 // line
    assert levels["INFO"] == (size // (per_block * line)) * per_block   # every line of 3 GB counted
    assert levels["ERROR"] == 0
    assert max(peak_kb, before) < 600 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"
