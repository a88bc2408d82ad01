"""get_secret: environment first, then AWS Secrets Manager (moto's server mode), cached."""

from __future__ import annotations

import types

import boto3
import pytest

from toolkit import BaseCollector, SecretNotFoundError, get_secret, metric, redact
from toolkit.sources import env_var_for


def put_secret(name: str, value: str, region: str = "us-east-1") -> None:
    boto3.client("secretsmanager", region_name=region).create_secret(Name=name, SecretString=value)


@pytest.mark.parametrize(
    "name, env", [("github/token", "GITHUB_TOKEN"), ("skypilot/api-url", "SKYPILOT_API_URL"), ("a.b c", "A_B_C")]
)
def test_env_var_names(name, env):
    assert env_var_for(name) == env


def test_environment_overrides(monkeypatch, aws_env):
    put_secret("svc/token", "from-aws")
    monkeypatch.setenv("SVC_TOKEN", "from-env")
    assert get_secret("svc/token") == "from-env"


def test_reads_secrets_manager_and_caches(aws_env):
    put_secret("svc/api-key", "aws-value-123")
    assert get_secret("svc/api-key") == "aws-value-123"
    boto3.client("secretsmanager", region_name="us-east-1").update_secret(SecretId="svc/api-key", SecretString="changed")
    assert get_secret("svc/api-key") == "aws-value-123"  # cached for the process


def test_value_is_registered_for_redaction(aws_env):
    put_secret("svc/other", "very-secret-value")
    get_secret("svc/other")
    assert redact("failed calling x with very-secret-value") == "failed calling x with ***"


def test_region_from_environment(aws_env, monkeypatch):
    put_secret("svc/eu", "in-eu", region="eu-west-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert get_secret("svc/eu") == "in-eu"


def test_missing_secret_names_both_fixes(aws_env):
    with pytest.raises(SecretNotFoundError) as info:
        get_secret("nope/token")
    message = str(info.value)
    assert "'nope/token'" in message and "NOPE_TOKEN" in message and "create-secret" in message
    assert "\n" not in message


def test_unreachable_secrets_manager_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(SecretNotFoundError, match="unreachable.*UNREACH_TOKEN"):
        get_secret("unreach/token")



def test_concurrent_metrics_share_one_lookup_and_one_failure(aws_env, monkeypatch):
    """Sixteen metrics asking for a missing secret cost one Secrets Manager call, not sixteen."""
    import toolkit.sources.secrets as secrets_module

    calls = []
    real = secrets_module._from_secrets_manager
    monkeypatch.setattr(secrets_module, "_from_secrets_manager", lambda *a: calls.append(a[0]) or real(*a))
    module = types.ModuleType("many_metrics")
    for i in range(16):
        setattr(module, f"f{i}", metric(f"svc.cat.m{i}")(lambda: len(get_secret("svc/missing"))))

    class ManySecretReaders(BaseCollector):
        name = "many"
        metrics_module = module

    result = ManySecretReaders().run(timeout=30)
    assert calls == ["svc/missing"]
    assert len(result.errors) == 16 and {e.type for e in result.errors} == {"SecretNotFoundError"}
