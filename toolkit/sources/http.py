"""``http_client``: the HTTP client metric functions use.

Kept behind this one module so the retry layer (httpx-retries today) can be swapped.

Inside a run every client shares the run's pooled transport (one connection pool, keep-alive
across metrics); closing a client, as ``with http_client(...) as c:`` does, leaves the pool
open, and the engine closes it when the run ends. Outside a run (a REPL, a quick script) the
client owns a transport of its own.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from httpx_retries import Retry, RetryTransport

from ..errors import ToolkitError
from ..model import HttpExchange, RunContext, current_metric, current_run, redact
from ._httpx import httpx
from .budget import BudgetedTransport

RETRY_STATUSES = (429, 500, 502, 503, 504)
# Collectors only read; GraphQL and job-style APIs (W&B, SkyPilot) read through POST, so POST
# is retried too. Retries of other 4xx never happen: they will not succeed on a second try.
RETRY_METHODS = ("GET", "HEAD", "OPTIONS", "POST")
MAX_ATTEMPTS = 4  # the first try and three retries
BACKOFF_FACTOR = 0.5  # 0.5 s, 1 s, 2 s ... before jitter
MAX_BACKOFF = 30.0  # also caps a server's Retry-After
# A response body larger than this is an error, not a memory spike: the chart gives a pod 256 Mi,
# and a 200 MB body (an API's export by mistake, a proxy's error page gone wrong) reached 1.5 GB.
# Counted twice, each against the cap: on the wire, and decoded (a 261 KB gzip body can decode to
# 256 MB); http_client(max_body_bytes=...) sets it per client.
MAX_BODY_BYTES = 32 * 1024 * 1024
_INFLATE_STEP = 64 * 1024  # decoded bytes the cap's own count holds at once


class RetryDeadlineExceeded(ToolkitError, httpx.TransportError):
    """Waiting before the next retry would overrun the run's deadline."""


RetryDeadlineExceeded.__module__ = "toolkit"  # shown where users import it from, like toolkit.errors' classes


class ResponseTooLarge(ToolkitError, httpx.TransportError):
    """A response body over the client's ``max_body_bytes``: reading stopped at the cap."""


ResponseTooLarge.__module__ = "toolkit"


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


class _Inflated:
    """How many bytes a compressed body decodes to, counted as it arrives in steps of at most
    ``_INFLATE_STEP`` (``zlib``'s ``max_length``), the output dropped: httpx decodes the body
    itself afterwards, and would decode one received chunk into as much as it expands to.

    The codings are httpx's own gzip and deflate (a deflate body is zlib-wrapped or raw, as
    httpx accepts both), applied in the order ``Content-Encoding`` lists them. A coding it does
    not know (br, zstd) is left to httpx; a body that does not decode is httpx's DecodingError.
    """

    def __init__(self, codings: list[str]) -> None:
        self._stages = [self._inflater(c) for c in reversed(codings)]
        self.size = 0
        self.broken = False  # not decodable here: httpx will say so when it decodes

    @staticmethod
    def _inflater(coding: str):
        import zlib

        return zlib.decompressobj(zlib.MAX_WBITS | 16) if coding == "gzip" else None  # deflate: chosen on first data

    def feed(self, data: bytes, limit: int) -> None:
        """Count what ``data`` decodes to; stop as soon as the count passes ``limit``."""
        import zlib

        if self.broken:
            return
        try:
            for piece in self._through(0, data, limit):
                self.size += len(piece)
                if self.size > limit:
                    return
        except zlib.error:
            self.broken = True

    def _through(self, stage: int, data: bytes, limit: int):
        import zlib

        if stage == len(self._stages):
            yield data
            return
        inflater = self._stages[stage]
        if inflater is None:  # deflate: zlib-wrapped when the header says so, else raw (as httpx)
            zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            inflater = self._stages[stage] = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        while data and not inflater.eof:
            piece = inflater.decompress(data, _INFLATE_STEP)
            data = inflater.unconsumed_tail
            if piece:
                yield from self._through(stage + 1, piece, limit)
                if self.size > limit:
                    return


