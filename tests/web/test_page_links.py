"""link(): url_for() with the path built once per process, for the links every page repeats."""

from __future__ import annotations

import re

from flask import url_for

from course.web import link


def test_link_builds_what_url_for_builds_under_any_script_root(app) -> None:  # noqa: ANN001
    cases = [("learn.path", {}), ("learn.module", {"slug": "basics-one"})]
    cases += [("static", {"filename": "css/app.css"}), ("auth.login", {})]
    for root in ("", "/training", ""):  # a proxy may mount the platform under a prefix
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for endpoint, values in cases:
                assert link(endpoint, **values) == url_for(endpoint, **values)
                assert link(endpoint, **values).startswith(f"{root}/")


def test_pages_link_under_the_script_root(trainee, course) -> None:  # noqa: ANN001
    client, _ = trainee
    html = client.get("/learn/modules/basics-one").get_data(as_text=True)
    assert 'href="/learn/"' in html and 'action="/learn/modules/basics-one/complete"' in html
    mounted = client.get("/learn/modules/basics-one", base_url="http://localhost/training/")
    text = mounted.get_data(as_text=True)
    assert 'href="/training/learn/"' in text
    assert 'action="/training/learn/modules/basics-one/complete"' in text
    # the link to the next module is kept once made (web.module_part), but per script root
    assert re.search(r'href="/learn/modules/[a-z-]+" rel="next"', html)
    assert re.search(r'href="/training/learn/modules/[a-z-]+" rel="next"', text)
