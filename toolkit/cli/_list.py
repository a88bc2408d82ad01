"""``dd-toolkit list``."""

from __future__ import annotations

import argparse
import json

from ._common import EXIT_FAILED, EXIT_OK, project_root, stdout_console


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON array instead of a table")


def handle(args: argparse.Namespace) -> int:
    from ..engine import describe, discover

    rows = []
    for name, ref in discover(project_root()).items():
        described = describe(ref)
        if described.error is not None:
            rows.append({"name": name, "origin": ref.origin, "error": f"{described.error.type}: {described.error.message}"})
        else:
            rows.append({"name": name, "origin": ref.origin, "metrics": len(described.specs), "secrets": list(described.secrets)})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        from rich.table import Table

        table = Table("collector", "metrics", "secrets needed", "origin", box=None)
        for row in rows:
            if "error" in row:
                table.add_row(row["name"], "[red]failed to load[/]", f"[red]{row['error']}[/]", row["origin"])
            else:
                table.add_row(row["name"], str(row["metrics"]), ", ".join(row["secrets"]) or "-", row["origin"])
        stdout_console().print(table)
    return EXIT_FAILED if any("error" in r for r in rows) else EXIT_OK
