"""The monorepo's layering (README.md, "Packages"): no module imports a zerograd package its distribution does
not depend on (by ``import`` or by an ``importlib`` string), and no distribution depends, through
any extra, on one that depends on it. Reads every packages/*/pyproject.toml and src file."""

import ast
import re
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml on 3.10 needs tomli")

PACKAGES = Path(__file__).resolve().parents[2]
ZEROGRAD_NAME = re.compile(r"zerograd\.([a-z_]+)(\.[A-Za-z_.]+)?")
REQUIREMENT = re.compile(r"zerograd-([a-z]+(?:-[a-z]+)*)")  # zerograd-dezero-alias whole


def _projects():
    found = {}
    for pyproject in sorted(PACKAGES.glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        if not project["name"].startswith("zerograd-"):
            continue
        name = project["name"].removeprefix("zerograd-")
        extras = project.get("optional-dependencies", {})
        found[name] = {
            "requires": {m for d in project.get("dependencies", []) for m in REQUIREMENT.findall(d)},
            "extras": {m for deps in extras.values() for d in deps for m in REQUIREMENT.findall(d)},
            "folder": pyproject.parent,
        }
    return found


if not (PACKAGES / "core" / "pyproject.toml").exists():
    pytest.skip("needs the repository's packages/ beside these tests", allow_module_level=True)
PROJECTS = _projects()


def _closure(name, with_extras):
    """Every distribution ``name`` depends on, directly or not (through extras when asked)."""
    seen, todo = set(), [name]
    while todo:
        project = PROJECTS.get(todo.pop())
        if project is None:
            continue
        for dep in project["requires"] | (project["extras"] if with_extras else set()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def imported_packages(source):
    """The zerograd packages a module names in import statements and in string constants that
    are a module path (what importlib.import_module, runpy and pytest.importorskip take)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value] if ZEROGRAD_NAME.fullmatch(node.value) else []
        found |= {m.group(1) for n in names if (m := ZEROGRAD_NAME.match(n))}
    return found


def test_the_reader_finds_import_statements_and_importlib_strings():
    source = ("import zerograd.core\nfrom zerograd.nn import Layer\n"
              "x = importlib.import_module('zerograd.onnx')\ns = 'zerograd.vision and more'\n")
    assert imported_packages(source) == {"core", "nn", "onnx"}


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_no_module_imports_a_package_its_distribution_does_not_depend_on(name):
    allowed = {name} | _closure(name, with_extras=True)
    wrong = []
    for path in sorted((PROJECTS[name]["folder"] / "src").rglob("*.py")):
        for package in imported_packages(path.read_text()) - allowed:
            upward = name in _closure(package, with_extras=True)
            wrong.append(f"{path.relative_to(PACKAGES)} imports zerograd.{package}"
                         + (" (a package above it)" if upward else " (not a dependency)"))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_no_extra_depends_on_a_package_that_depends_on_this_one(name):
    cycles = [dep for dep in PROJECTS[name]["extras"] if name in _closure(dep, with_extras=True)]
    assert not cycles, f"zerograd-{name}'s extras bring {cycles}, which depend on zerograd-{name}"


def test_the_removed_cycle_would_be_caught():
    PROJECTS["vision"]["extras"].add("onnx")
    try:
        assert "vision" in _closure("onnx", with_extras=True)
    finally:
        PROJECTS["vision"]["extras"].discard("onnx")
