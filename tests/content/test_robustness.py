"""The checker never raises on bad content: any mangled file gives problems with lines and fixes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course.content import check
from tests.content.conftest import FILES

NOISE = st.sampled_from(
    ["", "  ", "-", "- x", ":", "a: b: c", "[", "{", "}", "&a", "*a", "!!python/object:os.system",
     "\t", "---", "...", "yes", "1.5", "next: nowhere", "type: decision", "- id: a", "'", '"', "|",
     "competency: x", "weight: 2", "::: warning", "# h1", "\x00", "\ufeff"]
) | st.text(max_size=12)  # fmt: skip


@st.composite
def mangled(draw, path: str) -> str:
    """Return a file of the valid folder with a few lines dropped, repeated or replaced."""
    lines = FILES[path].split("\n")
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "replace", "append"]))
        if action == "drop":
            del lines[index]
        elif action == "repeat":
            lines.insert(index, lines[index])
        elif action == "replace":
            lines[index] = draw(NOISE)
        else:
            lines[index] += draw(NOISE)
    return "\n".join(lines)


def check_with(path: str, text: str) -> list:
    """Check the valid folder with one file replaced."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, original in FILES.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text if name == path else original, encoding="utf-8")
        return check(root)[1]


PATHS = st.sampled_from(sorted(FILES))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_files_give_problems_not_exceptions(data):
    path = data.draw(PATHS)
    for problem in check_with(path, data.draw(mangled(path))):
        assert problem.line >= 1
        assert problem.message and problem.fix
        assert str(problem).startswith(f"{problem.path}:{problem.line}: ")
