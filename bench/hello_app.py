"""The reference page for load figures: a Flask 'hello' served by the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Return a constant page."""
    return "hello"
