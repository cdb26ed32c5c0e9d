"""The verbs, activity types and extension names the platform's statements use."""

from __future__ import annotations

from dataclasses import dataclass

ADL = "http://adlnet.gov/expapi"
XAPI_VERSION = "1.0.3"


@dataclass(frozen=True)
class Verb:
    """A verb: its IRI and the English word shown for it."""

    id: str
    display: str

    def to_json(self, language: str) -> dict[str, object]:
        return {"id": self.id, "display": {language: self.display}}


# ADL's verbs where one exists (https://registry.tincanapi.com lists them under adlnet.gov).
EXPERIENCED = Verb(f"{ADL}/verbs/experienced", "experienced")
COMPLETED = Verb(f"{ADL}/verbs/completed", "completed")
ANSWERED = Verb(f"{ADL}/verbs/answered", "answered")
PASSED = Verb(f"{ADL}/verbs/passed", "passed")
FAILED = Verb(f"{ADL}/verbs/failed", "failed")
MASTERED = Verb(f"{ADL}/verbs/mastered", "mastered")

# ADL's activity types.
MODULE = f"{ADL}/activities/module"
ASSESSMENT = f"{ADL}/activities/assessment"
INTERACTION = f"{ADL}/activities/cmi.interaction"
OBJECTIVE = f"{ADL}/activities/objective"
COURSE = f"{ADL}/activities/course"


def own_verbs(home: str) -> dict[str, Verb]:
    """Return the platform's own verbs, for events ADL has no verb for (under its home page)."""
    return {
        "lost-mastery": Verb(f"{home}/xapi/verbs/lost-mastery", "lost mastery of"),
        "review-due": Verb(f"{home}/xapi/verbs/review-due", "is due to review"),
    }


def cohort_type(home: str) -> str:
    """Return the activity type of a cohort (a group of trainees taking the course together)."""
    return f"{home}/xapi/activity-types/cohort"


def extension(home: str, name: str) -> str:
    """Return the IRI of one of the platform's extensions."""
    return f"{home}/xapi/extensions/{name}"