_KNOWN_CODINGS = {"gzip", "deflate", "identity"}
# The most a byte of deflate data (gzip's, or deflate's) decodes to: a length/distance pair takes
# at least two bits and gives at most 258 bytes (zlib's technical notes, zlib.net/zlib_tech.html:
# "the limit is 1032:1"); headers and trailers only add input. So n compressed bytes through k
# layers decode to at most n * 1032**k, and a body that small cannot pass the cap: counting it
# would only inflate it a second time (most API answers are a few KiB of gzip).
DEFLATE_MAX_RATIO = 1032


@functools.lru_cache(maxsize=64)
def _decoded_size(codings: tuple[str, ...], body: bytes, cap: int) -> int:
    """What a whole body decodes to, counted up to just past ``cap``; remembered per body, so a
    replayed one (the dashboard replays the same cassettes again and again) is inflated once
    for the count, not on every run, besides httpx's own decoding."""
    counter = _Inflated(list(codings))
    counter.feed(body, cap)
    return counter.size


class _CappedStream(httpx.SyncByteStream):
    """The response body as it arrives, raising once more than ``cap`` bytes came, or once what
    came decodes (``Content-Encoding``) to more than ``cap``: never held whole. What it decodes
    to is counted only once enough came to pass the cap (``DEFLATE_MAX_RATIO``)."""

    def __init__(self, inner: httpx.SyncByteStream, cap: int, where: str, codings: list[str] | None = None) -> None:
        self._inner, self._cap, self._where = inner, cap, where
        self._codings = tuple(c for c in codings if c != "identity") if codings else ()
        self._inflated = _Inflated(list(self._codings)) if codings else None
        self._ceiling = DEFLATE_MAX_RATIO ** len(self._codings)
        self._uncounted: list[bytes] = []  # what came while it could not decode past the cap
        # the whole body in hand (a replay's, a test's): its decoded size is looked up, not recounted
        self._whole = type(inner) is httpx.ByteStream

    def __iter__(self):
        read = 0
        for chunk in self._inner:
            read += len(chunk)
            if read > self._cap:
                raise ResponseTooLarge(
                    f"the response from {self._where} is over the {_size(self._cap)} body cap (stopped reading at "
                    f"{_size(read)}); if it is meant to be that big, pass http_client(max_body_bytes=...)"
                )
            if self._inflated is not None and read * self._ceiling <= self._cap:
                self._uncounted.append(chunk)  # at most cap / 1032 bytes held, and only until more comes
            elif self._inflated is not None:
                if self._whole and read == len(chunk):
                    self._inflated.size = _decoded_size(self._codings, bytes(chunk), self._cap)
                else:
                    for held in self._uncounted:
                        self._inflated.feed(held, self._cap)
                    self._uncounted.clear()
                    self._inflated.feed(chunk, self._cap)
                if self._inflated.size > self._cap:
                    raise ResponseTooLarge(
                        f"the response from {self._where} decodes to over the {_size(self._cap)} body cap ({_size(read)} "
                        f"compressed so far; stopped decoding at {_size(self._inflated.size)}); if it is meant to be "
                        f"that big, pass http_client(max_body_bytes=...)"
                    )
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _CapBody(httpx.BaseTransport):
    """Under the retries: every body read (the retry guard's too) goes through the cap."""

    def __init__(self, inner: httpx.BaseTransport, cap: int) -> None:
        self._inner, self._cap = inner, cap

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        where = f"{request.url.host}{request.url.path}"  # no query: it may hold a credential
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > self._cap:
            response.close()  # not one byte of the body is read
            raise ResponseTooLarge(
                f"the response from {where} is {_size(int(declared))} (Content-Length), over the {_size(self._cap)} "
                f"body cap; not read. If it is meant to be that big, pass http_client(max_body_bytes=...)"
            )
        if isinstance(response.stream, httpx.SyncByteStream):
            codings = [c.strip().lower() for c in response.headers.get("Content-Encoding", "").split(",") if c.strip()]
            counted = codings if codings and set(codings) <= _KNOWN_CODINGS else None
            response.stream = _CappedStream(response.stream, self._cap, where, counted)
        return response

    def close(self) -> None:
        self._inner.close()


