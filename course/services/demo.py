"""Demo accounts: one administrator, one instructor, several trainees in a demo cohort."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from course.extensions import db
from course.models import Cohort, Role, User
from course.services import accounts

DEMO_COHORT = "Demo cohort"
DEMO_USERS = (
    ("admin@example.org", "Alex Morgan", Role.ADMIN),
    ("instructor@example.org", "Dana Okafor", Role.INSTRUCTOR),
    ("trainee1@example.org", "Capt. Sam Lindqvist", Role.TRAINEE),
    ("trainee2@example.org", "Lt. Priya Raman", Role.TRAINEE),
    ("trainee3@example.org", "Maj. Tomás Ferreira", Role.TRAINEE),
    ("trainee4@example.org", "Lt. Col. Aiko Tanaka", Role.TRAINEE),
)


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    password: str | None  # None: the account existed before and keeps its password


def load_demo(reset_passwords: bool = False) -> list[DemoLogin]:
    """Create the demo accounts and cohort that are missing; return each login."""
    logins, people = [], []
    for email, name, role in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        password = accounts.new_password() if user is None or reset_passwords else None
        if user is None:
            user = accounts.create_user(email, name, role, password)
        elif password:
            accounts.set_password(user, password)
        people.append(user)
        logins.append(DemoLogin(role, email, password))
    if not db.session.scalar(select(Cohort.id).where(Cohort.name == DEMO_COHORT)):
        accounts.create_cohort(
            DEMO_COHORT,
            "Officers preparing for a ceasefire-negotiation support role.",
            trainees=[u for u in people if u.role is Role.TRAINEE],
            instructors=[u for u in people if u.role is Role.INSTRUCTOR],
        )
    db.session.commit()
    return logins
