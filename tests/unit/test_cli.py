"""Command-line account management."""

from __future__ import annotations

from sqlalchemy import func, select

from course.extensions import db
from course.models import Cohort, Role, User


def test_user_create(runner, ctx):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "A B",
            "--role",
            "instructor",
            "--password",
            "long enough pw",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created instructor a <a@example.org>" in result.output
    assert (
        db.session.scalar(select(User.role).where(User.email == "a@example.org")) is Role.INSTRUCTOR
    )


def test_user_create_prompts_for_password(runner, ctx):
    result = runner.invoke(
        args=["user", "create", "--email", "p@example.org", "--name", "P"],
        input="prompted secret\nprompted secret\n",
    )
    assert result.exit_code == 0, result.output


def test_user_create_refuses_bad_input(runner, ctx):
    short = runner.invoke(
        args=["user", "create", "--email", "s@example.org", "--name", "S", "--password", "short"]
    )
    assert short.exit_code == 1 and "Use at least 12 characters." in short.output
    runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "d@example.org",
            "--name",
            "D",
            "--password",
            "long enough pw",
        ]
    )
    dup = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "D@example.org",
            "--name",
            "D",
            "--password",
            "long enough pw",
        ]
    )
    assert dup.exit_code == 1 and "already exists" in dup.output
    role = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "r@example.org",
            "--name",
            "R",
            "--role",
            "general",
            "--password",
            "long enough pw",
        ]
    )
    assert role.exit_code == 2


def test_demo_load_prints_passwords_once_and_is_idempotent(runner, ctx):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0
    assert first.output.count("@example.org") == 6
    assert "(unchanged" not in first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.output.count("(unchanged") == 6
    assert db.session.scalar(select(func.count()).select_from(User)) == 6
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 1
