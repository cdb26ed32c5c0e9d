"""Web blueprints, one per audience, behind a guard that denies by default."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from flask import Blueprint, Flask, abort, current_app, get_template_attribute, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

from course import engine, sqlite
from course.content import shown_order, shuffled_items
from course.extensions import db, login_manager
from course.models import Role
from course.services.catalogue import Course, ModuleInfo, markdown_html
from course.services.learning import ModulePage, Path

F = TypeVar("F", bound=Callable[..., object])

# Blueprint name -> roles allowed in it. A blueprint missing here admits nobody.
AUDIENCES: dict[str, frozenset[Role]] = {}


def audience(blueprint: Blueprint, *roles: Role) -> Blueprint:
    """Declare which roles may use every view of a blueprint."""
    AUDIENCES[blueprint.name] = frozenset(roles)
    return blueprint


def public(view: F) -> F:
    """Mark a view as reachable without logging in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def takes_files(view: F) -> F:
    """Mark a view whose form uploads a file (every other view refuses files)."""
    view.takes_files = True  # type: ignore[attr-defined]
    return view


def reads_first(view: F) -> F:
    """Mark a view that reads before it decides to write and takes SQLite's write lock itself
    (sqlite.start_writing) when it is about to write: start_writing leaves it reading."""
    view.reads_first = True  # type: ignore[attr-defined]
    return view


def guard() -> object:
    """Refuse every request whose view is not public and whose user's role is not its audience."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions[request.endpoint]
    if getattr(view, "is_public", False):
        return None
    api_roles = getattr(view, "api_roles", None)
    if api_roles is not None:  # the JSON API: a token, never the session
        from course.web import api

        return api.check(api_roles)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in AUDIENCES.get(request.blueprint or "", frozenset()):
        abort(403)
    return None


class IdConverter(IntegerConverter):
    """Integer ids in URLs, within what every database column holds: larger ones are 404."""

    def __init__(self, url_map: object, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)  # type: ignore[arg-type]


def refuse_hostile_input() -> None:
    """Refuse NUL bytes anywhere in a query or a form (PostgreSQL cannot store them), and files
    sent to forms that take none (a text field sent as a file): 400."""
    values = [v for v in (request.view_args or {}).values() if isinstance(v, str)]
    if request.query_string:
        values += [*request.args.keys(), *request.args.values()]
    if request.method != "GET":
        view = current_app.view_functions.get(request.endpoint or "")
        if request.files and not getattr(view, "takes_files", False):
            abort(400)
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


def start_writing() -> None:
    """A request that may write takes SQLite's write lock only now, when its view is about to
    run: loading the user, the CSRF check and the guard read without it (course.sqlite)."""
    if request.method not in ("GET", "HEAD"):
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "reads_first", False):
            sqlite.start_writing(db.session())


# Paths of links every page repeats, built once per process: (endpoint, *values) -> path.
_links: dict[tuple, str] = {}


def link(endpoint: str, **values: str) -> str:
    """Return url_for(endpoint, **values), building the path once per process: for the links
    every page repeats (the navigation, the modules). The request's script root (a proxy may
    mount the platform under a prefix) is added each time. Only for endpoints whose values are
    few and fixed, such as module slugs; never for ids that keep growing."""
    key = (endpoint, *sorted(values.items()))
    path = _links.get(key)
    if path is None:
        path = _links[key] = url_for(endpoint, **values).removeprefix(request.script_root)
    return request.script_root + path


def status_row(module: ModuleInfo, status: engine.ModuleStatus) -> Markup:
    """One module's line in a trainee's module list (My path, the course page). A course of
    thirty modules made thirty lines, about a third of My path's time in the template; the same
    line recurs for every trainee at the same point, so each distinct line is rendered once per
    process (learn/_status_row.html) and kept, as the line's own values key it."""
    href = "" if status.status == "locked" else link("learn.module", slug=module.slug)
    return _status_row(href, module.title, module.kind, module.minutes, status.status, status.why)


@lru_cache(maxsize=8192)
def _status_row(href: str, title: str, kind: str, minutes: int, status: str, why: str) -> Markup:
    template = current_app.jinja_env.get_template("learn/_status_row.html")
    values = {"href": href, "title": title, "kind": kind, "minutes": minutes}
    return Markup(template.render(values, status=status, why=why))


def module_part(course: Course, page: ModulePage, part: str) -> Markup:
    """One of the module reader's parts that are the same for every trainee (its heading, its
    text with the objectives and contents, the links to its neighbours), rendered from
    learn/_module_<part>.html once per process and content revision, and kept: the template
    spent about a fifth of its time (0.04 ms a view) remaking them at every view."""
    key = (part, page.info.slug, request.script_root)
    template = f"learn/_module_{part}.html"
    return _kept(course, "module parts", key, template, course=course, page=page, info=page.info)


def status_list(course: Course, path: Path) -> Markup:
    """A trainee's module list (learn/_statuses.html: the modules by track, each with its
    status), kept once made, keyed by the statuses and their reasons: trainees at the same point
    of the course see the same list, and a reader who comes back sees it again."""
    key = (request.script_root, path.statuses)
    return _kept(course, "status lists", key, "learn/_statuses.html", course=course, path=path)


def _kept(course: Course, kind: str, key: tuple, template: str, /, **values: object) -> Markup:
    """A template rendered once per process and kept with the course (Course.derived), so a
    change of content, which makes a new Course, drops it; up to 4,096 of each kind at once."""
    store = course.derived.setdefault(kind, {})
    found = store.get(key)
    if found is None:
        if len(store) >= 4096:
            store.clear()
        found = Markup(current_app.jinja_env.get_template(template).render(**values))
        store[key] = found
    return found


# The meters made so far (meter()), by what they show.
_meters: dict[tuple, Markup] = {}


def meter(label: str, value: float, threshold: float | None = None) -> Markup:
    """The `bar` macro's meter (macros.html), kept once made: My path draws one per competency
    on every view. A meter shows its label, its rounded percentage, the threshold and whether the
    value reaches it, and nothing else of the value, so those four key it."""
    key = (label, round(value * 100), threshold, bool(threshold) and value >= threshold)  # type: ignore[operator]
    found = _meters.get(key)
    if found is None:
        if len(_meters) >= 4096:
            _meters.clear()
        made = get_template_attribute("macros.html", "bar")(label, value, threshold)
        found = _meters[key] = Markup(made)
    return found


def register(app: Flask) -> None:
    """Register every blueprint and the guard."""
    from course.web import admin, api, author, errors, home, learn, progress, studio
    from course.web import auth as auth_views

    app.url_map.converters["int"] = IdConverter
    for module in (auth_views, home, learn, author, studio, admin, progress):
        app.register_blueprint(module.bp)
    api.register(app)
    errors.register(app)
    app.before_request(refuse_hostile_input)
    app.before_request(guard)
    app.before_request(start_writing)  # the last hook: the view runs next
    app.jinja_env.globals.update(
        markdown_html=markdown_html,
        shuffled_items=shuffled_items,
        shown_order=shown_order,
        link=link,
        status_row=status_row,
        meter=meter,
        module_part=module_part,
        status_list=status_list,
    )
