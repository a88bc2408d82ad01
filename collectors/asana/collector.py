from toolkit import BaseCollector


class AsanaCollector(BaseCollector):
    """Collects task metrics from the Asana REST API.

    Metrics collected:
    - tasks: open, overdue, completed in 7 days, created in 7 days (per project)

    Requirements:
    - Secret: asana/access-token (personal access token or service-account token)
    - API access: read tasks and projects (OAuth scopes tasks:read, projects:read)
    """

    secrets = ("asana/access-token",)
    # per token: 150 a minute on a free domain, 1,500 on a paid one (developers.asana.com/docs/rate-limits;
    # docs/budgets.md). The free figure, so `cost --api` warns before either bites; a paid domain may raise it.
    rate_limits = {"asana/access-token": "150/minute"}
    config = {
        "ASANA_PROJECT_GIDS": "comma-separated project gids to measure",
        "ASANA_WORKSPACE_GID": "workspace gid: when ASANA_PROJECT_GIDS is empty, measure its non-archived projects",
        "ASANA_BASE_URL": "API base URL (default https://app.asana.com/api/1.0)",
    }
