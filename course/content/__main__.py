"""Command line: `python -m course.content check [DIR]` lists every problem in a content folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.content.model import Catalogue, Problem
from course.content.validator import check


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (1 if any problem, else 0)."""
    arguments = _arguments().parse_args(argv)
    catalogue, problems = check(Path(arguments.dir))
    for problem in problems:
        print(problem)
    print(_summary(catalogue, problems))
    return 1 if problems else 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course.content")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("check", help="check a folder holding modules/ and quizzes/")
    command.add_argument("dir", nargs="?", default=".", help="the content folder (default: .)")
    return parser


def _summary(catalogue: Catalogue | None, problems: list[Problem]) -> str:
    counts = "nothing could be read"
    if catalogue is not None:
        counts = (
            f"{len(catalogue.tracks)} tracks, {len(catalogue.competencies)} competencies, "
            f"{len(catalogue.modules)} modules, {len(catalogue.quizzes)} quizzes"
        )
    if not problems:
        return f"OK: {counts}"
    files = len({problem.path for problem in problems})
    return f"{len(problems)} problem(s) in {files} file(s); read {counts}"


if __name__ == "__main__":
    sys.exit(main())
