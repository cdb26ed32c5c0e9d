"""EM recovers known parameters; the report and the command line."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from course.engine import Engine, ModuleCompleted, Observation, Params, event_to_json
from course.engine.__main__ import main
from course.engine.fit import fit_competency, sequences

from .conftest import at, small_catalogue

TRUE = Params(prior=0.3, learn=0.15, guess=0.25, slip=0.1, forget=0.0)


def simulate(params: Params, learners: int, length: int, seed: int, gap: float = 0.0) -> list:
    """Generate step sequences from a BKT chain with forgetting over gap days."""
    rng = random.Random(seed)
    seqs = []
    for _ in range(learners):
        known = rng.random() < params.prior
        seq = []
        for k in range(length):
            if k and gap and rng.random() < 1 - (1 - params.forget) ** gap:
                known = rng.random() < params.prior
            good = rng.random() < (1 - params.slip if known else params.guess)
            seq.append((gap if k else 0.0, 1.0 if good else 0.0, 1.0, 1.0))
            known = known or rng.random() < params.learn
        seqs.append(seq)
    return seqs


def test_em_recovers_parameters() -> None:
    result = fit_competency("c", Params(), simulate(TRUE, 400, 15, 1), fit_forget=False)
    assert result.ll_after > result.ll_before
    got = result.after
    assert got.prior == pytest.approx(TRUE.prior, abs=0.06)
    assert got.learn == pytest.approx(TRUE.learn, abs=0.04)
    assert got.guess == pytest.approx(TRUE.guess, abs=0.04)
    assert got.slip == pytest.approx(TRUE.slip, abs=0.03)
    assert got.threshold == 0.95


def test_em_estimates_forgetting_from_gaps() -> None:
    truth = Params(prior=0.2, learn=0.3, guess=0.2, slip=0.1, forget=0.05)
    result = fit_competency("c", Params(), simulate(truth, 400, 15, 2, gap=3.0), fit_forget=True)
    assert result.after.forget == pytest.approx(0.05, abs=0.02)
    assert result.after.learn == pytest.approx(0.3, abs=0.06)


def test_engine_fit_reads_histories_and_reports() -> None:
    engine = Engine(small_catalogue())
    rng = random.Random(3)
    histories = []
    for _ in range(30):
        events = [ModuleCompleted(module_id="sec-1", at=at(0))]
        for i in range(8):
            rating = "best" if rng.random() < 0.2 + 0.08 * i else "poor"
            events.append(Observation(competency="threat", at=at(0, i + 1), rating=rating))
        histories.append(events)
    report = engine.fit(histories, iterations=30).validate()
    assert {f.competency for f in report.fits} == {"threat", "protect"}
    assert report.observations == 240
    assert report.ll_after >= report.ll_before
    assert report.params["roles"] == engine.params("roles")
    assert "threat" in report.summary() and "total: 60 sequences" in report.summary()
    fitted = engine.with_params(report.params)
    assert fitted.params_hash != engine.params_hash
    json.dumps(report.to_json())


def test_command_line_fit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = Engine(small_catalogue())
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps(engine.catalogue.to_json()))
    rows = []
    for n, seq in enumerate(simulate(TRUE, 20, 6, 4)):
        for k, (_, value, _, _) in enumerate(seq):
            event = Observation(competency="roles", at=at(0, k), value=value)
            rows.append(json.dumps({"learner": n, "event": event_to_json(event)}))
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(rows))
    out = tmp_path / "report.json"
    assert (
        main(["fit", "--catalogue", str(catalogue), "--events", str(events), "--out", str(out)])
        == 0
    )
    assert "total: 20 sequences, 120 observations" in capsys.readouterr().out
    assert json.loads(out.read_text())["params"]["roles"]["threshold"] == 0.95


def test_the_fit_reads_evidence_as_apply_does() -> None:
    side = Observation(competency="protect", at=at(), rating="best", weight=0.5)
    assert sequences(Engine(small_catalogue()), [side]) == {"protect": [(0.0, 1.0, 0.25, 0.0)]}
