"""http_client: retries (429 with Retry-After, 5xx, connect errors), no retry on other 4xx,
the pooled transport shared within a run, and the pagination helpers."""

from __future__ import annotations

import re
import socket
import time

import httpx
import pytest
from loopback import Loopback, Reply

from toolkit import ResponseTooLarge, http_client, paginate_cursor, paginate_links, paginate_pages
from toolkit.model import RunContext, enter_run, leave_run
from toolkit.sources import MAX_BODY_BYTES, pooled_transport


@pytest.fixture
def run_context():
    """A run whose sleeps are recorded instead of slept."""
    slept: list[float] = []
    transport = pooled_transport()
    ctx = RunContext("t", time.monotonic() + 30, transport=transport, sleep=slept.append)
    token = enter_run(ctx)
    yield ctx, slept
    leave_run(token)
    transport.close()


def test_429_honours_retry_after_then_succeeds(run_context):
    _, slept = run_context
    with Loopback({"/x": [Reply(429, {"m": "slow"}, {"Retry-After": "7"}), Reply(200, {"ok": 1})]}) as server:
        with http_client(server.url) as client:
            assert client.get("/x").json() == {"ok": 1}
    assert len(server.requests) == 2
    assert slept == [7.0]


def test_5xx_retried_with_capped_backoff(run_context):
    _, slept = run_context
    replies = [Reply(500), Reply(502), Reply(503), Reply(200, {"ok": 2})]
    with Loopback({"/x": replies}) as server, http_client(server.url) as client:
        assert client.get("/x").json() == {"ok": 2}
    assert len(server.requests) == 4
    assert len(slept) == 3 and all(0 <= s <= 30 for s in slept)


def test_gives_up_after_four_attempts(run_context):
    with Loopback({"/x": Reply(500, {"m": "down"})}) as server, http_client(server.url) as client:
        assert client.get("/x").status_code == 500
    assert len(server.requests) == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_never_retried(run_context, status):
    _, slept = run_context
    with Loopback({"/x": Reply(status)}) as server, http_client(server.url) as client:
        assert client.get("/x").status_code == status
    assert len(server.requests) == 1 and slept == []


def test_connect_error_retried(run_context):
    _, slept = run_context
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with http_client(f"http://127.0.0.1:{port}") as client, pytest.raises(httpx.ConnectError):
        client.get("/")
    assert len(slept) == 3


def test_retry_that_would_pass_the_deadline_fails_fast(run_context):
    ctx, slept = run_context
    ctx.deadline = time.monotonic() + 2
    with Loopback({"/x": Reply(429, headers={"Retry-After": "20"})}) as server, http_client(server.url) as client:
        with pytest.raises(httpx.HTTPStatusError, match="wait 20s, beyond the run's deadline"):
            client.get("/x")
    assert slept == []


def test_with_block_does_not_close_the_shared_pool(run_context):
    ctx, _ = run_context
    with Loopback({"/x": Reply(200, {"n": 1})}) as server:
        for _ in range(3):
            with http_client(server.url) as client:  # the seed's pattern: a client per metric
                client.get("/x")
        ports = {r.headers.get("Host") for r in server.requests}
        assert len(server.requests) == 3 and ports
        # the pool survives the clients' close(): the run's transport still answers
        assert httpx.Client(transport=ctx.transport).get(f"{server.url}/x").status_code == 200


def test_paginate_links_follows_next():
    routes = {
        "/items?per_page=2": Reply(200, [1, 2], {"Link": '</items2?page=2>; rel="next", </items2?page=3>; rel="last"'}),
        "/items2?page=2": Reply(200, [3, 4], {"Link": '</items2?page=3>; rel="next"'}),
        "/items2?page=3": Reply(200, [5]),
    }
    with Loopback(routes) as server, http_client(server.url) as client:
        assert list(paginate_links(client, "/items", params={"per_page": 2})) == [1, 2, 3, 4, 5]


