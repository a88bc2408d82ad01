"""EC2 collector: running instances (by type, lifecycle, GPU), unattached EBS volumes, hourly cost estimate."""
