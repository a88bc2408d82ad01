"""Tags as Datadog stores them, so that what a run shows is what Datadog keeps.

Datadog (https://docs.datadoghq.com/getting_started/tagging/#define-tags) lowercases tags,
keeps letters, digits, ``_ - : . /`` and turns other characters into underscores, drops
trailing underscores, requires a leading letter and cuts tags at 200 characters.

A tag Datadog would change is an error here, not a silent rewrite: two tags that differ only
in case would merge into one series in Datadog (counted twice by us, overwritten there), and
a graph filtered on the tag the code shows would find nothing. A collector that takes tag
values from data normalizes them itself with ``normalize_tag``, where a reader sees it.
"""

from __future__ import annotations

import re

MAX_TAG_LENGTH = 200
# \w is Unicode letters, digits and underscore; Datadog supports Unicode letters in tags.
_DISALLOWED = re.compile(r"[^\w\-:./]")
_RUNS = re.compile(r"__+")
# Tags joined by spaces (a space is never in a kept tag), each a lowercase ASCII letter then
# what _DISALLOWED leaves alone, not ending in ":" (an empty value) or "_" (stripped)
_KEPT_TAGS = re.compile(r"[a-z][\w\-:./]*(?<![:_])(?: [a-z][\w\-:./]*(?<![:_]))*")


def normalize_tag(tag: str) -> str:
    """The tag as Datadog would store it."""
    text = _DISALLOWED.sub("_", tag.lower())
    text = _RUNS.sub("_", text)
    text = text[:MAX_TAG_LENGTH].rstrip("_")
    return text


def tag_problem(tag: str) -> str | None:
    """Why Datadog would not keep ``tag`` as written, or None when it would."""
    if not tag or not tag[0].isalpha():
        return f"tag {tag!r} must start with a letter"
    if tag.endswith(":"):
        return f"tag {tag!r} has an empty value"
    stored = normalize_tag(tag)
    if stored != tag:
        return f"Datadog would store tag {tag!r} as {stored!r}; return {stored!r} (toolkit.normalize_tag does it)"
    return None


def tags_problem(tags: tuple[str, ...] | list[str]) -> str | None:
    """``tag_problem`` of the first tag of ``tags`` that has one, or None.

    A metric over many items checks a tag set per series (300,000 tags for 100,000 series): the
    common case, tags Datadog keeps as written that start with an ASCII letter, is one check of
    the whole set; anything else is checked tag by tag.
    """
    joined = " ".join(tags)
    if (
        joined.count(" ") == len(tags) - 1  # no tag holds the separator
        and "__" not in joined
        and joined == joined.lower()
        and max(map(len, tags), default=0) <= MAX_TAG_LENGTH
        and _KEPT_TAGS.fullmatch(joined) is not None
    ):
        return None
    return next(filter(None, map(tag_problem, tags)), None)
