"""Accounts: create users, check passwords, manage cohorts."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from datetime import date
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from course import sqlite
from course.extensions import db
from course.models import Cohort, CohortMember, Role, User
from course.models.types import utcnow
from course.prepared import end_read
from course.services import ServiceError, audit, throttle

MIN_PASSWORD = 12
MAX_PASSWORD = 256
# Verified against when the user does not exist, so timing does not reveal accounts.
_DUMMY = "x" * MIN_PASSWORD


@cache
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def hasher() -> PasswordHasher:
    """Return the Argon2id hasher configured for this app (OWASP: m=19 MiB, t=2, p=1)."""
    cfg = current_app.config
    return _hasher_for(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"])


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise ServiceError(f"Use at least {MIN_PASSWORD} characters.", "password")
    if len(password) > MAX_PASSWORD:
        raise ServiceError(f"Use at most {MAX_PASSWORD} characters.", "password")


# Characters that can disguise a name: bidirectional overrides and isolates, zero-width ones.
DISGUISING = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def display_name_problem(name: str) -> str | None:
    """Say what is wrong with a display name, or None."""
    if any(unicodedata.category(c) in ("Cc", "Cf") or c in DISGUISING for c in name):
        return "Use letters, digits, spaces and punctuation: no control or invisible characters."
    return None


def create_user(
    email: str,
    display_name: str,
    role: Role | str,
    password: str | None,
    username: str | None = None,
    *,
    actor: User | None = None,
    rank: str = "",
    commit: bool = True,
) -> User:
    """Create an account; refuse a duplicate email or username. Without a password the account
    cannot log in until a set-password link is used."""
    email = email.strip().lower()
    username = (username or email.split("@")[0]).strip().lower()
    problem = display_name_problem(display_name)
    if problem:
        raise ServiceError(problem, "display_name")
    if password is not None:
        check_password_rules(password)
    if db.session.scalar(
        select(User.id).where(or_(User.email == email, User.username == username))
    ):
        raise ServiceError(
            f"An account with email {email} or username {username} already exists.", "email"
        )
    user = User(
        email=email,
        username=username,
        display_name=display_name.strip(),
        role=Role(role),
        rank=rank.strip(),
        password_hash=hasher().hash(password) if password is not None else UNUSABLE,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "account.create", user, after=_account(user))
    if commit:
        db.session.commit()
    return user


# Not an Argon2 hash: no password verifies against it.
UNUSABLE = "!unset"


def _account(user: User) -> dict:
    return {
        "email": user.email,
        "username": user.username,
        "name": user.display_name,
        "rank": user.rank,
        "role": user.role,
        "active": user.active,
    }


def authenticate(login: str, password: str) -> User | None:
    """Return the active user with this email or username and password, else None. A right
    password also clears the account's failed attempts (course.services.throttle).

    Ends the caller's read before the password is hashed, and only what follows the hash (the
    login's stamp, or the caller's record of a failure) takes SQLite's write lock: the hash takes
    tens of milliseconds, and every other writer (every answer of every trainee) would wait for
    it. The login view reads without the lock (course.web.reads_first), so a login takes it once."""
    login = login.strip().lower()
    user = db.session.scalar(_by_login(), {"login": login})
    if user is not None:
        db.session.expunge(user)  # keeps what was read through the rollback below
    end_read(db.session())  # nothing was written: this ends the read (and any lock)
    sqlite.start_writing(db.session())  # what follows writes (the login's stamp, or a failure)
    if user is None:
        _verify(_dummy_hash(hasher()), password)  # same work as a real check: no timing oracle
        return None
    if not (_verify(user.password_hash, password) and user.active):
        return None
    stamp = {"last_login_at": utcnow()}
    if hasher().check_needs_rehash(user.password_hash):
        stamp["password_hash"] = hasher().hash(password)
    db.session.execute(update(User).where(User.id == user.id).values(stamp))
    throttle.succeeded(throttle.account_key(login))
    db.session.commit()
    for key, value in stamp.items():
        set_committed_value(user, key, value)
    db.session.add(user)  # back in the session as read and stamped: logging in reads nothing
    return user


@cache
def _by_login() -> Select:
    """authenticate()'s read, built once per process: every login runs it."""
    login = bindparam("login")
    return select(User).where(or_(User.email == login, User.username == login))


@cache
def _dummy_hash(hasher_: PasswordHasher) -> str:
    return hasher_.hash(_DUMMY)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(user: User, current: str, new: str) -> None:
    """Change a user's own password after checking the current one."""
    if not _verify(user.password_hash, current):
        raise ServiceError("The current password is not right.", "current_password")
    check_password_rules(new)
    set_password(user, new)
    db.session.commit()


def new_password() -> str:
    """Return a random password that meets the rules."""
    return secrets.token_urlsafe(12)


def create_cohort(
    name: str,
    description: str = "",
    trainees: Iterable[User] = (),
    instructors: Iterable[User] = (),
    target_date: date | None = None,
    *,
    actor: User | None = None,
    commit: bool = True,
) -> Cohort:
    """Create a cohort with its trainees and responsible instructors."""
    name = name.strip()
    if db.session.scalar(select(Cohort.id).where(func.lower(Cohort.name) == name.lower())):
        raise ServiceError(f"A cohort named {name} already exists.", "name")
    if not name:
        raise ServiceError("Enter a name.", "name")
    cohort = Cohort(name=name, description=description, target_date=target_date)
    cohort.members = [CohortMember(user=u, role=Role.TRAINEE) for u in trainees] + [
        CohortMember(user=u, role=Role.INSTRUCTOR) for u in instructors
    ]
    db.session.add(cohort)
    db.session.flush()
    audit.record(
        actor,
        "cohort.create",
        cohort,
        after={
            "description": description,
            "target_date": target_date,
            "members": [m.user.email for m in cohort.members],
        },
    )
    if commit:
        db.session.commit()
    return cohort


def ids_for_emails(emails: Iterable[str]) -> list[int]:
    """Return the ids of the accounts with these emails; refuse unknown ones."""
    wanted = {e.strip().lower() for e in emails}
    found = dict(
        db.session.execute(select(User.email, User.id).where(User.email.in_(wanted))).all()
    )
    missing = wanted - set(found)
    if missing:
        raise ServiceError(f"No account with email {', '.join(sorted(missing))}.", "email")
    return list(found.values())


def reset_password(user: User, actor: User | None = None) -> str:
    """Give an account a new random password and return it (shown to the administrator once)."""
    password = new_password()
    set_password(user, password)
    audit.record(actor, "password.issue", user)
    db.session.commit()
    return password


def set_password(user: User, password: str) -> None:
    """Store a new password hash and log out the account's other sessions (caller commits)."""
    user.password_hash = hasher().hash(password)
    user.end_sessions()


def end_sessions(user: User) -> None:
    """Log the account out everywhere: every session cookie issued so far stops working."""
    user.end_sessions()
    db.session.commit()
