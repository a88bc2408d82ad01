"""``dd-toolkit new``: render the collector template into a project, all or nothing.

The template is rendered by copier into a temporary directory; nothing in the project is
touched until the names and answers are checked and the render succeeded. The files are then
moved into place and the Helm values entry is added; a failure on the way puts back what was
there before.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ScaffoldError
from ..model import is_valid_cron
from . import git as _git
from . import template as _template
from . import values as _helm_values
from . import values_edit as _values_edit
from .values import DEFAULT_SCHEDULE

AUTH_KINDS = {
    "token": ("token",),
    "api_key": ("api-key", "api-url"),
    "oauth": ("client-id", "client-secret", "access-token"),
    "aws": ("access-key-id", "secret-access-key"),
    "basic": ("username", "password"),
}
# The kinds sending one credential in a header, and so taking an --auth-scheme: how it is sent.
AUTH_SCHEME_KINDS = ("token", "api_key", "oauth")
DEFAULT_AUTH_SCHEME = "bearer"
AUTH_SCHEME_HINT = (
    "write bearer, an Authorization value with {token} where the credential goes "
    "(e.g. 'Token token={token}'), or a header line (e.g. 'X-API-Key: {token}')"
)
_HEADER_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):")
# A collector's name, exactly as the chart's values.schema.json `$defs.collectorName` has it (a test
# keeps them equal): a Python package name, a metric prefix and a Kubernetes label value at once.
NAME_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
NAME_MAX_LENGTH = 63
NAME_RE = re.compile(NAME_PATTERN)
CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# The path keeps to RFC 3986's path characters minus quotes: the URL is written into Python and
# YAML string literals, where a quote or a backslash would end or escape them.
URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%!$&()*+,;=:@/-]*)?$")
URL_HINT = "an http(s) URL without query, fragment, spaces, quotes or backslashes; e.g. https://api.example.com/v1"
# Names the project itself imports at the top level besides what is installed.
PROJECT_MODULES = frozenset({"toolkit", "collectors", "tests", "templates", "charts", "docs", "bench", "scripts", "fixtures", "conftest"})


def shadowed_modules() -> frozenset[str]:
    """Top-level module names a collector must not take: stdlib, installed packages, the project's."""
    from importlib.metadata import packages_distributions

    installed = {name.lower() for name in packages_distributions()}
    return frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names) | installed | PROJECT_MODULES


