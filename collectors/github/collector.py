"""The GitHub collector class; its metric functions are in ``metrics.py``."""

from toolkit import BaseCollector


class GithubCollector(BaseCollector):
    """Collects pull-request, issue and CI metrics from the GitHub REST API.

    Metrics collected:
    - Pull requests: open (per repository), merged in 7 days, median time to merge
    - Issues: open, pull requests excluded (per repository)
    - CI: failed workflow runs in 7 days (per repository), success rate over 7 days

    Requirements:
    - Secret: github/token (a token that can read the repositories' pull requests, issues
      and Actions)
    - Config: GITHUB_REPOSITORIES
    """

    secrets = ("github/token",)
    # a personal access token's primary limit (docs.github.com "Rate limits for the REST API";
    # docs/budgets.md): every collector sharing the token shares it
    rate_limits = {"github/token": "5000/hour"}
    config = {
        "GITHUB_REPOSITORIES": "comma-separated repositories to watch, as owner/name (required)",
        "GITHUB_API_URL": "the REST API's base URL (default https://api.github.com; GitHub Enterprise Server: https://HOST/api/v3)",
        "GITHUB_MAX_PAGES": "pages one listing may read before it is an error (default 100, 100 items a page)",
    }
