"""Talking to the GitHub REST API: the client, paginated listings, and GitHub's errors.

GitHub's failures are turned into exceptions whose message says what to do (a rejected
token, an exhausted rate limit and its reset time, a missing repository), so that the
run's result shows that instead of a bare "403 Forbidden".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from toolkit import ConfigError, get_config, get_secret, http_client, now, paginate_links

API_URL = "https://api.github.com"  # GITHUB_API_URL; GitHub Enterprise Server: https://HOST/api/v3
API_VERSION = "2022-11-28"
PER_PAGE = 100  # GitHub's maximum: the fewest requests against the rate limit
MAX_PAGES = 100  # GITHUB_MAX_PAGES: pages one listing may take (10,000 items at 100 a page)


class GitHubError(RuntimeError):
    """GitHub answered with something the collector cannot use."""


class GitHubAuthError(GitHubError):
    """GitHub rejected the token (401)."""


class GitHubRateLimited(GitHubError):
    """A primary or secondary rate limit was hit (403 or 429)."""


class GitHubBadResponse(GitHubError):
    """The body is not the JSON the endpoint documents."""


def api_url() -> str:
    return (get_config("GITHUB_API_URL", API_URL) or API_URL).rstrip("/")


def max_pages() -> int:
    raw = get_config("GITHUB_MAX_PAGES", str(MAX_PAGES)) or str(MAX_PAGES)
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"GITHUB_MAX_PAGES: {raw!r} is not a whole number of pages above 0 (default {MAX_PAGES})")
    return value


def client() -> httpx.Client:
    token = get_secret("github/token")
    return http_client(
        api_url(),
        # a renamed repository answers 301 with its new /repositories/<id>/... URL on the same host
        follow_redirects=True,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        },
    )


def array(page: Any) -> list[Any]:
    """The items of a list endpoint's page (a JSON array)."""
    if not isinstance(page, list):
        raise GitHubBadResponse(f"expected a JSON array of items, got {type(page).__name__}")
    return page


def listing(path: str, params: dict[str, Any], *, what: str, items: Callable[[Any], list[Any]] = array) -> Iterator[Any]:
    """Every item of a list endpoint, fetched a page at a time as the caller iterates.

    Pages follow the ``Link: rel="next"`` URL GitHub sends (it names the repository by id,
    ``/repositories/<id>/...``); a caller that stops iterating stops the fetching.
    """
    with client() as http, translated(what):
        yield from paginate_links(
            http, path, params={**params, "per_page": PER_PAGE}, items=items, max_pages=max_pages(), setting="GITHUB_MAX_PAGES"
        )


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Turn HTTP and body failures while reading ``what`` into ``GitHubError``s."""
    try:
        yield
    except httpx.HTTPStatusError as exc:
        raise error_for(exc.response, what) from exc
    except json.JSONDecodeError as exc:
        raise GitHubBadResponse(f"{what}: GitHub sent a body that is not valid JSON ({exc.msg}, character {exc.pos})") from exc
    except GitHubBadResponse as exc:
        raise GitHubBadResponse(f"{what}: {exc}") from exc
    except (KeyError, TypeError) as exc:  # a page without the documented fields
        raise GitHubBadResponse(f"{what}: unexpected response shape ({type(exc).__name__}: {exc})") from exc


def error_for(response: httpx.Response, what: str) -> GitHubError:
    """The exception for an error answer, with the fix in its message."""
    status = response.status_code
    headers = response.headers
    said = _message(response)
    if status in (403, 429) and headers.get("x-ratelimit-remaining") == "0":
        return GitHubRateLimited(
            f"GitHub rate limit exhausted ({_bucket(headers)}); resets at {_reset(headers)}; "
            f"{what} not read. Lower the schedule's frequency or use a token with its own limit"
        )
    if status in (403, 429) and ("retry-after" in headers or "secondary rate limit" in said.lower()):
        wait = headers.get("retry-after", "60")
        return GitHubRateLimited(
            f"GitHub secondary rate limit hit reading {what}; GitHub asks to wait {wait}s before retrying"
        )
    if status == 401:
        return GitHubAuthError(
            f"GitHub rejected the token (401 {said or 'Unauthorized'}); check the secret github/token "
            "(env GITHUB_TOKEN or AWS Secrets Manager): it may be expired, revoked or mistyped"
        )
    if status == 403:
        return GitHubError(
            f"GitHub refused {what} (403 {said or 'Forbidden'}); the token needs read access to the "
            "repository's pull requests, issues and Actions"
        )
    if status == 404:
        return GitHubError(
            f"GitHub has no {what} (404 {said or 'Not Found'}); check the name in GITHUB_REPOSITORIES "
            "and that the token can see the repository (private repositories answer 404 too)"
        )
    return GitHubError(f"GitHub answered HTTP {status} {said or response.reason_phrase} reading {what}")


def _message(response: httpx.Response) -> str:
    """GitHub's ``message`` field (basic-error), or "" when the body has none."""
    try:
        body = response.json()
    except (ValueError, httpx.ResponseNotRead):
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _bucket(headers: httpx.Headers) -> str:
    resource = headers.get("x-ratelimit-resource", "core")
    limit = headers.get("x-ratelimit-limit")
    return f"{resource} bucket, {limit} requests" if limit else f"{resource} bucket"


def _reset(headers: httpx.Headers) -> str:
    raw = headers.get("x-ratelimit-reset")
    try:
        at = datetime.fromtimestamp(int(raw), UTC)
    except (TypeError, ValueError):
        return "an unknown time (no x-ratelimit-reset header)"
    minutes = max(0, round((at - now()).total_seconds() / 60))
    return f"{at:%Y-%m-%d %H:%M:%S} UTC (in {minutes} min)"
