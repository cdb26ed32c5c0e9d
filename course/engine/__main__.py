"""Command line: fit the engine's parameters from recorded history and report the fit.

    python -m course.engine fit --catalogue catalogue.json --events events.jsonl [--out params.json]

catalogue.json is Catalogue.to_json(); events.jsonl has one {"learner": id, "event": {...}} per
line (event as written by event_to_json), in time order per learner. The Flask CLI wraps the same
function for the database.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from course.engine.catalogue import Catalogue
from course.engine.engine import Engine
from course.engine.events import Event, event_from_json
from course.engine.fit import FitReport


def read_histories(lines: Iterable[str]) -> list[list[Event]]:
    """Group JSON-lines events by learner, keeping their order."""
    histories: dict[str, list[Event]] = defaultdict(list)
    for line in lines:
        if line.strip():
            row = json.loads(line)
            histories[str(row["learner"])].append(event_from_json(row["event"]))
    return list(histories.values())


def fit_files(catalogue: Path, events: Path, iterations: int, forget: bool) -> FitReport:
    """Fit parameters from a catalogue file and an events file."""
    engine = Engine(Catalogue.from_json(json.loads(catalogue.read_text(encoding="utf-8"))))
    with events.open(encoding="utf-8") as handle:
        histories = read_histories(handle)
    return engine.fit(histories, iterations=iterations, fit_forget=forget)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m course.engine")
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("fit", help="fit parameters by EM and report the fit")
    fit.add_argument("--catalogue", type=Path, required=True)
    fit.add_argument("--events", type=Path, required=True)
    fit.add_argument("--iterations", type=int, default=100)
    fit.add_argument("--no-forget", action="store_true", help="keep forget as it is")
    fit.add_argument("--out", type=Path, help="write the report as JSON here")
    args = parser.parse_args(argv)
    report = fit_files(args.catalogue, args.events, args.iterations, not args.no_forget)
    print(report.summary())
    if args.out:
        args.out.write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
