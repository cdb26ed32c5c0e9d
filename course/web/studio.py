"""The authoring studio: edit, check, save, publish and retire modules and scenarios; versions;
the course as a zip; the scenario graph; playing a scenario as a trainee; item analysis."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from course import content
from course.content import frontmatter
from course.models import Role
from course.services import ServiceError, analysis, catalogue, importer, studio
from course.web import audience, takes_files
from course.web.player import read_response
from course.web.studio_forms import (
    EditBase,
    EditForm,
    LockForm,
    NewFileForm,
    PreviewForm,
    UploadForm,
    fields_form,
    unfit,
)

bp = audience(
    Blueprint("studio", __name__, url_prefix="/author/studio"), Role.INSTRUCTOR, Role.ADMIN
)


@bp.get("/")
def index() -> str:
    return render_template(
        "studio/index.html",
        files=studio.course_paths(),
        drafts=studio.drafts(),
        new=NewFileForm(request.args or None),
        upload=UploadForm(),
    )


@bp.get("/new")
def new() -> str | Response:
    form = NewFileForm(request.args)
    name = (form.name.data or "").strip()
    if not form.validate() or not studio.NAME.match(name):
        flash(
            "A module id is lower-case letters, digits and hyphens, starting with a letter.",
            "warning",
        )
        return redirect(url_for("studio.index"))
    kind = "quizzes" if request.args.get("kind") == "quizzes" else "modules"
    return redirect(url_for("studio.edit", kind=kind, name=name))


@bp.get("/<kind>/<name>")
def edit(kind: str, name: str) -> str:
    now = studio.open_file(studio.content_file(kind, name))
    form, note = _opened_form(now, request.args.get("mode"))
    checked = studio.check(now.file, now.source) if now.draft or now.published else None
    return _editor(now, form, checked, note=note)


def _opened_form(now: studio.Editing, mode: str | None) -> tuple[EditBase, str | None]:
    """Open a module's front matter as fields unless asked for text or the fields would lose
    something; anything else opens as the whole file's text."""
    if now.file.is_module and mode != "source":
        course, opened = catalogue.current(), frontmatter.read(now.source)
        lost = unfit(opened[0], course, now.file.name) if opened else ["a front matter to read"]
        if not lost:
            data = (*opened, now.version, now.revision)
            return fields_form(course, now.file.name, data), None
        if mode == "form":
            return _text_form(now), f"The form cannot hold {', '.join(lost)}: edit the text."
    return _text_form(now), None


def _text_form(now: studio.Editing) -> EditForm:
    return EditForm(data={"source": now.source, "version": now.version, "revision": now.revision})


@bp.post("/<kind>/<name>")
def submit(kind: str, name: str) -> str | Response | tuple[str, int]:
    file = studio.content_file(kind, name)
    fields = file.is_module and request.form.get("mode") == "form"
    form = fields_form(catalogue.current(), name) if fields else EditForm()
    if not form.validate_on_submit():
        return _editor(studio.open_file(file), form, None), 422
    source = form.text(name)
    try:
        if form.publish.data:
            return _publish(file, form, source)
        if form.save.data:
            studio.save_draft(current_user, file, source, form.version.data, form.revision.data)
            flash(f"Draft of {file.path} saved. Trainees do not see it until you publish.", "info")
            mode = "form" if fields else "source"
            return redirect(url_for("studio.edit", kind=kind, name=name, mode=mode))
    except studio.Stale as stale:
        return _refused(file, form, stale)
    except importer.ContentInvalid as invalid:
        return _editor(studio.open_file(file), form, studio.check(file, source), invalid), 422
    except ServiceError as error:
        form.message.errors = [error.message]
        return _editor(studio.open_file(file), form, studio.check(file, source)), 422
    return _editor(studio.open_file(file), form, studio.check(file, source), source=source)


def _publish(file: studio.ContentFile, form: EditBase, source: str) -> Response:
    report = studio.publish(
        current_user, file, source, form.version.data, form.revision.data, form.message.data
    )
    published = ", ".join(report.created + report.updated)
    flash(f"Published {published}: trainees now see the new version.", "info")
    return redirect(url_for("studio.versions", kind=file.kind, name=file.name))


def _refused(file: studio.ContentFile, form: EditBase, stale: studio.Stale) -> tuple[str, int]:
    # The form is now based on what is saved, so saving again is a choice made with the diff seen.
    for lock_field, value in ((form.version, stale.version), (form.revision, stale.revision)):
        lock_field.data, lock_field.raw_data = value, [str(value)]
    now = studio.open_file(file)
    return _editor(now, form, None, stale=stale), 409


def _editor(
    now: studio.Editing,
    form: EditBase,
    checked: studio.Checked | None,
    invalid: importer.ContentInvalid | None = None,
    stale: studio.Stale | None = None,
    note: str | None = None,
    source: str | None = None,
) -> str:
    quiz = checked.quiz if checked else None
    return render_template(
        "studio/edit.html",
        now=now,
        form=form,
        mode="source" if isinstance(form, EditForm) else "form",
        note=note,
        source=source,
        checked=checked,
        invalid=invalid,
        stale=stale,
        graph=content.layout(quiz) if quiz else None,
        course=catalogue.current(),
        lock=LockForm(data={"version": now.version, "revision": now.revision}),
    )


@bp.post("/<kind>/<name>/discard")
def discard(kind: str, name: str) -> Response:
    file = studio.content_file(kind, name)
    form = LockForm()
    if form.validate_on_submit() and studio.discard_draft(file, form.revision.data):
        flash(f"Draft of {file.path} discarded.", "info")
    else:
        flash("The draft changed since you opened it: look again before discarding.", "warning")
    return redirect(url_for("studio.edit", kind=kind, name=name))


