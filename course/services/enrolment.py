"""Enrol many trainees from a CSV: preview every row, then apply all of it or nothing."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from course.extensions import db
from course.models import Cohort, CohortMember, Role, User
from course.services import ServiceError, accounts, audit, links

MAX_ROWS = 10_000
COLUMNS = ("email", "name", "rank", "cohort")
# Headers accepted for each column, compared without case or surrounding spaces.
HEADERS = {
    "email": "email",
    "e-mail": "email",
    "name": "name",
    "full name": "name",
    "rank": "rank",
    "title": "rank",
    "rank or title": "rank",
    "cohort": "cohort",
}

NEW, JOIN, PRESENT, INVALID = "new", "join", "present", "invalid"
LABELS = {
    NEW: "new account, joins the cohort",
    JOIN: "existing account, joins the cohort",
    PRESENT: "already there: no change",
    INVALID: "invalid",
}


@dataclass(frozen=True)
class Row:
    """One line of the file and what applying it would do."""

    line: int
    email: str
    name: str
    rank: str
    cohort: str
    status: str
    reason: str = ""

    @property
    def label(self) -> str:
        return f"{LABELS[self.status]}: {self.reason}" if self.reason else LABELS[self.status]


@dataclass(frozen=True)
class Plan:
    """Every row of a file, the cohorts it would create, and whether it can be applied."""

    rows: tuple[Row, ...]
    new_cohorts: tuple[str, ...]
    problem: str = ""  # a fault of the whole file (no header, not UTF-8...)

    @property
    def valid(self) -> bool:
        return not self.problem and bool(self.rows) and all(r.status != INVALID for r in self.rows)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    @property
    def changes(self) -> bool:
        return any(r.status in (NEW, JOIN) for r in self.rows)


@dataclass(frozen=True)
class Enrolled:
    """What applying a plan did: the new accounts with their one-time set-password tokens."""

    plan: Plan
    links: tuple[tuple[User, str], ...]


class EnrolmentInvalid(ServiceError):
    """The file has invalid rows; nothing was written."""

    def __init__(self, plan: Plan) -> None:
        bad = [r for r in plan.rows if r.status == INVALID]
        where = ", ".join(str(r.line) for r in bad[:10]) + (" ..." if len(bad) > 10 else "")
        super().__init__(
            plan.problem or f"{len(bad)} invalid row(s) (line {where}); nothing was enrolled."
        )
        self.plan = plan


def decode(data: bytes) -> str:
    """Read an uploaded file as UTF-8 text (a byte-order mark is allowed)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ServiceError(
            f"The file is not UTF-8 text (byte {error.start + 1}). Save it from your "
            "spreadsheet as 'CSV UTF-8' and upload it again."
        ) from error


def plan(text: str) -> Plan:
    """Check every row against the rules and the directory (three queries)."""
    header, records, problem = _read(text)
    if problem:
        return Plan((), (), problem)
    rows = [_row(line, dict(zip(header, values, strict=False))) for line, values in records]
    rows = _against_directory(_repeats(rows))
    known = {r.cohort.lower() for r in rows if r.status != INVALID}
    existing = _cohorts(known)
    new: dict[str, str] = {}  # the first spelling of each new cohort's name, whatever its case
    for row in rows:
        if row.status != INVALID and row.cohort.lower() not in existing:
            new.setdefault(row.cohort.lower(), row.cohort)
    return Plan(tuple(rows), tuple(new.values()))


def _read(text: str) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    if "\x00" in text:
        return [], [], "The file holds NUL bytes: it is not a CSV text file."
    reader = csv.reader(io.StringIO(text))
    try:
        first = next(reader, None)
        if first is None:
            return [], [], "The file is empty: the first line must name the columns."
        header = [HEADERS.get(h.strip().lower(), h.strip().lower()) for h in first]
        missing = [c for c in ("email", "name", "cohort") if c not in header]
        if missing:
            return (
                [],
                [],
                (
                    f"Line 1 must name the columns email, name, rank (optional) and cohort; "
                    f"missing: {', '.join(missing)}."
                ),
            )
        records = []
        for values in reader:
            if any(v.strip() for v in values):
                records.append((reader.line_num, values))
            if len(records) > MAX_ROWS:
                return [], [], f"The file has more than {MAX_ROWS:,} rows: split it."
    except csv.Error as error:
        return [], [], f"Line {reader.line_num}: the CSV cannot be read ({error})."
    if not records:
        return [], [], "The file names its columns but has no rows to enrol."
    return header, records, ""


