"""Friendly error pages."""

from flask import Flask, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, HTTPException, ServiceUnavailable
from werkzeug.wrappers import Response

from course.extensions import db

MESSAGES = {
    400: "The request could not be understood. Go back, reload the page and try again.",
    403: "Your account does not have access to this page.",
    404: "There is no page at this address. Check the link, or start again from your home page.",
    405: "This page does not accept that kind of request.",
    413: "The file you sent is too large.",
    429: "Too many attempts in a short time. Wait a minute, then try again.",
    500: "Something went wrong on our side. Your work up to your last saved step is safe.",
    503: "The platform cannot reach its database just now. Your work up to your last saved step "
    "is safe; try again in a minute.",
}


def _render(code: int, message: str | None = None) -> tuple[str, int]:
    return render_template(
        "errors.html", code=code, message=message or MESSAGES.get(code, "")
    ), code


def register(app: Flask) -> None:
    """Install the error handlers."""

    from course.web import api

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int] | Response:
        if api.is_api_request():
            return api.error_response(BadRequest(error.description))
        return _render(
            400,
            "This form has expired or was not sent from this site "
            f"({error.description}). Reload the page and submit it again.",
        )

    @app.errorhandler(OperationalError)
    def database_unreachable(error: OperationalError) -> tuple[str, int] | Response:
        # The connection pool pings before use, so the next request after the database returns
        # works again: no restart needed.
        try:
            db.session.rollback()
        except OperationalError:
            db.session.close()
        app.logger.error("database unreachable: %s", error.orig)
        if api.is_api_request():
            return api.error_response(ServiceUnavailable())
        # A page that needs nothing from the database, not even who is logged in: rendered
        # without the context processors (Flask-Login's would load the user).
        page = app.jinja_env.get_template("unavailable.html")
        return page.render(message=MESSAGES[503], request=request, url_for=url_for), 503

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response:
        if api.is_api_request():
            return api.error_response(error)
        return _render(error.code or 500)
