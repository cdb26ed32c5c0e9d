"""Faults: the database out of reach gives a friendly 503 and the app recovers by itself; a server
killed in the middle of a scenario step loses no confirmed answer and doubles none."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from course import create_app
from course.extensions import db, dispose_engines
from course.models import Answer, Role
from tests.conftest import PASSWORD, log_in

ROOT = Path(__file__).resolve().parents[2]


class Proxy:
    """A TCP proxy to the database that can be cut and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open = True
        self.links: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:  # stopped
                return
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def cut(self) -> None:
        self.open = False
        for link in self.links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)
        self.links = []

    def restore(self) -> None:
        self.open = True

    def stop(self) -> None:
        self.cut()
        self.server.close()


def test_database_out_of_reach_gives_503_then_recovers(app, create_user, course) -> None:  # noqa: ANN001
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    user = create_user(Role.TRAINEE)
    if url.get_backend_name() == "postgresql":
        proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
        faulty = create_app(
            {**app.config, "SQLALCHEMY_DATABASE_URI": str(url.set(port=proxy.port))}
        )
        cut, restore, stop = proxy.cut, proxy.restore, proxy.stop
    else:  # SQLite has no server to stop: make every new connection fail instead
        faulty = create_app(dict(app.config))
        state = {"down": False}

        def refuse(*args: object) -> None:
            if state["down"]:
                raise __import__("sqlite3").OperationalError("unable to open database file")

        with faulty.app_context():
            from sqlalchemy import event

            event.listen(db.engine, "do_connect", refuse)

        def cut() -> None:
            state["down"] = True
            with faulty.app_context():
                dispose_engines()

        def restore() -> None:
            state["down"] = False

        def stop() -> None:
            pass

    client = faulty.test_client()
    log_in(client, user)
    assert client.get("/learn/modules").status_code == 200
    cut()
    down = client.get("/learn/modules")
    body = down.get_data(as_text=True)
    assert down.status_code == 503 and "cannot reach its database" in body
    assert "Traceback" not in body and "psycopg" not in body and "sqlite3" not in body
    restore()
    assert client.get("/learn/modules").status_code == 200  # no restart
    with faulty.app_context():
        db.session.remove()
        dispose_engines()
    stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A cookie-keeping HTTP client against a real server process."""

    def __init__(self, base: str) -> None:
        self.base = base
        handler = urllib.request.HTTPCookieProcessor(CookieJar())
        self.opener = urllib.request.build_opener(handler, NoRedirect())

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, token_from: str | None = None, timeout: float = 30):  # noqa: ANN201
        page = self.get(token_from or path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=timeout) as response:
                return response.status, response.headers.get("Location")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object) -> None:
        return None


def serve(app, port: int) -> subprocess.Popen:  # noqa: ANN001
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "faults-test",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "64",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "course:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the worker dies with the master
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def test_a_server_killed_mid_step_loses_and_doubles_nothing(
    app, create_user, course, query
) -> None:  # noqa: ANN001
    user = create_user(Role.TRAINEE)
    port = free_port()
    server = serve(app, port)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        status, _ = browser.post("/login", {"login": user.email, "password": PASSWORD})
        assert status == 302
        status, attempt = browser.post(
            "/learn/quizzes/basics-one-quiz/start", {}, "/learn/quizzes/basics-one-quiz"
        )
        assert status == 302
        assert browser.post(attempt, {"step": "first", "choice": "a"})[0] == 302  # confirmed
        page = browser.get(attempt)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        # hold the database's write lock, so the next answer stops inside its transaction
        blocker = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        conn = blocker.connect()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(text("SELECT id FROM attempt FOR UPDATE"))
        body = urllib.parse.urlencode({"step": "second", "option": "0", "csrf_token": token})
        thread = threading.Thread(
            target=lambda: _quietly(browser.opener.open, browser.base + attempt, body.encode(), 60)
        )
        thread.start()
        time.sleep(1.5)  # the request is waiting inside the server
        os.killpg(server.pid, signal.SIGKILL)  # the master and its worker, mid-request
        server.wait(10)
        conn.rollback()
        conn.close()
        blocker.dispose()
        thread.join(10)
        assert query(select(func.count()).select_from(Answer)) == 1  # the confirmed one, once
        server = serve(app, port)
        assert browser.post(attempt, {"step": "second", "option": "0"})[0] == 302
        assert (
            browser.post(attempt, {"step": "second", "option": "0"}, token_from=attempt)[0] == 302
        )
        steps = query(select(Answer.step_id).order_by(Answer.id), many=True)
        assert steps == ["first", "second"]  # retried twice, recorded once
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)


def _quietly(call, *args: object) -> None:  # noqa: ANN001
    with contextlib.suppress(OSError):
        call(*args)
