"""Read and manage the directory of users and cohorts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from course.extensions import db
from course.models import Attempt, Cohort, CohortMember, CohortRule, Event, Role, User
from course.models.types import utcnow
from course.services import ServiceError, audit, catalogue, summaries


@dataclass(frozen=True)
class Summary:
    users_by_role: dict[str, int]
    cohorts: int
    active_trainees: int  # trainees with any recorded activity in the last week
    attempts: int  # scenario attempts finished in the last week
    passed: int


def summary() -> Summary:
    """Count people, cohorts and last week's activity, in four queries."""
    week_ago = utcnow() - timedelta(days=7)
    rows = db.session.execute(select(User.role, func.count()).group_by(User.role)).all()
    active = (
        db.session.scalar(
            select(func.count(func.distinct(Event.user_id))).where(Event.at >= week_ago)
        )
        or 0
    )
    attempts, passed = db.session.execute(
        select(
            func.count(Attempt.id), func.count(Attempt.id).filter(Attempt.passed.is_(True))
        ).where(Attempt.finished_at >= week_ago)
    ).one()
    return Summary(
        {role.value: n for role, n in rows},
        db.session.scalar(select(func.count()).select_from(Cohort)) or 0,
        active,
        attempts,
        passed,
    )


PAGE_SIZE = 50


@dataclass(frozen=True)
class UserPage:
    """One page of accounts matching a search, and how many match in all."""

    users: list[User]
    total: int
    page: int
    pages: int
    search: str


