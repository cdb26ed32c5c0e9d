"""A real Learning Record Store for the xAPI tests: Ralph, served on loopback from its own venv.

`.ci/test` creates `.venv-lrs` with Ralph (the `lrs` dependency group in pyproject.toml);
LRS_PYTHON may name another interpreter that has it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from course.services.lrs import Lrs

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(os.environ.get("LRS_PYTHON", ROOT / ".venv-lrs" / "bin" / "python"))
SERVE = Path(__file__).with_name("serve.py")
USER, PASSWORD = "course", "lrs-test-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Ralph:
    """Ralph's LRS in a subprocess, with its data in a temporary folder; stop and start at will."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "RALPH_APP_DIR": str(folder / "app"),
            "RALPH_AUTH_FILE": str(folder / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "data"),
        }
        for sub in ("app", "data"):
            (folder / sub).mkdir(exist_ok=True)
        ralph = PYTHON.parent / "ralph"
        subprocess.run(
            [
                ralph,
                "auth",
                "-u",
                USER,
                "-p",
                PASSWORD,
                "-s",
                "all",
                "-M",
                "mailto:lrs@example.org",
                "-w",
            ],
            env=self.env,
            cwd=folder,
            check=True,
            capture_output=True,
        )

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> None:
        with (self.folder / "ralph.log").open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [PYTHON, SERVE, str(self.port)],
                env=self.env,
                cwd=self.folder,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"Ralph exited: {(self.folder / 'ralph.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1
                ):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail("Ralph did not answer within 30 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def get(self, **params: str) -> list[dict]:
        """Query the Statements resource; return the statements found."""
        lrs = Lrs(self.endpoint, USER, PASSWORD)
        url = lrs.statements_url + "?" + urllib.parse.urlencode({"limit": "1000", **params})
        request = urllib.request.Request(url, headers=lrs.headers())
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["statements"]

    def by_agent(self, home_page: str, name: str) -> list[dict]:
        agent = {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}
        return self.get(agent=json.dumps(agent))

    def by_id(self, statement_id: str) -> list[dict]:
        return self.get(statementId=statement_id)


@pytest.fixture(scope="session")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ralph]:
    if not PYTHON.exists():
        pytest.fail(
            f"No Ralph at {PYTHON}: run `bash .ci/test` (it creates .venv-lrs) or set LRS_PYTHON"
        )
    server = Ralph(tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lrs(ralph: Ralph, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ralph]:
    """Point the app's sender at Ralph, under a home page of its own so tests never share agents."""
    if ralph.process is None:
        ralph.start()
    config = {
        "XAPI_HOME_PAGE": f"https://{uuid.uuid4().hex[:12]}.course.example.org",
        "XAPI_LRS_ENDPOINT": ralph.endpoint,
        "XAPI_LRS_USERNAME": USER,
        "XAPI_LRS_PASSWORD": PASSWORD,
        "XAPI_LRS_TIMEOUT": 5,
        "XAPI_RETRY_SECONDS": 0,  # a failed statement is due again at once: the tests restart Ralph
        "XAPI_BATCH_SIZE": 4,  # several batches per test
    }
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    yield ralph
    if ralph.process is None:  # a test that stopped it and failed before restarting
        ralph.start()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/lrs" in str(item.fspath):
            item.add_marker(pytest.mark.lrs)
