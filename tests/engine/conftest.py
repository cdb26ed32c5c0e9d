"""A small hand-built catalogue and helpers for engine tests (no app, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from course.engine import Catalogue, CompetencySpec, Engine, ModuleSpec, Params, Prereq

START = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def at(days: float = 0.0, minutes: float = 0.0) -> datetime:
    """Return a time days and minutes after 3 Nov 2025, 09:00 UTC."""
    return START + timedelta(days=days, minutes=minutes)


def small_catalogue(**params: Params) -> Catalogue:
    """Return three competencies and five modules (foundations, security 1-2, refresher, end)."""
    comps = (
        CompetencySpec("roles", "Military roles", params.get("roles", Params()), "foundations"),
        CompetencySpec("threat", "Threat assessment", params.get("threat", Params()), "security"),
        CompetencySpec(
            "protect", "Protection and access", params.get("protect", Params()), "security"
        ),
    )
    modules = (
        ModuleSpec("found-1", "Roles at the table", "foundations", "core", 1, (("roles", 1.0),)),
        ModuleSpec(
            "sec-1",
            "Threats to the table",
            "security",
            "core",
            1,
            (("threat", 1.0), ("protect", 0.3)),
            (Prereq(module="found-1"),),
        ),
        ModuleSpec(
            "sec-2",
            "Protection and access",
            "security",
            "core",
            2,
            (("protect", 1.0), ("threat", 0.5)),
            (Prereq(module="sec-1"), Prereq(competency="threat", mastery=0.6)),
        ),
        ModuleSpec(
            "sec-ref",
            "Security refresher",
            "security",
            "refresher",
            1,
            (("threat", 0.6), ("protect", 0.6)),
        ),
        ModuleSpec(
            "capstone",
            "Capstone",
            "security",
            "capstone",
            3,
            (("roles", 0.5), ("threat", 0.5), ("protect", 0.5)),
            (Prereq(module="sec-2"),),
        ),
    )
    return Catalogue(comps, modules, ("foundations", "security")).validate()


@pytest.fixture
def catalogue() -> Catalogue:
    """Return the small catalogue with default parameters."""
    return small_catalogue()


@pytest.fixture
def engine(catalogue: Catalogue) -> Engine:
    """Return an engine over the small catalogue."""
    return Engine(catalogue)
