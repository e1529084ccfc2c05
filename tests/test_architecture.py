"""The shape of the package: docs/architecture.md matches the code, no module of ``ann``
reads another module's private names, and no module imports ``ann.network`` back."""

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ann"
DOC = (ROOT / "docs" / "architecture.md").read_text()
MODULES = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__")


def test_every_file_the_page_names_exists_and_every_module_is_named():
    named = set(re.findall(r"`ann/(\w+)\.py`", DOC))
    assert named, "the page names no file"
    assert named - {"__init__"} <= set(MODULES), sorted(named - set(MODULES))
    assert set(MODULES) <= named, f"modules missing from the page: {sorted(set(MODULES) - named)}"


NAMES = sorted(set(re.findall(r"`(\w+)\.([A-Za-z_]\w*)(?:\.(\w+))?`", DOC)))


def owner(name):
    """The object called ``name`` on the page: a module of ann, or a class of one."""
    if name in MODULES:
        return importlib.import_module(f"ann.{name}")
    found = [
        getattr(importlib.import_module(f"ann.{module}"), name)
        for module in MODULES
        if hasattr(importlib.import_module(f"ann.{module}"), name)
    ]
    assert found, f"{name} is neither a module of ann nor a name in one"
    return found[0]


@pytest.mark.parametrize("module, name, attribute", NAMES)
def test_every_name_the_page_gives_exists(module, name, attribute):
    value = getattr(owner(module), name)
    if attribute:
        assert hasattr(value, attribute), f"{module}.{name}.{attribute}"


def private_reads(path):
    """``(line, text)`` of every ``module.name`` with a leading underscore read from an
    ann module imported by ``path`` (``self._x`` and ``cls._x`` are the class's own)."""
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.ImportFrom) and node.module is None) or (
            isinstance(node, ast.ImportFrom) and node.level > 0
        ):
            imported |= {alias.asname or alias.name for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
        ):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            found += [
                (node.lineno, a.name)
                for a in node.names
                if a.name.startswith("_") and not a.name.startswith("__")
            ]
    return found


@pytest.mark.parametrize("module", MODULES)
def test_no_module_reads_another_modules_private_names(module):
    assert private_reads(PACKAGE / f"{module}.py") == []


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"network", "estimators", "export"}))
def test_only_the_models_and_the_exports_import_ann_network(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            assert node.module != "network", f"{module} imports network"
            assert "network" not in {alias.name for alias in node.names}, module


def test_no_function_is_longer_than_about_60_lines():
    long = []
    for module in MODULES:
        tree = ast.parse((PACKAGE / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 70:
                    long.append(f"{module}.{node.name}: {length} lines")
    assert long == []
