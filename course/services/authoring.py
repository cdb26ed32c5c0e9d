"""What instructors see: the course's modules and versions, and how each question performs."""

from __future__ import annotations

import re
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from course import content
from course.extensions import db
from course.models import Answer, Attempt, Module, ModuleVersion, Quiz, QuizVersion
from course.services import ServiceError, catalogue, studio
from course.services.catalogue import Course, ModuleInfo


@dataclass(frozen=True)
class ModuleRow:
    """One module in the instructor's overview."""

    info: ModuleInfo
    version: int
    updated_at: datetime
    words: int
    attempts: int
    passed: int
    average: float | None


def overview(course: Course) -> list[ModuleRow]:
    """List every current module with its version and quiz results, in three queries."""
    versions = {
        v.id: v
        for v in db.session.execute(
            select(
                ModuleVersion.id,
                ModuleVersion.number,
                ModuleVersion.created_at,
                ModuleVersion.words,
            ).where(ModuleVersion.id.in_([m.version_id for m in course.modules]))
        )
    }
    stats = {
        slug: (n, p, avg)
        for slug, n, p, avg in db.session.execute(
            select(
                Quiz.module_slug,
                func.count(Attempt.id),
                func.count(Attempt.id).filter(Attempt.passed.is_(True)),
                func.avg(Attempt.score),
            )
            .join(Attempt, Attempt.quiz_id == Quiz.id)
            .where(Attempt.status == "finished")
            .group_by(Quiz.module_slug)
        )
    }
    return [
        ModuleRow(
            m,
            versions[m.version_id].number,
            versions[m.version_id].created_at,
            versions[m.version_id].words,
            *stats.get(m.slug, (0, 0, None)),
        )
        for m in course.modules
    ]


@dataclass
class OptionStat:
    """How often one answer was given, and how good it is."""

    label: str
    rating: str
    count: int = 0


@dataclass
class StepStat:
    """How one step of a quiz performs: answers given, share best, the answers themselves."""

    step: content.Step
    answered: int = 0
    best: int = 0
    options: list[OptionStat] = field(default_factory=list)

    @property
    def best_share(self) -> float | None:
        return self.best / self.answered if self.answered else None


@dataclass(frozen=True)
class QuizReport:
    """A quiz's current version, its steps with their statistics, and its attempts."""

    quiz: content.Quiz
    version: QuizVersion
    steps: list[StepStat]
    attempts: int
    passed: int


def quiz_report(slug: str) -> QuizReport:
    """Report how each step of a quiz's current version performs, in three queries."""
    version = catalogue.quiz_version(slug)
    if version is None:
        raise NotFound()
    quiz = catalogue.parsed_quiz(version)
    rows = db.session.execute(
        select(Answer.step_id, Answer.response, Answer.rating)
        .join(Attempt)
        .where(Attempt.quiz_version_id == version.id)
    ).all()
    totals = db.session.execute(
        select(
            func.count(Attempt.id), func.count(Attempt.id).filter(Attempt.passed.is_(True))
        ).where(Attempt.quiz_version_id == version.id, Attempt.status == "finished")
    ).one()
    return QuizReport(quiz, version, _step_stats(quiz, rows), *totals)


def _step_stats(quiz: content.Quiz, rows: list) -> list[StepStat]:
    by_step: dict[str, list] = defaultdict(list)
    for step_id, response, rating in rows:
        by_step[step_id].append((response, rating))
    return [
        _stat(step, by_step.get(step.id, []))
        for step in quiz.steps
        if not isinstance(step, content.Ending | content.Gate)
    ]


def _stat(step: content.Step, answers: list) -> StepStat:
    stat = StepStat(step, len(answers), sum(r == "best" for _, r in answers))
    if isinstance(step, content.Decision):
        given = Counter(response for response, _ in answers)
        stat.options = [OptionStat(c.text, c.rating, given[c.id]) for c in step.choices]
    elif step.type in ("single", "multiple"):
        picked = Counter(
            i
            for response, _ in answers
            for i in (response if isinstance(response, list) else [response])
        )
        stat.options = [
            OptionStat(o.text, "best" if o.correct else "poor", picked[i])
            for i, o in enumerate(step.options)
        ]
    return stat


DRAFT_NAME = re.compile(r"^(modules/[a-z][a-z0-9-]*\.md|quizzes/[a-z][a-z0-9-]*\.yaml)$")


@dataclass(frozen=True)
class DraftCheck:
    """What checking a draft file against the live course found, and its preview."""

    name: str
    problems: list[content.Problem]
    others: int  # problems elsewhere that the draft causes or that were there already
    rendered: content.Rendered | None
    quiz: content.Quiz | None


def check_draft(name: str, text: str) -> DraftCheck:
    """Check a file as if it replaced its namesake in the live course; save nothing."""
    if not DRAFT_NAME.match(name):
        raise ServiceError("Name the file modules/<id>.md or quizzes/<module-id>.yaml.", "name")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        studio.write_course(root)  # the live course, as `content export` writes it
        (root / name).write_text(text, encoding="utf-8")
        catalogue_, problems = content.check(root)
    mine = [p for p in problems if p.path == name]
    rendered = quiz = None
    if catalogue_ is not None and name.startswith("modules/"):
        module = next((m for m in catalogue_.modules if m.path == name), None)
        rendered = content.render(module.body) if module else None
    elif catalogue_ is not None:
        quiz = next((q for q in catalogue_.quizzes if q.path == name), None)
    return DraftCheck(name, mine, len(problems) - len(mine), rendered, quiz)


def draft_source(module: str | None = None, quiz: str | None = None) -> tuple[str, str]:
    """Return the file name and current text of a module or quiz, to start a draft from."""
    if module:
        version = catalogue.module_version(module)
        if version is None:
            raise NotFound()
        return f"modules/{module}.md", version.source
    version = catalogue.quiz_version(quiz or "")
    if version is None:
        raise NotFound()
    return f"quizzes/{version.quiz.module_slug or 'placement'}.yaml", version.source


def module_versions(slug: str) -> list[ModuleVersion]:
    """Return every version of a module, newest first (404 if there is none)."""
    versions = list(
        db.session.scalars(
            select(ModuleVersion)
            .join(ModuleVersion.module)
            .where(Module.slug == slug)
            .order_by(ModuleVersion.number.desc())
        )
    )
    if not versions:
        raise NotFound()
    return versions
