"""At run time a credential's rate budget degrades by choice: the highest-priority metrics spend
what the provider says is left, the rest are skipped for the rate budget, nothing provokes a
403/429, and the other collectors of the run carry on."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from loopback import Serving

ROOT = Path(__file__).resolve().parent.parent

ALPHA = '''
from toolkit import BaseCollector


class AlphaCollector(BaseCollector):
    secrets = ("acme/token",)
    rate_limits = {"acme/token": "5000/hour"}
    rate_floors = {"acme/token": 1}  # never spend the last request of the window
    max_workers = 1  # one metric at a time: which ones get the budget is exactly the priority order
'''

ALPHA_METRICS = '''
from toolkit import get_config, get_secret, http_client, metric


def thing(number):
    headers = {{"Authorization": f"Bearer {{get_secret('acme/token')}}"}}
    with http_client(get_config("ACME_URL"), headers=headers) as http:
        response = http.get(f"/alpha/{{number}}")
        response.raise_for_status()
        return response.json()["value"]

{metrics}
'''

BETA = '''
from toolkit import BaseCollector


class BetaCollector(BaseCollector):
    secrets = ("other/token",)
'''

BETA_METRICS = '''
from toolkit import get_config, get_secret, http_client, metric


@metric("beta.things.one")
def one():
    with http_client(get_config("ACME_URL"), auth_secret="other/token", headers={"X-Key": get_secret("other/token")}) as http:
        return http.get("/beta/1").json()["value"]


@metric("beta.things.two")
def two():
    with http_client(get_config("ACME_URL"), auth_secret="other/token", headers={"X-Key": get_secret("other/token")}) as http:
        return http.get("/beta/2").json()["value"]
'''


class Api:
    """A provider with 4 requests left for acme/token in this window: the first answer says
    X-RateLimit-Remaining: 3; a request with none left would be answered 403 (counted)."""

    def __init__(self) -> None:
        self.left = 4
        self.reset = int(time.time()) + 1800
        self.seen: list[str] = []
        self.refused = 0
        self.lock = threading.Lock()

    def handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                headers = {"Content-Type": "application/json"}
                with api.lock:
                    api.seen.append(self.path)
                    status = 200
                    if self.path.startswith("/alpha/"):
                        if api.left == 0:
                            api.refused += 1
                            status = 403
                        else:
                            api.left -= 1
                        headers.update({"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(api.left),
                                        "X-RateLimit-Reset": str(api.reset)})
                body = json.dumps({"value": 1} if status == 200 else {"message": "API rate limit exceeded"}).encode()
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def make_project(root: Path) -> None:
    metrics = "\n".join(
        f'@metric("alpha.things.p{p}", priority={p})\ndef p{p}():\n    return thing({p})\n' for p in (1, 4, 2, 6, 3, 5)
    )  # defined out of order: the pool goes by priority, not by place
    for name, collector, module in (("alpha", ALPHA, ALPHA_METRICS.format(metrics=metrics)), ("beta", BETA, BETA_METRICS)):
        package = root / "collectors" / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "collector.py").write_text(collector)
        (package / "metrics.py").write_text(module)
    (root / "collectors" / "__init__.py").write_text("")


def test_a_short_budget_runs_the_highest_priority_metrics_and_skips_the_rest(tmp_path):
    make_project(tmp_path)
    api = Api()
    with Serving(api.handler()) as server:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "ACME_URL": server.url,
               "ACME_TOKEN": "acme-token-0123456789", "OTHER_TOKEN": "other-token-0123456789"}
        done = subprocess.run([sys.executable, "-m", "toolkit.cli", "run", "alpha", "beta", "--json", "--timeout", "30"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr  # some metrics failed, none of the collectors did
    alpha, beta = json.loads(done.stdout)
    assert {name: value for name, value in alpha["metrics"].items() if name.startswith("alpha.things")} == {
        "alpha.things.p6": 1.0, "alpha.things.p5": 1.0, "alpha.things.p4": 1.0}
    skipped = {e["metric"]: e for e in alpha["errors"]}
    assert sorted(skipped) == ["alpha.things.p1", "alpha.things.p2", "alpha.things.p3"]
    for error in skipped.values():
        assert error["type"] == "RateBudgetSpent"
        assert error["message"].startswith("skipped for the rate budget: acme/token has 1 request(s) left (floor 1) until it resets at ")
        assert "(in 30 min)" in error["message"]
    # nothing provoked a refusal: 3 requests, the provider still has its last one
    assert sorted(p for p in api.seen if p.startswith("/alpha/")) == ["/alpha/4", "/alpha/5", "/alpha/6"]
    assert api.refused == 0 and api.left == 1
    assert alpha["metrics"]["collector.alpha.requests"] == 3.0
    assert alpha["rate_budgets"] == {"acme/token": 1}
    # the other collector of the run, on its own credential, is untouched
    assert beta["errors"] == [] and beta["metrics"]["beta.things.one"] == 1.0 and beta["metrics"]["beta.things.two"] == 1.0
    assert "acme-token-0123456789" not in done.stdout + done.stderr


def test_the_meta_metrics_reach_the_push_and_the_golden_file(monkeypatch):
    """The github collector's offline run, pushed: requests made and the budget left per credential
    go out (tagged credential:github/token) and are kept in the golden file beside the cassettes."""
    import zlib

    from loopback import Loopback, Reply

    from toolkit.datadog import PushSettings, push
    from toolkit.engine import resolve, run_collector

    result = run_collector(resolve(["github"])[0], offline=True)
    accept = Reply(202, '{"errors": []}', {"Content-Type": "application/json"})
    with Loopback({"POST /api/v2/series": accept, "POST /api/v1/distribution_points": accept}) as intake:
        monkeypatch.setenv("DD_API_KEY", "0123456789abcdef0123456789abcdef")
        monkeypatch.setenv("DD_URL", intake.url)
        report = push([result], PushSettings.from_env([]))
        assert report.ok, report.errors
        pushed = [s for seen in intake.requests if seen.path == "/api/v2/series" for s in json.loads(zlib.decompress(seen.body))["series"]]
    by_name = {s["metric"]: s for s in pushed}
    assert by_name["collector.github.requests"]["points"][0]["value"] == 9.0
    budget = by_name["collector.github.rate_budget.remaining"]
    assert budget["points"][0]["value"] == 4954.0 and "credential:github/token" in budget["tags"]

    golden = json.loads((ROOT / "tests" / "cassettes" / "github" / "golden.json").read_text())
    kept = {(s["metric"], tuple(s["tags"])): s["value"] for s in golden["meta"]}
    assert kept[("collector.github.requests", ())] == 9.0
    assert kept[("collector.github.rate_budget.remaining", ("credential:github/token",))] == 4954.0
    assert not any(name.endswith("duration_seconds") for name, _ in kept)  # never the same twice
