"""One-time links to set a password: random, stored only as a hash, expiring, used once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from course.extensions import db
from course.models import PasswordToken, User
from course.models.types import utcnow
from course.services import ServiceError, accounts, audit

EXPIRED = "This link has expired or has already been used. Ask your administrator for a new one."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, actor: User | None = None) -> str:
    """Create a link token for the account and return it (caller commits); earlier links die."""
    _spend(user)
    token = secrets.token_urlsafe(32)
    hours = current_app.config["SET_PASSWORD_HOURS"]
    db.session.add(
        PasswordToken(
            user_id=user.id, digest=_digest(token), expires_at=utcnow() + timedelta(hours=hours)
        )
    )
    audit.record(actor, "password.link", user, after={"valid for hours": hours})
    return token


def replace(user: User, actor: User | None) -> str:
    """Give an existing account a new link (earlier ones stop working) and commit."""
    token = issue(user, actor)
    db.session.commit()
    return token


def holder(token: str) -> User | None:
    """Return the active account a live token belongs to, or None (reads only)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(User)
        .join(PasswordToken, PasswordToken.user_id == User.id)
        .where(
            PasswordToken.digest == _digest(token),
            PasswordToken.used_at.is_(None),
            PasswordToken.expires_at > utcnow(),
            User.active,
        )
    )


def redeem(token: str, password: str) -> User:
    """Set the password of the token's account and spend the token, atomically: a link works
    once, even when two requests race (the update that marks it used is the check)."""
    user = holder(token)
    if user is None:
        raise ServiceError(EXPIRED)
    accounts.check_password_rules(password)
    spent = db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.digest == _digest(token), PasswordToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:
        db.session.rollback()
        raise ServiceError(EXPIRED)
    accounts.set_password(user, password)
    _spend(user)
    audit.record(user, "password.set", user)
    db.session.commit()
    return user


def _spend(user: User) -> None:
    db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
