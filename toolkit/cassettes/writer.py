"""Writing a cassette one interaction at a time, a large body a slice at a time.

vcrpy serializes a whole cassette with one ``yaml.dump``: a 30 MB body then costs several copies
of itself at once (decoded to text, the emitter's output string, its UTF-8), and took ``record``
of one past the chart's 256 Mi. ``CassettePersister`` is the vcrpy persister ``record`` uses
instead: it writes vcrpy's layout, byte for byte what vcrpy writes, each interaction dumped by
vcrpy's own serializer, except a response body of ``LARGE_BODY`` bytes or more of UTF-8 text,
which is written as a YAML double-quoted scalar on one line (JSON's escapes, which YAML reads
alike), escaped and encoded a slice at a time. Any YAML reader (vcrpy, PyYAML, the replay) loads
the same strings from it. It also notes what it wrote (method, URI, status) for the report.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any, TextIO

LARGE_BODY = 256 * 1024  # bytes; a smaller body is dumped by vcrpy's serializer as before
_SLICE = 1024 * 1024
_MARK = "dd-toolkit-large-body-8f3a2c"  # stands for the large body in its interaction's dump
# What json.dumps(ensure_ascii=False) leaves raw that a YAML stream may not hold raw: C1
# controls, YAML 1.1's line breaks (NEL, LS, PS: folded inside a quoted scalar) and non-characters.
_RAW_FOR_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


class CassettePersister:
    """vcrpy's persister interface (``VCR.register_persister``), one instance per recording."""

    def __init__(self) -> None:
        self.written: list[tuple[str, str, int]] = []  # method, URI (scrubbed), status

    @staticmethod
    def load_cassette(cassette_path: str, serializer: Any) -> Any:
        from vcr.persisters.filesystem import FilesystemPersister

        return FilesystemPersister.load_cassette(cassette_path, serializer)

    def save_cassette(self, cassette_path: str, cassette_dict: dict, serializer: Any) -> None:
        from vcr.serialize import CASSETTE_FORMAT_VERSION, serialize
        from vcr.serializers import compat

        path = Path(cassette_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pairs = list(zip(cassette_dict["requests"], cassette_dict["responses"], strict=True))
        self.written = [(request.method, request.uri, _status(response)) for request, response in pairs]
        if cassette_dict.get("metadata") or not pairs:  # vcrpy's own way: nothing large to spare
            path.write_text(serialize(cassette_dict, serializer), encoding="utf-8")
            return
        # Written in place: the cassette lives in record's staged directory, swapped in whole.
        with path.open("w", encoding="utf-8") as out:
            out.write("interactions:\n")
            for request, response in pairs:
                body = response.get("body") if isinstance(response, dict) else None
                large = body.get("string") if isinstance(body, dict) and _is_large_text(body.get("string")) else None
                if large is None:
                    response = compat.convert_to_unicode(response)
                else:
                    response = {**response, "body": {**body, "string": _MARK}}
                item = {"request": compat.convert_to_unicode(request._to_dict()), "response": response}
                # the same dump as the whole cassette's, less its first line ("interactions:")
                text = serializer.serialize({"interactions": [item]}).partition("\n")[2]
                if large is None:
                    out.write(text)
                    continue
                before, _, after = text.partition(_MARK)
                out.write(before)
                write_quoted(out, large)
                out.write(after)
            out.write(f"version: {CASSETTE_FORMAT_VERSION}\n")


def _status(response: Any) -> int:
    try:
        return int(response["status"]["code"])
    except (KeyError, TypeError, ValueError):
        return 0


def _is_large_text(body: Any) -> bool:
    if isinstance(body, str):
        return len(body) >= LARGE_BODY
    if not isinstance(body, bytes | bytearray) or len(body) < LARGE_BODY:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(body)
    try:
        for start in range(0, len(body), _SLICE):
            decoder.decode(view[start:start + _SLICE], final=start + _SLICE >= len(body))
    except UnicodeDecodeError:
        return False  # binary: vcrpy's way (!!binary)
    return True


def write_quoted(out: TextIO, body: str | bytes | bytearray) -> None:
    """``body`` (text, or UTF-8 bytes) as a YAML double-quoted scalar, a slice at a time."""
    if isinstance(body, str):
        pieces = (body[start:start + _SLICE] for start in range(0, len(body), _SLICE))
    else:
        decoder = codecs.getincrementaldecoder("utf-8")()
        view = memoryview(body)
        pieces = (decoder.decode(view[start:start + _SLICE], final=start + _SLICE >= len(body))
                  for start in range(0, len(body), _SLICE))
    out.write('"')
    for piece in pieces:
        # JSON's string escapes (\" \\ \n \t \uXXXX ...) are YAML's double-quoted escapes too
        out.write(_RAW_FOR_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(piece, ensure_ascii=False)[1:-1]))
    out.write('"')
