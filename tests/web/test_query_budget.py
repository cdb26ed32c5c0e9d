"""Each trainee page runs at most its budget of queries: a regression fails here first."""

from __future__ import annotations

import re

from tests.conftest import count_queries as count
from tests.conftest import post_form
from tests.web.test_learn import answer, start

# SQLite counts BEGIN. A trainee page reads, in one query, the user, the content's revision and,
# on a page that only reads, the trainee's stored state, cohort rules and target date. An answer
# also stores, in its own transaction, the trainee's cohort-page summary and weekly snapshot (one
# read of the trainee's figures, two upserts) and its xAPI statement (the trainee's cohorts, one
# query, and the outbox row, one INSERT). On My path the user's query also carries the unfinished
# attempts.
BUDGET = {
    "path, nothing to resume": 2,
    "path": 2,
    "module": 2,
    "step": 3,
    "answer": 16,
    "results": 4,
}


def test_trainee_pages_stay_within_their_query_budgets(trainee, course, app) -> None:  # noqa: ANN001
    client, _ = trainee
    post_form(client, "/learn/welcome/skip", token_from="/learn/welcome")
    idle = count(app, lambda: client.get("/learn/"))
    url = start(client)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).get_data(as_text=True)
    ).group(1)
    used = {
        "path, nothing to resume": idle,
        "path": count(app, lambda: client.get("/learn/")),
        "module": count(app, lambda: client.get("/learn/modules/basics-one")),
        "step": count(app, lambda: client.get(url)),
        "answer": count(
            app,
            lambda: client.post(url, data={"step": "first", "choice": "a", "csrf_token": token}),
        ),
    }
    answer(client, url, "second", option="0")
    answer(client, url, "third", choice="a")
    used["results"] = count(app, lambda: client.get(url))
    over = {page: (n, BUDGET[page]) for page, n in used.items() if n > BUDGET[page]}
    assert over == {}, used
