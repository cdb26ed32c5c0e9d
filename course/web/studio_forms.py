"""The studio's forms: the whole file as text, or a module's front matter as fields and a body."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from course.content import frontmatter
from course.content.model import KINDS, LEVELS
from course.services.catalogue import Course

LOCK = [InputRequired(), NumberRange(min=0, max=2**31 - 1)]


class EditBase(FlaskForm):
    version = IntegerField(widget=HiddenField.widget, validators=LOCK)
    revision = IntegerField(widget=HiddenField.widget, validators=LOCK)
    message = StringField("What changed, and why (needed to publish)", [Length(max=500)])
    check = SubmitField("Check and preview")
    save = SubmitField("Save draft")
    publish = SubmitField("Publish")


class EditForm(EditBase):
    """The whole file as text."""

    source = TextAreaField(
        "Source", validators=[DataRequired("Write the file's contents."), Length(max=200_000)]
    )

    def text(self, name: str) -> str:
        return self.source.data.replace("\r\n", "\n")


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class FieldsForm(EditBase):
    """A module's front matter as fields, and its Markdown body."""

    title = StringField("Title", [DataRequired("Give the module a title."), Length(max=200)])
    track = SelectField("Track")
    level = SelectField("Level", choices=[SelectChoice(str(n)) for n in LEVELS])
    minutes = IntegerField(
        "Minutes to read", [InputRequired("Say how long it takes."), NumberRange(1, 600)]
    )
    kind = SelectField("Kind", choices=[SelectChoice(k, k.replace("-", " ")) for k in KINDS])
    summary = TextAreaField(
        "Summary", [DataRequired("Write a one-sentence summary."), Length(max=1000)]
    )
    objectives = TextAreaField(
        "Learning objectives, one a line", [DataRequired("List at least one objective.")]
    )
    prerequisites = CheckboxesField("Modules to complete first", choices=[], validate_choice=True)
    mastery = TextAreaField("Competencies to master first, one a line as `competency-id: 0.6`")
    body = TextAreaField(
        "Body (Markdown)", [DataRequired("Write the module's text."), Length(max=200_000)]
    )

    weights: list[tuple[str, str]] = []  # (competency id, field name), set per course

    def validate_mastery(self, field: TextAreaField) -> None:
        for line in _lines(field.data):
            competency, _, level = line.partition(":")
            if not competency.strip() or not _number(level):
                raise ValidationError(f"Write {line!r} as `competency-id: 0.6`.")

    def text(self, name: str) -> str:
        """Return the module file these fields and body make."""
        fields = frontmatter.Fields(
            name,
            self.title.data.strip(),
            self.track.data,
            self.level.data,
            str(self.minutes.data),
            self.kind.data,
            self.summary.data,
            _lines(self.objectives.data),
        )
        for competency, attribute in self.weights:
            weight = getattr(self, attribute).data
            if weight:
                fields.competencies[competency] = repr(float(weight))
        fields.modules = list(self.prerequisites.data or [])
        for line in _lines(self.mastery.data):
            competency, _, level = line.partition(":")
            fields.mastery[competency.strip()] = level.strip()
        return frontmatter.write(fields, self.body.data.replace("\r\n", "\n"))


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def fields_form(course: Course, name: str, opened: tuple | None = None) -> FieldsForm:
    """Build the fields form for this course: a weight field per competency (from the request's
    form data, or from a file's fields and body when opened is given)."""
    weights = [(c["id"], f"weight_{n}") for n, c in enumerate(course.competencies)]
    attributes = {
        attribute: FloatField(
            course.competency_names[competency],
            [Optional(), NumberRange(0.05, 1.0, "Use a weight from 0.05 to 1, or leave it empty.")],
        )
        for competency, attribute in weights
    }
    form_class = type("CourseFieldsForm", (FieldsForm,), {**attributes, "weights": weights})
    form = form_class(data=_data(opened, weights)) if opened else form_class()
    form.track.choices = [SelectChoice(t["id"], t["name"]) for t in course.tracks]
    form.prerequisites.choices = [
        SelectChoice(m.slug, m.title) for m in course.modules if m.slug != name
    ]
    return form


def _data(opened: tuple, weights: list[tuple[str, str]]) -> dict:
    fields, body, version, revision = opened
    data = {
        "title": fields.title,
        "track": fields.track,
        "level": fields.level,
        "minutes": int(fields.minutes) if fields.minutes.isdigit() else None,
        "kind": fields.kind,
        "summary": fields.summary,
        "objectives": "\n".join(fields.objectives),
        "prerequisites": fields.modules,
        "mastery": "\n".join(f"{c}: {level}" for c, level in fields.mastery.items()),
        "body": body,
        "version": version,
        "revision": revision,
    }
    for competency, attribute in weights:
        weight = fields.competencies.get(competency, "")
        data[attribute] = float(weight) if _number(weight) else None
    return data


def unfit(fields: frontmatter.Fields, course: Course, name: str) -> list[str]:
    """Say what in a module's front matter the form cannot hold without losing it."""
    found = list(fields.unknown)
    found += [
        f"the unknown competency {c!r}"
        for c in fields.competencies
        if c not in course.competency_names
    ]
    found += [f"the weight {w!r}" for w in fields.competencies.values() if not _number(w)]
    found += (
        [f"the unknown track {fields.track!r}"] if fields.track not in course.track_names else []
    )
    known = {m.slug for m in course.modules}
    found += [f"the prerequisite {m!r}" for m in fields.modules if m not in known or m == name]
    found += [f"the level {fields.level!r}"] if fields.level not in {str(n) for n in LEVELS} else []
    found += [f"the kind {fields.kind!r}"] if fields.kind not in KINDS else []
    found += [f"the minutes {fields.minutes!r}"] if not fields.minutes.isdigit() else []
    found += [f"the id {fields.id!r}"] if fields.id != name else []
    return found


class NewFileForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only opens an editor

    name = StringField("Module id", [DataRequired("Give the module an id."), Length(max=80)])


class LockForm(FlaskForm):
    version = IntegerField(widget=HiddenField.widget, validators=LOCK)
    revision = IntegerField(widget=HiddenField.widget, validators=[Optional(), NumberRange(min=0)])


class UploadForm(FlaskForm):
    archive = FileField("Course zip", validators=[FileRequired("Choose a zip file.")])
    message = StringField(
        "What changed, and why", [DataRequired("Say what changed."), Length(max=500)]
    )


class PreviewForm(FlaskForm):
    text = TextAreaField(validators=[Length(max=200_000)])
