"""The pure core loads without Flask or SQLAlchemy, so it can be tested and benchmarked alone."""

from __future__ import annotations

import subprocess
import sys


def test_content_engine_and_xapi_import_without_flask_or_sqlalchemy():
    code = (
        "import sys, course.content, course.engine, course.xapi; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug'}); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
