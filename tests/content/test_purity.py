"""The pure packages (content, engine, xapi) import neither Flask nor SQLAlchemy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[2] / "course"
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "werkzeug", "alembic")
SOURCES = [
    path
    for pure in ("content", "engine", "xapi")
    for path in sorted((PACKAGES / pure).rglob("*.py"))
]


def imported_modules(path: Path) -> set[str]:
    """Return every module an import statement in the file names (at any depth in the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def is_forbidden(module: str) -> bool:
    """Tell whether a module name belongs to the web or database stack."""
    top = module.split(".")[0]
    return any(top == name or (name.endswith("_") and top.startswith(name)) for name in FORBIDDEN)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(PACKAGES)))
def test_no_web_or_database_imports(path):
    bad = sorted(module for module in imported_modules(path) if is_forbidden(module))
    assert bad == [], f"{path.relative_to(PACKAGES)} imports {bad}"


def test_the_check_itself_catches_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import flask\nfrom flask_login import x\ndef f():\n    import sqlalchemy.orm\n"
    )
    found = {module for module in imported_modules(sample) if is_forbidden(module)}
    assert found == {"flask", "flask_login", "sqlalchemy.orm"}


def test_there_are_sources_to_check():
    assert any(path.name == "parser.py" for path in SOURCES)
    assert any(path.name == "validate.py" for path in SOURCES)