def test_paginate_pages_stops_on_short_page():
    routes = {
        "/p?page=1&per_page=2": Reply(200, {"data": ["a", "b"]}),
        "/p?page=2&per_page=2": Reply(200, {"data": ["c"]}),
    }
    with Loopback(routes) as server, http_client(server.url) as client:
        got = list(paginate_pages(client, "/p", per_page=2, items=lambda d: d["data"]))
    assert got == ["a", "b", "c"]


def test_paginate_cursor():
    routes = {
        "/c": Reply(200, {"data": [1], "next": "abc"}),
        "/c?cursor=abc": Reply(200, {"data": [2], "next": None}),
    }
    with Loopback(routes) as server, http_client(server.url) as client:
        got = list(paginate_cursor(client, "/c", next_cursor=lambda d: d["next"], items=lambda d: d["data"]))
    assert got == [1, 2]


def test_retry_after_beyond_the_cap_is_not_retried(run_context):
    _, slept = run_context
    with Loopback({"/x": Reply(429, {"message": "come back in an hour"}, {"Retry-After": "3600"})}) as server:
        with http_client(server.url) as client, pytest.raises(httpx.HTTPStatusError, match="wait 3600s, beyond the 30s retry cap") as info:
            client.get("/x")
    assert len(server.requests) == 1 and slept == []
    assert info.value.response.json() == {"message": "come back in an hour"}  # the body is still readable


def test_exhausted_rate_limit_window_is_not_retried(run_context):
    reset = str(int(time.time()) + 1800)
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    with Loopback({"/x": Reply(429, {"message": "API rate limit exceeded"}, headers)}) as server:
        with http_client(server.url) as client, pytest.raises(httpx.HTTPStatusError, match="not retried"):
            client.get("/x")
    assert len(server.requests) == 1


def test_retry_if_vetoes_a_final_answer(run_context):
    final = Reply(500, {"detail": {"error": "ClusterNotUpError"}})
    with Loopback({"/job": final, "/flaky": [Reply(500, {"detail": "oops"}), Reply(200, {"ok": 1})]}) as server:
        with http_client(server.url, retry_if=lambda r: "error" not in r.json().get("detail", {})) as client:
            answer = client.get("/job")
            assert answer.status_code == 500 and answer.json()["detail"]["error"] == "ClusterNotUpError"
            assert client.get("/flaky").json() == {"ok": 1}  # other 500s are still retried
    assert [r.path for r in server.requests] == ["/job", "/flaky", "/flaky"]


def test_short_rate_limit_reset_is_waited_for(run_context):
    _, slept = run_context
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "10"}  # seconds left in the window
    with Loopback({"/x": [Reply(429, {"m": "limited"}, headers), Reply(200, {"ok": 1})]}) as server:
        with http_client(server.url) as client:
            assert client.get("/x").json() == {"ok": 1}
    assert len(slept) == 1 and slept[0] >= 9.0


MIB = 1024 * 1024


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "until-close"])
def test_body_over_the_cap_stops_reading_and_names_the_size(run_context, declare_length):
    """A 200 MB body: read no further than the cap (the server sees the client hang up), the error says how big."""
    huge = Reply(stream_bytes=200 * MIB, declare_length=declare_length)
    with Loopback({"/export": huge, "/small": Reply(200, {"ok": True})}) as server:
        with http_client(server.url, max_body_bytes=1 * MIB) as client:
            with pytest.raises(ResponseTooLarge) as info:
                client.get("/export")
            assert client.get("/small").json() == {"ok": True}  # the pool still serves the next request
        assert server.wait_for_streams(1, timeout=10)
    message = str(info.value)
    assert "over the 1.0 MiB body cap" in message and "max_body_bytes" in message
    if declare_length:
        assert "is 200.0 MiB (Content-Length)" in message
    else:
        assert re.search(r"stopped reading at 1\.[0-9] MiB", message), message  # the cap plus at most a chunk
    # the client stopped: far less than the whole body left the server (socket buffers hold a few MiB)
    assert server.streamed[0] < 50 * MIB
    assert len(server.requests) == 2  # not retried


def test_default_cap_is_32_mib_and_a_body_under_it_is_read():
    with Loopback({"/x": Reply(stream_bytes=2 * MIB)}) as server, http_client(server.url) as client:
        assert len(client.get("/x").content) == 2 * MIB
    assert MAX_BODY_BYTES == 32 * MIB


