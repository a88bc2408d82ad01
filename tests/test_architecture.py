"""The layers of docs/architecture.md, held: import-linter's contracts, exports-only imports
across subpackages, the top level of the package, and the public API's one list of names."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from realtools import ROOT

import toolkit
from toolkit.errors import ToolkitError

PACKAGE = ROOT / "toolkit"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_layer_contracts_hold():
    done = lint_imports(ROOT, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "probe, source, broken",
    [
        ("model/_probe.py", "from toolkit.engine import collect\n", "layers"),  # a lower layer importing a higher one
        ("datadog/_probe.py", "from toolkit.project import Project\n", "layers"),  # siblings
        ("cli/_probe.py", "import textual\n", "only tui imports textual"),
        ("engine/_probe.py", "def f():\n    import copier\n", "only project imports copier"),
    ],
)
def test_a_violation_breaks_a_contract(tmp_path, probe, source, broken):
    """A throwaway copy of the package with one bad module: lint-imports must refuse it."""
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "toolkit", ignore=shutil.ignore_patterns("__pycache__"))
    (src / "toolkit" / probe).write_text(source)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (tmp_path / ".importlinter").write_text(_ini(config))
    done = lint_imports(tmp_path, src)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 broken" in done.stdout and broken in done.stdout, done.stdout
    assert f"toolkit.{probe[:-3].replace('/', '.')}" in done.stdout


def _ini(config: dict) -> str:
    """pyproject's [tool.importlinter] as the .importlinter INI file lint-imports reads first."""
    lines = ["[importlinter]", f"root_package = {config['root_package']}", "include_external_packages = True"]
    for i, contract in enumerate(config["contracts"]):
        lines.append(f"\n[importlinter:contract:{i}]")
        for key, value in contract.items():
            if isinstance(value, list):
                lines.append(f"{key} =" + "".join(f"\n    {v}" for v in value))
            else:
                lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def test_the_top_level_holds_only_the_api_the_errors_and_the_version():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert modules == ["__init__.py", "_version.py", "errors.py"]
    layers = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert layers == ["cassettes", "cli", "datadog", "engine", "model", "project", "sources", "testing", "tui"]


def _imports_across_packages(package: Path = PACKAGE):
    """(importing module, target module, names) for every import of another subpackage."""
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        package_parts = rel.parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                target = node.module or ""
            parts = target.split(".")
            if parts[0] != "toolkit" or len(parts) < 2 or parts[1] in ("errors", "_version"):
                continue
            if len(rel.parts) < 3 or rel.parts[1] == parts[1]:
                continue  # the public API itself, or within one subpackage: free
            yield module, target, [alias.name for alias in node.names]


def export_problems(package: Path = PACKAGE) -> list[str]:
    problems = []
    for module, target, names in _imports_across_packages(package):
        subpackage = ".".join(target.split(".")[:2])
        if target != subpackage:
            problems.append(f"{module} imports from {target}: import from {subpackage} (its __init__) instead")
            continue
        exported = set(__import__(subpackage, fromlist=["__all__"]).__all__)
        problems += [f"{module} imports {name} from {subpackage}, which does not export it" for name in names if name not in exported]
    return problems


def test_across_subpackages_only_exported_names_are_imported():
    assert export_problems() == []


def test_the_exports_check_sees_a_private_import(tmp_path):
    copy = tmp_path / "toolkit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "cli" / "_probe.py").write_text("from ..engine.pool import Pool\nfrom ..engine import _private_thing\n")
    assert export_problems(copy) == [
        "toolkit.cli._probe imports from toolkit.engine.pool: import from toolkit.engine (its __init__) instead",
        "toolkit.cli._probe imports _private_thing from toolkit.engine, which does not export it",
    ]


def test_the_public_names_are_written_once():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    checked = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    typed = {alias.asname or alias.name for node in checked.body for alias in node.names}
    assert typed == set(toolkit._EXPORTS) == set(toolkit.__all__)
    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None


def test_every_exported_exception_derives_from_toolkit_error():
    exceptions = [getattr(toolkit, n) for n in toolkit.__all__ if isinstance(getattr(toolkit, n), type) and issubclass(getattr(toolkit, n), BaseException)]
    assert len(exceptions) >= 15
    assert all(issubclass(e, ToolkitError) for e in exceptions), [e for e in exceptions if not issubclass(e, ToolkitError)]
    assert {e.__module__ for e in exceptions} == {"toolkit"}  # shown as toolkit.X


def test_no_exception_class_outside_the_tree():
    """Every exception class the package defines derives from ToolkitError (private helpers excepted)."""
    import importlib
    import pkgutil

    problems, seen = [], 0
    for info in pkgutil.walk_packages(toolkit.__path__, "toolkit."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ in (module.__name__, "toolkit"):
                seen += 1
                if not name.startswith("_") and not issubclass(value, ToolkitError):
                    problems.append(f"{info.name}.{name}")
    assert seen >= 20 and not problems, problems
