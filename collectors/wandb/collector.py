from toolkit import BaseCollector


class WandbCollector(BaseCollector):
    """Collects run metrics for one W&B project from the public GraphQL API.

    Metrics collected:
    - runs: active (running) runs; runs created in the last 7 days that finished, crashed or
      failed; their average duration in hours

    Requirements:
    - Secret: wandb/api-key (a W&B API key with read access to the project; HTTP Basic ``api:<key>``)
    - API access: read-only GraphQL queries, one per page of 50 runs
    """

    secrets = ("wandb/api-key",)
    config = {
        "WANDB_ENTITY": "the team (entity) that owns the project, e.g. acme-ml (required)",
        "WANDB_PROJECT": "the project whose runs are counted, e.g. ml-training (required)",
        "WANDB_BASE_URL": "the W&B server (default https://api.wandb.ai; set it for dedicated or self-hosted servers)",
        "WANDB_PAGE_SIZE": "runs per GraphQL page (default 50, as the W&B SDK)",
    }
