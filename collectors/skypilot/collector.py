from toolkit import BaseCollector


class SkypilotCollector(BaseCollector):
    """Collects metrics from a SkyPilot API server (REST, SkyPilot 0.14 / API version 62).

    Metrics collected:
    - clusters: clusters by status, GPUs in use by accelerator type
    - jobs: managed jobs running / pending / recovering, finished in 7 days by outcome,
      average duration and recoveries over 7 days
    - cost: estimated compute cost over 7 days from the cost report (USD)

    Requirements:
    - Secret: skypilot/api-url (the API server endpoint, e.g. https://skypilot.example.com)
    - Secret: skypilot/token (a service-account token, ``sky_...``, sent as a bearer token)
    - API access: read-only calls (status, jobs queue, cost report); 3 queries, 6 HTTP calls per run
    """

    secrets = ("skypilot/api-url", "skypilot/token")
    config = {}
