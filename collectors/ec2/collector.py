from toolkit import BaseCollector


class Ec2Collector(BaseCollector):
    """Collects fleet metrics from Amazon EC2 with boto3.

    Metrics collected:
    - instances: running, by instance type and lifecycle (spot / on-demand), GPU instances
    - volumes: unattached EBS volumes and their size
    - cost: estimated hourly cost of running instances from the shipped price table

    Requirements:
    - AWS credentials from boto3's default chain (IAM role / IRSA, or AWS_ACCESS_KEY_ID and
      AWS_SECRET_ACCESS_KEY); no toolkit secrets
    - IAM: ec2:DescribeInstances, ec2:DescribeVolumes (read-only)
    """

    secrets = ()
    config = {
        "EC2_REGIONS": "comma-separated AWS regions to scan (default us-east-1)",
        "EC2_ENDPOINT_URL": "optional EC2 endpoint override, e.g. a moto server or a VPC endpoint",
    }
    # Tells `dd-toolkit record` to resolve AWS credentials before it starts recording.
    aws_services = ("ec2",)
