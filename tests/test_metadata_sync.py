"""`run --push --sync-metadata`: after the push, the metadata of the metrics whose declaration
changed since the last sync, against a loopback Datadog (series intake and the metadata API)."""

from __future__ import annotations

import json
import threading

import pytest
from loopback import Loopback, Reply

from toolkit.cli import main
from toolkit.datadog import wanted
from toolkit.datadog.metadata_sync import STATE_FILE, fingerprint
from toolkit.engine import discover, load
from toolkit.engine import registry as _registry

KEYS = {"DD_API_KEY": "0123456789abcdef0123456789abcdef", "DD_APP_KEY": "0123456789abcdef0123456789abcdef01234567"}
METRIC = "/api/v1/metrics/bulk.items.value"


@pytest.fixture(autouse=True)
def fixture_collectors(monkeypatch, tmp_path):
    monkeypatch.setattr(_registry, "BUILTIN_PACKAGE", "fixtures")
    monkeypatch.setenv("DD_TOOLKIT_STATE_DIR", str(tmp_path / "state"))
    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)


def bulk_spec():
    collector, error = load(discover()["bulk"])
    assert error is None
    (spec,) = collector.metric_specs()
    return spec


def datadog(stored: Reply | None = None, put: Reply | None = None) -> Loopback:
    routes = {"POST /api/v2/series": Reply(202, {"errors": []})}
    routes[f"GET {METRIC}"] = stored or Reply(200, {**wanted(bulk_spec()), "type": "rate"})  # drifted: the code says gauge
    routes[f"PUT {METRIC}"] = put or Reply(200, wanted(bulk_spec()))
    return Loopback(routes)


def run(monkeypatch, capsys, server, *extra: str) -> tuple[int, str]:
    monkeypatch.setenv("DD_URL", server.url)
    code = main(["run", "bulk", "--push", "--sync-metadata", *extra])
    return code, capsys.readouterr().err


def metadata_requests(server) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests if r.path.startswith("/api/v1/metrics/")]


def test_a_changed_declaration_is_synced_once_then_remembered(monkeypatch, capsys, tmp_path):
    with datadog() as server:
        code, err = run(monkeypatch, capsys, server)
        assert code == 0, err
        assert metadata_requests(server) == [f"GET {METRIC}", f"PUT {METRIC}"]
        assert json.loads(server.requests[-1].body)["type"] == "gauge"
        assert "metadata: 1 updated (bulk.items.value); 0 in step; 0 unchanged since the last sync" in err

        code, err = run(monkeypatch, capsys, server)  # the next run: nothing changed in the code
        assert code == 0 and len(metadata_requests(server)) == 2
        assert "1 unchanged since the last sync" in err

    state = json.loads((tmp_path / "state" / STATE_FILE).read_text())
    (endpoint,) = state
    assert state[endpoint] == {"bulk.items.value": fingerprint(bulk_spec())}
    # the code's declaration changes (here: the remembered fingerprint is another one's)
    state[endpoint]["bulk.items.value"] = "an-older-declaration"
    (tmp_path / "state" / STATE_FILE).write_text(json.dumps(state))
    with datadog(stored=Reply(200, wanted(bulk_spec()))) as server:
        code, err = run(monkeypatch, capsys, server)
    assert code == 0 and metadata_requests(server) == [f"GET {METRIC}"]  # in step now: read, not written
    assert "0 updated; 1 in step" in err


def test_a_metric_not_in_datadog_yet_is_asked_about_again_next_run(monkeypatch, capsys):
    with datadog(stored=Reply(404, {"errors": ["Metric not found"]})) as server:
        run(monkeypatch, capsys, server)
        code, err = run(monkeypatch, capsys, server)
    assert code == 0 and metadata_requests(server) == [f"GET {METRIC}", f"GET {METRIC}"]
    assert "1 not in Datadog yet (asked again next run)" in err


def test_a_failing_metadata_api_is_one_line_and_the_push_still_counts(monkeypatch, capsys, tmp_path):
    with datadog(stored=Reply(403, {"errors": ["Forbidden"]})) as server:
        code, err = run(monkeypatch, capsys, server)
    assert code == 0  # the series were pushed
    assert "pushed 8 series" in err and "metadata sync failed: bulk.items.value: HTTP 403" in err and "Forbidden" in err
    assert not (tmp_path / "state" / STATE_FILE).exists()  # nothing remembered: the next run tries again


def test_a_hanging_metadata_api_costs_at_most_the_push_budget(monkeypatch, capsys):
    release = threading.Event()
    with datadog(stored=Reply(200, {}, hold=release)) as server:
        try:
            code, err = run(monkeypatch, capsys, server, "--push-timeout", "2")
        finally:
            release.set()
    assert code == 0
    assert "metadata sync did not finish within" in err and "retried next run" in err


def test_an_unwritable_state_dir_is_said_and_the_sync_still_happens(monkeypatch, capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DD_TOOLKIT_STATE_DIR", str(blocker / "state"))  # under a file: no directory can be made
    with datadog() as server:
        code, err = run(monkeypatch, capsys, server)
    assert code == 0 and f"PUT {METRIC}" in metadata_requests(server)
    assert "could not be written" in err and "set DD_TOOLKIT_STATE_DIR" in err


def test_sync_metadata_needs_the_app_key_before_collecting(monkeypatch, capsys):
    monkeypatch.delenv("DD_APP_KEY")
    with datadog() as server:
        code, err = run(monkeypatch, capsys, server)
    assert code == 2 and "DD_APP_KEY is not set" in err and "--sync-metadata" in err
    assert server.requests == []  # nothing collected, nothing pushed


def test_sync_metadata_without_push_is_refused(capsys):
    assert main(["run", "bulk", "--sync-metadata"]) == 2
    assert "add --push" in capsys.readouterr().err
