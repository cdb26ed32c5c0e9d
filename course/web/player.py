"""Reading a trainee's answer to one step from a submitted form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from course import content


class AnswerForm(FlaskForm):
    """The fixed part of an answer: which step it answers (the rest depends on the step)."""

    step = HiddenField(validators=[DataRequired(), Length(max=80)])


def read_response(step: content.Step, form: MultiDict) -> object:
    """Return the response the form gives for this step; ValueError names what is missing."""
    if isinstance(step, content.Decision):
        choice = form.get("choice", "")
        if choice not in {c.id for c in step.choices}:
            raise ValueError("Choose one of the options, then submit.")
        return choice
    if step.type == "single":
        return _index(form.get("option", ""), len(step.options), "Choose one answer.")
    if step.type == "multiple":
        picked = sorted(
            {
                _index(v, len(step.options), "Tick one or more answers.")
                for v in form.getlist("option")
            }
        )
        if not picked:
            raise ValueError("Tick one or more answers.")
        return tuple(picked)
    return _ordering(step, form)


def _index(value: str, size: int, message: str) -> int:
    if not value.isdigit() or int(value) >= size:
        raise ValueError(message)
    return int(value)


def _ordering(step: content.Check, form: MultiDict) -> tuple[int, ...]:
    """Turn 'position of item i' selects into item indexes in the order given."""
    size = len(step.items)
    positions = [
        _index(form.get(f"position-{i}", ""), size + 1, "Give every item a position.")
        for i in range(size)
    ]
    if sorted(positions) != list(range(1, size + 1)):
        raise ValueError(f"Use each position from 1 to {size} exactly once.")
    return tuple(sorted(range(size), key=lambda i: positions[i]))
