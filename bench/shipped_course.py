"""The shipped course as the platform imports it: parsed quizzes, and the engine's catalogue.

The catalogue is built the way `content import` stores it and `services.catalogue.Course` reads it
back (importer order, weights in file order, quiz retake rules); a test checks the two agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from course import content, engine
from course.content.order import course_order

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Shipped:
    """The parsed course, the engine's catalogue over it, and each module's quiz."""

    content: content.Catalogue
    catalogue: engine.Catalogue
    quizzes: dict[str, content.Quiz]  # module id -> its scenario quiz
    placement: content.Quiz | None


def load(root: Path = ROOT) -> Shipped:
    """Parse and validate a content folder (without the assessment lint, so that an older course
    can be measured too); raise ValueError naming its first error."""
    parsed = content.parse(root)
    catalogue = parsed.catalogue
    errors = list(parsed.problems)
    if catalogue is not None:
        errors += content.validate(catalogue, parsed.source)
    if catalogue is None or errors:
        raise ValueError(f"{root}: {errors[0] if errors else 'nothing could be read'}")
    quizzes = {q.module: q for q in catalogue.quizzes if q.module and not q.placement}
    return Shipped(catalogue, engine_catalogue(catalogue, quizzes), quizzes, catalogue.placement)


def engine_catalogue(
    catalogue: content.Catalogue, quizzes: dict[str, content.Quiz]
) -> engine.Catalogue:
    """Convert parsed content into the engine's catalogue, in the importer's order."""
    comps = tuple(
        engine.CompetencySpec(c.id, c.name, engine.Params.from_json(asdict(c.params)), c.track)
        for c in catalogue.competencies
    )
    modules = tuple(_module(m, quizzes.get(m.id)) for m in course_order(catalogue))
    return engine.Catalogue(comps, modules, tuple(t.id for t in catalogue.tracks)).validate()


def _module(module: content.Module, quiz: content.Quiz | None) -> engine.ModuleSpec:
    prereqs = tuple(
        engine.Prereq(**{k: v for k, v in asdict(p).items() if v is not None})
        for p in module.prerequisites
    )
    return engine.ModuleSpec(
        module.id,
        module.title,
        module.track,
        module.kind,
        module.level,
        tuple((c, float(w)) for c, w in module.competencies),
        prereqs,
        has_quiz=quiz is not None,
        max_attempts=quiz.max_attempts if quiz else 0,
        cooldown_hours=quiz.cooldown_hours if quiz else 0.0,
    )