def check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise ScaffoldError(
            f"collector name {name!r} is not valid; use lowercase letters and digits, starting with a letter, "
            "words joined by single underscores (e.g. pagerduty or pager_duty)"
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ScaffoldError(
            f"collector name {name!r} is {len(name)} characters; pick another name of at most {NAME_MAX_LENGTH} "
            "(it is a Kubernetes label value)"
        )
    if keyword.iskeyword(name):
        raise ScaffoldError(f"collector name {name!r} is a Python keyword; pick another name (e.g. {name}_api)")
    if name in shadowed_modules():
        raise ScaffoldError(
            f"collector name {name!r} would shadow the module {name!r} that the project imports; "
            f"pick another name (e.g. {name}_service)"
        )


def check_answers(answers: dict) -> None:
    """The checks copier's Jinja validators cannot make (cron parsing), and the rest again."""
    service = str(answers.get("service_name", ""))
    if not service.strip() or any(ch in service for ch in '\n|"\\'):
        raise ScaffoldError(f"service name {service!r} must be one non-empty line without |, \" or \\")
    if answers.get("auth") not in AUTH_KINDS:
        raise ScaffoldError(f"auth {answers.get('auth')!r} is not one of {', '.join(AUTH_KINDS)}")
    check_auth_scheme(answers.get("auth"), answers.get("auth_scheme"))
    if not URL_RE.match(str(answers.get("base_url", ""))):
        raise ScaffoldError(f"base URL {answers.get('base_url')!r} is not {URL_HINT}")
    check_schedule(str(answers.get("schedule", "")))
    category = str(answers.get("metric_category", ""))
    if not CATEGORY_RE.match(category):
        raise ScaffoldError(f"metric category {category!r} must be lowercase letters, digits and underscores, starting with a letter (e.g. incidents)")


def auth_scheme_header(scheme: str) -> tuple[str, str]:
    """``--auth-scheme`` as (header name, value with ``{token}``), as the template's defs.jinja
    reads it; ScaffoldError names the fix."""
    if scheme.strip().lower() == DEFAULT_AUTH_SCHEME:
        return "Authorization", "Bearer {token}"
    match = _HEADER_LINE.match(scheme)
    name, value = (match.group(1), scheme[match.end():].strip()) if match else ("Authorization", scheme.strip())
    rest = value.replace("{token}", "", 1)
    if value.count("{token}") != 1 or any(ch in rest for ch in '{}"\\\n\r'):
        raise ScaffoldError(f"auth scheme {scheme!r} needs {{token}} exactly once and no other braces, quotes or backslashes; {AUTH_SCHEME_HINT}")
    if name.lower() == "authorization" and re.match(r"(?i)basic[ \t]", value):
        raise ScaffoldError(f"auth scheme {scheme!r} is HTTP basic auth; use --auth basic (secrets <name>/username and <name>/password)")
    return name, value


def check_auth_scheme(auth: object, scheme: object) -> None:
    if scheme is None:
        return
    if auth not in AUTH_SCHEME_KINDS:
        raise ScaffoldError(f"--auth-scheme applies to --auth {', '.join(AUTH_SCHEME_KINDS)}, not {auth}; leave it out")
    auth_scheme_header(str(scheme))


def check_schedule(schedule: str) -> None:
    if not is_valid_cron(schedule):
        raise ScaffoldError(f"schedule {schedule!r} is not a five-field cron expression; e.g. {DEFAULT_SCHEDULE!r} (every 15 minutes)")


@dataclass
class NewResult:
    root: Path
    name: str
    answers: dict
    files: list[Path] = field(default_factory=list)  # relative to root
    helm_added: bool = False
    values_path: Path | None = None
    template_dirty: bool = False
    template_commit: str | None = None
    backups: list[Path] = field(default_factory=list)  # --force: the user's versions of files it replaced


def collector_paths(root: Path, name: str) -> list[Path]:
    """What a collector named ``name`` occupies in a project."""
    return [root / "collectors" / name, root / "tests" / "collectors" / f"test_{name}.py", root / "tests" / "cassettes" / name]


def new_collector(
    root: Path,
    name: str,
    data: dict,
    *,
    force: bool = False,
    interactive: bool = False,
    template: Path | None = None,
) -> NewResult:
    """Generate collector ``name`` into the project at ``root``; raises ScaffoldError on refusal."""
    root = root.resolve()
    check_name(name)
    if not (root / "collectors" / "__init__.py").is_file():
        raise ScaffoldError(f"{root} has no collectors/__init__.py, so it is not a dd-toolkit project; pass the project's directory as --root")
    # one `new` at a time per project: the exists-check and the values entry cannot interleave
    with _values_edit.locked(root / _helm_values.VALUES_PATH):
        return _new_locked(root, name, data, interactive=interactive, force=force, template=template)


def _new_locked(root: Path, name: str, data: dict, *, interactive: bool, force: bool, template: Path | None) -> NewResult:
    existing = [p for p in collector_paths(root, name) if p.exists()]
    if existing and not force and _unfinished(root, name):
        force = True  # a `new` killed before its commit point (the values entry): finish it, edits kept as .bak
    if existing and not force:
        where = ", ".join(str(p.relative_to(root)) for p in existing)
        raise ScaffoldError(f"collector {name!r} already exists ({where}); pick another name or pass --force to regenerate it")
    check_values_file(root)
    template = template or _template.find_template(root)
    data = {k: v for k, v in data.items() if v is not None}
    data["collector_name"] = name
    check_given(data)
    # The project's own template is versioned by the project's git history; the installed toolkit's
    # (wherever it lives) by its content, with a copy kept in the project.
    commit, dirty = _git.version_of(template) if template.resolve().is_relative_to(root) else (None, False)
    with tempfile.TemporaryDirectory(prefix="dd-toolkit-new-") as tmp:
        rendered = Path(tmp) / "out"
        answers = render(template, rendered, data, interactive=interactive)
        if commit is None:  # the installed toolkit's template: versioned by content, a copy kept for `update`
            commit = _template.BUNDLE_PREFIX + _template.tree_digest(template)
            snapshot = _template.snapshot_path(root, "collector", commit)
            if not snapshot.is_dir():
                shutil.copytree(template, rendered / snapshot.relative_to(root), ignore=shutil.ignore_patterns("__pycache__"))
        check_answers(answers)
        src = template.resolve()
        src_path = src.relative_to(root).as_posix() if src.is_relative_to(root) else _template.BUNDLED_SRC.format(kind="collector")
        _template.write_answers(rendered / "collectors" / name / _template.ANSWERS_FILE, answers, commit=commit, src_path=src_path)
        fragment = (rendered / _template.HELM_FRAGMENT).read_text(encoding="utf-8")
        (rendered / _template.HELM_FRAGMENT).unlink()
        moves = plan_moves(rendered, root)
        values = root / _helm_values.VALUES_PATH
        check_inside(root, [dst for _, dst in moves] + [values])
        backups: list[Path] = []
        added = place(moves, lambda: _values_edit.add_entry(values, name, fragment), backups,
                      committed=lambda: _values_edit.read_entry(values, name) is not None)
    return NewResult(
        root, name, answers, [dst.relative_to(root) for _, dst in moves], added, values, dirty, commit,
        [b.relative_to(root) for b in backups],
    )


def _unfinished(root: Path, name: str) -> bool:
    """Files of a `new` that never reached its commit point: its answers file (placed first) is
    there, its values entry (added last) is not."""
    from .values import Values

    if not _template.answers_path(root, name).is_file():
        return False
    values = root / _helm_values.VALUES_PATH
    if not values.exists():
        return True  # `new` creates it with the entry: killed before that
    try:
        return Values.load(values).entry(name) is None
    except Exception:  # noqa: BLE001 - an unreadable values file is reported by the steps that need it
        return False


def check_values_file(root: Path) -> None:
    """A chart without its values file is a broken checkout, not a new project: writing a values
    file holding only ``collectors:`` there would drop image, datadog and defaults. A values file
    that is there is read as every command reads it (bounded, checked against the chart's schema),
    so a broken one is the same line, with the same line number, before anything is generated."""
    values = root / _helm_values.VALUES_PATH
    chart = root / _helm_values.CHART_PATH / "Chart.yaml"
    if values.is_file():
        _helm_values.Values.load(values, root / _helm_values.CHART_PATH)
    if not values.is_file() and chart.is_file():
        raise ScaffoldError(
            f"{chart.relative_to(root)} exists but {_helm_values.VALUES_PATH} does not; restore it "
            f"(e.g. git checkout -- {_helm_values.VALUES_PATH}) and run `dd-toolkit new` again"
        )


def check_given(data: dict) -> None:
    """Flags are checked before copier runs, so a bad one fails fast with our message."""
    if "schedule" in data:
        check_schedule(str(data["schedule"]))
    if "auth" in data and data["auth"] not in AUTH_KINDS:
        raise ScaffoldError(f"auth {data['auth']!r} is not one of {', '.join(AUTH_KINDS)}")
    check_auth_scheme(data.get("auth", "token"), data.get("auth_scheme"))
    if "base_url" in data and not URL_RE.match(str(data["base_url"])):
        raise ScaffoldError(f"base URL {data['base_url']!r} is not {URL_HINT}")


def render(template: Path, dst: Path, data: dict, *, interactive: bool) -> dict:
    """Run copier into ``dst`` and return the answers it rendered with."""
    import copier  # only `new` and `update` pay for copier's import

    try:
        copier.run_copy(
            str(template),
            str(dst),
            data=data,
            defaults=not interactive,
            quiet=True,
            overwrite=True,
            unsafe=False,
        )
    except KeyboardInterrupt:  # Ctrl-C at a prompt (copier's CopierAnswersInterrupt is one too)
        raise
    except (ValueError, copier.errors.CopierError) as exc:  # a validator refused a given answer
        raise ScaffoldError(f"the template refused an answer: {str(exc).strip().splitlines()[-1]}") from exc
    name = data["collector_name"]
    return _template.read_answers(dst / "collectors" / name / _template.ANSWERS_FILE)


def plan_moves(rendered: Path, root: Path) -> list[tuple[Path, Path]]:
    """Every rendered file's move, the collector's answers file first: after a SIGKILL part-way, it
    marks the files as an unfinished `new` (the values entry, added last, is the commit point)."""
    moves = [(src, root / src.relative_to(rendered)) for src in sorted(rendered.rglob("*")) if src.is_file()]
    return sorted(moves, key=lambda move: move[0].name != _template.ANSWERS_FILE)


def check_inside(root: Path, paths: list[Path]) -> None:
    """Refuse destinations that resolve outside the project (a symlinked directory, say)."""
    for path in paths:
        real = path.resolve()
        if not real.is_relative_to(root):
            raise ScaffoldError(
                f"{path.relative_to(root)} resolves to {real}, outside the project {root}; "
                "remove the symlink or run from the project that should hold the collector"
            )


def place(moves: list[tuple[Path, Path]], then, backups: list[Path] | None = None, committed=None) -> bool:
    """Move files into place and run ``then``; on any failure restore the previous state.

    ``committed`` says whether ``then`` got past its commit point (the values entry written): a
    signal that arrives after ``then`` wrote it (while the write syncs its directory, say) leaves
    the change in place instead of rolling the files back under an entry that now names them.

    A file that was there and differs from its replacement (an edit of the user's, under
    ``--force``) is kept beside it as ``<name>.bak`` and listed in ``backups``, never lost.
    """
    placed: list[tuple[Path, Path | None]] = []
    made_dirs: list[Path] = []
    may_commit = False  # `then` runs with its commit point still ahead
    try:
        for src, dst in moves:
            for parent in reversed(dst.parents):
                if not parent.exists():
                    parent.mkdir()
                    made_dirs.append(parent)
            backup = None
            if dst.exists():
                backup = dst.with_name(f".{dst.name}.dd-toolkit-backup")
                os.replace(dst, backup)
            placed.append((dst, backup))
            shutil.move(str(src), str(dst))
        may_commit = committed is not None and not committed()
        result = then()
    except BaseException:
        if may_commit and committed():
            _keep_backups(placed, backups)
            raise
        for dst, backup in reversed(placed):
            dst.unlink(missing_ok=True)
            if backup is not None:
                os.replace(backup, dst)
        for directory in reversed(made_dirs):
            try:
                directory.rmdir()
            except OSError:
                pass
        raise
    _keep_backups(placed, backups)
    return result


def _keep_backups(placed: list[tuple[Path, Path | None]], backups: list[Path] | None) -> None:
    for dst, backup in placed:
        if backup is None:
            continue
        if backups is not None and backup.read_bytes() != dst.read_bytes():
            kept = _free_name(dst.with_name(dst.name + ".bak"))
            os.replace(backup, kept)
            backups.append(kept)
        else:
            backup.unlink(missing_ok=True)


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def next_steps(result: NewResult) -> str:
    """The seed guide's checklist with what ``new`` did ticked."""
    name, root = result.name, result.root
    secrets = [f"{name}/{s}" for s in AUTH_KINDS[result.answers["auth"]]]
    values = result.values_path.relative_to(root) if result.values_path else _helm_values.VALUES_PATH
    helm = "added" if result.helm_added else "already there, left as it was"
    create = "; ".join(f"aws secretsmanager create-secret --name {s} --secret-string ..." for s in secrets)
    auth, scheme = result.answers["auth"] + " auth", result.answers.get("auth_scheme", DEFAULT_AUTH_SCHEME)
    if scheme.strip().lower() != DEFAULT_AUTH_SCHEME:
        auth += " sent as `{}: {}`".format(*auth_scheme_header(scheme))
    lines = [
        f"Created collector {name!r} ({auth}, schedule {result.answers['schedule']!r}):",
        *(f"  {path}" for path in result.files if path.parts[0] != ".dd-toolkit"),
        f"  {values}: collectors.{name} ({helm})",
        "",
        "Checklist:",
        f"  [x] Collector class created (collectors/{name}/collector.py)",
        f"  [x] Metrics defined (collectors/{name}/metrics.py): three examples; point them at the real endpoints",
        f"  [ ] Secrets added to AWS Secrets Manager: {create}",
        f"  [x] Helm values updated ({values})",
        f"  [x] Unit tests written (tests/collectors/test_{name}.py): pytest tests/collectors/test_{name}.py",
        f"  [ ] Tested locally (dry run): dd-toolkit run {name} --offline, then against the API: dd-toolkit run {name}"
        f" and dd-toolkit record {name}",
        f"  [x] README.md created (collectors/{name}/README.md; dd-toolkit docs {name} keeps its metrics table true)",
        "  [ ] Deployed to staging (if available): helm upgrade --install (dd-toolkit manual deploying)",
        "  [ ] Verified metrics in Datadog",
        f"  [ ] Datadog monitors created: dd-toolkit monitors {name} --apply",
        "  [ ] Documentation updated",
        f"Check it any time with: dd-toolkit doctor {name}",
    ]
    if result.backups:
        lines.append("--force replaced files you had changed; your versions are kept beside them: "
                     + ", ".join(str(p) for p in result.backups))
    if result.template_dirty:
        lines.append(
            "Note: templates/collector/ has uncommitted changes; the collector records the last committed version "
            f"({result.template_commit[:12]}) as its base for `dd-toolkit update`."
        )
    return "\n".join(lines)
