"""``aws_client``: boto3 clients for metric functions, live or replayed from cassettes.

boto3 does not use httpx, so the engine's replay transport never sees its calls. Offline,
``aws_client`` gives a client with placeholder credentials and a botocore ``before-send``
handler that answers every request from the run's cassettes (the same files, matchers and
"unplayed first" order as the httpx replay). Nothing is patched globally: the handler lives on
that one client, and a client is shared by the metric threads of one run only.

Live, it is an ordinary boto3 client from one process-wide botocore session, so credentials
(IAM role, IRSA web identity, keys in the environment) are resolved once and cached; ``dd-toolkit
record`` resolves them before it starts recording so credential exchanges never reach a cassette.

Either way, botocore's retry sleeps go through the run (``RunContext.sleep``): a replayed
throttling error followed by a success does not sleep, and a live retry that would overrun the
run's deadline is not attempted.

boto3 is imported inside the functions: importing ``toolkit`` must stay light.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..errors import ReplayError
from ..model import current_run, settings

MAX_ATTEMPTS = 4  # like toolkit.http_client: the first try and three retries
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
PLACEHOLDER_CREDENTIAL = "placeholder"  # what an offline client signs with (never sent anywhere)

_session: Any = None
_session_lock = threading.Lock()  # botocore sessions are not safe for concurrent client creation
_clients_lock = threading.Lock()
# Clients kept for the process, per (service, region, endpoint, offline): building one loads and
# parses the service's model (~40 ms of the GIL, which a dashboard running ec2 again and again
# spent on every run). boto3 clients are thread-safe; an offline one asks the calling run for
# its replay, a live one signs with the shared session's credentials (reset_session forgets both).
_clients: dict[tuple, Any] = {}


def aws_client(service: str, region: str | None = None, *, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service`` in ``region`` (default: AWS_REGION or us-east-1).

    Inside a run one client per (service, region, endpoint) is shared by the metric functions,
    and kept for the process's later runs (boto3 clients are thread-safe); ``endpoint_url``
    points it at an emulator such as moto.
    """
    region = region or settings().aws_region
    run = current_run()
    if run is None:
        return _new_client(service, region, endpoint_url, offline=False)
    key = (service, region, endpoint_url, run.offline)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _new_client(service, region, endpoint_url, offline=run.offline)
    return client


def resolve_credentials() -> dict[str, str] | None:
    """Resolve the default credential chain now (role, web identity, env keys...).

    Returns the frozen values (``access_key``, ``secret_key``, ``token``) or None when there are
    none. ``dd-toolkit record`` calls this before recording, so that STS/IMDS exchanges happen
    outside the cassette and the values can be scrubbed wherever they would appear.
    """
    credentials = _shared_session().get_credentials()
    if credentials is None:
        return None
    frozen = credentials.get_frozen_credentials()
    values = {"access_key": frozen.access_key, "secret_key": frozen.secret_key, "token": frozen.token}
    return {k: v for k, v in values.items() if v}


def _shared_session() -> Any:
    global _session
    with _session_lock:
        if _session is None:
            import botocore.session

            _session = botocore.session.get_session()
        return _session


def new_client(service: str, region_name: str, **kwargs: Any) -> Any:
    """A plain botocore client from the process-wide session (its credentials resolved once)."""
    session = _shared_session()
    with _session_lock:  # botocore sessions are not safe for concurrent client creation (boto/boto3#1592)
        return session.create_client(service, region_name=region_name, **kwargs)


def _new_client(service: str, region: str, endpoint_url: str | None, *, offline: bool) -> Any:
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    )
    kwargs: dict[str, Any] = {"region_name": region, "endpoint_url": endpoint_url, "config": config}
    if offline:
        # Explicit placeholder keys: an offline client never looks for real credentials. An
        # AWS_ENDPOINT_URL in the shell must not move the URL away from the recorded one.
        kwargs.update(aws_access_key_id=PLACEHOLDER_CREDENTIAL, aws_secret_access_key=PLACEHOLDER_CREDENTIAL)
        kwargs["config"] = config.merge(Config(ignore_configured_endpoint_urls=True))
    client = new_client(service, **kwargs)
    _route_retry_sleeps(client)
    if offline:
        client.meta.events.register_first("before-send", _replay_answer)
    return client


def _route_retry_sleeps(client: Any) -> None:
    """Swap botocore's retry handler for one that sleeps through the run."""
    from botocore.retries import standard

    name = client.meta.service_model.service_id.hyphenize()
    event, unique_id = f"needs-retry.{name}", f"retry-config-{name}"
    client.meta.events.unregister(event, unique_id=unique_id)
    handler = standard.register_retry_handler(client, max_attempts=MAX_ATTEMPTS)
    client.meta.events.unregister(event, unique_id=unique_id)
    client.meta.events.register(event, _RunSleep(handler.needs_retry), unique_id=unique_id)


class _RunSleep:
    """Wraps botocore's ``needs_retry``: compute the delay, sleep it through the run, return 0."""

    def __init__(self, needs_retry: Any) -> None:
        self._needs_retry = needs_retry

    def __call__(self, **kwargs: Any) -> float | None:
        delay = self._needs_retry(**kwargs)
        if delay is None or delay is False:
            return None
        run = current_run()
        if run is None:
            time.sleep(delay)
        elif delay >= run.remaining():
            return None  # no time left for another attempt: let the error surface now
        else:
            run.sleep(delay)
        return 0  # botocore sleeps this long itself: not at all, the run already did


def _replay_answer(request: Any, **kwargs: Any) -> Any:
    """botocore ``before-send`` handler of an offline client: the calling run's recorded response,
    or ReplayError. Never the network."""
    from botocore.awsrequest import AWSResponse

    run = current_run()
    if run is None or not run.offline or run.replay is None:
        raise ReplayError(f"an offline AWS client was called outside an offline run ({request.method} {request.url}); "
                          "call aws_client() inside the metric function")
    body = request.body
    if hasattr(body, "read"):  # a file-like body (uploads); collectors only send forms/JSON
        body = body.read()
    headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
    recorded = run.replay.answer(request.method, request.url, body, headers)
    status, response_headers, content = _unpack(recorded)
    return AWSResponse(request.url, status, response_headers, _Raw(content))


class _Raw:
    """The ``raw`` botocore reads an ``AWSResponse`` body from."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **kwargs: Any):
        yield self._content

    def read(self, *args: Any) -> bytes:
        return self._content


def _unpack(recorded: dict) -> tuple[int, dict[str, str], bytes]:
    import gzip

    status = recorded["status"]["code"]
    headers = {name: ", ".join(v) if isinstance(v, list) else str(v) for name, v in recorded["headers"].items()}
    content = recorded["body"]["string"]
    if isinstance(content, str):
        content = content.encode("utf-8")
    content = content or b""
    # urllib3 decodes compressed bodies for botocore live; a recording kept compressed is decoded here.
    encoding = next((v for k, v in headers.items() if k.lower() == "content-encoding"), "")
    if encoding.strip().lower() == "gzip":
        content = gzip.decompress(content)
        headers = {k: v for k, v in headers.items() if k.lower() not in ("content-encoding", "content-length")}
    return status, headers, content


def reset_session() -> None:
    """Forget the shared session and its cached credentials (tests switch credentials)."""
    global _session
    with _session_lock:
        _session = None
    with _clients_lock:
        _clients.clear()
