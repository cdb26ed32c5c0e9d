"""Personal access tokens for the JSON API: created and revoked by their owner, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from course.extensions import db
from course.models import ApiToken, Role, User
from course.models.types import utcnow
from course.services import ServiceError, audit

PREFIX = "cp_"
LIFETIMES = (7, 30, 90, 365)  # days a token may live
# The roles a token may carry, by its owner's role: the owner's own, or a narrower one.
# An administrator's narrower role is instructor (reading the course and cohorts, no admin).
ALLOWED: dict[Role, tuple[Role, ...]] = {
    Role.TRAINEE: (Role.TRAINEE,),
    Role.INSTRUCTOR: (Role.INSTRUCTOR,),
    Role.ADMIN: (Role.ADMIN, Role.INSTRUCTOR),
}


def digest(secret: str) -> str:
    """Return what is stored for a token: SHA-256 suffices, a token is 256 random bits."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create(user: User, name: str, role: Role | str, days: int) -> tuple[ApiToken, str]:
    """Create a token for the user; return it and its secret, which is never shown again."""
    role = Role(role)
    if role not in ALLOWED[user.role]:
        raise ServiceError("A token cannot have a role wider than your own.", "role")
    if days not in LIFETIMES:
        raise ServiceError(f"Choose one of {', '.join(map(str, LIFETIMES))} days.", "days")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=secret[:10],
        token_hash=digest(secret),
        role=role,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    audit.record(
        user,
        "api-token.create",
        user,
        after={"token": token.name, "role": role, "expires": token.expires_at},
    )
    db.session.commit()
    return token, secret


def owned(user: User) -> list[ApiToken]:
    """Return the user's tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def get(user: User, token_id: int) -> ApiToken:
    """Return one of the user's tokens; anyone else's is not found."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound()
    return token


def revoke(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens (again is harmless); anyone else's is not found."""
    token = get(user, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(user, "api-token.revoke", user, before={"token": token.name})
    db.session.commit()
    return token


@dataclass(frozen=True)
class Bearer:
    """Who an API request acts as: the token's owner, with the token's role."""

    user: User
    role: Role
    token_id: int


def authenticate(secret: str) -> Bearer | None:
    """Return who a token acts as, or None if it is unknown, revoked, expired, its owner is
    inactive, or its role is now wider than its owner's."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(secret))
    ).one_or_none()
    if row is None:
        return None
    token, user = row
    usable = token.revoked_at is None and token.expires_at > utcnow() and user.active
    if not usable or token.role not in ALLOWED[user.role]:
        return None
    return Bearer(user, token.role, token.id)