def users(search: str = "", page: int = 1) -> UserPage:
    """Return a page of accounts whose name, email or username contains search, by name, with
    their cohorts loaded (three queries whatever the number of accounts)."""
    search = search.strip()[:100]
    query = select(User)
    if search:
        term = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{term}%"  # the search is literal: % and _ match themselves
        query = query.where(
            or_(
                func.lower(User.display_name).like(like, escape="\\"),
                User.email.like(like, escape="\\"),
                User.username.like(like, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        query.options(selectinload(User.memberships).selectinload(CohortMember.cohort))
        .order_by(User.display_name, User.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return UserPage(list(rows), total, page, pages, search)


@dataclass(frozen=True)
class CohortRow:
    """A cohort in a list: how many trainees, and who instructs it."""

    cohort: Cohort
    trainees: int
    instructors: tuple[str, ...]


def cohorts(viewer: User | None = None) -> list[CohortRow]:
    """Return every cohort (or those the viewer instructs, unless an administrator), by name,
    in three queries whatever the number of members."""
    query = select(Cohort).order_by(Cohort.name)
    if viewer is not None and viewer.role is not Role.ADMIN:
        query = query.where(_instructs(viewer))
    found = list(db.session.scalars(query))
    ids = [c.id for c in found]
    counts = dict(
        db.session.execute(
            select(CohortMember.cohort_id, func.count())
            .where(CohortMember.cohort_id.in_(ids), CohortMember.role == Role.TRAINEE)
            .group_by(CohortMember.cohort_id)
        ).all()
    )
    names: dict[int, list[str]] = {}
    for cohort_id, name in db.session.execute(
        select(CohortMember.cohort_id, User.display_name)
        .join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id.in_(ids), CohortMember.role == Role.INSTRUCTOR)
        .order_by(User.display_name)
    ):
        names.setdefault(cohort_id, []).append(name)
    return [CohortRow(c, counts.get(c.id, 0), tuple(names.get(c.id, ()))) for c in found]


MEMBERS_PAGE = 100


@dataclass(frozen=True)
class MemberPage:
    """A cohort's instructors, and one page of its trainees by name."""

    instructors: list[CohortMember]
    trainees: list[CohortMember]
    total: int
    page: int
    pages: int


def members(cohort: Cohort, page: int = 1) -> MemberPage:
    """Return a cohort's instructors and a page of its trainees (three queries)."""
    base = (
        select(CohortMember)
        .join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id == cohort.id)
        .options(selectinload(CohortMember.user))
        .order_by(User.display_name, User.id)
    )
    instructors = list(db.session.scalars(base.where(CohortMember.role == Role.INSTRUCTOR)))
    total = (
        db.session.scalar(
            select(func.count()).where(
                CohortMember.cohort_id == cohort.id, CohortMember.role == Role.TRAINEE
            )
        )
        or 0
    )
    pages = max(1, -(-total // MEMBERS_PAGE))
    page = min(max(page, 1), pages)
    trainees = db.session.scalars(
        base.where(CohortMember.role == Role.TRAINEE)
        .limit(MEMBERS_PAGE)
        .offset((page - 1) * MEMBERS_PAGE)
    )
    return MemberPage(instructors, list(trainees), total, page, pages)


def user(user_id: int) -> User:
    """Return a user (404 if there is none)."""
    return db.get_or_404(User, user_id)


def toggle_active(user_id: int, actor: User) -> User:
    """Deactivate an active account or reactivate a deactivated one."""
    user = db.get_or_404(User, user_id)
    if user.id == actor.id:
        raise ServiceError("You cannot deactivate your own account.")
    if user.role is Role.ADMIN and user.active and _lock_active_admins() == [user.id]:
        raise ServiceError("This is the last active administrator.")
    user.active = not user.active
    user.end_sessions()
    action = "account.reactivate" if user.active else "account.deactivate"
    audit.record(actor, action, user, {"active": not user.active}, {"active": user.active})
    db.session.commit()
    return user


def change_role(user_id: int, role: Role | str, actor: User | None) -> User:
    """Give an account another role. Never leaves no active administrator: the active
    administrators' rows stay locked until the change commits. Cohort places follow the role
    (administrators see every cohort, so they hold none)."""
    user = db.get_or_404(User, user_id)
    role = Role(role)
    if role is user.role:
        raise ServiceError(f"{user.display_name} is already {_article(role)}.", "role")
    if user.role is Role.ADMIN and user.active and _lock_active_admins() == [user.id]:
        raise ServiceError("This is the last active administrator: make another one first.")
    before = {"role": user.role, "cohorts": sorted(m.cohort.name for m in user.memberships)}
    user.role = role
    if role is Role.ADMIN:
        user.memberships.clear()
    for member in user.memberships:
        member.role = role
    user.end_sessions()  # pages already open were served for the old role
    after = {"role": role, "cohorts": sorted(m.cohort.name for m in user.memberships)}
    audit.record(actor, "account.role", user, before, after)
    db.session.commit()
    return user


def _article(role: Role) -> str:
    return f"{'an' if role.label[0] in 'AEIOU' else 'a'} {role.label.lower()}"


def _lock_active_admins() -> list[int]:
    """Return the ids of the active administrators, with their rows locked until commit, so that
    two administrators deactivating each other at once cannot leave none (SQLite's write
    transactions already run one at a time)."""
    query = select(User.id).where(User.role == Role.ADMIN, User.active).order_by(User.id)
    return list(db.session.scalars(query.with_for_update()))


def cohort(cohort_id: int) -> Cohort:
    """Return a cohort with its members and rules loaded (404 if there is none); for changes
    to it (pages read `members` a page at a time)."""
    found = db.session.scalar(
        select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(
            selectinload(Cohort.members).selectinload(CohortMember.user), selectinload(Cohort.rules)
        )
    )
    if found is None:
        raise NotFound()
    return found


def update_cohort(
    cohort: Cohort, description: str, target_date: date | None, actor: User | None
) -> None:
    """Change a cohort's description and target date."""
    before = {"description": cohort.description, "target_date": cohort.target_date}
    cohort.description = description.strip()
    cohort.target_date = target_date
    after = {"description": cohort.description, "target_date": cohort.target_date}
    if after != before:
        audit.record(actor, "cohort.update", cohort, before, after)
        _refresh(cohort)
    db.session.commit()


def add_member(cohort: Cohort, login: str, actor: User | None) -> User:
    """Add a trainee or instructor, found by email or username, to a cohort, in the role their
    account has."""
    login = login.strip().lower()
    user = db.session.scalar(select(User).where(or_(User.email == login, User.username == login)))
    if user is None:
        raise ServiceError(f"No account has the email or username {login}.", "person")
    if user.role is Role.ADMIN:
        raise ServiceError(
            f"{user.display_name} is an administrator: administrators see every cohort.", "person"
        )
    if not user.active:
        raise ServiceError(f"{user.display_name}'s account is deactivated.", "person")
    if any(m.user_id == user.id for m in cohort.members):
        raise ServiceError(f"{user.display_name} is already in {cohort.name}.", "person")
    cohort.members.append(CohortMember(user=user, role=user.role))
    audit.record(actor, "cohort.member.add", cohort, after={"member": _who(user)})
    _refresh(cohort, [user.id])
    db.session.commit()
    return user


def _who(user: User) -> str:
    return f"{user.display_name} <{user.email}> ({user.role.value})"


def remove_member(cohort: Cohort, user_id: int, actor: User | None) -> User:
    """Remove someone from a cohort; their learning records stay."""
    member = next((m for m in cohort.members if m.user_id == user_id), None)
    if member is None:
        raise ServiceError("That person is not in this cohort.")
    cohort.members.remove(member)
    audit.record(actor, "cohort.member.remove", cohort, before={"member": _who(member.user)})
    _refresh(cohort, [member.user_id])
    db.session.commit()
    return member.user


def set_rule(
    cohort: Cohort, module_slug: str, kind: str, known: set[str], actor: User | None
) -> None:
    """Require or pin a module for a cohort (replacing any rule it had for that module)."""
    if module_slug not in known:
        raise ServiceError("Choose a module of the course.", "module")
    if kind not in {"required", "pinned"}:
        raise ServiceError("Choose required or pinned.", "kind")
    rule = next((r for r in cohort.rules if r.module_slug == module_slug), None)
    before = {"module": module_slug, "rule": rule.kind} if rule else None
    if rule is None:
        cohort.rules.append(CohortRule(module_slug=module_slug, kind=kind))
    else:
        rule.kind = kind
    audit.record(actor, "cohort.rule.set", cohort, before, {"module": module_slug, "rule": kind})
    _refresh(cohort)
    db.session.commit()


def remove_rule(cohort: Cohort, rule_id: int, actor: User | None) -> None:
    """Drop one of a cohort's rules."""
    rule = next((r for r in cohort.rules if r.id == rule_id), None)
    if rule is None:
        raise ServiceError("That rule does not exist.")
    cohort.rules.remove(rule)
    audit.record(
        actor, "cohort.rule.remove", cohort, before={"module": rule.module_slug, "rule": rule.kind}
    )
    _refresh(cohort)
    db.session.commit()


def _refresh(cohort: Cohort, user_ids: list[int] | None = None) -> None:
    """Recompute the stored summaries of trainees whose rules this change alters (their next
    step on the cohort pages follows the new rules at once)."""
    db.session.flush()
    ids = user_ids or [m.user_id for m in cohort.members if m.role is Role.TRAINEE]
    summaries.refresh(ids, catalogue.current())


def visible_cohort(viewer: User, cohort_id: int) -> Cohort:
    """Return a cohort the viewer may read, or 404 (never saying whether it exists); its members
    are not loaded (a cohort may hold thousands)."""
    query = select(Cohort).where(Cohort.id == cohort_id)
    if viewer.role is not Role.ADMIN:
        query = query.where(_instructs(viewer))
    found = db.session.scalar(query)
    if found is None:
        raise NotFound()
    return found


def cohort_trainee(found: Cohort, user_id: int) -> User:
    """Return a trainee of the cohort, or 404 for anyone else."""
    user = db.session.scalar(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(
            CohortMember.cohort_id == found.id,
            CohortMember.user_id == user_id,
            CohortMember.role == Role.TRAINEE,
        )
    )
    if user is None:
        raise NotFound()
    return user


def _instructs(viewer: User):  # noqa: ANN202 - a SQL expression
    return Cohort.id.in_(
        select(CohortMember.cohort_id).where(
            CohortMember.user_id == viewer.id, CohortMember.role == Role.INSTRUCTOR
        )
    )
