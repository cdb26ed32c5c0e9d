"""Secrets come from the environment; without one, a per-install key kept private on disk."""

from __future__ import annotations

import stat

import pytest

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


def test_xapi_settings_from_the_environment(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("XAPI_HOME_PAGE", "https://course.example.org/")
    monkeypatch.setenv("XAPI_LRS_ENDPOINT", "https://lrs.example.org/xAPI/")
    monkeypatch.setenv("XAPI_BATCH_SIZE", "20")
    config = Config(str(tmp_path))
    assert config.XAPI_HOME_PAGE == "https://course.example.org/"
    assert (config.XAPI_LRS_ENDPOINT, config.XAPI_BATCH_SIZE) == (
        "https://lrs.example.org/xAPI/",
        20,
    )
    assert config.XAPI_ENABLED and not config.XAPI_ACTOR_EMAIL
    monkeypatch.delenv("XAPI_LRS_ENDPOINT")
    assert Config(str(tmp_path)).XAPI_LRS_ENDPOINT == ""  # no LRS: statements wait in the outbox


@pytest.mark.parametrize("name", ["XAPI_HOME_PAGE", "XAPI_LRS_ENDPOINT"])
def test_an_xapi_url_that_is_not_http_is_refused_at_start(monkeypatch, tmp_path, name) -> None:  # noqa: ANN001
    monkeypatch.setenv(name, "lrs.example.org/xAPI")
    with pytest.raises(ValueError, match=f"{name} must be an http:// or https:// URL"):
        Config(str(tmp_path))
