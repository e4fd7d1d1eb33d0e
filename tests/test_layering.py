"""The import structure: blueprints share helpers through views/common.py (and the small helper
modules beside it), never by importing one another; nothing outside views/ imports a view."""

import ast
from pathlib import Path

import pytest

import pointsys
from pointsys.views.common import ADMINS, STAFF, role_required

PACKAGE = Path(pointsys.__file__).resolve().parent
# views/ modules that hold no blueprint, for any blueprint to import.
VIEW_HELPERS = {"common", "safety", "ledger_forms", "household_forms", "hygiene", "forms"}
# entries and review add their pages to the ledger blueprint: they import it, it imports neither.
SAME_BLUEPRINT = {"entries": {"ledger"}, "review": {"ledger"}}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The pointsys modules a file imports (a `from X import name` counts X.name too)."""
    here = _module(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {m for m in found if m.startswith("pointsys")}


SOURCES = sorted(
    p for p in PACKAGE.rglob("*.py") if "migrations" not in p.relative_to(PACKAGE).parts
)


def test_no_module_outside_views_imports_a_view():
    """Only create_app (pointsys/__init__.py) registers the blueprints."""
    upward = {
        (_module(p), m)
        for p in SOURCES
        if p.relative_to(PACKAGE).parts[0] not in ("views", "__init__.py")
        for m in _imports(p)
        if m.startswith("pointsys.views")
    }
    assert upward == set()


def test_blueprints_import_helpers_not_each_other():
    borrowed = set()
    for path in (PACKAGE / "views").glob("*.py"):
        name = path.stem
        if name == "__init__":
            continue
        for module in _imports(path):
            if not module.startswith("pointsys.views."):
                continue
            other = module.split(".")[2]
            if other != name and other not in VIEW_HELPERS | SAME_BLUEPRINT.get(name, set()):
                borrowed.add((name, other))
    assert borrowed == set()


def test_role_required_takes_a_set_of_roles():
    assert role_required(STAFF) and role_required(ADMINS)
    # Role.ADMIN is a str: frozenset("admin") would silently let nobody in.
    for wrong in (pointsys.models.Role.ADMIN, (), ["admin"]):
        with pytest.raises(TypeError):
            role_required(wrong)
