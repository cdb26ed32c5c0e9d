"""Our EM against pyBKT on the same binary data (skipped only when the bench extra is absent)."""

from __future__ import annotations

import random

import pytest

from course.engine import Params
from course.engine.fit import fit_competency

models = pytest.importorskip("pyBKT.models")
pd = pytest.importorskip("pandas")

TRUE = Params(prior=0.25, learn=0.2, guess=0.2, slip=0.1, forget=0.0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_em_agrees_with_pybkt_on_bkt_data() -> None:
    rng = random.Random(7)
    rows, seqs = [], []
    for user in range(300):
        known, seq = rng.random() < TRUE.prior, []
        for _ in range(12):
            good = rng.random() < (1 - TRUE.slip if known else TRUE.guess)
            rows.append(
                {
                    "order_id": len(rows),
                    "user_id": str(user),
                    "skill_name": "c",
                    "correct": int(good),
                }
            )
            seq.append((0.0, float(good), 1.0, 1.0))
            known = known or rng.random() < TRUE.learn
        seqs.append(seq)
    ours = fit_competency("c", Params(), seqs, fit_forget=False).after
    model = models.Model(seed=1, num_fits=3)
    model.fit(data=pd.DataFrame(rows))
    theirs = model.params().reset_index().set_index("param")["value"]
    assert ours.learn == pytest.approx(float(theirs["learns"]), abs=0.03)
    assert ours.guess == pytest.approx(float(theirs["guesses"]), abs=0.03)
    assert ours.slip == pytest.approx(float(theirs["slips"]), abs=0.03)
    assert ours.prior == pytest.approx(float(theirs["prior"]), abs=0.05)
