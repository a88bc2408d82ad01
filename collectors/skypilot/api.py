"""The SkyPilot API server's request protocol: two HTTP calls per query.

1. ``POST /<endpoint>`` with a JSON body queues the work. The answer is ``200`` with the body
   ``null``; the request's id travels only in the ``X-Skypilot-Request-ID`` response header.
2. ``GET /api/get?request_id=<id>`` waits on the server until the request has finished and
   returns its ``RequestPayload``. Its ``return_value`` is a JSON document *inside a JSON string*
   (decoded twice). A failed request answers ``500`` with ``{"detail": <RequestPayload>}`` whose
   ``error`` string decodes to ``{"type": "<ExceptionClass>", "message": ..., "object": <pickle>}``.

Every response, the GET included, carries a fresh request-id header of its own, so the id is
always taken from the POST. Source: skypilot 0.14.1, ``sky/server/server.py`` (``api_get``,
``RequestIDMiddleware``) and ``sky/server/requests/requests.py`` (``Request.encode``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from toolkit import get_secret, http_client

REQUEST_ID_HEADER = "X-Skypilot-Request-ID"
# GET /api/get blocks until the request finishes; a cost report over a long history can take a while.
RESULT_TIMEOUT = 60.0


class SkyPilotError(RuntimeError):
    """The API server refused a call or answered something that is not the SkyPilot protocol."""


class SkyPilotRequestFailed(SkyPilotError):
    """The server ran the request and it failed; ``error_type`` is SkyPilot's exception class."""

    def __init__(self, name: str, error_type: str, message: str) -> None:
        super().__init__(f"{name} failed on the SkyPilot API server: {error_type}: {message}")
        self.error_type = error_type


def client() -> httpx.Client:
    """A client for the API server, authenticated with the service-account token."""
    base_url = get_secret("skypilot/api-url").rstrip("/")
    token = get_secret("skypilot/token")
    return http_client(
        base_url,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=RESULT_TIMEOUT,
        # a 500 carrying a request payload is a finished request that failed (ClusterNotUpError
        # when no jobs controller runs): asking again gives the same answer
        retry_if=lambda response: not _is_failed_request(response),
    )


def _is_failed_request(response: httpx.Response) -> bool:
    if response.status_code != 500 or response.request.url.path != "/api/get":
        return False
    try:
        return "error" in response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return False


def query(http: httpx.Client, endpoint: str, body: dict[str, Any]) -> Any:
    """Run one query (``POST endpoint`` then ``GET /api/get``) and return its decoded result."""
    posted = http.post(endpoint, json=body)
    _raise_for_status(posted, f"POST {endpoint}")
    request_id = posted.headers.get(REQUEST_ID_HEADER)
    if not request_id:
        raise SkyPilotError(
            f"POST {endpoint} answered {posted.status_code} without an {REQUEST_ID_HEADER} header; "
            "is skypilot/api-url the SkyPilot API server (not its dashboard or a proxy login page)?"
        )
    result = http.get("/api/get", params={"request_id": request_id})
    if result.status_code == 500:
        raise _request_failure(endpoint, result)
    _raise_for_status(result, f"GET /api/get for {endpoint}")
    payload = _json(result, f"GET /api/get for {endpoint}")
    if not isinstance(payload, dict) or "return_value" not in payload:
        raise SkyPilotError(f"GET /api/get for {endpoint}: the answer is not a SkyPilot request payload")
    if payload.get("status") != "SUCCEEDED":
        raise SkyPilotError(f"{payload.get('name', endpoint)} ended {payload.get('status')!r}, not SUCCEEDED")
    try:
        return json.loads(payload["return_value"])
    except (TypeError, ValueError) as exc:
        raise SkyPilotError(f"{payload.get('name', endpoint)}: return_value is not JSON text ({exc})") from None


def _request_failure(endpoint: str, response: httpx.Response) -> SkyPilotError:
    """Turn a 500 from ``/api/get`` into the failure it reports (or a plain error if it is not one)."""
    try:
        detail = response.json()["detail"]
        error = json.loads(detail["error"])
        return SkyPilotRequestFailed(detail.get("name") or endpoint, str(error["type"]), str(error.get("message", "")))
    except (ValueError, KeyError, TypeError):
        return SkyPilotError(f"GET /api/get for {endpoint} answered 500: {response.text[:200]}")


def _raise_for_status(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    detail = response.text[:200]
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = str(body.get("detail") or body.get("message") or body)
    except ValueError:
        pass
    hint = " (check skypilot/token: a service-account token, and ENABLE_SERVICE_ACCOUNTS on the server)" if response.status_code in (401, 403) else ""
    raise SkyPilotError(f"{what} answered {response.status_code} {response.reason_phrase}: {detail}{hint}")


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise SkyPilotError(f"{what} answered {response.status_code} with a body that is not JSON") from None
