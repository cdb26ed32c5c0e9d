"""Course Platform: an adaptive e-learning platform for military diplomacy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the pure parts (course.content, course.engine) must import without Flask
    from flask import Flask


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Create the app: configure, bind extensions, register blueprints and commands."""
    from flask import Flask

    from course.config import ROOT, Config

    app = Flask(__name__, instance_relative_config=True, template_folder=str(ROOT / "templates"))
    app.config.from_object(Config(app.instance_path))
    app.config.update(config or {})
    from course import cli, extensions, security, web

    extensions.init_app(app)
    security.init_app(app)
    web.register(app)
    cli.register(app)
    return app
