"""GitHub collector: pull requests, issues and Actions CI of the configured repositories."""
