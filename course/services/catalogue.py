"""The current course as the web and the engine see it, built once per content revision."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import Any

from sqlalchemy import Select, func, select

from course import content, engine
from course.extensions import db
from course.models import ContentSet, Module, ModuleVersion, Quiz, QuizVersion


@dataclass(frozen=True)
class ModuleInfo:
    """A module's current version, detached from the database session."""

    slug: str
    version_id: int
    title: str
    track: str
    kind: str
    level: int
    minutes: int
    summary: str
    objectives: tuple[str, ...]
    competencies: tuple[tuple[str, float], ...]
    prerequisites: tuple[dict[str, Any], ...]
    quiz_slug: str | None
    max_attempts: int = 0  # the quiz's retake rule, which the engine must respect
    cooldown_hours: float = 0.0
    # The reader's text, rendered once at import: kept with the course so a page view reads no row.
    html: str = field(default="", repr=False, compare=False)
    toc: tuple[dict[str, Any], ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class Course:
    """Tracks, competencies and modules of the current content, and an engine over them."""

    revision: tuple[int, ...]
    tracks: tuple[dict[str, Any], ...]
    competencies: tuple[dict[str, Any], ...]
    modules: tuple[ModuleInfo, ...]
    placement_slug: str | None

    @cached_property
    def derived(self) -> dict[Any, Any]:
        """What other layers make from this course and keep while it is current (the web layer's
        rendered module parts and module lists): it goes with the course when the content
        changes."""
        return {}

    @cached_property
    def by_slug(self) -> dict[str, ModuleInfo]:
        return {m.slug: m for m in self.modules}

    @cached_property
    def competency_names(self) -> dict[str, str]:
        return {c["id"]: c["name"] for c in self.competencies}

    @cached_property
    def track_names(self) -> dict[str, str]:
        return {t["id"]: t["name"] for t in self.tracks}

    @cached_property
    def engine(self) -> engine.Engine:
        return engine.Engine(self.engine_catalogue(), placement=self.placement_slug is not None)

    @cached_property
    def engine_after_skip(self) -> engine.Engine:
        """The engine for a trainee who chose to skip the placement check."""
        return engine.Engine(self.engine_catalogue(), placement=False)

    @cached_property
    def params_hash(self) -> str:
        """Identify the rules and parameters that judge trainees under this content."""
        return self.engine.catalogue.params_hash()

    def engine_catalogue(self) -> engine.Catalogue:
        """Convert the content into the engine's own input types."""
        comps = tuple(
            engine.CompetencySpec(
                c["id"], c["name"], engine.Params.from_json(c["params"]), c["track"]
            )
            for c in self.competencies
        )
        modules = tuple(
            engine.ModuleSpec(
                m.slug,
                m.title,
                m.track,
                m.kind,
                m.level,
                m.competencies,
                tuple(engine.Prereq(**p) for p in m.prerequisites),
                has_quiz=m.quiz_slug is not None,
                max_attempts=m.max_attempts,
                cooldown_hours=m.cooldown_hours,
            )
            for m in self.modules
        )
        return engine.Catalogue(comps, modules, tuple(t["id"] for t in self.tracks)).validate()

    def module(self, slug: str) -> ModuleInfo | None:
        return self.by_slug.get(slug)


def _revision() -> tuple[int, ...]:
    """Return numbers that change whenever the current content does, in one query."""
    return tuple(db.session.execute(_revision_query()).one())


@cache
def _revision_query() -> Select:
    """Build _revision()'s query once per process: most requests run it."""
    return select(*revision_columns())


def revision_columns() -> list:
    """The content revision as columns another query can carry (the user's, once a request)."""
    return [
        select(func.coalesce(func.max(ModuleVersion.id), 0)).scalar_subquery(),
        select(func.coalesce(func.max(QuizVersion.id), 0)).scalar_subquery(),
        select(func.coalesce(func.max(ContentSet.id), 0)).scalar_subquery(),
        select(func.count(Module.id)).where(Module.retired).scalar_subquery(),
        select(func.count(Quiz.id)).where(Quiz.retired).scalar_subquery(),
    ]


# The revision read with the request's user (security.load_user), used once by current(): it
# saves a query a request. Forgotten at the start of every request and when content is written.
_remembered: ContextVar[tuple[int, ...] | None] = ContextVar("content_revision", default=None)


def remember_revision(revision: tuple[int, ...]) -> None:
    """Keep a revision just read alongside another query for the next current()."""
    _remembered.set(revision)


def forget_revision() -> None:
    """Drop a remembered revision: the next current() reads it again."""
    _remembered.set(None)


_cache: dict[tuple[int, ...], Course] = {}


def current() -> Course:
    """Return the current course; rebuilt only when the content changed (versions are immutable)."""
    revision = _remembered.get() or _revision()
    _remembered.set(None)
    course = _cache.get(revision)
    if course is None:
        course = _load(revision)
        _cache.clear()
        _cache[revision] = course
    return course


def newest_versions(version_cls: type):  # noqa: ANN201 - a select of version ids
    """Select the id of the newest version of every module (or quiz)."""
    owner = version_cls.module_id if version_cls is ModuleVersion else version_cls.quiz_id
    return select(func.max(version_cls.id)).group_by(owner)


def _load(revision: tuple[int, ...]) -> Course:
    content_set = db.session.scalar(select(ContentSet).order_by(ContentSet.id.desc()).limit(1))
    newest = newest_versions(ModuleVersion)
    rows = db.session.execute(
        select(Module.slug, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.module_id == Module.id)
        .where(ModuleVersion.id.in_(newest), ~Module.retired)
        .order_by(Module.position)
    ).all()
    quizzes = db.session.execute(
        select(
            Quiz.slug,
            Quiz.module_slug,
            Quiz.placement,
            QuizVersion.max_attempts,
            QuizVersion.cooldown_hours,
        )
        .join(QuizVersion, QuizVersion.quiz_id == Quiz.id)
        .where(~Quiz.retired, QuizVersion.id.in_(newest_versions(QuizVersion)))
    ).all()
    quiz_of = {q.module_slug: q for q in quizzes if q.module_slug and not q.placement}
    placement = next((q.slug for q in quizzes if q.placement), None)
    return Course(
        revision,
        tuple(content_set.tracks if content_set else ()),
        tuple(content_set.competencies if content_set else ()),
        tuple(_info(slug, v, quiz_of.get(slug)) for slug, v in rows),
        placement,
    )


def _info(slug: str, version: ModuleVersion, quiz: Any) -> ModuleInfo:
    meta = version.meta
    return ModuleInfo(
        slug,
        version.id,
        version.title,
        version.track,
        version.kind,
        version.level,
        version.minutes,
        version.summary,
        tuple(meta["objectives"]),
        tuple((c, float(w)) for c, w in meta["competencies"]),
        tuple({k: v for k, v in p.items() if v is not None} for p in meta["prerequisites"]),
        quiz.slug if quiz else None,
        quiz.max_attempts if quiz else 0,
        quiz.cooldown_hours if quiz else 0.0,
        version.html,
        tuple(version.toc or ()),
    )


def module_version(slug: str) -> ModuleVersion | None:
    """Return the current version of a module (None if unknown or retired)."""
    return _current(Module, ModuleVersion, slug)


def quiz_version(quiz_slug: str) -> QuizVersion | None:
    """Return the current version of a quiz (None if unknown or retired)."""
    return _current(Quiz, QuizVersion, quiz_slug)


def _current(owner: type, version: type, slug: str):  # noqa: ANN202 - a version row or None
    newest = (
        select(func.max(version.id))
        .join(owner)
        .where(owner.slug == slug, ~owner.retired)
        .scalar_subquery()
    )
    return db.session.scalar(select(version).where(version.id == newest))


_quizzes: dict[tuple[int, str], content.Quiz] = {}


def parsed_quiz(version: QuizVersion) -> content.Quiz:
    """Parse a stored quiz version once per process (versions never change)."""
    key = (version.id, version.sha256)  # an id alone may be reused after a restore
    quiz = _quizzes.get(key)
    if quiz is None:
        name = version.quiz.module_slug or "placement"  # quiz files are named after their module
        quiz, problems = content.parse_quiz(version.source, f"quizzes/{name}.yaml")
        if quiz is None:
            raise ValueError("; ".join(map(str, problems)))
        if len(_quizzes) > 512:
            _quizzes.clear()
        _quizzes[key] = quiz
    return quiz


@lru_cache(maxsize=4096)
def markdown_html(text: str) -> str:
    """Render a short Markdown text of a quiz (a situation, a feedback) to safe HTML, once."""
    return content.render(text).html
