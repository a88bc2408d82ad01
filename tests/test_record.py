"""`dd-toolkit record`, for real: vcrpy recording against loopback servers (one that demands a
bearer token and echoes secrets everywhere, and moto's EC2), then the cassette is searched for
every secret and replayed offline to the same values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fixtures.echo.collector import EchoCollector
from loopback import JsonHandler, Serving

from toolkit.cassettes import PLACEHOLDER, Scrubber, is_plain_url
from toolkit.cli import main
from toolkit.engine import record_collector as record
from toolkit.errors import RecordError

TOKEN = "echo-s3cret-TOKEN-4242"
SESSION = "sess-0f9e8d7c6b5a"


class EchoServer(Serving):
    """Answers only with ``Authorization: Bearer TOKEN``, and echoes the token in headers and bodies."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict]] = []
        super().__init__(self._handler())

    def _handler(self):
        outer = self

        class Handler(JsonHandler):

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                outer.seen.append((self.command, self.path, dict(self.headers)))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._reply(401, {"error": "bearer token required"})
                echo = {"X-Echo-Token": TOKEN, "Set-Cookie": f"session={SESSION}; HttpOnly", "X-Request-Id": "r-1"}
                if self.command == "GET" and self.path.startswith("/items"):
                    if f"api_key={TOKEN}" not in self.path:
                        return self._reply(403, {"error": "api_key query parameter required"})
                    return self._reply(200, {"items": [1, 2, 3], "note": f"served for {TOKEN}", "access_token": TOKEN}, echo)
                if self.command == "POST" and self.path == "/search":
                    if json.loads(body).get("api_key") != TOKEN:
                        return self._reply(403, {"error": "api_key body field required"})
                    return self._reply(200, {"count": 5, "session": SESSION, "debug": f"Authorization: Bearer {TOKEN}"}, echo)
                return self._reply(404, {"error": "no route"})

            do_GET = do_POST = _serve

        return Handler


@pytest.fixture(autouse=True)
def fixture_collectors(monkeypatch):
    """`dd-toolkit record echo` finds the collector in tests/fixtures."""
    from toolkit.engine import registry as _registry

    monkeypatch.setattr(_registry, "BUILTIN_PACKAGE", "fixtures")


@pytest.fixture
def echo(monkeypatch):
    with EchoServer() as server:
        monkeypatch.setenv("ECHO_TOKEN", TOKEN)
        monkeypatch.setenv("ECHO_API_URL", server.url)
        monkeypatch.setenv("ECHO_TEAM", "b")
        yield server


def test_record_scrubs_every_secret_and_replays_offline(echo, tmp_path, capsys):
    live = EchoCollector().run(timeout=30)
    assert live.errors == [] and live.metrics["echo.items.total"] == 3 and live.metrics["echo.items.searched"] == 5

    code = main(["record", "echo", "--dir", str(tmp_path), "--mode", "all"])
    out = capsys.readouterr().out
    assert code == 0, out
    cassette = tmp_path / "echo.yaml"
    text = cassette.read_text()
    assert TOKEN not in text and SESSION not in text
    data = yaml.safe_load(text)
    request_headers = {k.lower() for i in data["interactions"] for k in i["request"]["headers"]}
    response_headers = {k.lower() for i in data["interactions"] for k in i["response"]["headers"]}
    assert "authorization" not in request_headers
    assert not {"set-cookie", "x-echo-token"} & response_headers
    assert "x-request-id" in response_headers  # ordinary headers stay
    assert len(data["interactions"]) == 2
    uris = [i["request"]["uri"] for i in data["interactions"]]
    assert any(f"api_key={PLACEHOLDER}" in u for u in uris) and all(u.startswith(echo.url) for u in uris)

    meta = json.loads((tmp_path / "replay.json").read_text())
    assert meta["secrets"] == {"echo/token": PLACEHOLDER, "echo/api-url": echo.url}  # a plain URL is not a credential
    assert meta["config"] == {"ECHO_TEAM": "b"}
    assert meta["recorded_at"].endswith("Z") and "body" in meta["match_on"]

    # the report says what was recorded and what was scrubbed, and never prints the secret
    assert "recorded 2 interactions" in out and "GET" in out and "POST" in out
    assert "request header authorization: 2" in out.lower() and "response header set-cookie: 2" in out.lower()
    assert "secret value echo/token" in out and "credential query parameter: 1" in out
    assert TOKEN not in out

    echo.stop()  # the replay must not need the server
    replayed = EchoCollector().run(timeout=30, cassettes=tmp_path)
    assert replayed.errors == []
    assert replayed.metrics["echo.items.total"] == 3 and replayed.metrics["echo.items.searched"] == 5


