"""SkyPilot collector: clusters, managed jobs, GPUs in use and cost, read from the team's API server."""
