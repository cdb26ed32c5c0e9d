"""Forms and fields shared by several blueprints."""

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

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
