"""``dd-toolkit new NAME [--service-name ...] [--auth ...] [--auth-scheme ...] [--base-url ...] [--schedule ...] [--defaults] [--force]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ExtraMissing
from ._common import EXIT_OK, recover_interrupted, rolled_back_on_signals

AUTH_CHOICES = ("token", "api_key", "oauth", "aws", "basic")  # kept in step with toolkit.project.AUTH_KINDS (a test checks)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="collector name: a lowercase identifier, e.g. pagerduty")
    parser.add_argument("--service-name", help="the service's display name (default: NAME titled)")
    parser.add_argument("--auth", choices=AUTH_CHOICES,
                        help="token (default), api_key (key + URL), oauth, aws (keys or IAM role), basic (username + password)")
    parser.add_argument(
        "--auth-scheme", metavar="SCHEME",
        help="how token/api_key/oauth send the credential: bearer (default, 'Authorization: Bearer ...'), "
             "an Authorization value with {token} for the credential ('Token token={token}'), "
             "or a header line ('X-API-Key: {token}')",
    )
    parser.add_argument("--base-url", help="base URL of the service's API")
    parser.add_argument("--schedule", help="cron schedule of the CronJob (default '*/15 * * * *')")
    parser.add_argument("--category", dest="metric_category", help="first metric category, e.g. incidents (default items)")
    parser.add_argument("--defaults", action="store_true", help="never prompt: take flags, then the template's defaults")
    parser.add_argument("--force", action="store_true", help="regenerate an existing collector's files")
    parser.add_argument("--root", type=Path, help="the project to write into (default: found from the current directory)")


def handle(args: argparse.Namespace) -> int:
    ExtraMissing.check("new", "scaffold", "copier", "ruamel.yaml")
    from ..project import Project, new_collector, next_steps

    # A CronJob or CI has no terminal: prompting there would hang, so only a TTY is asked.
    interactive = not args.defaults and sys.stdin.isatty()
    data = {
        "service_name": args.service_name,
        "auth": args.auth,
        "auth_scheme": args.auth_scheme,
        "base_url": args.base_url,
        "schedule": args.schedule,
        "metric_category": args.metric_category,
    }
    project = Project.at(args.root) if args.root else Project.find()
    recover_interrupted(project.root)
    with rolled_back_on_signals():
        result = new_collector(project.root, args.name, data, force=args.force, interactive=interactive)
    print(next_steps(result))
    return EXIT_OK
