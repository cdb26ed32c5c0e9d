"""Import a content folder: validate everything, then write new versions of what changed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from course import content
from course.content.model import Catalogue, Problem
from course.content.order import course_order
from course.extensions import db
from course.models import ContentSet, Module, ModuleVersion, Quiz, QuizVersion, User
from course.services import ServiceError, audit, catalogue
from course.services import catalogue as catalogue_service

COMPETENCIES_FILE = "modules/competencies.yaml"


class ContentInvalid(ServiceError):
    """The content has problems; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the content; nothing was imported.")
        self.problems = tuple(problems)


@dataclass
class ImportReport:
    """What an import changed."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)
    competencies_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired or self.competencies_changed)


@dataclass(frozen=True)
class Publication:
    """Who publishes, and why: stamped on every version an import writes."""

    author: User | None = None
    message: str = ""
    origin: str = "import"  # import (files) | browser (the studio)


def import_folder(root: Path, author: User | None = None, message: str = "") -> ImportReport:
    """Validate root (holding modules/ and quizzes/) and import it atomically."""
    try:
        report = apply_folder(root, Publication(author, message))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _what(report: ImportReport) -> dict:
    return {
        "created": report.created,
        "updated": report.updated,
        "retired": report.retired,
        "competencies changed": report.competencies_changed,
    }


def apply_folder(root: Path, publication: Publication) -> ImportReport:
    """Validate root and write what changed into the session, uncommitted (the caller commits),
    with its audit entry."""
    catalogue, problems = content.check(root)
    if catalogue is None or any(p.is_error for p in problems):
        raise ContentInvalid(problems)
    catalogue_service.forget_revision()  # the content changes: current() must read it again
    report = ImportReport()
    report.competencies_changed = _import_competencies(root, catalogue)
    _import_modules(root, catalogue, report, publication)
    _import_quizzes(root, catalogue, report, publication)
    if report.changed:
        audit.record(
            publication.author,
            "content.publish",
            ("content", publication.origin, "course content"),
            after={**_what(report), "message": publication.message},
        )
    db.session.flush()
    return report


def _import_competencies(root: Path, catalogue: Catalogue) -> bool:
    text = (root / COMPETENCIES_FILE).read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    latest = db.session.scalar(select(ContentSet).order_by(ContentSet.id.desc()).limit(1))
    if latest is not None and latest.sha256 == digest:
        return False
    db.session.add(
        ContentSet(
            sha256=digest,
            source=text,
            tracks=[asdict(track) for track in catalogue.tracks],
            competencies=[asdict(comp) for comp in catalogue.competencies],
        )
    )
    return True


def _latest(version_cls: type, key: str) -> dict[int, object]:
    """Return the newest version of every module or quiz, by owner id, in one query."""
    newest = catalogue.newest_versions(version_cls)
    return {
        getattr(v, key): v
        for v in db.session.scalars(select(version_cls).where(version_cls.id.in_(newest)))
    }


def _import_modules(
    root: Path, catalogue: Catalogue, report: ImportReport, publication: Publication
) -> None:
    def place(row: Module, module: content.Module, position: int) -> None:
        row.position = position

    _import_items(
        root,
        course_order(catalogue),
        Module,
        ModuleVersion,
        place,
        module_version,
        report,
        publication,
    )


def _import_quizzes(
    root: Path, catalogue: Catalogue, report: ImportReport, publication: Publication
) -> None:
    def place(row: Quiz, quiz: content.Quiz, position: int) -> None:
        row.module_slug, row.placement = quiz.module, quiz.placement

    _import_items(
        root, catalogue.quizzes, Quiz, QuizVersion, place, quiz_version, report, publication
    )


def _import_items(
    root: Path,
    items: Sequence,
    row_cls: type,
    version_cls: type,
    place: Callable,
    make_version: Callable,
    report: ImportReport,
    publication: Publication,
) -> None:
    """Write a new version of each module or quiz whose file changed; retire what is gone."""
    rows = {r.slug: r for r in db.session.scalars(select(row_cls))}
    latest = _latest(version_cls, "module_id" if row_cls is Module else "quiz_id")
    for position, item in enumerate(items):
        row = rows.pop(item.id, None)
        if row is None:
            row = row_cls(slug=item.id)
            db.session.add(row)
            db.session.flush()
        place(row, item, position)
        row.retired = False
        current = latest.get(row.id)
        if current is not None and current.sha256 == item.sha256:
            report.unchanged += 1
            continue
        source = (root / item.path).read_text(encoding="utf-8")
        version = make_version(
            row, item, source, _next_number(current), publication.author, publication.origin
        )
        version.message = publication.message
        db.session.add(version)
        (report.updated if current else report.created).append(item.path)
    _retire(rows.values(), report)


def module_version(
    row: Module,
    module: content.Module,
    source: str,
    number: int,
    author: User | None,
    origin: str = "import",
) -> ModuleVersion:
    """Build a module version with its HTML rendered once, here."""
    rendered = content.render(module.body)
    return ModuleVersion(
        module=row,
        number=number,
        sha256=module.sha256,
        title=module.title,
        track=module.track,
        kind=module.kind,
        level=module.level,
        minutes=module.minutes,
        summary=module.summary,
        meta={
            "objectives": list(module.objectives),
            "competencies": [[c, w] for c, w in module.competencies],
            "prerequisites": [asdict(p) for p in module.prerequisites],
        },
        source=source,
        html=rendered.html,
        toc=[asdict(h) for h in rendered.toc],
        words=rendered.words,
        author_id=author.id if author else None,
        origin=origin,
    )


def quiz_version(
    row: Quiz,
    quiz: content.Quiz,
    source: str,
    number: int,
    author: User | None,
    origin: str = "import",
) -> QuizVersion:
    """Build a quiz version from a parsed quiz and its source."""
    return QuizVersion(
        quiz=row,
        number=number,
        sha256=quiz.sha256,
        title=quiz.title,
        pass_mark=quiz.pass_mark,
        feedback=quiz.feedback,
        max_attempts=quiz.max_attempts,
        cooldown_hours=quiz.cooldown_hours,
        source=source,
        author_id=author.id if author else None,
        origin=origin,
    )


def _next_number(current: ModuleVersion | QuizVersion | None) -> int:
    return current.number + 1 if current is not None else 1


def _retire(rows: Iterable[Module | Quiz], report: ImportReport) -> None:
    """Hide what the folder no longer has; learner records keep pointing at it."""
    for row in rows:
        if not row.retired:
            row.retired = True
            report.retired.append(row.slug)
