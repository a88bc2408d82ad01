"""``get_secret``: environment first, then AWS Secrets Manager, cached for the process."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from contextvars import ContextVar

from ..errors import SecretNotFoundError
from ..model import current_run, register_secret, settings

_cache: dict[str, str] = {}
_name_locks: dict[str, threading.Lock] = {}
_lock = threading.Lock()
# What get_secret returned under ``watch_secrets`` (name -> value); the engine copies the context
# into every worker thread, so a run's metrics all report into the watcher's one dict.
_watcher: ContextVar[dict[str, str] | None] = ContextVar("dd_toolkit_secret_watcher", default=None)


@contextlib.contextmanager
def watch_secrets() -> Iterator[dict[str, str]]:
    """Every secret ``get_secret`` returns inside the block, by name, listed by the collector or not.

    ``record`` and ``run --capture`` scrub those values and write a placeholder for each name.
    """
    seen: dict[str, str] = {}
    token = _watcher.set(seen)
    try:
        yield seen
    finally:
        _watcher.reset(token)


# Every secret value get_secret returned in this process, to its name: a request whose header
# carries one is counted against that credential's rate budget (toolkit.sources.budget).
_names_by_value: dict[str, str] = {}
_names_lock = threading.Lock()  # not _lock: _returned is called holding that one


def secret_names_by_value() -> dict[str, str]:
    """{value: name} of the secrets returned so far (offline: the run's placeholders instead)."""
    run = current_run()
    if run is not None and run.secrets is not None:
        return {value: name for name, value in run.secrets.items()}
    with _names_lock:
        return dict(_names_by_value)


def _returned(name: str, value: str) -> str:
    with _names_lock:
        _names_by_value[value] = name
    seen = _watcher.get()
    if seen is not None:
        seen[name] = value
    return value


def env_var_for(name: str) -> str:
    """``github/token`` -> ``GITHUB_TOKEN``."""
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def get_secret(name: str) -> str:
    """Return the secret ``name``.

    Looked up, in order: the offline replay's placeholders, the environment variable
    ``env_var_for(name)``, this process's cache, AWS Secrets Manager. Every value is registered
    for redaction, so it never shows in an error message.
    """
    run = current_run()
    if run is not None and run.secrets is not None:
        return run.secrets.get(name, "offline-placeholder")
    env_name = env_var_for(name)
    value = os.environ.get(env_name)
    if value:
        register_secret(value)
        return _returned(name, value)
    with _lock:
        if name in _cache:
            return _returned(name, _cache[name])
        name_lock = _name_locks.setdefault(name, threading.Lock())
    # Metrics of one collector ask for the same secret at once: one of them looks it up, the
    # others wait for its answer. A failure is remembered for the rest of the run, so a missing
    # secret costs one lookup and one clear error per metric, not one AWS call each.
    with name_lock:
        with _lock:
            if name in _cache:
                return _returned(name, _cache[name])
        failure_key = ("get_secret failed", name)
        if run is not None and failure_key in run.cache:
            raise run.cache[failure_key]
        try:
            value = _from_secrets_manager(name, env_name)
        except SecretNotFoundError as exc:
            if run is not None:
                with run.cache_lock:
                    run.cache[failure_key] = exc
            raise
        register_secret(value)
        with _lock:
            _cache[name] = value
        return _returned(name, value)


def clear_secret_cache() -> None:
    with _lock:
        _cache.clear()


def _from_secrets_manager(name: str, env_name: str) -> str:
    # botocore costs ~20 MiB and ~0.3 s to import: only pay for it when a secret really needs AWS.
    from botocore.exceptions import BotoCoreError, ClientError

    from .aws import new_client

    region = settings().aws_region
    how = (
        f"set the environment variable {env_name}, or create it with "
        f"`aws secretsmanager create-secret --name {name} --secret-string ... --region {region}`"
    )
    try:
        client = new_client("secretsmanager", region)
        response = client.get_secret_value(SecretId=name)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise SecretNotFoundError(f"secret {name!r} not found in AWS Secrets Manager ({region}): {how}") from None
        raise SecretNotFoundError(f"secret {name!r} could not be read from AWS Secrets Manager ({region}, {code}): {how}") from None
    except BotoCoreError as exc:
        raise SecretNotFoundError(f"secret {name!r}: AWS Secrets Manager unreachable ({type(exc).__name__}: {exc}); {how}") from None
    value = response.get("SecretString")
    if value is None:
        raise SecretNotFoundError(f"secret {name!r} in AWS Secrets Manager has no string value; {how}")
    return value
