"""Posting statements to a Learning Record Store (xAPI 1.0.3 Statements resource)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from course.services.outbox import Delivery, Message, Send

XAPI_VERSION = "1.0.3"


@dataclass(frozen=True)
class Lrs:
    """Where statements go and how to authenticate (HTTP Basic)."""

    endpoint: str  # e.g. https://lrs.example.org/xAPI/ (the statements resource is below it)
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Lrs | None:
        """Return the configured LRS, or None when none is."""
        if not config.get("XAPI_LRS_ENDPOINT"):
            return None
        return cls(
            config["XAPI_LRS_ENDPOINT"],
            config.get("XAPI_LRS_USERNAME", ""),
            config.get("XAPI_LRS_PASSWORD", ""),
            float(config.get("XAPI_LRS_TIMEOUT", 10)),
        )

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements"

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
        if self.username or self.password:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return headers


class Unreachable(Exception):
    """The LRS did not answer (refused, timed out, DNS)."""


def post(lrs: Lrs, statements: list[dict[str, Any]]) -> tuple[int, str]:
    """POST statements; return the status and the start of the body, or raise Unreachable."""
    request = urllib.request.Request(
        lrs.statements_url,
        data=json.dumps(statements).encode(),
        headers=lrs.headers(),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=lrs.timeout) as response:  # noqa: S310
            return response.status, response.read(1000).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(1000).decode(errors="replace")
    except (OSError, ValueError) as error:  # URLError, refused, timeout, a bad URL
        raise Unreachable(str(getattr(error, "reason", error))) from error


def sender(lrs: Lrs) -> Send:
    """Return an outbox Send that posts a batch and reads the LRS's answer per statement."""

    def send(messages: list[Message]) -> Delivery:
        try:
            status, body = post(lrs, [m.payload for m in messages])
        except Unreachable as error:
            return _failed(messages, f"LRS unreachable: {error}")
        if 200 <= status < 300:
            return Delivery(tuple(m.id for m in messages))
        if status in (400, 409, 413) and len(messages) > 1:
            # One statement can spoil a batch (refused, or its id already held): send each alone.
            return sum((send([m]) for m in messages), Delivery())
        if status == 409:  # the LRS already holds this statement id: it is delivered
            return Delivery((messages[0].id,))
        return _failed(messages, f"LRS answered {status}: {body.strip()[:500]}")

    return send


def _failed(messages: list[Message], error: str) -> Delivery:
    return Delivery(failed={m.id: error for m in messages})
