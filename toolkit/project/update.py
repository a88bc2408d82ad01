"""``dd-toolkit update``: pull template changes into generated files (a generated collector, and
an init'ed project's own files), keeping user edits.

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
from ..model import files, journal
from . import git as _git
from . import template as _template
from .git import git
from .init import (
    ANSWERS_FILE,
    SNAPSHOT,
    assemble_template,
    place_wheel,
    record_bundled_source,
    toolkit_requirement,
)
from .scaffold import collector_paths

OLD_TAG, NEW_TAG = "1.0.0", "2.0.0"
JOURNAL = Path(".dd-toolkit") / "journal.json"  # an update's commit point (toolkit.model.journal)
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
        return self.old == self.new and not self.changed  # the template, and the project's wheel


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
    if old.startswith(_template.BUNDLE_PREFIX) or not template.resolve().is_relative_to(root):
        return _update_from_snapshot(root, name, answers, old, template)
    top = _git.toplevel(template)
    new, dirty = _git.version_of(template)
    if top is None or new is None:
        raise TemplateError(f"{template} is not committed to a git repository; commit it so its versions can be compared")
    if dirty:
        raise TemplateError(f"{template} has uncommitted changes; commit them first so the collector can record the version it was updated to")
    _in_git(root)
    if old == new:  # nothing to merge, so no uncommitted change to refuse: an update not yet committed is up to date
        return UpdateResult(name, old, new)
    tracked = _tracked_files(root, name)
    if not tracked:
        raise TemplateError(f"collector {name!r} is not committed to git; commit it first so the update can be reviewed with `git diff`")
    rel = template.resolve().relative_to(top).as_posix()
    with tempfile.TemporaryDirectory(prefix="dd-toolkit-update-") as tmp:
        scratch = Path(tmp)
        template_repo = _template_repo(scratch / "template", top, rel, old, template)
        answers_rel = answers_file.relative_to(root)
        project = _project_repo(scratch / "project", root, tracked, answers_rel, answers, template_repo)
        _run_copier_update(project, str(answers_rel), repr(name))
        _template.write_answers(project / answers_file.relative_to(root), _template.read_answers(project / answers_file.relative_to(root)),
                                commit=new, src_path=str(answers.get("_src_path") or _template.TEMPLATE_RELPATH.as_posix()))
        return _copy_back(project, root, tracked, UpdateResult(name, old, new))


def _update_from_snapshot(root: Path, name: str, answers: dict, old: str, template: Path) -> UpdateResult:
    """A collector generated from an installed toolkit's template: merge from the copy kept in the project."""
    new = _template.BUNDLE_PREFIX + _template.tree_digest(template)
    _in_git(root)
    if old == new:
        return UpdateResult(name, old, new)
    tracked = _tracked_files(root, name)
    if not tracked:
        raise TemplateError(f"collector {name!r} is not committed to git; commit it first so the update can be reviewed with `git diff`")
    previous = _template.snapshot_path(root, "collector", old)
    if not previous.is_dir():
        raise TemplateError(
            f"{previous.relative_to(root)} (the template {name!r} was generated from) is missing; restore it from git, "
            f"or regenerate with `dd-toolkit new {name} --force` and re-apply your edits"
        )
    answers_rel = _template.answers_path(root, name).relative_to(root)
    with tempfile.TemporaryDirectory(prefix="dd-toolkit-update-") as tmp:
        scratch = Path(tmp)
        template_repo = _versions_repo(scratch / "template", previous, template)
        project = _project_repo(scratch / "project", root, tracked, answers_rel, answers, template_repo)
        _run_copier_update(project, str(answers_rel), name)
        _template.write_answers(project / answers_rel, _template.read_answers(project / answers_rel), commit=new,
                                src_path=_template.BUNDLED_SRC.format(kind="collector"))
        snapshot = _template.snapshot_path(root, "collector", new)
        kept = {} if snapshot.is_dir() else _tree_files(template, snapshot.relative_to(root))
        result = _copy_back(project, root, tracked, UpdateResult(name, old, new), also=kept)
    if kept:
        result.changed.append(snapshot.relative_to(root))
    return result


