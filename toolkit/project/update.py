"""``dd-toolkit update``: pull template changes into a generated collector, keeping user edits.

Copier's own ``copier update`` cannot work here: the template is a subfolder of the repository
it renders into, so copier records no ``_commit`` and refuses ("cannot obtain old template
references"). ``dd-toolkit new`` records the commit that last changed the template instead,
and this module rebuilds what copier needs in a scratch directory:

1. a git repository holding the template as it was at that commit (tag ``1.0.0``) and as it
   is now (tag ``2.0.0``), each at the repository's root;
2. a git repository holding only the collector's tracked files, its answers pointing at (1);

then runs ``copier update`` there (a real three-way merge: the user's edits are re-applied on
top of the new render, conflicts marked inline) and copies the result back into the project,
with the answers file recording the new template commit.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TemplateError
from . import git as _git
from . import template as _template
from .git import git
from .scaffold import collector_paths

OLD_TAG, NEW_TAG = "1.0.0", "2.0.0"
CONFLICT_MARK = "<<<<<<< "


@dataclass
class UpdateResult:
    name: str
    old: str
    new: str
    changed: list[Path] = field(default_factory=list)  # relative to the project root
    removed: list[Path] = field(default_factory=list)
    conflicts: list[Path] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return self.old == self.new


def update_collector(root: Path, name: str) -> UpdateResult:
    root = root.resolve()
    answers_file = _template.answers_path(root, name)
    answers = _template.read_answers(answers_file)
    old = answers.get("_commit")
    if not old:
        raise TemplateError(
            f"{answers_file.relative_to(root)} records no template version (it was generated outside git); "
            f"commit the project, then regenerate with `dd-toolkit new {name} --force` and re-apply your edits"
        )
    template = _template.find_template(root)
    top = _git.toplevel(template)
    new, dirty = _git.version_of(template)
    if top is None or new is None:
        raise TemplateError(f"{template} is not committed to a git repository; commit it so its versions can be compared")
    if dirty:
        raise TemplateError(f"{template} has uncommitted changes; commit them first so the collector can record the version it was updated to")
    tracked = _tracked_files(root, name)
    if not tracked:
        raise TemplateError(f"collector {name!r} is not committed to git; commit it first so the update can be reviewed with `git diff`")
    if old == new:
        return UpdateResult(name, old, new)
    rel = template.resolve().relative_to(top).as_posix()
    with tempfile.TemporaryDirectory(prefix="dd-toolkit-update-") as tmp:
        scratch = Path(tmp)
        template_repo = _template_repo(scratch / "template", top, rel, old, template)
        project = _project_repo(scratch / "project", root, tracked, answers, template_repo)
        _run_copier_update(project, name)
        _template.write_answers(project / answers_file.relative_to(root), _template.read_answers(project / answers_file.relative_to(root)),
                                commit=new, src_path=str(answers.get("_src_path") or _template.TEMPLATE_RELPATH.as_posix()))
        return _copy_back(project, root, tracked, UpdateResult(name, old, new))


def _tracked_files(root: Path, name: str) -> list[Path]:
    """The collector's files as git knows them; refuses when any of them has uncommitted changes."""
    top = _git.toplevel(root)
    if top is None:
        raise TemplateError(f"{root} is not a git repository; `dd-toolkit update` merges through git, so commit the project first")
    paths = [str(p) for p in collector_paths(root, name)]
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", *paths).strip()
    if status:
        raise TemplateError(
            f"collector {name!r} has uncommitted changes ({status.splitlines()[0].strip()} ...); "
            "commit or stash them first so the update can be reviewed with `git diff`"
        )
    listed = git(root, "ls-files", "-z", "--full-name", "--", *paths).split("\0")
    return [(top / p).relative_to(root) for p in listed if p]


def _template_repo(repo: Path, top: Path, rel: str, old: str, current: Path) -> Path:
    repo.mkdir(parents=True)
    _git.init(repo)
    archive = _git.archive(top, old, rel)
    prefix = rel.rstrip("/") + "/"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not member.name.startswith(prefix) or not (member.isfile() or member.isdir()):
                continue
            member.name = member.name[len(prefix):]
            tar.extract(member, repo, filter="data")
    _git.commit_all(repo, f"template at {old}", OLD_TAG)
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(current, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".git"))
    _git.commit_all(repo, "template now", NEW_TAG)
    return repo


def _project_repo(repo: Path, root: Path, tracked: list[Path], answers: dict, template_repo: Path) -> Path:
    repo.mkdir(parents=True)
    _git.init(repo)
    for rel in tracked:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, repo / rel)
    name = answers["collector_name"]
    answers_rel = _template.answers_path(root, name).relative_to(root)
    _template.write_answers(repo / answers_rel, answers, commit=OLD_TAG, src_path=str(template_repo))
    _git.commit_all(repo, "collector as committed")
    return repo


def _run_copier_update(project: Path, name: str) -> None:
    import copier  # only `new` and `update` pay for copier's import

    try:
        copier.run_update(
            str(project),
            answers_file=f"collectors/{name}/{_template.ANSWERS_FILE}",
            vcs_ref=NEW_TAG,
            defaults=True,
            overwrite=True,
            skip_answered=True,
            quiet=True,
            conflict="inline",
            unsafe=False,
        )
    except copier.errors.CopierError as exc:
        raise TemplateError(f"copier could not update {name!r}: {exc}") from exc


def _files(base: Path) -> dict[Path, bytes]:
    return {
        p.relative_to(base): p.read_bytes()
        for p in base.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(base).parts and p.name != _template.HELM_FRAGMENT
    }


def _copy_back(project: Path, root: Path, tracked: list[Path], result: UpdateResult) -> UpdateResult:
    after = _files(project)
    for rel, content in sorted(after.items()):
        target = root / rel
        if not target.exists() or target.read_bytes() != content:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            result.changed.append(rel)
        if rel.suffix == ".rej" or any(line.startswith(CONFLICT_MARK.encode()) for line in content.splitlines()):
            result.conflicts.append(rel)
    for rel in tracked:
        if rel not in after and (root / rel).exists():
            (root / rel).unlink()
            result.removed.append(rel)
    return result
