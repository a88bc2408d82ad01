"""``dd-toolkit monitors --apply`` against recorded exchanges of Datadog's monitors API.

A loopback HTTP server replays a cassette in order; ``DD_URL`` points datadog-api-client at it.
Each test checks the exact requests sent: method, path and query, JSON body, and the keys.
"""

from __future__ import annotations

import contextlib
import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from loopback import Serving

from toolkit.cli import main

pytestmark = pytest.mark.slow  # a loopback HTTP server per test

DATA = Path(__file__).parent / "data" / "datadog-monitors-api"
VALUES = DATA / "values.yaml"
API_KEY = "0123456789abcdef0123456789abcdef"  # placeholders: never real keys
APP_KEY = "fedcba9876543210fedcba9876543210fedcba98"


class Replay(Serving):
    """Serves a vcrpy cassette's interactions in order and records what was asked."""

    def __init__(self, cassette: Path) -> None:
        self.interactions = yaml.safe_load(cassette.read_text())["interactions"]
        self.received: list[dict] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else None
                replay.received.append({
                    "method": self.command, "path": self.path,
                    "body": json.loads(body) if body else None, "headers": dict(self.headers),
                })
                index = len(replay.received) - 1
                if index >= len(replay.interactions):
                    self._send(599, "Unexpected", b'{"errors": ["request beyond the cassette"]}')
                    return
                response = replay.interactions[index]["response"]
                self._send(response["status"]["code"], response["status"]["message"], response["body"]["string"].encode())

            def _send(self, code: int, message: str, payload: bytes) -> None:
                self.send_response(code, message)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args) -> None:
                pass

        super().__init__(Handler)

    def expected(self) -> list[dict]:
        out = []
        for interaction in self.interactions:
            request = interaction["request"]
            uri = urlsplit(request["uri"])
            out.append({
                "method": request["method"],
                "path": uri.path + (f"?{uri.query}" if uri.query else ""),
                "body": json.loads(request["body"]) if request["body"] else None,
            })
        return out

    def sent(self) -> list[dict]:
        return [{k: r[k] for k in ("method", "path", "body")} for r in self.received]


@pytest.fixture
def replay(monkeypatch):
    with contextlib.ExitStack() as servers:

        def start(name: str) -> Replay:
            server = servers.enter_context(Replay(DATA / f"{name}.yaml"))
            monkeypatch.setenv("DD_URL", server.url)
            monkeypatch.setenv("DD_API_KEY", API_KEY)
            monkeypatch.setenv("DD_APP_KEY", APP_KEY)
            monkeypatch.setenv("DD_SITE", "datadoghq.eu")  # DD_URL must win over it
            return server

        yield start


def apply(capsys, *extra: str) -> tuple[int, list[str], str]:
    code = main(["monitors", "github", "--values", str(VALUES), "--apply", *extra])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_creates_the_three_monitors(replay, capsys):
    server = replay("create")
    code, lines, err = apply(capsys)
    assert code == 0, err
    assert server.sent() == server.expected()
    assert lines == [
        "dd-toolkit: created '[dd-toolkit] github collector is not reporting (env:production)' (id 101334182)",
        "dd-toolkit: created '[dd-toolkit] github collector has errors (env:production)' (id 101334183)",
        "dd-toolkit: created '[dd-toolkit] github collector is slow (env:production)' (id 101334184)",
    ]
    for request in server.received:
        assert request["headers"]["DD-API-KEY"] == API_KEY
        assert request["headers"]["DD-APPLICATION-KEY"] == APP_KEY


def test_sends_what_it_prints(replay, capsys):
    """The bodies --apply posts are the definitions the command prints (thresholds as numbers)."""
    main(["monitors", "github", "--values", str(VALUES)])
    printed = json.loads(capsys.readouterr().out)
    server = replay("create")
    apply(capsys)
    posted = [r["body"] for r in server.sent() if r["method"] == "POST"]
    assert posted == printed


def test_applying_again_changes_nothing(replay, capsys):
    server = replay("unchanged")
    code, lines, err = apply(capsys)
    assert code == 0, err
    assert server.sent() == server.expected()  # one listing, no write
    assert [line.split("'")[0] for line in lines] == ["dd-toolkit: unchanged "] * 3


def test_updates_in_place_creates_what_is_missing_and_leaves_duplicates(replay, capsys, monkeypatch):
    monkeypatch.setattr("toolkit.datadog.monitors_api.PAGE_SIZE", 2)  # the recorded listing comes in pages of 2
    server = replay("update")
    code, lines, err = apply(capsys)
    assert code == 0, err
    assert server.sent() == server.expected()
    assert lines == [
        "dd-toolkit: unchanged '[dd-toolkit] github collector is not reporting (env:production)' (id 101334182)",
        "dd-toolkit: duplicate '[dd-toolkit] github collector is not reporting (env:production)' (id 101334190)",
        "dd-toolkit: updated '[dd-toolkit] github collector has errors (env:production)' (id 101334183): query, options.thresholds",
        "dd-toolkit: created '[dd-toolkit] github collector is slow (env:production)' (id 101334191)",
    ]


def test_api_errors_are_one_clear_line(replay, capsys):
    server = replay("bad_request")
    code, lines, err = apply(capsys)
    assert code == 1
    assert server.sent() == server.expected()
    assert err.strip() == (
        "dd-toolkit: error: applying monitors failed: HTTP 400 Bad Request: "
        "The value provided for parameter 'query' is invalid: invalid operator specified:"
    )
    assert API_KEY not in err and APP_KEY not in err


@pytest.mark.parametrize(
    "env, missing",
    [({}, "DD_API_KEY and DD_APP_KEY are not set"), ({"DD_API_KEY": API_KEY}, "DD_APP_KEY is not set"),
     ({"DD_APP_KEY": APP_KEY}, "DD_API_KEY is not set")],
)
def test_missing_keys_fail_before_any_request(monkeypatch, capsys, env, missing):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(["monitors", "github", "--values", str(VALUES), "--apply"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"dd-toolkit: error: {missing} (nor ") and "_KEY_FILE" in err  # a key file is the alternative
    assert "; --apply needs an API key and an application key" in err
    assert len(err.strip().splitlines()) == 1


def test_bad_dd_url(monkeypatch, capsys):
    monkeypatch.setenv("DD_API_KEY", API_KEY)
    monkeypatch.setenv("DD_APP_KEY", APP_KEY)
    monkeypatch.setenv("DD_URL", "localhost:8080")
    assert main(["monitors", "github", "--values", str(VALUES), "--apply"]) == 2
    assert "DD_URL='localhost:8080' is not a URL" in capsys.readouterr().err


def test_a_monitor_that_cannot_work_is_never_sent(replay, capsys):
    """A weekly schedule: the not-reporting monitor would need a window Datadog does not have; the
    other two are sent, that one is named and not sent (exit 1)."""
    server = replay("create")
    code, lines, err = apply(capsys, "--schedule", "0 9 * * 1")
    posted = [r["body"] for r in server.sent() if r["method"] == "POST"]
    assert code == 1 and len(posted) == 2
    assert not any("not-reporting" in " ".join(body["tags"]) for body in posted)
    assert "the not-reporting monitor is not made" in err
