"""Command line: `python -m course.content check [DIR]` lists every problem in a content folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.content import lint
from course.content.model import Catalogue, Problem
from course.content.validator import check


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (1 if any problem, else 0)."""
    arguments = _arguments().parse_args(argv)
    catalogue, problems = check(Path(arguments.dir))
    if arguments.command == "lint":
        return _lint(catalogue, problems, arguments.files)
    for problem in problems:
        print(problem)
    print(_summary(catalogue, problems))
    return 1 if any(p.is_error for p in problems) else 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course.content")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("check", help="check a folder holding modules/ and quizzes/")
    command.add_argument("dir", nargs="?", default=".", help="the content folder (default: .)")
    command = commands.add_parser("lint", help="assessment lint and surface-strategy figures")
    command.add_argument("files", nargs="*", help="only these quiz files (quizzes/x.yaml)")
    command.add_argument("--dir", default=".", help="the content folder (default: .)")
    return parser


def _lint(catalogue: Catalogue | None, problems: list[Problem], files: list[str]) -> int:
    """Print the problems of some quiz files and the course-wide surface figures."""
    shown = [p for p in problems if not files or p.path in files]
    for problem in shown:
        print(problem)
    if catalogue is None:
        return 1
    figures = lint.report(catalogue)
    print(f"surface strategies passing scored quizzes (of {figures.quizzes}): {figures.passed_by}")
    print(
        f"best choice strictly longest at {figures.best_longest} of {figures.decisions} "
        f"decision points ({figures.best_longest_share:.0%})"
    )
    return 1 if any(p.is_error for p in shown) else 0


def _summary(catalogue: Catalogue | None, problems: list[Problem]) -> str:
    counts = "nothing could be read"
    if catalogue is not None:
        counts = (
            f"{len(catalogue.tracks)} tracks, {len(catalogue.competencies)} competencies, "
            f"{len(catalogue.modules)} modules, {len(catalogue.quizzes)} quizzes"
        )
    errors = [problem for problem in problems if problem.is_error]
    warned = f" ({len(problems) - len(errors)} warning(s))" if len(problems) > len(errors) else ""
    if not errors:
        return f"OK{warned}: {counts}"
    files = len({problem.path for problem in errors})
    return f"{len(errors)} problem(s) in {files} file(s){warned}; read {counts}"


if __name__ == "__main__":
    sys.exit(main())