class _RunRetry(Retry):
    """Retry policy that sleeps through the run (so replays don't sleep) and within its deadline."""

    def sleep(self, response: httpx.Response | Exception) -> None:
        headers = response.headers if isinstance(response, httpx.Response) else {}
        wait = self._calculate_sleep(headers)
        if isinstance(response, httpx.Response):
            # an exhausted rate-limit window (X-RateLimit-Reset) counts like a Retry-After:
            # retrying inside it would only be refused again
            wait = max(wait, min(requested_wait(response.headers) or 0.0, MAX_BACKOFF))
        run = current_run()
        if run is not None:
            remaining = run.remaining()
            # An offline replay does not really wait, so a recorded Retry-After cannot overrun.
            if wait >= remaining and not run.offline:
                what = f"HTTP {response.status_code}" if isinstance(response, httpx.Response) else type(response).__name__
                raise RetryDeadlineExceeded(
                    f"{what}; the retry after {wait:.1f}s would pass the run's deadline ({max(remaining, 0):.1f}s left)"
                )
            run.sleep(wait)
        else:
            time.sleep(wait)
        self.elapsed_sleep += wait
        exchange = _exchange.get()
        if exchange is not None:
            exchange.waited_seconds += wait


def retry_policy() -> Retry:
    return _RunRetry(
        total=MAX_ATTEMPTS - 1,
        allowed_methods=RETRY_METHODS,
        status_forcelist=RETRY_STATUSES,
        retry_on_exceptions=(httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadTimeout),
        backoff_factor=BACKOFF_FACTOR,
        max_backoff_wait=MAX_BACKOFF,
        backoff_jitter=1.0,
    )