def update_project_files(root: Path) -> UpdateResult:
    """A project made by `dd-toolkit init`: its generated files up to the installed toolkit's template."""
    requirement = toolkit_requirement()
    data = {"toolkit_requirement": requirement.base, "toolkit_requirement_all": requirement.all, "toolkit_version": requirement.version}
    with tempfile.TemporaryDirectory(prefix="dd-toolkit-template-") as tmp:
        result = update_project(root, data, assemble_template(Path(tmp) / "template"))
    # the project's copy of a toolkit that is not on the index follows the installed one
    result.changed += place_wheel(requirement, root.resolve())
    return result


def update_project(root: Path, data: dict, template: Path) -> UpdateResult:
    """The project's own generated files (chart, Dockerfile, CI workflow, Makefile, ...) up to
    ``template`` (the installed toolkit's, assembled by ``init.assemble_template``), keeping edits."""
    root = root.resolve()
    answers_rel = ANSWERS_FILE
    if not (root / answers_rel).is_file():
        raise TemplateError(f"{root} has no {answers_rel}: it was not created by `dd-toolkit init`, so there are no project files to update")
    previous = root / SNAPSHOT
    if not previous.is_dir():
        raise TemplateError(f"{SNAPSHOT} (the template this project was created from) is missing; restore it from git")
    old, new = _template.tree_digest(previous), _template.tree_digest(template)
    if old == new:
        return UpdateResult("project", old, new)
    rendered = [p.relative_to(previous / "project") for p in (previous / "project").rglob("*") if p.is_file()]
    paths = [str(root / p) for p in rendered if not p.name.endswith(".jinja")] + [str(root / p.with_suffix("")) for p in rendered if p.name.endswith(".jinja")]
    tracked = _clean_tracked(root, [p for p in paths if "{{" not in p] + [str(root / answers_rel)], "the project's generated files have")
    answers = _template.read_answers(root / answers_rel)
    with tempfile.TemporaryDirectory(prefix="dd-toolkit-update-") as tmp:
        scratch = Path(tmp)
        template_repo = _versions_repo(scratch / "template", previous, template)
        project = _project_repo(scratch / "project", root, tracked, answers_rel, answers, template_repo, header=False)
        _run_copier_update(project, str(answers_rel), "the project files", data=data)
        record_bundled_source(project / answers_rel)
        # the snapshot the next update merges from changes with the files, in the same change
        kept = _tree_files(template, SNAPSHOT)
        stale = tuple(p.relative_to(root) for p in previous.rglob("*") if p.is_file() and p.relative_to(root) not in kept)
        return _copy_back(project, root, tracked, UpdateResult("project", old, new), also=kept, also_delete=stale)


def _tree_files(source: Path, under: Path) -> dict[Path, bytes]:
    """The files of the template ``source`` as they are copied into the project at ``under``."""
    return {under / p.relative_to(source): p.read_bytes() for p in sorted(source.rglob("*"))
            if p.is_file() and not {"__pycache__", ".git"} & set(p.relative_to(source).parts)}


def _versions_repo(repo: Path, old: Path, new: Path) -> Path:
    """A scratch git repository holding template ``old`` (tag 1.0.0) and ``new`` (tag 2.0.0)."""
    repo.mkdir(parents=True)
    _git.init(repo)
    shutil.copytree(old, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".git"))
    _git.commit_all(repo, "template before", OLD_TAG)
    _replace_tree(repo, new)
    _git.commit_all(repo, "template now", NEW_TAG)
    return repo


def _replace_tree(repo: Path, source: Path) -> None:
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(source, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".git"))


