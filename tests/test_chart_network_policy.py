"""The chart's optional NetworkPolicy: off by default (the default render is unchanged), and when
on, egress only to DNS, the chart-wide entries and each collector's own, with no ingress."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from test_chart_render import CHART, assert_valid, helm_fails, render

pytestmark = pytest.mark.slow  # runs the helm binary

DATADOG = {"cidrs": ["3.233.144.0/20"], "hosts": ["api.datadoghq.com"]}
AWS_BY_NAME = {"hosts": ["secretsmanager.us-east-1.amazonaws.com"]}  # no cidrs: Cilium only
GITHUB = {"cidrs": ["140.82.112.0/20", "192.30.252.0/22"], "hosts": ["api.github.com", "*.githubusercontent.com"],
          "ports": [443, 80]}


@pytest.fixture(scope="module")
def helm() -> str:
    from realtools import require_tool

    return require_tool("helm")


def values(**network_policy) -> dict:
    return {
        "networkPolicy": {"enabled": True, "egress": [DATADOG, AWS_BY_NAME], **network_policy},
        "metadataSync": {"enabled": True},
        "datadog": {"appKeySecret": {"name": "datadog-app-key"}},
        "defaults": {"driftCheck": {"enabled": True}},
        "collectors": {
            "github": {"enabled": True, "networkPolicy": {"egress": [GITHUB]}},
            "wandb": {"enabled": True, "env": {"WANDB_ENTITY": "e", "WANDB_PROJECT": "p"}},
            "asana": {"enabled": False, "networkPolicy": {"egress": [{"cidrs": ["10.0.0.0/8"]}]}},
        },
    }


def helm_text(helm: str, tmp_path, *args: str) -> str:
    done = subprocess.run([helm, "template", "dd", str(CHART), "--namespace", "monitoring", *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def documents(text: str) -> list[str]:
    return [d.strip() for d in re.split(r"^---$", text, flags=re.M) if d.strip()]


def test_off_by_default_and_the_other_manifests_are_unchanged(helm, tmp_path):
    default = helm_text(helm, tmp_path)
    assert "NetworkPolicy" not in default and "networkpolicy.yaml" not in default
    assert helm_text(helm, tmp_path, "--set", "networkPolicy.enabled=false") == default
    # enabled, it only adds its own documents: every other one is byte for byte the default's
    enabled = documents(helm_text(helm, tmp_path, "--set", "networkPolicy.enabled=true"))
    added = [d for d in enabled if "templates/networkpolicy.yaml" in d]
    assert len(added) == 1 and [d for d in enabled if d not in added] == documents(default)


def policies(docs: list[dict], kind: str = "NetworkPolicy") -> dict[str, dict]:
    return {d["metadata"]["name"].removeprefix("dd-datadog-collectors-"): d for d in docs if d["kind"] == kind}


def test_core_policies_allow_dns_the_intake_and_each_collectors_own_ip_blocks(helm, tmp_path):
    docs = render(helm, tmp_path, values())
    assert_valid(docs)  # NetworkPolicy included, against the Kubernetes API schema
    found = policies(docs)
    assert set(found) == {"github", "wandb", "metadata-sync"}  # enabled collectors only, and the sync
    assert not [d for d in docs if d["kind"] == "CiliumNetworkPolicy"]
    dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}
    intake = {"to": [{"ipBlock": {"cidr": "3.233.144.0/20"}}], "ports": [{"port": 443, "protocol": "TCP"}]}
    github = {"to": [{"ipBlock": {"cidr": c}} for c in GITHUB["cidrs"]],
              "ports": [{"port": 443, "protocol": "TCP"}, {"port": 80, "protocol": "TCP"}]}
    assert found["github"]["spec"]["egress"] == [dns, intake, github]
    assert found["wandb"]["spec"]["egress"] == found["metadata-sync"]["spec"]["egress"] == [dns, intake]
    for policy in found.values():
        spec = policy["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in spec  # no ingress at all
        # never an empty or missing `to`, which would allow every destination (the hosts-only entry is left out)
        assert all(rule.get("to") for rule in spec["egress"])
    # each policy selects one collector's pods (its CronJob's and its drift check's), or the sync's
    selector = {"app.kubernetes.io/name": "datadog-collectors", "app.kubernetes.io/instance": "dd"}
    assert found["github"]["spec"]["podSelector"] == {"matchLabels": {**selector, "collector": "github"}}
    assert found["metadata-sync"]["spec"]["podSelector"] == {"matchLabels": {**selector, "app.kubernetes.io/component": "metadata-sync"}}
    pods = [d for d in docs if d["kind"] in ("CronJob", "Job")]
    for name, policy in found.items():
        wanted = policy["spec"]["podSelector"]["matchLabels"]
        selected = []
        for pod in pods:
            template = pod["spec"]["jobTemplate"]["spec"]["template"] if pod["kind"] == "CronJob" else pod["spec"]["template"]
            if wanted.items() <= template["metadata"]["labels"].items():
                selected.append(pod["metadata"]["name"])
        expected = {"github": ["dd-datadog-collectors-github", "dd-datadog-collectors-github-drift"],
                    "wandb": ["dd-datadog-collectors-wandb", "dd-datadog-collectors-wandb-drift"],
                    "metadata-sync": ["dd-datadog-collectors-metadata-sync"]}[name]
        assert sorted(selected) == expected, name


def test_cilium_mode_allows_host_names_through_to_fqdns(helm, tmp_path):
    docs = render(helm, tmp_path, values(cilium=True))
    assert_valid([d for d in docs if d["kind"] != "CiliumNetworkPolicy"])  # a CRD: not in the API schema
    assert not policies(docs)  # no core NetworkPolicy beside them
    found = policies(docs, "CiliumNetworkPolicy")
    assert set(found) == {"github", "wandb", "metadata-sync"}
    for policy in found.values():
        assert policy["apiVersion"] == "cilium.io/v2"
        dns, *rest = policy["spec"]["egress"]
        assert dns["toEndpoints"] == [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s-app": "kube-dns"}}]
        assert dns["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}  # the DNS proxy sees the lookups
        assert all(set(rule) <= {"toFQDNs", "toCIDRSet", "toPorts"} and rule["toPorts"] for rule in rest)
    names = lambda policy: {m.get("matchName") or m["matchPattern"] for r in policy["spec"]["egress"] for m in r.get("toFQDNs", [])}  # noqa: E731
    base = {"api.datadoghq.com", "secretsmanager.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com"}
    assert names(found["wandb"]) == names(found["metadata-sync"]) == base
    assert names(found["github"]) == base | {"api.github.com", "*.githubusercontent.com"}
    github_rules = found["github"]["spec"]["egress"]
    assert {"matchPattern": "*.githubusercontent.com"} in [m for r in github_rules for m in r.get("toFQDNs", [])]
    assert {"toCIDRSet": [{"cidr": c} for c in GITHUB["cidrs"]],
            "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}, {"port": "80", "protocol": "TCP"}]}]} in github_rules
    # the intake follows datadog.site, AWS follows aws.region
    eu = values(cilium=True)
    eu.update(datadog={"site": "datadoghq.eu", "appKeySecret": {"name": "k"}}, aws={"region": "eu-west-1"})
    assert names(policies(render(helm, tmp_path, eu), "CiliumNetworkPolicy")["wandb"]) >= {
        "api.datadoghq.eu", "secretsmanager.eu-west-1.amazonaws.com", "sts.eu-west-1.amazonaws.com"}


@pytest.mark.parametrize(
    "bad, where",
    [
        ({"networkPolicy": {"enabled": True, "egress": [{"cidrs": ["api.github.com"]}]}}, "/networkPolicy/egress/0/cidrs/0"),
        ({"networkPolicy": {"enabled": True, "egress": [{"ports": [443]}]}}, "/networkPolicy/egress/0"),
        ({"networkPolicy": {"enabled": True, "egres": []}}, "/networkPolicy"),
        ({"collectors": {"github": {"enabled": True, "networkPolicy": {"egress": [{"hosts": ["https://api.github.com"]}]}}}},
         "/collectors/github/networkPolicy/egress/0/hosts/0"),
    ],
)
def test_the_schema_refuses_bad_entries(helm, tmp_path, bad, where):
    assert f"at '{where}'" in helm_fails(helm, tmp_path, bad)


def test_values_yaml_documents_it_off():
    shipped = yaml.safe_load((CHART / "values.yaml").read_text())["networkPolicy"]
    assert shipped["enabled"] is False and shipped["cilium"] is False and shipped["egress"] == []
