"""Forms and fields shared by several blueprints."""

from flask_wtf import FlaskForm
from wtforms import Field, Form, PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from course.services import accounts


class ConfirmForm(FlaskForm):
    """An empty form: a button that carries a CSRF token."""


def new_password_field(label: str, missing: str) -> PasswordField:
    """Return a password field that enforces the account rules on length."""
    return PasswordField(
        label,
        validators=[
            DataRequired(missing),
            Length(
                min=accounts.MIN_PASSWORD,
                max=accounts.MAX_PASSWORD,
                message=f"Use {accounts.MIN_PASSWORD} to {accounts.MAX_PASSWORD} characters.",
            ),
        ],
    )


def display_name_rule(form: Form, field: Field) -> None:
    """Refuse control, bidirectional-override and zero-width characters in a name."""
    problem = accounts.display_name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)
