"""Forms shared by several blueprints."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """An empty form: a button that carries a CSRF token."""