def _row(line: int, cells: dict[str, str]) -> Row:
    email, name = (cells.get("email") or "").strip(), (cells.get("name") or "").strip()
    rank, cohort = (cells.get("rank") or "").strip(), (cells.get("cohort") or "").strip()
    row = Row(line, email, name, rank, cohort, NEW)
    reason = _problem(row)
    if reason:
        return Row(line, email, name, rank, cohort, INVALID, reason)
    return Row(line, _normal_email(email), name, rank, cohort, NEW)


def _problem(row: Row) -> str:
    if not row.email:
        return "no email"
    try:
        _normal_email(row.email)
    except EmailNotValidError as error:
        return f"email {row.email!r}: {error}"
    if not row.name:
        return "no name"
    if len(row.name) > 120:
        return "name longer than 120 characters"
    problem = accounts.display_name_problem(row.name) or accounts.display_name_problem(row.rank)
    if problem:
        return problem
    if len(row.rank) > 60:
        return "rank or title longer than 60 characters"
    if not row.cohort:
        return "no cohort"
    if len(row.cohort) > 120:
        return "cohort name longer than 120 characters"
    return ""


def _normal_email(email: str) -> str:
    return validate_email(email, check_deliverability=False).normalized.lower()


def _repeats(rows: list[Row]) -> list[Row]:
    """Refuse a second row for the same person in the same cohort, naming the first."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for row in rows:
        key = (row.email, row.cohort.lower())
        if row.status != INVALID and key in seen:
            row = _invalid(row, f"repeats line {seen[key]}")
        seen.setdefault(key, row.line)
        out.append(row)
    return out


def _invalid(row: Row, reason: str) -> Row:
    return Row(row.line, row.email, row.name, row.rank, row.cohort, INVALID, reason)


def _against_directory(rows: list[Row]) -> list[Row]:
    emails = {r.email for r in rows if r.status != INVALID}
    people = (
        {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    places = (
        set(
            db.session.execute(
                select(CohortMember.user_id, func.lower(Cohort.name))
                .join(Cohort, Cohort.id == CohortMember.cohort_id)
                .where(CohortMember.user_id.in_([u.id for u in people.values()]))
            ).all()
        )
        if people
        else set()
    )
    return [_placed(row, people.get(row.email), places) for row in rows]


def _placed(row: Row, user: User | None, places: set[tuple[int, str]]) -> Row:
    if row.status == INVALID or user is None:
        return row
    if user.role is not Role.TRAINEE:
        return _invalid(
            row, f"{user.email} is {user.role.label.lower()}: only trainees are enrolled here"
        )
    status = PRESENT if (user.id, row.cohort.lower()) in places else JOIN
    return Row(row.line, row.email, row.name, row.rank, row.cohort, status)


def _cohorts(names: set[str]) -> dict[str, Cohort]:
    if not names:
        return {}
    found = db.session.scalars(select(Cohort).where(func.lower(Cohort.name).in_(names)))
    return {c.name.lower(): c for c in found}


def apply(text: str, actor: User | None) -> Enrolled:
    """Enrol every row of the file in one transaction, or refuse the file and write nothing.
    Applying the same file again changes nothing."""
    checked = plan(text)
    if not checked.valid:
        raise EnrolmentInvalid(checked)
    try:
        enrolled = _write(checked, actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return enrolled


def _write(checked: Plan, actor: User | None) -> Enrolled:
    cohorts = _cohorts({r.cohort.lower() for r in checked.rows})
    for name in checked.new_cohorts:
        cohorts[name.lower()] = accounts.create_cohort(name, actor=actor, commit=False)
    people = {
        u.email: u
        for u in db.session.scalars(
            select(User).where(User.email.in_({r.email for r in checked.rows}))
        )
    }
    issued = []
    for row in checked.rows:
        if row.status == PRESENT:
            continue
        user = people.get(row.email)
        if user is None:
            user = people[row.email] = _new_account(row, actor)
            issued.append((user, links.issue(user, actor)))
        cohort = cohorts[row.cohort.lower()]
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=Role.TRAINEE))
        audit.record(actor, "cohort.member.add", cohort, after={"member": user.email})
    if checked.changes:
        audit.record(
            actor,
            "enrolment.apply",
            ("enrolment", "csv", f"{len(checked.rows)} rows"),
            after={s: checked.count(s) for s in (NEW, JOIN, PRESENT)},
        )
    return Enrolled(checked, tuple(issued))


def _new_account(row: Row, actor: User | None) -> User:
    local = row.email.split("@")[0][:40]
    taken = db.session.scalar(select(User.id).where(User.username == local))
    # A second j.smith (at another domain) gets a suffix derived from the email: stable on re-run.
    username = f"{local}-{hashlib.sha256(row.email.encode()).hexdigest()[:6]}" if taken else local
    return accounts.create_user(
        row.email, row.name, Role.TRAINEE, None, username, actor=actor, rank=row.rank, commit=False
    )
