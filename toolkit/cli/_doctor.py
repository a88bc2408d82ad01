"""``dd-toolkit doctor NAME [--secrets]``: the new-collector checklist, checked."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import EXIT_FAILED, EXIT_OK, recover_interrupted


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the collector to check")
    parser.add_argument("--secrets", action="store_true", help="also check that its secrets resolve (values are never shown)")
    parser.add_argument("--root", type=Path, help="project root for collectors installed from elsewhere (default: current directory)")


def handle(args: argparse.Namespace) -> int:
    from ..engine import resolve
    from ..project import MISSING, Project, diagnose, format_checks

    project = Project.at(args.root) if args.root else Project.find()
    recover_interrupted(project.root)  # so it checks the files as they are meant to be
    (ref,) = resolve([args.name], project.root)
    root, checks = diagnose(ref, project, secrets=args.secrets)
    print(format_checks(ref.name, root, checks))
    return EXIT_FAILED if any(c.status == MISSING for c in checks) else EXIT_OK