@pytest.fixture
def fed(monkeypatch) -> list[int]:
    """The sizes of the pieces fed to the body cap's decoded-size count, from a cold count cache."""
    from toolkit.sources import http as http_module

    sizes: list[int] = []
    real_feed = http_module._Inflated.feed
    monkeypatch.setattr(http_module._Inflated, "feed", lambda self, data, limit: sizes.append(len(data)) or real_feed(self, data, limit))
    http_module._decoded_size.cache_clear()
    return sizes


def test_a_whole_body_is_inflated_once_for_its_count_and_still_capped(fed):
    # the dashboard replays the same gzip bodies run after run: counting what each decodes to
    # inflated every one a second time (httpx decodes it too)
    import gzip

    from toolkit.sources import http as http_module

    body = gzip.compress(b'{"n": 1}' + b" " * 50_000)
    answer = httpx.MockTransport(lambda request: httpx.Response(200, stream=httpx.ByteStream(body), headers={"Content-Encoding": "gzip"}))
    assert len(body) * http_module.DEFLATE_MAX_RATIO > 60_000  # small enough to need its count
    with httpx.Client(transport=http_module._CapBody(answer, 60_000), base_url="http://api.test") as client:
        assert [client.get("/a").json()["n"] for _ in range(3)] == [1, 1, 1]
    assert len(fed) == 1
    with httpx.Client(transport=http_module._CapBody(answer, 10_000), base_url="http://api.test") as client:
        for _ in range(2):
            with pytest.raises(ResponseTooLarge, match="decodes to over"):
                client.get("/a")


def test_deflate_max_ratio_bounds_the_most_compressible_bodies():
    # the bound the cap relies on to skip counting small bodies: zeros at zlib's best level and a
    # two-layer gzip come close to it, and stay under it
    import gzip
    import zlib

    from toolkit.sources.http import DEFLATE_MAX_RATIO

    zeros = b"\0" * (8 * MIB)
    for packed in (gzip.compress(zeros, 9), zlib.compress(zeros, 9), zlib.compress(zeros, 9)[2:-4]):
        assert 900 * len(packed) < len(zeros) <= DEFLATE_MAX_RATIO * len(packed)
    twice = gzip.compress(gzip.compress(zeros, 9), 9)
    assert len(zeros) <= DEFLATE_MAX_RATIO**2 * len(twice)


@pytest.mark.parametrize("whole", [True, False], ids=["whole", "streamed"])
def test_a_body_too_small_to_pass_the_cap_is_not_inflated_to_count_it(fed, whole):
    # n gzip bytes decode to at most 1032 n: below cap / 1032 the count would only inflate the body
    # a second time (httpx decodes it too); past it, a bomb is still caught, streamed or whole
    import gzip

    from toolkit.sources import http as http_module

    body = gzip.compress(b'{"n": 1}' + b" " * 500_000, 9)  # ~600 bytes
    bomb = gzip.compress(b" " * (40 * MIB), 9)  # ~40 KiB, past 32 MiB / 1032

    def answer(request):
        data = bomb if request.url.path == "/bomb" else body
        chunks = [data] if whole else [data[i:i + 100] for i in range(0, len(data), 100)]
        stream = httpx.ByteStream(data) if whole else _Chunks(chunks)
        return httpx.Response(200, stream=stream, headers={"Content-Encoding": "gzip"})

    with httpx.Client(transport=http_module._CapBody(httpx.MockTransport(answer), MAX_BODY_BYTES), base_url="http://api.test") as client:
        assert client.get("/a").json()["n"] == 1
        assert fed == []
        with pytest.raises(ResponseTooLarge, match="decodes to over"):
            client.get("/bomb")
    assert sum(fed) <= len(bomb)  # every byte counted once, the ones held back included
    assert fed and (whole or fed[0] == 100)  # streamed: the held chunks are counted from the first


class _Chunks(httpx.SyncByteStream):
    def __init__(self, chunks):
        self._chunks = chunks

    def __iter__(self):
        yield from self._chunks
