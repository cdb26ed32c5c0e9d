"""Command-line interface: `flask --app course ...`."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import IO

import click
import flask_migrate
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.serving import run_simple

from course import content
from course.models import Role
from course.models.types import utcnow
from course.services import (
    ServiceError,
    accounts,
    catalogue,
    demo,
    enrolment,
    importer,
    learning,
    outbox,
    reviews,
    statements,
    studio,
)

user_cli = AppGroup("user", help="Manage accounts.")
content_cli = AppGroup("content", help="Check and import modules/ and quizzes/.")
engine_cli = AppGroup("engine", help="The progress engine: recompute states, fit parameters.")
demo_cli = AppGroup("demo", help="Demo accounts and cohort.")
xapi_cli = AppGroup(
    "xapi", help="xAPI statements: send them to the LRS, export them, see the queue."
)


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.TRAINEE.value,
    show_default=True,
)
@click.option("--username", default=None, help="Defaults to the part of the email before @.")
@click.password_option("--password", help="Prompted for when left out.")
def create_user(
    email: str, display_name: str, role: str, username: str | None, password: str
) -> None:
    """Create an account."""
    try:
        user = accounts.create_user(email, display_name, role, password, username)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role.value} {user.username} <{user.email}>.")


@user_cli.command("enrol")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Enrol; without it, only show the preview.")
@click.option(
    "--base-url",
    default="http://localhost:5000",
    show_default=True,
    help="The platform's address, for the set-password links.",
)
def enrol(csv_file: Path, apply_: bool, base_url: str) -> None:
    """Enrol trainees from a CSV (email,name,rank,cohort): preview every line, or --apply."""
    try:
        text = enrolment.decode(csv_file.read_bytes())
        checked = enrolment.plan(text)
        if checked.problem:
            raise click.ClickException(f"{csv_file}: {checked.problem}")
        for row in checked.rows:
            click.echo(
                f"{csv_file}:{row.line}: {row.email or '-'} -> {row.cohort or '-'}: {row.label}"
            )
        if not checked.valid:
            raise click.ClickException(enrolment.EnrolmentInvalid(checked).message)
        if not apply_:
            click.echo("Preview only: nothing written. Add --apply to enrol.")
            return
        done = enrolment.apply(text, actor=None)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(
        f"Enrolled: {checked.count('new')} new, {checked.count('join')} joined, "
        f"{checked.count('present')} already there."
    )
    for user, token in done.links:
        click.echo(f"{user.email}\t{base_url.rstrip('/')}/account/set-password/{token}")


@demo_cli.command("load")
@click.option("--reset-passwords", is_flag=True, help="Give existing demo accounts new passwords.")
def load_demo(reset_passwords: bool) -> None:
    """Create the demo accounts and cohort, and print each new password once."""
    print_logins(demo.load_demo(reset_passwords))


def print_logins(logins: list[demo.DemoLogin]) -> None:
    click.echo("Demo logins (each password is shown only once):")
    for login in logins:
        secret = (
            login.password or "(unchanged; use `flask --app course demo load --reset-passwords`)"
        )
        click.echo(f"  {login.role.label:<14} {login.email:<26} {secret}")


def _content_dir(directory: str | None) -> Path:
    return Path(directory or current_app.config["CONTENT_DIR"])


@content_cli.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def content_check(directory: str | None) -> None:
    """List every problem in DIRECTORY (default: the course's own); exit 1 if any."""
    root = _content_dir(directory)
    catalogue, problems = content.check(root)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(p.is_error for p in problems)
    if errors:
        raise click.ClickException(f"{errors} problem(s) in {root}.")
    warnings = f"{len(problems)} warning(s)" if problems else "no problems"
    click.echo(
        f"{root}: {len(catalogue.modules)} modules, {len(catalogue.quizzes)} quizzes, "
        f"{len(catalogue.competencies)} competencies - {warnings}."
    )


@content_cli.command("import")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--message", "-m", default="", help="Why: shown with each new version.")
def content_import(directory: str | None, message: str = "") -> None:
    """Validate DIRECTORY, then import what changed as new content versions."""
    root = _content_dir(directory)
    try:
        report = importer.import_folder(root, message=message)
    except importer.ContentInvalid as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(error.message) from error
    click.echo(
        f"Imported {root}: {len(report.created)} new, {len(report.updated)} changed, "
        f"{report.unchanged} unchanged, {len(report.retired)} retired"
        f"{', competencies changed' if report.competencies_changed else ''}."
    )


@content_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def content_export(directory: str) -> None:
    """Write the current course into DIRECTORY as modules/ and quizzes/ files."""
    root = Path(directory)
    written = studio.write_course(root)
    click.echo(f"Wrote {len(written)} files of the current course to {root}.")
    strays = studio.stray_files(root, written)
    if strays:
        click.echo(
            f"{len(strays)} file(s) there are not in the current course (retired, or never "
            "imported); importing the folder would bring them back: " + ", ".join(strays),
            err=True,
        )


@engine_cli.command("recompute")
@click.option(
    "--user", "emails", multiple=True, help="A trainee's email (repeatable); default: all."
)
def engine_recompute(emails: tuple[str, ...]) -> None:
    """Rebuild trainees' learner states from their recorded events."""
    try:
        ids = accounts.ids_for_emails(emails) if emails else None
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    count = learning.recompute(catalogue.current(), ids)
    click.echo(f"Recomputed the learner state of {count} trainee(s).")


@engine_cli.command("fit")
def engine_fit() -> None:
    """Fit each competency's parameters (EM) from recorded history and report the fit."""
    report = learning.fit(catalogue.current())
    if not report.fits:
        raise click.ClickException("No scenario evidence recorded yet: nothing to fit.")
    click.echo(report.summary())
    click.echo(
        "To adopt these values, copy them into `params:` in modules/competencies.yaml "
        "and run `flask --app course content import`."
    )


@xapi_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending until stopped (Ctrl+C or SIGTERM).")
@click.option("--interval", type=float, default=None, help="Seconds between runs with --loop.")
def xapi_send(loop: bool, interval: float | None) -> None:
    """Post queued statements to the configured LRS; exit 1 if a run failed (without --loop)."""
    lrs = statements.configured_lrs()
    if lrs is None:
        raise click.ClickException(
            "No LRS configured: set XAPI_LRS_ENDPOINT (and XAPI_LRS_USERNAME, XAPI_LRS_PASSWORD), "
            "or write the queue to a file with `xapi export`."
        )
    stop = threading.Event()
    if loop:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    wait = current_app.config["XAPI_SEND_INTERVAL"] if interval is None else interval
    while True:
        report = statements.send(lrs)
        if report.batches or not loop:
            _echo_report(report)
        if not loop:
            if report.failed:
                raise SystemExit(1)
            return
        try:
            if stop.wait(wait):
                return
        except KeyboardInterrupt:
            return


def _echo_report(report: outbox.Report) -> None:
    click.echo(
        f"Sent {report.sent} statement(s) in {report.batches} batch(es), {report.failed} failed."
    )
    for error in report.errors:
        click.echo(f"  {error}", err=True)


@xapi_cli.command("reviews")
def xapi_reviews() -> None:
    """Queue 'review due' for every review that fell due since the last sweep (run it hourly)."""
    count = reviews.sweep(catalogue.current(), utcnow())
    click.echo(f"Queued {count} review-due statement(s).")


@xapi_cli.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"))
@click.option("--all", "include_sent", is_flag=True, help="Sent statements too.")
def xapi_export(file: IO[str], include_sent: bool) -> None:
    """Write queued statements (unsent only, unless --all) to FILE as JSON lines ('-': stdout)."""
    count = outbox.export(statements.TOPIC, file, include_sent=include_sent)
    click.echo(f"Wrote {count} statement(s).", err=True)


@xapi_cli.command("status")
def xapi_status() -> None:
    """Count pending, failed and sent statements and show the last error."""
    queue = outbox.queue(statements.TOPIC)
    click.echo(f"pending {queue.pending} (failed at least once: {queue.failed}), sent {queue.sent}")
    if queue.last_error:
        click.echo(f"last error {queue.last_error_at:%Y-%m-%d %H:%M:%S} UTC: {queue.last_error}")


@click.command("quickstart")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--serve/--no-serve", default=True, help="Start the server afterwards.")
def quickstart(host: str, port: int, serve: bool) -> None:
    """Migrate the database, import the course, load demo accounts, and serve."""
    flask_migrate.upgrade()
    click.get_current_context().invoke(content_import, directory=None)
    print_logins(demo.load_demo())
    if serve:
        click.echo(f"\nCourse Platform is running at http://{host}:{port}/ (Ctrl+C to stop).")
        run_simple(host, port, current_app._get_current_object(), threaded=True)


def register(app: Flask) -> None:
    """Add the command groups to the app."""
    app.cli.add_command(user_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(engine_cli)
    app.cli.add_command(xapi_cli)
    app.cli.add_command(quickstart)
