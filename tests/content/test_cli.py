"""`python -m course.content check [DIR]`: every problem on its own line, and the exit code."""

from __future__ import annotations

import subprocess
import sys

from course.content.__main__ import main


def test_clean_folder_exits_0(content, capsys):
    assert main(["check", str(content.root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(": warning: " in line for line in lines[:-1])  # the assessment lint's advice
    assert lines[-1] == "OK (4 warning(s)): 1 tracks, 2 competencies, 2 modules, 3 quizzes"


def test_problems_are_listed_with_relative_paths_and_exit_1(content, capsys):
    content.replace("modules/sec-1.md", "level: 1", "level: 7")
    content.replace("quizzes/sec-1.yaml", "next: end-good", "next: end-bad")
    assert main(["check", str(content.root)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"modules/sec-1.md:{content.line('modules/sec-1.md', 'level: 7')}: "
        "level: the number 7 is not one of 1, 2, 3 - use one of 1, 2, 3"
    )
    assert lines[1].startswith(
        f"quizzes/sec-1.yaml:{content.line('quizzes/sec-1.yaml', 'end-bad')}: "
    )
    assert lines[2].startswith("2 problem(s) in 2 file(s); read 1 tracks, 2 competencies")


def test_empty_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 1
    assert (
        capsys.readouterr().out.splitlines()[-1]
        == "1 problem(s) in 1 file(s); read nothing could be read"
    )


def test_runs_as_a_module(content):
    result = subprocess.run(
        [sys.executable, "-m", "course.content", "check", str(content.root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout.splitlines()[-1]) == (
        0,
        "OK (4 warning(s)): 1 tracks, 2 competencies, 2 modules, 3 quizzes",
    )
