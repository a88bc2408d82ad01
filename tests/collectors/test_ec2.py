"""EC2 collector: values from the cassettes (worked out by hand from their XML), the error
scenarios, the boto3 replay itself, and the same collector live against moto's server mode."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from offline_cli import offline_json, series_by_tags

from collectors.ec2 import metrics as ec2_metrics
from collectors.ec2.collector import Ec2Collector

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "tests" / "cassettes" / "ec2"
E1, W2 = "region:us-east-1", "region:us-west-2"


def series(result, name: str) -> dict[tuple[str, ...], float]:
    outcome = next(o for o in result.outcomes if o.name == name)
    assert outcome.error is None, outcome.error
    return {s.tags: s.value for s in outcome.series}


@pytest.fixture(autouse=True)
def _fresh_boto_session():
    from toolkit.sources import reset_session

    reset_session()
    yield
    reset_session()


# --- the main cassette: us-east-1 over two DescribeInstances pages, us-west-2 empty ----------
# Page 1: reservation r-b9c5... = 1 spot p4d.24xlarge, with nextToken.
# Page 2: reservation r-697f... = 2 on-demand g5.xlarge (no instanceLifecycle element).
# Volumes (status=available): 500 GiB gp3 + 100 GiB gp2. us-west-2: no instances, no volumes.


@pytest.fixture(scope="module")
def offline():
    result = Ec2Collector().run(timeout=30, offline=True)
    assert result.errors == [], result.errors
    return result


def test_running_instances_across_both_pages(offline):
    assert series(offline, "ec2.instances.running") == {(E1,): 3, (W2,): 0}


def test_by_type_and_lifecycle(offline):
    assert series(offline, "ec2.instances.by_type") == {
        (E1, "instance_type:p4d.24xlarge", "lifecycle:spot"): 1,
        (E1, "instance_type:g5.xlarge", "lifecycle:on-demand"): 2,
    }


def test_gpu_instances(offline):
    assert series(offline, "ec2.instances.gpu") == {(E1,): 3, (W2,): 0}  # p4d and g5 are GPU families


def test_unattached_volumes_and_size(offline):
    assert series(offline, "ec2.volumes.unattached") == {(E1,): 2, (W2,): 0}
    assert series(offline, "ec2.volumes.unattached_size") == {(E1,): 600, (W2,): 0}  # 500 + 100 GiB


def test_hourly_cost_from_the_price_table(offline):
    # p4d.24xlarge 21.957642 (spot, priced On-Demand) + 2 x g5.xlarge 1.006, us-east-1 rows of the table
    assert series(offline, "ec2.cost.hourly_estimate")[(E1,)] == pytest.approx(23.969642)
    assert series(offline, "ec2.cost.hourly_estimate")[(W2,)] == 0
    assert series(offline, "ec2.cost.unpriced_instances") == {(E1,): 0, (W2,): 0}


def test_missing_second_page_is_a_replay_error_not_a_smaller_number(tmp_path):
    data = yaml.safe_load((CASSETTES / "ec2.yaml").read_text())
    data["interactions"] = [i for i in data["interactions"] if "NextToken=" not in (i["request"]["body"] or "")]
    (tmp_path / "ec2.yaml").write_text(yaml.safe_dump(data))
    shutil.copy(CASSETTES / "replay.json", tmp_path)
    result = Ec2Collector().run(timeout=30, cassettes=tmp_path)
    errors = {e.metric: e for e in result.errors}
    assert errors["ec2.instances.running"].type == "ReplayError"
    assert "ec2.us-east-1.amazonaws.com" in errors["ec2.instances.running"].message
    assert series(result, "ec2.volumes.unattached") == {(E1,): 2, (W2,): 0}  # volumes still replay


def test_unauthorized_is_an_error_on_every_metric_never_zero():
    result = Ec2Collector().run(timeout=30, cassettes=CASSETTES / "unauthorized")
    assert {o.name for o in result.outcomes} == {s.name for s in Ec2Collector().metric_specs()}
    for outcome in result.outcomes:
        assert outcome.status == "error", outcome.name
        assert outcome.error.type == "ClientError"
        assert "UnauthorizedOperation" in outcome.error.message
    assert result.failed


def test_throttling_is_retried_through_the_run_without_real_sleep():
    sleeps: list[float] = []
    began = time.monotonic()
    result = Ec2Collector().run(timeout=30, cassettes=CASSETTES / "throttled", sleep=sleeps.append)
    assert result.errors == []
    assert series(result, "ec2.instances.running") == {(E1,): 3}
    assert series(result, "ec2.volumes.unattached_size") == {(E1,): 600}
    assert len(sleeps) == 1  # one RequestLimitExceeded, one retry (DescribeInstances is fetched once per run)
    assert time.monotonic() - began < 5


def test_offline_ignores_a_configured_endpoint(monkeypatch):
    # An AWS_ENDPOINT_URL in the shell (LocalStack, moto) must not pull an offline run off its cassette.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = Ec2Collector().run(timeout=30, offline=True)
    assert result.errors == []
    assert series(result, "ec2.instances.running") == {(E1,): 3, (W2,): 0}


def test_one_client_per_region_is_shared_within_a_run():
    from toolkit.cassettes import load_replay
    from toolkit.model import RunContext, enter_run, leave_run

    context = RunContext(collector="ec2", deadline=time.monotonic() + 30, transport=None, offline=True)
    context.replay = load_replay(CASSETTES).transport()
    token = enter_run(context)
    try:
        assert ec2_metrics._client("us-east-1") is ec2_metrics._client("us-east-1")
        assert ec2_metrics._client("us-east-1") is not ec2_metrics._client("us-west-2")
    finally:
        leave_run(token)


def test_the_client_is_kept_for_later_runs_and_answers_only_inside_one():
    # building a boto3 client parses the service's model: a dashboard running ec2 again and again
    # paid it on every run, holding the GIL while a key waited to be repainted
    from toolkit.cassettes import load_replay
    from toolkit.errors import ReplayError
    from toolkit.model import RunContext, enter_run, leave_run

    clients = []
    for _ in range(2):
        context = RunContext(collector="ec2", deadline=time.monotonic() + 30, transport=None, offline=True)
        context.replay = load_replay(CASSETTES).transport()
        token = enter_run(context)
        try:
            clients.append(ec2_metrics._client("us-east-1"))
            assert len(ec2_metrics.unattached_volumes("us-east-1")) == 2  # answered by this run's replay
        finally:
            leave_run(token)
    assert clients[0] is clients[1]
    with pytest.raises(ReplayError, match="outside an offline run"):
        clients[0].describe_volumes()


def test_gpu_families():
    assert [t for t in ("p4d.24xlarge", "p6-b200.48xlarge", "g5.xlarge", "g4dn.xlarge", "gr6.4xlarge") if ec2_metrics.is_gpu(t)] == [
        "p4d.24xlarge", "p6-b200.48xlarge", "g5.xlarge", "g4dn.xlarge", "gr6.4xlarge"]
    assert not any(ec2_metrics.is_gpu(t) for t in ("t3.medium", "m8i.large", "c6g.xlarge", "r5a.large", "inf2.xlarge"))


def test_price_table_is_documented_and_sane():
    data = json.loads((ROOT / "collectors" / "ec2" / "prices.json").read_text())
    assert data["source"] and data["retrieved"]
    for region, prices in data["regions"].items():
        assert prices, region
        assert all(0 < p < 1000 for p in prices.values())


def test_cli_offline_json_subprocess():
    got = series_by_tags(offline_json("ec2"))
    assert got[("ec2.instances.running", (E1,))] == 3
    assert got[("ec2.volumes.unattached_size", (E1,))] == 600


# --- live, against moto's server mode (a real local EC2 API over HTTP) -------------------------


@pytest.fixture
def moto_ec2(moto_server, monkeypatch):
    import boto3
    import httpx

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("EC2_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("EC2_REGIONS", "us-east-1,us-west-2")
    httpx.post(f"{moto_server}/moto-api/reset")

    def client(region):
        return boto3.client("ec2", region_name=region, endpoint_url=moto_server,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    yield client
    httpx.post(f"{moto_server}/moto-api/reset")


def _ami(ec2) -> str:
    return ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def test_live_against_moto_server(moto_ec2):
    east, west = moto_ec2("us-east-1"), moto_ec2("us-west-2")
    ami = _ami(east)
    east.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="p4d.24xlarge",
                       InstanceMarketOptions={"MarketType": "spot"})
    east.run_instances(ImageId=ami, MinCount=2, MaxCount=2, InstanceType="g5.xlarge")
    unpriced = east.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.medium")["Instances"][0]
    stopped = east.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="g5.xlarge")["Instances"][0]
    east.stop_instances(InstanceIds=[stopped["InstanceId"]])
    east.create_volume(AvailabilityZone="us-east-1a", Size=500, VolumeType="gp3")
    east.create_volume(AvailabilityZone="us-east-1b", Size=100, VolumeType="gp2")
    attached = east.create_volume(AvailabilityZone=unpriced["Placement"]["AvailabilityZone"], Size=50)
    east.attach_volume(VolumeId=attached["VolumeId"], InstanceId=unpriced["InstanceId"], Device="/dev/sdf")
    west.run_instances(ImageId=_ami(west), MinCount=1, MaxCount=1, InstanceType="m8i.large")
    west.create_volume(AvailabilityZone="us-west-2a", Size=8)

    result = Ec2Collector().run(timeout=60)
    assert result.errors == [], result.errors
    assert series(result, "ec2.instances.running") == {(E1,): 4, (W2,): 1}  # the stopped g5 is left out
    assert series(result, "ec2.instances.by_type") == {
        (E1, "instance_type:p4d.24xlarge", "lifecycle:spot"): 1,
        (E1, "instance_type:g5.xlarge", "lifecycle:on-demand"): 2,
        (E1, "instance_type:t3.medium", "lifecycle:on-demand"): 1,
        (W2, "instance_type:m8i.large", "lifecycle:on-demand"): 1,
    }
    assert series(result, "ec2.instances.gpu") == {(E1,): 3, (W2,): 0}
    # moto's root volumes are attached, and so is the 50 GiB one: only the created free ones count
    assert series(result, "ec2.volumes.unattached") == {(E1,): 2, (W2,): 1}
    assert series(result, "ec2.volumes.unattached_size") == {(E1,): 600, (W2,): 8}
    cost = series(result, "ec2.cost.hourly_estimate")
    assert cost[(E1,)] == pytest.approx(21.957642 + 2 * 1.006)  # t3.medium is not in the table
    assert cost[(W2,)] == pytest.approx(0.10584)
    assert series(result, "ec2.cost.unpriced_instances") == {(E1,): 1, (W2,): 0}


def test_live_pagination_against_moto(moto_ec2, monkeypatch):
    # Small pages force several DescribeInstances calls through the paginator.
    monkeypatch.setattr(ec2_metrics, "INSTANCE_PAGE_SIZE", 5)
    monkeypatch.setenv("EC2_REGIONS", "us-east-1")
    east = moto_ec2("us-east-1")
    ami = _ami(east)
    for _ in range(3):
        east.run_instances(ImageId=ami, MinCount=4, MaxCount=4, InstanceType="g5.xlarge")
    result = Ec2Collector().run(timeout=60)
    assert series(result, "ec2.instances.running") == {(E1,): 12}
    assert series(result, "ec2.cost.hourly_estimate")[(E1,)] == pytest.approx(12 * 1.006)


def test_golden_series(golden):
    """Every series and error of the main offline run, against the reviewed tests/cassettes/ec2/golden.json."""
    golden(Ec2Collector())
