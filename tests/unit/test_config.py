"""Secrets come from the environment; without one, a per-install key kept private on disk."""

from __future__ import annotations

import stat

from course.config import Config


def test_secret_key_from_the_environment_or_a_private_file(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert Config(str(tmp_path)).SECRET_KEY == "from-the-environment"
    monkeypatch.delenv("SECRET_KEY")
    first = Config(str(tmp_path)).SECRET_KEY
    assert len(first) == 64 and first == Config(str(tmp_path)).SECRET_KEY
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_session_lifetimes_from_the_environment(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SESSION_ABSOLUTE_HOURS", "4")
    config = Config(str(tmp_path))
    assert (config.SESSION_IDLE_MINUTES, config.SESSION_ABSOLUTE_HOURS) == (15, 4)
