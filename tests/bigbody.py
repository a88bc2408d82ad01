"""A project whose one collector reads one large JSON body from a loopback API: what `record`,
`record --check` and `run --capture` hold in memory for a body under the cap
(tests/test_record_memory.py, bench/record_bench.py)."""

from __future__ import annotations

import json
from pathlib import Path

import recording_project

LIMIT_MIB = 256  # the chart's memory limit (charts/datadog-collectors/values.yaml resources.limits.memory)

# The CLI's own entry point, printing the process's peak RSS at exit (VmHWM of /proc/self/status:
# Linux carries ru_maxrss over an exec, so a parent's figure for its child can be the parent's own).
CLI = (
    "import atexit, re, sys; atexit.register(lambda: print('vmhwm_kib=' + "
    "re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)); "
    "from toolkit.cli import main; sys.exit(main(sys.argv[1:]))"
)


def peak_mib(stderr: str) -> float:
    """The peak RSS a process run with ``CLI`` printed at exit, in MiB."""
    return int(stderr.rsplit("vmhwm_kib=", 1)[1].split()[0]) / 1024

COLLECTOR = '''from toolkit import BaseCollector


class BigCollector(BaseCollector):
    config = {"BIG_API_URL": "the API's base URL"}
'''

METRICS = '''from toolkit import get_config, http_client, metric


@metric("big.items.count", unit="count")
def items():
    with http_client(get_config("BIG_API_URL", required=True)) as client:
        response = client.get("/items")
        response.raise_for_status()
        return len(response.json()["items"])
'''


def big_body(size: int) -> bytes:
    """A JSON body of about ``size`` bytes: a list of records of ~1 KB, as an API's page reads."""
    record = {"id": 0, "name": "item", "description": "x" * 1000, "tags": ["a", "b"]}
    one = len(json.dumps(record)) + 2
    items = [dict(record, id=i) for i in range(max(1, size // one))]
    return json.dumps({"count": len(items), "items": items}).encode()


def write_project(root: Path) -> Path:
    """A project at ``root`` with the ``big`` collector; returns its cassette directory."""
    return recording_project.write_project(root, "big", COLLECTOR, METRICS)
