"""The seed's pagination patterns, as generators of items.

Each stops at ``max_pages`` with ``TooManyPages``; ``setting`` names the configuration variable a
collector reads its limit from, so the error says what to raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..errors import TooManyPages
from ._httpx import httpx

Items = Callable[[Any], list[Any]]


def _as_list(data: Any) -> list[Any]:
    return data


def _too_many(url: str, max_pages: int, setting: str | None) -> TooManyPages:
    fix = f"raise {setting} (now {max_pages})" if setting else f"raise max_pages (now {max_pages})"
    return TooManyPages(f"{url}: more than {max_pages} pages; {fix} or narrow the query")


def _get_json(client: httpx.Client, url: str, params: dict[str, Any] | None) -> tuple[httpx.Response, Any]:
    response = client.get(url, params=params)
    response.raise_for_status()
    return response, response.json()


def paginate_pages(
    client: httpx.Client,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    items: Items = _as_list,
    per_page: int = 100,
    page_param: str = "page",
    per_page_param: str = "per_page",
    first_page: int = 1,
    max_pages: int = 100,
    setting: str | None = None,
) -> Iterator[Any]:
    """``?page=N&per_page=M`` until a page comes back short."""
    page = first_page
    for _ in range(max_pages):
        _, data = _get_json(client, url, {**(params or {}), page_param: page, per_page_param: per_page})
        batch = items(data)
        yield from batch
        if len(batch) < per_page:
            return
        page += 1
    raise _too_many(url, max_pages, setting)


def paginate_links(
    client: httpx.Client,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    items: Items = _as_list,
    max_pages: int = 100,
    setting: str | None = None,
) -> Iterator[Any]:
    """Follow ``Link: <...>; rel="next"`` headers (GitHub and most REST APIs)."""
    next_url: str | None = url
    next_params = params
    for _ in range(max_pages):
        response, data = _get_json(client, next_url, next_params)
        yield from items(data)
        next_url = response.links.get("next", {}).get("url")
        if not next_url:
            return
        next_params = None  # the next link carries the query
    raise _too_many(url, max_pages, setting)


def paginate_cursor(
    client: httpx.Client,
    url: str,
    *,
    next_cursor: Callable[[Any], str | None],
    params: dict[str, Any] | None = None,
    items: Items = _as_list,
    cursor_param: str = "cursor",
    max_pages: int = 100,
    setting: str | None = None,
) -> Iterator[Any]:
    """Pass the cursor of each page (``next_cursor(data)``) as ``cursor_param`` until it is empty."""
    cursor: str | None = None
    for _ in range(max_pages):
        query = dict(params or {})
        if cursor:
            query[cursor_param] = cursor
        _, data = _get_json(client, url, query)
        yield from items(data)
        cursor = next_cursor(data)
        if not cursor:
            return
    raise _too_many(url, max_pages, setting)