def _clean_tracked(root: Path, paths: list[str], what: str) -> list[Path]:
    """``paths`` as git tracks them; refuses when any of them has uncommitted changes."""
    top = _in_git(root)
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", *paths).strip()
    if status:
        raise TemplateError(
            f"{what} uncommitted changes ({status.splitlines()[0].strip()} ...); "
            "commit or stash them first so the update can be reviewed with `git diff`"
        )
    listed = git(root, "ls-files", "-z", "--full-name", "--", *paths).split("\0")
    return [(top / p).relative_to(root) for p in listed if p]


def _in_git(root: Path) -> Path:
    top = _git.toplevel(root)
    if top is None:
        raise TemplateError(f"{root} is not a git repository; `dd-toolkit update` merges through git, so commit the project first")
    return top


def _tracked_files(root: Path, name: str) -> list[Path]:
    """The collector's files as git knows them; refuses when any of them has uncommitted changes."""
    return _clean_tracked(root, [str(p) for p in collector_paths(root, name)], f"collector {name!r} has")


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
    _replace_tree(repo, current)
    _git.commit_all(repo, "template now", NEW_TAG)
    return repo


def _project_repo(repo: Path, root: Path, tracked: list[Path], answers_rel: Path, answers: dict, template_repo: Path,
                  *, header: bool = True) -> Path:
    """A scratch git repository holding ``tracked`` as committed, its answers pointing at ``template_repo``."""
    repo.mkdir(parents=True)
    _git.init(repo)
    for rel in tracked:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, repo / rel)
    if header:
        _template.write_answers(repo / answers_rel, answers, commit=OLD_TAG, src_path=str(template_repo))
    else:
        _write_plain_answers(repo / answers_rel, {**answers, "_commit": OLD_TAG, "_src_path": str(template_repo)})
    _git.commit_all(repo, "project as committed")
    return repo


def _write_plain_answers(path: Path, answers: dict) -> None:
    import yaml

    files.write_atomic(path, yaml.safe_dump(answers, sort_keys=False))


def _run_copier_update(project: Path, answers_file: str, what: str, data: dict | None = None) -> None:
    import copier  # only `new` and `update` pay for copier's import

    try:
        copier.run_update(
            str(project),
            answers_file=answers_file,
            data=data or {},
            vcs_ref=NEW_TAG,
            defaults=True,
            overwrite=True,
            skip_answered=True,
            quiet=True,
            conflict="inline",
            unsafe=False,
        )
    except copier.errors.CopierError as exc:
        raise TemplateError(f"copier could not update {what}: {exc}") from exc


def _files(base: Path) -> dict[Path, bytes]:
    return {
        p.relative_to(base): p.read_bytes()
        for p in base.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(base).parts and p.name != _template.HELM_FRAGMENT
    }


def _copy_back(project: Path, root: Path, tracked: list[Path], result: UpdateResult,
               also: dict[Path, bytes] | None = None, also_delete: tuple[Path, ...] = ()) -> UpdateResult:
    """Put the merged files (and ``also``: a template snapshot) into the project as one change
    through the journal: after a signal or SIGKILL at any moment the project holds the old files
    (with the answers file at the old version) or the new ones, never a mix."""
    after = _files(project)
    writes: dict[Path, bytes] = {}
    for rel, content in sorted(after.items()):
        target = root / rel
        if not target.exists() or target.read_bytes() != content:
            writes[rel] = content
            result.changed.append(rel)
        if rel.suffix == ".rej" or any(line.startswith(CONFLICT_MARK.encode()) for line in content.splitlines()):
            result.conflicts.append(rel)
    deletes = [rel for rel in tracked if rel not in after and (root / rel).exists()]
    result.removed += deletes
    for rel, content in (also or {}).items():
        target = root / rel
        if not target.exists() or target.read_bytes() != content:
            writes[rel] = content
    deletes += [rel for rel in also_delete if (root / rel).exists()]
    if writes or deletes:
        journal.replace_files(root, JOURNAL, writes, deletes)
    return result


def recover_interrupted(root: Path) -> str | None:
    """Finish (or undo) an ``update`` a killed process left half-way; what was done, as one line."""
    return journal.recover(root, JOURNAL)