@bp.get("/<kind>/<name>/retire")
def confirm_retire(kind: str, name: str) -> str:
    now = studio.open_file(studio.content_file(kind, name))
    return render_template(
        "studio/retire.html",
        now=now,
        form=LockForm(data={"version": now.version, "revision": now.revision}),
    )


@bp.post("/<kind>/<name>/retire")
def retire(kind: str, name: str) -> str | Response | tuple[str, int]:
    file = studio.content_file(kind, name)
    form = LockForm()
    if not form.validate_on_submit():
        return redirect(url_for("studio.confirm_retire", kind=kind, name=name))
    try:
        report = studio.retire(current_user, file, form.version.data)
    except importer.ContentInvalid as invalid:
        now = studio.open_file(file)
        return render_template("studio/retire.html", now=now, form=form, invalid=invalid), 422
    except ServiceError as error:
        flash(error.message, "warning")
        return redirect(url_for("studio.confirm_retire", kind=kind, name=name))
    flash(
        f"Retired {', '.join(report.retired)}: trainees no longer see it; their records stay.",
        "info",
    )
    return redirect(url_for("studio.index"))


@bp.get("/<kind>/<name>/versions")
def versions(kind: str, name: str) -> str:
    file = studio.content_file(kind, name)
    current = studio.published(file)
    return render_template(
        "studio/versions.html",
        file=file,
        versions=studio.versions(file),
        current=current,
        form=LockForm(data={"version": current.number if current else 0, "revision": 0}),
    )


@bp.get("/<kind>/<name>/diff")
def diff(kind: str, name: str) -> str:
    file = studio.content_file(kind, name)
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    found = studio.versions(file)
    old = old if old is not None else found[min(1, len(found) - 1)].number
    new = new if new is not None else found[0].number
    return render_template(
        "studio/diff.html",
        file=file,
        versions=found,
        old=old,
        new=new,
        lines=studio.diff(file, old, new),
    )


@bp.get("/<kind>/<name>/versions/<int:number>")
def version(kind: str, name: str, number: int) -> str:
    file = studio.content_file(kind, name)
    return render_template(
        "studio/version.html", file=file, version=studio.version_of(file, number)
    )


@bp.post("/<kind>/<name>/versions/<int:number>/restore")
def restore(kind: str, name: str, number: int) -> Response:
    file = studio.content_file(kind, name)
    form = LockForm()
    if not form.validate_on_submit():
        return redirect(url_for("studio.versions", kind=kind, name=name))
    try:
        studio.restore(current_user, file, number, form.version.data)
        flash(f"Version {number} of {file.path} is published again, as a new version.", "info")
    except importer.ContentInvalid as invalid:
        first = invalid.problems[0] if invalid.problems else None
        flash(f"Version {number} no longer fits the course: {first}", "warning")
    except ServiceError as error:
        flash(error.message, "warning")
    return redirect(url_for("studio.versions", kind=kind, name=name))


@bp.get("/<kind>/<name>/play")
def play(kind: str, name: str) -> str:
    quiz, where = studio.playable(studio.content_file(kind, name))
    played, error = studio.replay(quiz, request.args.get("path", "")), None
    step = played.step
    if request.args.get("step") and step is not None and request.args["step"] == step.id:
        try:
            token = studio.encode(read_response(step, request.args))
            played = studio.replay(quiz, ",".join(filter(None, [played.path, token])))
        except ValueError as refused:
            error = str(refused)
    return render_template(
        "studio/play.html", kind=kind, name=name, where=where, played=played, error=error
    )


@bp.post("/preview")
def preview() -> str | tuple[str, int]:
    """Render a module's Markdown for the editor's live preview (JavaScript); writes nothing."""
    form = PreviewForm()
    if not form.validate_on_submit():
        return "", 400
    text = (form.text.data or "").replace("\r\n", "\n")
    parts = frontmatter.split(text)
    rendered = content.render(parts[1] if parts else text)
    return render_template("studio/_live_preview.html", rendered=rendered)


@bp.get("/export.zip")
def export() -> Response:
    return Response(
        studio.export_zip(),
        mimetype="application/zip",
        headers={"Content-Disposition": "attachment; filename=course.zip"},
    )


@bp.post("/import")
@takes_files
def upload() -> str | Response | tuple[str, int]:
    form = UploadForm()
    if form.validate_on_submit():
        try:
            report = studio.import_zip(current_user, form.archive.data.read(), form.message.data)
        except importer.ContentInvalid as invalid:
            return _index_with(form, invalid), 422
        except ServiceError as error:
            form.archive.errors = [error.message]
            return _index_with(form), 422
        flash(
            f"Imported: {len(report.created)} new, {len(report.updated)} changed, "
            f"{report.unchanged} unchanged, {len(report.retired)} retired.",
            "info",
        )
        return redirect(url_for("studio.index"))
    return _index_with(form), 422


def _index_with(form: UploadForm, invalid: importer.ContentInvalid | None = None) -> str:
    return render_template(
        "studio/index.html",
        files=studio.course_paths(),
        drafts=studio.drafts(),
        new=NewFileForm(),
        upload=form,
        invalid=invalid,
    )


@bp.get("/quizzes/<name>/analysis")
def item_analysis(name: str) -> str:
    file = studio.content_file("quizzes", name)
    cohort = request.args.get("cohort", type=int)
    number = request.args.get("version", type=int)
    return render_template(
        "studio/analysis.html",
        file=file,
        report=analysis.quiz_analysis(file, cohort, number),
        rules=analysis.RULES,
    )