def test_secrets_are_resolved_before_recording(monkeypatch, tmp_path):
    monkeypatch.delenv("ECHO_TOKEN", raising=False)
    monkeypatch.setenv("ECHO_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")  # so the Secrets Manager lookup fails fast, offline
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert main(["record", "echo", "--dir", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []  # nothing recorded, nothing written


def test_new_mode_keeps_recorded_interactions(echo, tmp_path, capsys):
    assert main(["record", "echo", "--dir", str(tmp_path), "--mode", "all"]) == 0
    seen = len(echo.seen)
    assert main(["record", "echo", "--dir", str(tmp_path)]) == 0  # mode new: everything is already there
    assert len(echo.seen) == seen  # answered from the cassette, not the server
    assert len(yaml.safe_load((tmp_path / "echo.yaml").read_text())["interactions"]) == 2


def test_a_never_recorded_scaffold_has_its_examples_replaced(echo, tmp_path, capsys):
    """A scaffold's cassette is the template's invention: the first `record` (default mode) replaces
    it instead of keeping the examples beside the real interactions."""
    invented = {"version": 1, "interactions": [{
        "request": {"method": "GET", "uri": "https://api.echo.example.com/items", "body": None, "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{\"items\": [9]}"}},
    }]}
    (tmp_path / "echo.yaml").write_text(yaml.safe_dump(invented))
    (tmp_path / "replay.json").write_text(json.dumps({"examples": True, "recorded_at": "2026-01-01T00:00:00Z", "match_on": ["method", "path"]}))
    assert main(["record", "echo", "--dir", str(tmp_path)]) == 0
    uris = [i["request"]["uri"] for i in yaml.safe_load((tmp_path / "echo.yaml").read_text())["interactions"]]
    assert uris and not any("example.com" in u for u in uris)
    meta = json.loads((tmp_path / "replay.json").read_text())
    assert "examples" not in meta and meta["match_on"] == ["method", "path"]
    assert "example interactions were replaced" in capsys.readouterr().out
    # and the next recording keeps what was recorded, as mode new does
    seen = len(echo.seen)
    assert main(["record", "echo", "--dir", str(tmp_path)]) == 0
    assert len(echo.seen) == seen


def test_a_leak_deletes_the_cassette(tmp_path):
    from toolkit.cassettes import recorder as _record

    cassette = tmp_path / "x.yaml"
    cassette.write_text(f"body: {TOKEN}\n")
    with pytest.raises(RecordError):
        _record._check_written(cassette, {"echo/token": TOKEN})
    assert not cassette.exists()


def test_scrubber_units():
    scrub = Scrubber({"t": TOKEN})
    assert scrub._text(f"a {TOKEN} b", "x") == f"a {PLACEHOLDER} b"
    assert scrub._text("key AKIA" + "ABCDEFGHIJKLMNOP and ghp_" + "a" * 36, "x") == f"key {PLACEHOLDER} and {PLACEHOLDER}"
    sts = "<Credentials><AccessKeyId>ASIAABCDEFGHIJKLMNOP</AccessKeyId><SecretAccessKey>abc/def+ghi</SecretAccessKey><SessionToken>zz</SessionToken></Credentials>"
    cleaned = scrub._structured(sts, "x", "text/xml")
    assert "abc/def" not in cleaned and "zz<" not in cleaned and cleaned.count(PLACEHOLDER) == 3
    assert json.loads(scrub._structured('{"a": {"refresh_token": "r1"}, "b": [1]}', "x", "application/json")) == {
        "a": {"refresh_token": PLACEHOLDER}, "b": [1]}
    dropped = scrub.request(type("R", (), {"method": "POST", "uri": "https://sts.amazonaws.com/", "body": b"", "headers": {}})())
    assert dropped is None and any("credential exchange" in k for k in scrub.total)
    assert is_plain_url("https://sky.example.com/api") and not is_plain_url("https://u:p@h/") and not is_plain_url("https://h/?token=x")


def test_record_ec2_from_moto_then_replay(moto_server, monkeypatch, tmp_path):
    """boto3 recording: SigV4 headers and keys never reach the cassette; the replay matches on body."""
    import boto3
    import httpx

    from collectors.ec2.collector import Ec2Collector
    from toolkit.sources import reset_session

    key_id, secret = "AKIA" + "EXAMPLEEXAMPLE7Q", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("EC2_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("EC2_REGIONS", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_session()
    httpx.post(f"{moto_server}/moto-api/reset")
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto_server, aws_access_key_id="x", aws_secret_access_key="x")
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=ami, MinCount=2, MaxCount=2, InstanceType="g5.xlarge")
    ec2.create_volume(AvailabilityZone="us-east-1a", Size=42)
    try:
        report = record(Ec2Collector(), mode="all", directory=tmp_path)
    finally:
        httpx.post(f"{moto_server}/moto-api/reset")
        reset_session()
    assert report.result.errors == []
    text = (tmp_path / "ec2.yaml").read_text()
    assert key_id not in text and secret not in text and "AWS4-HMAC-SHA256" not in text
    assert "request header authorization" in {k.lower() for k in report.scrubbed}
    assert {m for m, _, _ in report.interactions} == {"POST"} and len(report.interactions) == 2

    replayed = Ec2Collector().run(timeout=30, cassettes=tmp_path)  # moto is reset: only the cassette knows
    assert replayed.errors == []
    running = next(o for o in replayed.outcomes if o.name == "ec2.instances.running")
    size = next(o for o in replayed.outcomes if o.name == "ec2.volumes.unattached_size")
    assert [s.value for s in running.series] == [2] and [s.value for s in size.series] == [42]


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(RecordError):
        record(EchoCollector(), mode="sometimes", directory=tmp_path)