def requested_wait(headers: httpx.Headers) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After``, or an exhausted rate-limit window."""
    retry_after = headers.get("Retry-After", "").strip()
    if retry_after:
        try:
            return float(retry_after)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                return parsedate_to_datetime(retry_after).timestamp() - time.time()
            except (TypeError, ValueError):
                return None
    if headers.get("X-RateLimit-Remaining", "").strip() == "0":
        try:
            reset = float(headers.get("X-RateLimit-Reset", ""))
        except ValueError:
            return None
        # GitHub sends an epoch time; others (Datadog) the seconds left in the window.
        return reset - time.time() if reset > 1e9 else reset
    return None


class _FinalAnswer(Exception):
    """A retryable status the caller's ``retry_if`` says is final (not a retryable exception)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class _ReturnFinalAnswers(httpx.BaseTransport):
    """Above the retry layer: hands a ``_FinalAnswer`` back as the response it is."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return self._inner.handle_request(request)
        except _FinalAnswer as final:
            return final.response

    def close(self) -> None:
        self._inner.close()


class _HopelessRetryGuard(httpx.BaseTransport):
    """Stops a retry the server has already ruled out.

    When a 429/5xx asks for a wait longer than the backoff cap, or past the run's deadline,
    retrying early would only be refused again (and burn the run's time): the answer is
    raised at once as ``HTTPStatusError``, body read, so a collector can still say why.
    """

    def __init__(self, inner: httpx.BaseTransport, retry_if: Callable[[httpx.Response], bool] | None = None) -> None:
        self._inner = inner
        self._retry_if = retry_if

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if response.status_code not in RETRY_STATUSES:
            return response
        if self._retry_if is not None:
            response.read()
            if not self._retry_if(response):
                raise _FinalAnswer(response)  # carried past the retry layer, returned as is
        wait = requested_wait(response.headers)
        if wait is None:
            return response
        run = current_run()
        beyond_deadline = run is not None and not run.offline and wait >= run.remaining()
        if wait <= MAX_BACKOFF and not beyond_deadline:
            return response
        response.read()
        limit = f"the {MAX_BACKOFF:.0f}s retry cap" if wait > MAX_BACKOFF else "the run's deadline"
        raise httpx.HTTPStatusError(
            f"HTTP {response.status_code} from {request.url.host}: the server asks to wait {wait:.0f}s, "
            f"beyond {limit}; not retried",
            request=request,
            response=response,
        )

    def close(self) -> None:
        self._inner.close()


class _Unclosable(httpx.BaseTransport):
    """Lends the run's pool to one client: the client's close() must not close the pool."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)

    def close(self) -> None:
        pass


# The request being recorded on this thread: the layers below the recorder (attempts, retry
# waits) add to it. A request is handled synchronously on one thread, so a context variable
# carries it down the transport stack without changing httpx's interfaces.
_exchange: ContextVar[HttpExchange | None] = ContextVar("dd_toolkit_http_exchange", default=None)


class _Recorder(httpx.BaseTransport):
    """Top of a run's client stack: one ``HttpExchange`` per request on the run, credited to
    the metric function that made it (``RunContext.requests``; the result carries them)."""

    def __init__(self, inner: httpx.BaseTransport, run: RunContext) -> None:
        self._inner = inner
        self._run = run

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange = HttpExchange(current_metric(), request.method, redact(str(request.url)), replayed=self._run.offline)
        self._run.record_request(exchange)
        token = _exchange.set(exchange)
        began = time.perf_counter()
        try:
            response = self._inner.handle_request(request)
        except Exception as exc:
            exchange.error = redact(f"{type(exc).__name__}: {exc}")
            if isinstance(exc, httpx.HTTPStatusError):  # raised with the answer (a hopeless retry)
                exchange.status = exc.response.status_code
            raise
        finally:
            exchange.duration_seconds = time.perf_counter() - began
            _exchange.reset(token)
        exchange.status = response.status_code
        response.stream = _CountingStream(response.stream, exchange)
        return response

    def close(self) -> None:
        self._inner.close()


class _CountAttempts(httpx.BaseTransport):
    """Bottom of the stack, under the retries: each try of the recorded request."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange = _exchange.get()
        if exchange is not None:
            exchange.attempts += 1
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class _CountingStream(httpx.SyncByteStream):
    """The response body as it is read, counted into the exchange (bytes as received)."""

    def __init__(self, inner: Any, exchange: HttpExchange) -> None:
        self._inner = inner
        self._exchange = exchange

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._exchange.bytes += len(chunk)
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


def _same_host_only(response: httpx.Response) -> None:
    """A response hook: a redirect elsewhere is not followed (httpx would, minus Authorization)."""
    if not response.has_redirect_location:
        return
    target = response.request.url.join(response.headers["Location"])
    here = response.request.url
    if (target.scheme, target.host, target.port) != (here.scheme, here.host, here.port):
        response.read()
        raise httpx.HTTPStatusError(
            f"HTTP {response.status_code} from {here.host}: redirected to another host ({target.host}); not followed",
            request=response.request,
            response=response,
        )


def _plain_client_stack(run: RunContext) -> httpx.BaseTransport:
    """What an ``httpx.Client`` built by the collector itself gets inside a run: the run's pool
    (offline: its replay), the body cap and the request accounting; no retries it did not ask for."""
    return _Recorder(BudgetedTransport(_CountAttempts(_CapBody(_Unclosable(run.transport), MAX_BODY_BYTES)), None, _exchange), run)


_httpx_init_transport = httpx.Client._init_transport
_httpx_init_proxy_transport = httpx.Client._init_proxy_transport


def _init_transport(self: httpx.Client, transport: httpx.BaseTransport | None = None, **kwargs: Any) -> httpx.BaseTransport:
    run = current_run()
    if transport is None and run is not None and run.transport is not None:
        # Offline, every client is served by the replay: nothing may reach the network. Live, a
        # client asking for its own TLS or HTTP/2 keeps its own transport.
        own_tls = kwargs.get("verify", True) is not True or kwargs.get("cert") is not None or kwargs.get("http2")
        if run.offline or not own_tls:
            return _plain_client_stack(run)
    return _httpx_init_transport(self, transport=transport, **kwargs)


def _init_proxy_transport(self: httpx.Client, proxy: Any, **kwargs: Any) -> httpx.BaseTransport:
    run = current_run()
    if run is not None and run.transport is not None and run.offline:
        return _plain_client_stack(run)  # an environment proxy must not route around the replay
    return _httpx_init_proxy_transport(self, proxy, **kwargs)


# The seed guide's metrics build their own client (``httpx.Client(base_url=...)``), not
# ``http_client``: inside a run such a client is given the run's transport too, so it is replayed
# offline and pooled live. httpx has no public hook for a client's default transport; these two
# methods are where every Client picks it (tests/test_seed_contract.py pins it). Outside a run,
# and for a client passing ``transport=``, httpx's own behaviour is untouched.
httpx.Client._init_transport = _init_transport  # type: ignore[method-assign]
httpx.Client._init_proxy_transport = _init_proxy_transport  # type: ignore[method-assign]


_SSL_LOCK = threading.Lock()
_SSL_CONTEXT: list[Any] = []


def ssl_context() -> Any:
    """The process's one TLS context (certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR as httpx
    reads them): building one loads the CA bundle (~20 ms), which every run and every push of a
    process would otherwise pay again. An ``ssl.SSLContext`` is safe to share between threads."""
    with _SSL_LOCK:
        if not _SSL_CONTEXT:
            _SSL_CONTEXT.append(httpx.create_ssl_context(trust_env=True))
        return _SSL_CONTEXT[0]


def pooled_transport(max_connections: int = 32) -> httpx.HTTPTransport:
    """The transport one run shares across its metric functions."""
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or None
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.HTTPTransport(verify=ssl_context(), limits=limits, proxy=proxy, retries=0)


def http_client(
    base_url: str = "",
    *,
    headers: dict[str, str] | None = None,
    auth: Any = None,
    timeout: float = 30.0,
    params: dict[str, Any] | None = None,
    retry_if: Callable[[httpx.Response], bool] | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    follow_redirects: bool = False,
    auth_secret: str | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` with retries, pooled across the current run.

    ``retry_if(response)`` (body read) can veto retrying a 429/5xx that the API documents as
    final, such as a failed job reported with a 500. A body over ``max_body_bytes`` (32 MiB by
    default) raises ``ResponseTooLarge`` with its size, having read no more than that.
    ``follow_redirects=True`` follows redirects on the same host only (a renamed repository's
    301); one to another host is an ``httpx.HTTPStatusError``, so credentials stay where they were sent.
    ``auth_secret`` names the secret its requests authenticate with, for the credential's rate
    budget (``toolkit.sources.budget``); without it, a secret found in a header value is the credential.
    """
    run = current_run()
    transport: httpx.BaseTransport = _Unclosable(run.transport) if run is not None else httpx.HTTPTransport(verify=ssl_context())
    transport = BudgetedTransport(_CountAttempts(_CapBody(transport, max_body_bytes)), auth_secret, _exchange)
    retrying = RetryTransport(transport=_HopelessRetryGuard(transport, retry_if), retry=retry_policy())
    stack: httpx.BaseTransport = _ReturnFinalAnswers(retrying) if retry_if is not None else retrying
    if run is not None:
        stack = _Recorder(stack, run)
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        auth=auth,
        params=params,
        timeout=timeout,
        transport=stack,
        follow_redirects=follow_redirects,
        event_hooks={"response": [_same_host_only]} if follow_redirects else None,
        # Proxies come from the pooled transport; env-mounted proxy transports would bypass the
        # pool, the retries and an offline replay.
        trust_env=False,
    )
