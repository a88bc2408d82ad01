"""`dd-toolkit record NAME --check`, for real: a paged loopback API is recorded, then its JSON
shape changes (a key renamed, a number that became a string, a new page) and the check must
name each change and exit 1; unchanged shapes exit 0; committed cassettes stay byte-identical."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import Serving

from toolkit.cassettes import Recorded, drift_between
from toolkit.cli import main

TOKEN = "shapes-s3cret-0xC0FFEE-77"


class PagedApi(Serving):
    """``GET /things?page=N&since=...`` answers ``pages[N]``; ``GET /summary`` answers ``summary``."""

    def __init__(self) -> None:
        self.pages: dict[int, dict] = {}
        self.summary: tuple[int, dict] = (200, {"open": 4})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    status, body = 401, {"error": "token"}
                elif parts.path == "/things":
                    page = int(parse_qs(parts.query)["page"][0])
                    status, body = (200, outer.pages[page]) if page in outer.pages else (404, {"error": "no page"})
                elif parts.path == "/summary":
                    status, body = outer.summary
                else:
                    status, body = 404, {"error": "no route"}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        super().__init__(Handler)


@pytest.fixture(autouse=True)
def fixture_collectors(monkeypatch):
    from toolkit.engine import registry as _registry

    monkeypatch.setattr(_registry, "BUILTIN_PACKAGE", "fixtures")


@pytest.fixture
def api(monkeypatch):
    with PagedApi() as server:
        server.pages = {
            1: {"items": [{"id": 1, "size": 3, "name": "a"}], "next": 2},
            2: {"items": [{"id": 2, "size": 4, "name": "b"}], "next": None},
        }
        monkeypatch.setenv("SHAPES_API_URL", server.url)
        monkeypatch.setenv("SHAPES_TOKEN", TOKEN)
        yield server


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def committed(api, tmp_path, capsys):
    directory = tmp_path / "shapes"
    assert main(["record", "shapes", "--dir", str(directory), "--mode", "all"]) == 0, capsys.readouterr()
    capsys.readouterr()
    return directory


def test_unchanged_shapes_exit_0(api, committed, capsys):
    before = snapshot(committed)
    api.pages[1]["items"][0]["size"] = 30  # a value, not a shape
    api.pages[2]["items"].append({"id": 3, "size": 1, "name": "c"})  # more items of the same shape
    assert main(["record", "shapes", "--check", "--dir", str(committed)]) == 0
    out = capsys.readouterr().out
    assert "no drift" in out and TOKEN not in out
    assert snapshot(committed) == before


def test_changed_shapes_exit_1_and_name_each_change(api, committed, capsys):
    before = snapshot(committed)
    api.pages = {
        1: {"items": [{"id": "1", "size": 3, "title": "a"}], "next": 2},  # id became a string, name renamed
        2: {"items": [{"id": "2", "size": 4, "title": "b"}], "next": 3},
        3: {"items": [{"id": "3", "size": 5, "title": "c"}], "next": None},  # a new page
    }
    assert main(["record", "shapes", "--check", "--dir", str(committed)]) == 1
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("  GET")]
    assert ["GET", "/things?page&since", "$.items[].id", "number", "string"] in rows
    assert ["GET", "/things?page&since", "$.items[].name", "string", "(absent)"] in rows
    assert ["GET", "/things?page&since", "$.items[].title", "(absent)", "string"] in rows
    assert len(rows) == len({tuple(r) for r in rows}) == 4  # one row per change, not one per page
    assert any(r[:3] == ["GET", "/things?page&since", "requests"] and "2" in r and "3" in r for r in rows)
    assert "/summary" not in out.split("drift:")[1]  # unchanged requests are not reported
    assert TOKEN not in out
    assert snapshot(committed) == before


def test_a_live_run_broken_by_the_change_still_prints_the_table(api, committed, capsys):
    before = snapshot(committed)
    api.summary = (200, {"counts": {"open": 4}})  # the collector's KeyError: the live run fails
    assert main(["record", "shapes", "--check", "--dir", str(committed)]) == 1
    out = capsys.readouterr().out
    assert "shapes.summary.open: KeyError" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  GET /summary")]
    assert ["GET", "/summary", "$.open", "number", "(absent)"] in rows
    assert ["GET", "/summary", "$.counts", "(absent)", "object"] in rows
    assert snapshot(committed) == before


def test_status_and_content_type_drift():
    def rec(uri):
        return Recorded("GET", uri, None, {})

    def resp(code, ctype, body):
        return {"status": {"code": code}, "headers": {"Content-Type": [ctype]}, "body": {"string": body}}

    drifts = drift_between(
        [(rec("http://h/a?x=1"), resp(200, "application/json; charset=utf-8", '{"a": [1]}')), (rec("http://h/gone"), resp(200, "text/plain", "ok"))],
        [(rec("http://h/a?x=2"), resp(503, "text/html", "<html>")), (rec("http://h/new"), resp(200, "text/plain", "ok"))],
    )
    got = {(d.request, d.where, d.before, d.now) for d in drifts}
    assert ("GET /a?x", "status", "200", "503") in got
    assert ("GET /a?x", "content type", "application/json", "text/html") in got
    assert ("GET /a?x", "$", "object", "(absent)") in got
    assert ("GET /gone", "requests", "1 in the cassette", "0 in the live run") in got
    assert ("GET /new", "requests", "0 in the cassette", "1 in the live run") in got


def test_check_without_committed_cassettes_names_the_fix(api, tmp_path, capsys):
    assert main(["record", "shapes", "--check", "--dir", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert "no committed cassettes" in err and "dd-toolkit record shapes" in err
    assert not (tmp_path / "none").exists()
