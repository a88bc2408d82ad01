"""YAML read within bounds: the file's bytes, its nesting, and what its aliases expand to.

PyYAML shares one object for every alias of an anchor, so a "billion laughs" file of a few
hundred bytes loads quickly into a small graph, and then whatever walks it as a tree (the
schema check, a ``str()``, a JSON dump) walks 10**9 nodes: ``doctor`` ran 42 s and died of
MemoryError. So the node graph is measured before anything is built from it: the nodes the
aliases add when expanded are counted (memoised per node, so the count itself is linear) and
refused past ``MAX_ALIAS_NODES``, and nesting past ``MAX_DEPTH`` is refused rather than left to
a RecursionError. The cassettes, the Helm values and everything above read YAML here.

What a text parsed to is remembered (``model.memo``, by a digest of the text, the parser and the
bounds), so the next command that reads the same values or cassette neither parses it again nor
imports PyYAML (~25 ms of an offline ``dd-toolkit run``). Only what loaded within the bounds and
is plain data (``marshal`` can hold it: no YAML timestamps) is remembered; a broken file is parsed,
and refused with its one line, every time. Nor is a text holding what ``redact`` hides (a known
secret's value, a token's shape: a values file with a token pasted into its ``env``): a secret is
not copied into the state directory, where it would outlive its removal from the file.
"""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import IO, Any

from ..model import memo, redact

MAX_ALIAS_NODES = 10_000  # nodes that aliases may add once expanded (a `<<: *defaults` adds a few dozen)
MAX_DEPTH = 64  # a Helm values file nests about 6 deep; a cassette about 8
MEMO = "yaml"
# a cassette holding a larger body is parsed from its file as it is read, never held whole, so
# never remembered either
MEMO_MAX_BYTES = 8 * 1024 * 1024


def read_text(path: Path, *, max_bytes: int | None, error: type[Exception], fix: str) -> str:
    """``path`` as UTF-8 text, refused (``error``) when larger than ``max_bytes`` or not UTF-8."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1) if max_bytes is not None else handle.read()
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise error(f"{path} is larger than {max_bytes // 1024} KiB, so it is not read; {fix}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path} is not UTF-8 text (byte {exc.start}); {fix}") from None


def load(text: str | bytes | IO[bytes], *, where: str, error: type[Exception], fix: str, fast: bool = False) -> Any:
    """``text`` (its bytes, or a binary stream read as it parses: either way UTF-8 checked by the
    reader) loaded as safe YAML; broken YAML, deep nesting or alias bombs are one ``error``
    naming ``where``, the line when YAML knows it, and ``fix``. ``fast`` uses libyaml's parser
    when present (cassettes are large; the bounds are the same). A text or bytes is looked up
    in the memo first, and remembered there once loaded."""
    key = _memo_key(text, fast) if isinstance(text, str | bytes) else None
    if key is not None:
        found = memo.recall(MEMO, key)
        if found is not None:
            try:
                return marshal.loads(found)
            except (EOFError, ValueError, TypeError):
                pass  # not a memo this Python wrote: parse again
    data = _load(text, where=where, error=error, fix=fix, fast=fast)
    if key is not None and not _holds_credential(text):
        try:
            memo.remember(MEMO, key, marshal.dumps(data))
        except ValueError:
            pass  # a value marshal cannot hold (a YAML timestamp): parsed every time
    return data


def _holds_credential(text: str | bytes) -> bool:
    """Whether ``redact`` would change ``text``: checked once, before a text is remembered."""
    plain = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return redact(plain) != plain


def _memo_key(text: str | bytes, fast: bool) -> str | None:
    if len(text) > MEMO_MAX_BYTES:
        return None
    payload = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return memo.digest(b"libyaml" if fast else b"pyyaml", type(text).__name__.encode(),
                       f"{MAX_DEPTH} {MAX_ALIAS_NODES}".encode(), payload)


def _load(text: str | bytes | IO[bytes], *, where: str, error: type[Exception], fix: str, fast: bool) -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader
    loader = None
    try:
        loader = base(text)  # the reader already refuses control characters here
        node = loader.get_single_node()
        if node is None:
            return None
        problem = _measure(node)
        if problem:
            raise error(f"{where}: {problem}; {fix}")
        return loader.construct_document(node)
    except error:
        raise
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own bound (1,000) met first
            raise error(f"{where} nests deeper than {MAX_DEPTH} levels; {fix}") from None
        mark = exc.problem_mark or exc.context_mark
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = (exc.problem or exc.context or "unreadable").strip()
        raise error(f"{where} is not valid YAML{at}: {problem}; {fix}") from None
    except yaml.YAMLError as exc:
        raise error(f"{where} is not valid YAML: {str(exc).strip().splitlines()[0]}; {fix}") from None
    except RecursionError:  # the pure-Python parser recurses per level: deeper than the stack
        raise error(f"{where} nests deeper than {MAX_DEPTH} levels; {fix}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a scalar its tag cannot hold (a 13th month)
        raise error(f"{where} is not valid YAML: {exc}; {fix}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _measure(root: Any) -> str | None:
    """Why the node graph is refused (nested too deep, or aliases expanding too far), or None.

    Iterative, so a deep file cannot exhaust the stack here. Each node's expanded size and
    height are computed once, after its children (a post-order walk of the graph), so an alias
    counts as the whole subtree it stands for.
    """
    import yaml

    size: dict[int, int] = {}
    height: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    entered: set[int] = set()  # nodes whose children are being measured: the current path
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node, yaml)
        if done:
            entered.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            if height[key] > MAX_DEPTH:
                return f"nests deeper than {MAX_DEPTH} levels"
            continue
        if key in size:
            continue  # an alias of a node already measured
        if key in entered:
            return "an alias refers to the node that holds it (a recursive structure)"
        distinct += 1
        entered.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children)
    if size[id(root)] - distinct > MAX_ALIAS_NODES:
        return f"its aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)"
    return None


def _children(node: Any, yaml: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
