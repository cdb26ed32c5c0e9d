"""The administrator's pages: users, cohorts, progress."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from course.models import Role
from course.services import (
    ServiceError,
    accounts,
    audit,
    catalogue,
    directory,
    enrolment,
    links,
    outbox,
    reports,
    statements,
)
from course.web import audience, takes_files
from course.web.forms import ConfirmForm, display_name_rule, new_password_field
from course.web.progress import csv_download, page_number

bp = audience(Blueprint("admin", __name__, url_prefix="/admin"), Role.ADMIN)


class UserForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter an email address."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )
    username = StringField(
        "Username",
        validators=[
            Optional(),
            Length(max=64),
            Regexp(
                r"^[a-z0-9._-]+$", message="Use lowercase letters, digits, dot, dash or underscore."
            ),
        ],
    )
    display_name = StringField(
        "Display name",
        validators=[DataRequired("Enter a name."), Length(max=120), display_name_rule],
    )
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])
    password = new_password_field("Initial password", "Enter an initial password.")


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html", summary=directory.summary())


@bp.get("/xapi")
def xapi_queue() -> str:
    lrs = statements.configured_lrs()
    return render_template(
        "admin/xapi.html",
        queue=outbox.queue(statements.TOPIC),
        endpoint=lrs.statements_url if lrs else None,
        enabled=current_app.config["XAPI_ENABLED"],
    )


@bp.route("/users", methods=["GET", "POST"])
def users() -> str | Response:
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.email.data,
                form.display_name.data,
                form.role.data,
                form.password.data,
                form.username.data or None,
                actor=current_user,
            )
        except ServiceError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            flash(f"Account created for {user.display_name} ({user.role.label}).", "success")
            return redirect(url_for("admin.users"))
    found = directory.users(request.args.get("q", ""), page_number())
    return render_template("admin/users.html", form=form, found=found, confirm=ConfirmForm())


def _confirm(title: str, message: str, button: str, back: str) -> str:
    """Render a page that asks before a destructive action and says what it will do."""
    return render_template(
        "admin/confirm.html",
        title=title,
        message=message,
        button=button,
        back=back,
        form=ConfirmForm(),
    )


@bp.get("/users/<int:user_id>/active")
def confirm_toggle_active(user_id: int) -> str:
    user = directory.user(user_id)
    if user.active:
        return _confirm(
            f"Deactivate {user.display_name}?",
            "They will no longer be able to log in. Their attempts, progress and "
            "cohort places are kept, and you can reactivate the account at any time.",
            "Deactivate",
            url_for("admin.users"),
        )
    return _confirm(
        f"Reactivate {user.display_name}?",
        "They will be able to log in again.",
        "Reactivate",
        url_for("admin.users"),
    )


@bp.post("/users/<int:user_id>/active")
def toggle_active(user_id: int) -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = directory.toggle_active(user_id, current_user)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(
                f"{user.display_name} is now {'active' if user.active else 'deactivated'}.",
                "success",
            )
    return redirect(url_for("admin.users"))


class RoleForm(FlaskForm):
    role = SelectField("New role", choices=[SelectChoice(r.value, r.label) for r in Role])


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
def change_role(user_id: int) -> str | Response:
    user, form = directory.user(user_id), RoleForm()
    if form.validate_on_submit():
        try:
            directory.change_role(user_id, form.role.data, current_user)
        except ServiceError as error:
            form.role.errors.append(error.message)
        else:
            flash(f"{user.display_name} is now {user.role.label.lower()}.", "success")
            return redirect(url_for("admin.users", q=user.email))
    elif request.method == "GET":
        form.role.data = user.role.value
    return render_template("admin/role.html", user=user, form=form)


@bp.get("/audit")
def audit_log() -> str:
    args = request.args
    filters = audit.Filters(
        action=args.get("action", "")[:40],
        actor=args.get("actor", "")[:120],
        target=args.get("target", "")[:200],
        since=_day(args.get("since", "")),
        until=_day(args.get("until", "")),
    )
    return render_template(
        "admin/audit.html",
        found=audit.entries(filters, page_number()),
        filters=filters,
        actions=audit.actions(),
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class EnrolForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv", "txt"], "Upload a .csv file."),
            FileSize(1024 * 1024, message="The file is larger than 1 MB: split it."),
        ],
    )


class ApplyForm(FlaskForm):
    """The previewed file travels back in the form: the server keeps nothing between steps."""

    text = HiddenField(validators=[DataRequired(), Length(max=1024 * 1024)])


@bp.get("/enrol")
def enrol() -> str:
    return render_template("admin/enrol.html", form=EnrolForm(), plan=None)


@bp.post("/enrol")
@takes_files
def preview_enrolment() -> str:
    form, plan, apply_form = EnrolForm(), None, ApplyForm()
    if form.validate_on_submit():
        try:
            apply_form.text.data = enrolment.decode(form.file.data.read())
        except ServiceError as error:
            form.file.errors.append(error.message)
        else:
            plan = enrolment.plan(apply_form.text.data)
    return render_template("admin/enrol.html", form=form, plan=plan, apply_form=apply_form)


@bp.post("/enrol/apply")
def apply_enrolment() -> str | Response:
    form = ApplyForm()
    if not form.validate_on_submit():
        flash("The enrolment could not be read; upload the file again.", "error")
        return redirect(url_for("admin.enrol"))
    try:
        done = enrolment.apply(form.text.data, current_user)
    except enrolment.EnrolmentInvalid as error:
        flash(error.message, "error")
        return render_template("admin/enrol.html", form=EnrolForm(), plan=error.plan)
    return render_template("admin/enrolled.html", done=done)


@bp.get("/users/<int:user_id>/password")
def confirm_reset_password(user_id: int) -> str:
    user = directory.user(user_id)
    return _confirm(
        f"Give {user.display_name} a new password?",
        "Their current password stops working at once. The new one is shown to you "
        "only once, on the next page; pass it on securely.",
        "Issue a new password",
        url_for("admin.users"),
    )


@bp.get("/users/<int:user_id>/link")
def confirm_password_link(user_id: int) -> str:
    user = directory.user(user_id)
    hours = current_app.config["SET_PASSWORD_HOURS"]
    return _confirm(
        f"Give {user.display_name} a set-password link?",
        f"The link lets them choose their own password; it works once, within {hours} hours. "
        "Any earlier link stops working; their current password keeps working until they use "
        "it. The link is shown to you only once, on the next page.",
        "Create the link",
        url_for("admin.users"),
    )


@bp.post("/users/<int:user_id>/link")
def password_link(user_id: int) -> str | Response:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.users"))
    user = directory.user(user_id)
    token = links.replace(user, current_user)
    return render_template("admin/password_issued.html", user=user, token=token)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int) -> str | Response:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.users"))
    user = directory.user(user_id)
    password = accounts.reset_password(user, current_user)
    # Shown in this response only: never in the (signed, not encrypted) session cookie.
    return render_template("admin/password_issued.html", user=user, password=password)


class CohortForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    target_date = DateField("Target date", validators=[Optional()])


class SettingsForm(FlaskForm):
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    target_date = DateField("Target date", validators=[Optional()])


class MemberForm(FlaskForm):
    person = StringField(
        "Email or username",
        validators=[
            DataRequired("Enter the email or username of a trainee or instructor."),
            Length(max=254),
        ],
    )


class RuleForm(FlaskForm):
    module = SelectField("Module", validate_choice=False)
    kind = SelectField(
        "Rule",
        choices=[
            SelectChoice("required", "Required by the target date"),
            SelectChoice("pinned", "Pinned: always first"),
        ],
    )


@bp.route("/cohorts", methods=["GET", "POST"])
def cohorts() -> str | Response:
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = accounts.create_cohort(
                form.name.data,
                form.description.data or "",
                target_date=form.target_date.data,
                actor=current_user,
            )
        except ServiceError as error:
            form.name.errors.append(error.message)
        else:
            flash(f"Cohort {cohort.name} created. Add its members below.", "success")
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    return render_template("admin/cohorts.html", cohorts=directory.cohorts(), form=form)


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int) -> str:
    found = directory.visible_cohort(current_user, cohort_id)
    course = catalogue.current()
    return render_template(
        "admin/cohort.html",
        cohort=found,
        course=course,
        members=directory.members(found, page_number()),
        confirm=ConfirmForm(),
        settings=SettingsForm(obj=found),
        member_form=MemberForm(),
        rule_form=_rule_form(course),
    )


def _rule_form(course: catalogue.Course) -> RuleForm:
    form = RuleForm()
    form.module.choices = [SelectChoice(m.slug, m.title) for m in course.modules]
    return form


@bp.post("/cohorts/<int:cohort_id>/settings")
def cohort_settings(cohort_id: int) -> Response:
    found, form = directory.cohort(cohort_id), SettingsForm()
    if form.validate_on_submit():
        directory.update_cohort(
            found, form.description.data or "", form.target_date.data, current_user
        )
        flash("Cohort settings saved.", "success")
    else:
        flash(_first_error(form), "error")
    return redirect(url_for("admin.cohort", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/members")
def add_member(cohort_id: int) -> Response:
    found, form = directory.cohort(cohort_id), MemberForm()
    return _apply(
        form,
        cohort_id,
        lambda: (
            f"{directory.add_member(found, form.person.data, current_user).display_name} added."
        ),
    )


@bp.get("/cohorts/<int:cohort_id>/members/<int:user_id>/remove")
def confirm_remove_member(cohort_id: int, user_id: int) -> str:
    found, user = directory.cohort(cohort_id), directory.user(user_id)
    return _confirm(
        f"Remove {user.display_name} from {found.name}?",
        "They leave this cohort's reports and rules. Their own attempts and progress "
        "are kept, and you can add them again later.",
        "Remove from cohort",
        url_for("admin.cohort", cohort_id=cohort_id),
    )


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>/remove")
def remove_member(cohort_id: int, user_id: int) -> Response:
    found = directory.cohort(cohort_id)
    return _apply(
        ConfirmForm(),
        cohort_id,
        lambda: (
            f"{directory.remove_member(found, user_id, current_user).display_name} removed; "
            "their learning records are kept."
        ),
    )


@bp.post("/cohorts/<int:cohort_id>/rules")
def add_rule(cohort_id: int) -> Response:
    found, form, course = directory.cohort(cohort_id), RuleForm(), catalogue.current()
    return _apply(
        form,
        cohort_id,
        lambda: (
            directory.set_rule(
                found, form.module.data, form.kind.data, set(course.by_slug), current_user
            )
            or "Rule saved."
        ),
    )


@bp.get("/cohorts/<int:cohort_id>/rules/<int:rule_id>/remove")
def confirm_remove_rule(cohort_id: int, rule_id: int) -> str:
    found = directory.cohort(cohort_id)
    rule = next((r for r in found.rules if r.id == rule_id), None) or abort(404)
    return _confirm(
        f"Remove the {rule.kind} rule for {rule.module_slug}?",
        f"Trainees in {found.name} will no longer have this module "
        f"{'pinned first' if rule.kind == 'pinned' else 'required'}; the engine's own "
        "choice takes its place.",
        "Remove rule",
        url_for("admin.cohort", cohort_id=cohort_id),
    )


@bp.post("/cohorts/<int:cohort_id>/rules/<int:rule_id>/remove")
def remove_rule(cohort_id: int, rule_id: int) -> Response:
    found = directory.cohort(cohort_id)
    return _apply(
        ConfirmForm(),
        cohort_id,
        lambda: directory.remove_rule(found, rule_id, current_user) or "Rule removed.",
    )


@bp.get("/cohorts/<int:cohort_id>/progress.csv")
def progress_csv(cohort_id: int) -> Response:
    found = directory.cohort(cohort_id)
    return csv_download(
        reports.report_csv(reports.cohort_report(found, catalogue.current())),
        f"cohort-{found.id}-progress.csv",
    )


def _apply(form: FlaskForm, cohort_id: int, action: Callable[[], str]) -> Response:
    """Run a cohort change if the form is valid, and flash what happened."""
    if form.validate_on_submit():
        try:
            flash(action(), "success")
        except ServiceError as error:
            flash(error.message, "error")
    else:
        flash(_first_error(form), "error")
    return redirect(url_for("admin.cohort", cohort_id=cohort_id))


def _first_error(form: FlaskForm) -> str:
    for name, errors in form.errors.items():
        label = form[name].label.text if name in form and name != "csrf_token" else "Form"
        return f"{label}: {errors[0]}"
    return "The form could not be read; reload the page and try again."
