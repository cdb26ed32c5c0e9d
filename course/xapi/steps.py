"""A scenario step and a response to it, as xAPI describes interactions."""

from __future__ import annotations

from course import content
from course.xapi.statements import Interaction


def interaction(step: content.Step) -> Interaction:
    """Describe a step: its choices by id and its correct (best) response."""
    if isinstance(step, content.Decision):
        best = content.best_choice(step)
        return Interaction(
            step.id,
            "choice",
            step.situation,
            tuple((c.id, c.text) for c in step.choices),
            (best.id,),
        )
    if step.type == "ordering":
        items = tuple((str(i), text) for i, text in enumerate(step.items))
        return Interaction(step.id, "sequencing", step.prompt, items, tuple(i for i, _ in items))
    options = tuple((str(i), o.text) for i, o in enumerate(step.options))
    correct = tuple(str(i) for i, o in enumerate(step.options) if o.correct)
    return Interaction(step.id, "choice", step.prompt, options, correct)


def response(step: content.Step, given: object) -> tuple[str, ...]:
    """Return a response as choice ids: a decision's choice, option or item indexes in order."""
    if isinstance(step, content.Decision) or not isinstance(given, tuple | list):
        return (str(given),)
    return tuple(str(i) for i in given)
