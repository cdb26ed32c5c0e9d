"""Check a statement against the rules of xAPI 1.0.3 (Data, section 2) that apply to what an
activity provider sends: required properties, IRIs, UUIDs, scores, durations, UTC timestamps.

Returns the problems as "path: what is wrong" strings; an empty list means the statement passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
IRL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
SHA1 = re.compile(r"^[0-9a-f]{40}$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
DURATION = re.compile(
    r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)
UUID_TEXT = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-"
)
STATEMENT_KEYS = {
    "id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
    "version", "attachments",
}  # fmt: skip
INTERACTION_TYPES = {
    "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
    "likert", "numeric", "other",
}  # fmt: skip
CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")

Problems = list[str]


def problems(statement: Any) -> Problems:
    """Return every way the statement breaks xAPI 1.0.3 (empty when it is valid)."""
    found: Problems = []
    if not isinstance(statement, dict):
        return ["statement: must be a JSON object"]
    for key in sorted(set(statement) - STATEMENT_KEYS):
        found.append(f"{key}: not a statement property")
    for key in ("actor", "verb", "object"):
        if key not in statement:
            found.append(f"{key}: required")
    checks: dict[str, Callable[[str, Any, Problems], None]] = {
        "id": _uuid,
        "actor": _agent,
        "verb": _verb,
        "object": _object,
        "result": _result,
        "context": _context,
        "timestamp": _timestamp,
        "stored": _timestamp,
        "version": _version,
    }
    for key, check in checks.items():
        if key in statement:
            check(key, statement[key], found)
    return found


def is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(IRI.match(value))


def _iri(path: str, value: Any, found: Problems) -> None:
    if not is_iri(value):
        found.append(f"{path}: must be an absolute IRI, got {value!r}")


def _uuid(path: str, value: Any, found: Problems) -> None:
    if not (isinstance(value, str) and UUID_TEXT.match(value)):
        found.append(f"{path}: must be a UUID (RFC 4122, hyphenated), got {value!r}")


def _language_map(path: str, value: Any, found: Problems) -> None:
    if not isinstance(value, dict) or not value:
        found.append(f"{path}: must be a non-empty language map")
        return
    for tag, text in value.items():
        if not LANGUAGE_TAG.match(tag) or not isinstance(text, str):
            found.append(f"{path}.{tag}: must map an RFC 5646 language tag to a string")


def _extensions(path: str, value: Any, found: Problems) -> None:
    if not isinstance(value, dict):
        found.append(f"{path}: must be an object")
        return
    for key in value:
        _iri(f"{path}[{key!r}]", key, found)


def _object_only(path: str, value: Any, found: Problems) -> bool:
    if not isinstance(value, dict):
        found.append(f"{path}: must be an object")
        return False
    return True


def _agent(path: str, value: Any, found: Problems) -> None:
    if not _object_only(path, value, found):
        return
    kind = value.get("objectType", "Agent")
    if kind == "Group":
        for i, member in enumerate(value.get("member", [])):
            _agent(f"{path}.member[{i}]", member, found)
        if not any(k in value for k in IFIS):
            if "member" not in value:
                found.append(f"{path}: an anonymous group needs members")
            return
    elif kind != "Agent":
        found.append(f"{path}.objectType: must be Agent or Group, got {kind!r}")
    ifis = [k for k in IFIS if k in value]
    if len(ifis) != 1:
        found.append(f"{path}: needs exactly one identifier of {IFIS}, got {ifis}")
    if "mbox" in value and not MAILTO.match(str(value["mbox"])):
        found.append(f"{path}.mbox: must be a mailto: IRI")
    if "mbox_sha1sum" in value and not SHA1.match(str(value["mbox_sha1sum"])):
        found.append(f"{path}.mbox_sha1sum: must be a SHA-1 hex digest")
    if "openid" in value:
        _iri(f"{path}.openid", value["openid"], found)
    if "account" in value:
        _account(f"{path}.account", value["account"], found)


def _account(path: str, value: Any, found: Problems) -> None:
    if not _object_only(path, value, found):
        return
    if not IRL.match(str(value.get("homePage", ""))):
        found.append(f"{path}.homePage: must be an IRL (http or https URL)")
    if not isinstance(value.get("name"), str) or not value.get("name"):
        found.append(f"{path}.name: required, a non-empty string")


def _verb(path: str, value: Any, found: Problems) -> None:
    if not _object_only(path, value, found):
        return
    _iri(f"{path}.id", value.get("id"), found)
    if "display" in value:
        _language_map(f"{path}.display", value["display"], found)


def _object(path: str, value: Any, found: Problems) -> None:
    if not _object_only(path, value, found):
        return
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        _activity(path, value, found)
    elif kind in ("Agent", "Group"):
        _agent(path, value, found)
    elif kind == "StatementRef":
        _uuid(f"{path}.id", value.get("id"), found)
    elif kind != "SubStatement":
        found.append(f"{path}.objectType: unknown {kind!r}")


def _activity(path: str, value: Any, found: Problems) -> None:
    if not _object_only(path, value, found):
        return
    if value.get("objectType", "Activity") != "Activity":
        found.append(f"{path}.objectType: must be Activity")
    _iri(f"{path}.id", value.get("id"), found)
    definition = value.get("definition")
    if definition is None:
        return
    if not _object_only(f"{path}.definition", definition, found):
        return
    for key in ("name", "description"):
        if key in definition:
            _language_map(f"{path}.definition.{key}", definition[key], found)
    for key in ("type", "moreInfo"):
        if key in definition:
            _iri(f"{path}.definition.{key}", definition[key], found)
    if "extensions" in definition:
        _extensions(f"{path}.definition.extensions", definition["extensions"], found)
    _interaction(f"{path}.definition", definition, found)


def _interaction(path: str, definition: dict, found: Problems) -> None:
    kind = definition.get("interactionType")
    components = [k for k in ("choices", "scale", "source", "target", "steps") if k in definition]
    if kind is None:
        if components or "correctResponsesPattern" in definition:
            found.append(f"{path}: interaction components need an interactionType")
        return
    if kind not in INTERACTION_TYPES:
        found.append(f"{path}.interactionType: unknown {kind!r}")
    pattern = definition.get("correctResponsesPattern", [])
    if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
        found.append(f"{path}.correctResponsesPattern: must be a list of strings")
    for key in components:
        ids = [c.get("id") for c in definition[key] if isinstance(c, dict)]
        if len(ids) != len(definition[key]) or not all(isinstance(i, str) and i for i in ids):
            found.append(f"{path}.{key}: every component needs a string id")
        elif len(set(ids)) != len(ids):
            found.append(f"{path}.{key}: component ids must be unique")
        for i, component in enumerate(definition[key]):
            if isinstance(component, dict) and "description" in component:
                _language_map(f"{path}.{key}[{i}].description", component["description"], found)


def _result(path: str, value: Any, found: Problems) -> None:
    if not _object_only(path, value, found):
        return
    for key in ("success", "completion"):
        if key in value and not isinstance(value[key], bool):
            found.append(f"{path}.{key}: must be true or false")
    if "response" in value and not isinstance(value["response"], str):
        found.append(f"{path}.response: must be a string")
    if "duration" in value and not (
        isinstance(value["duration"], str) and DURATION.match(value["duration"])
    ):
        found.append(f"{path}.duration: must be an ISO 8601 duration, got {value['duration']!r}")
    if "score" in value:
        _score(f"{path}.score", value["score"], found)
    if "extensions" in value:
        _extensions(f"{path}.extensions", value["extensions"], found)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _score(path: str, value: Any, found: Problems) -> None:
    if not _object_only(path, value, found):
        return
    for key in ("scaled", "raw", "min", "max"):
        if key in value and not _number(value[key]):
            found.append(f"{path}.{key}: must be a number")
            return
    if "scaled" in value and not -1 <= value["scaled"] <= 1:
        found.append(f"{path}.scaled: must be between -1 and 1, got {value['scaled']}")
    low, high, raw = value.get("min"), value.get("max"), value.get("raw")
    if low is not None and high is not None and not low < high:
        found.append(f"{path}: min must be less than max")
    if raw is not None and low is not None and raw < low:
        found.append(f"{path}.raw: must not be below min")
    if raw is not None and high is not None and raw > high:
        found.append(f"{path}.raw: must not be above max")


def _context(path: str, value: Any, found: Problems) -> None:
    if not _object_only(path, value, found):
        return
    if "registration" in value:
        _uuid(f"{path}.registration", value["registration"], found)
    for key in ("instructor", "team"):
        if key in value:
            _agent(f"{path}.{key}", value[key], found)
    for key in ("platform", "revision"):
        if key in value and not isinstance(value[key], str):
            found.append(f"{path}.{key}: must be a string")
    if "language" in value and not LANGUAGE_TAG.match(str(value["language"])):
        found.append(f"{path}.language: must be an RFC 5646 language tag")
    if "statement" in value:
        _uuid(f"{path}.statement.id", (value["statement"] or {}).get("id"), found)
    if "extensions" in value:
        _extensions(f"{path}.extensions", value["extensions"], found)
    activities = value.get("contextActivities", {})
    if not _object_only(f"{path}.contextActivities", activities, found):
        return
    for key, listed in activities.items():
        if key not in CONTEXT_ACTIVITY_KEYS:
            found.append(f"{path}.contextActivities.{key}: not a context activity kind")
        for i, item in enumerate(listed if isinstance(listed, list) else [listed]):
            _activity(f"{path}.contextActivities.{key}[{i}]", item, found)


def _timestamp(path: str, value: Any, found: Problems) -> None:
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        found.append(f"{path}: must be an ISO 8601 timestamp, got {value!r}")
        return
    if at.utcoffset() != timedelta(0):
        found.append(f"{path}: must be in UTC (Z or +00:00), got {value!r}")


def _version(path: str, value: Any, found: Problems) -> None:
    if not re.match(r"^1\.0(\.\d+)?$", str(value)):
        found.append(f"{path}: must be 1.0.x, got {value!r}")