def test_record_is_listed_in_the_cli():
    from toolkit.cli import COMMANDS

    assert "record" in [c[0] for c in COMMANDS]
    assert Path(__file__).parent.joinpath("fixtures", "echo", "collector.py").exists()


def test_every_authorization_scheme_and_credential_parameter_is_scrubbed():
    """An echoed Authorization of any scheme (httpbin-style bodies, error pages) and every name in
    the model's one list of credential parameters never reach a cassette, nor a printed message."""
    from toolkit.model import CREDENTIAL_PARAMS, redact

    scrub = Scrubber({})
    echoed = {"headers": {"Authorization": "Basic dXNlcjpodW50ZXIy", "X-Other": "fine"}, "note": "Authorization: Token t0k3n-0123456789"}
    response = scrub.response({"headers": {"Content-Type": ["application/json"]}, "body": {"string": json.dumps(echoed).encode()}})
    body = response["body"]["string"].decode()
    assert "dXNlcjpodW50ZXIy" not in body and "t0k3n-0123456789" not in body and "fine" in body
    text = scrub._text("WWW: Authorization: Digest username=alice and Authorization: Basic dXNlcjpodW50ZXIy", "x")
    assert "alice" not in text and "dXNlcjpodW50ZXIy" not in text
    for name in ("private_token", "refresh_token", "id_token", "session_token", "passwd", "auth"):
        assert name in CREDENTIAL_PARAMS
        from vcr.request import Request

        request = Request("GET", f"https://api.example.com/x?{name}=s3cr3t-0123456789&page=2", b"", {})
        assert "s3cr3t" not in scrub.request(request).uri, name
        assert "s3cr3t" not in redact(f"GET https://api.example.com/x?{name}=s3cr3t-0123456789 failed"), name
    assert redact("Authorization: Token t0k3n-0123456789") == "Authorization: Token ***"
