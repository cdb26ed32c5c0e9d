"""course.engine is pure: it imports the standard library and itself, nothing else."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import course.engine

ENGINE_DIR = Path(course.engine.__file__).parent


def imported_roots(path: Path) -> set[str]:
    """Return the top-level names a module imports (course.engine kept whole)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return {n if n.startswith("course.engine") else n.split(".")[0] for n in found}


def test_engine_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    for path in ENGINE_DIR.glob("*.py"):
        for name in imported_roots(path):
            assert name in allowed or name.startswith("course.engine"), (
                f"{path.name} imports {name}"
            )
