"""The authoring studio: drafts, checks, publishing through the importer, locking, versions,
retiring, the zip round trip, the scenario graph and playing a scenario; roles on every route."""

from __future__ import annotations

import html as html_lib
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from course.models import Attempt, Draft, Event, Module, ModuleVersion, QuizVersion
from tests.conftest import FIXTURE_COURSE, csrf_token, post_form

MODULE = (FIXTURE_COURSE / "modules" / "basics-one.md").read_text()
QUIZ = (FIXTURE_COURSE / "quizzes" / "basics-one.yaml").read_text()
EDIT = "/author/studio/modules/basics-one"
QUIZ_EDIT = "/author/studio/quizzes/basics-one"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'id="{name}" name="{name}" type="hidden" value="(\d+)"', html)
    assert match, f"no {name} in the form"
    return match.group(1)


def edit(client, url: str, source: str, action: str = "save", message: str = "", page=None):  # noqa: ANN001, ANN201
    """Submit the editor as the page (fetched now, unless given) has it."""
    html = page if page is not None else client.get(url).get_data(as_text=True)
    data = {
        "source": source,
        "version": hidden(html, "version"),
        "revision": hidden(html, "revision"),
        "message": message,
        action: "1",
    }
    return post_form(client, url, data, token_from=url)


def count(query, model) -> int:  # noqa: ANN001
    return query(select(func.count()).select_from(model))


def test_editor_opens_the_published_text_and_checks_it(instructor, course):
    client, _ = instructor
    html = client.get(EDIT).get_data(as_text=True)
    assert "An introduction to Basics one." in html and "Published version 1" in html
    assert "Check: no problems" in html and "Preview, as trainees will read it" in html
    assert hidden(html, "version") == "1" and hidden(html, "revision") == "0"
    assert client.get("/author/studio/modules/Bad_Name").status_code == 404
    assert client.get("/author/studio/other/basics-one").status_code == 404


def test_check_reports_problems_inline_with_lines_and_saves_nothing(instructor, course, query):
    client, _ = instructor
    bad = MODULE.replace("level: 1", "level: 9")
    html = edit(client, EDIT, bad, "check").get_data(as_text=True)
    assert "Check: 1 problem" in html and "line 5:</strong>" in html
    assert count(query, Draft) == 0 and count(query, ModuleVersion) == 3


def test_save_draft_then_publish_makes_a_version_with_author_and_message(
    instructor, trainee, course, query
):
    client, user = instructor
    changed = MODULE.replace("An introduction", "A revised introduction")
    saved = edit(client, EDIT, changed)
    assert saved.status_code == 302
    draft = query(select(Draft))
    assert draft.revision == 1 and draft.base_number == 1 and draft.author_id == user.id
    trainee_client, _ = trainee
    assert "A revised" not in trainee_client.get("/learn/modules/basics-one").get_data(as_text=True)
    page = client.get(EDIT).get_data(as_text=True)
    assert "A revised introduction" in page and "Draft revision 1" in page
    assert hidden(page, "revision") == "1"
    refused = edit(client, EDIT, changed, "publish", message="", page=page)
    assert refused.status_code == 422 and "Say in a few words what changed" in refused.get_data(
        as_text=True
    )
    done = edit(client, EDIT, changed, "publish", message="Sharper opening.", page=page)
    assert done.status_code == 302 and done.headers["Location"].endswith("/versions")
    version = query(select(ModuleVersion).where(ModuleVersion.number == 2))
    assert version.author_id == user.id and version.message == "Sharper opening."
    assert version.origin == "browser" and count(query, Draft) == 0
    assert count(query, ModuleVersion) == 4 and count(query, QuizVersion) == 4  # nothing else
    assert "A revised introduction" in trainee_client.get("/learn/modules/basics-one").get_data(
        as_text=True
    )
    history = client.get(EDIT + "/versions").get_data(as_text=True)
    assert "Sharper opening." in history and user.display_name in history


def test_publish_with_errors_writes_nothing(instructor, course, query):
    client, _ = instructor
    html = edit(client, EDIT, MODULE.replace("kind: core", "kind: lecture"), "publish", "x")
    assert html.status_code == 422
    text = html.get_data(as_text=True)
    assert "Not published" in text and "line 7:</strong>" in text
    assert count(query, ModuleVersion) == 3 and count(query, Draft) == 0


def test_publishing_the_same_text_is_refused(instructor, course, query):
    client, _ = instructor
    response = edit(client, EDIT, MODULE, "publish", "No change.")
    assert response.status_code == 422 and "Nothing to publish" in response.get_data(as_text=True)
    assert count(query, ModuleVersion) == 3


def test_a_stale_save_is_refused_with_a_diff_and_never_overwrites(login, course, query):
    first, _ = login("instructor")
    second, _ = login("admin")
    page_one = first.get(EDIT).get_data(as_text=True)
    page_two = second.get(EDIT).get_data(as_text=True)
    assert edit(first, EDIT, MODULE.replace("Basics one.", "Basics one, first."), page=page_one)
    refused = edit(
        second, EDIT, MODULE.replace("Basics one.", "Basics one, second."), page=page_two
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Not saved: someone else changed this file" in html
    assert "saved this draft on" in html and "after you opened it" in html
    assert "<del>-An introduction to Basics one, first.</del>" in html
    assert "<ins>+An introduction to Basics one, second.</ins>" in html
    assert "Basics one, first." in query(select(Draft.source))
    # the refusal page is now based on the saved draft: saving from it is a deliberate choice
    assert hidden(html, "revision") == "1"
    again = edit(second, EDIT, MODULE.replace("Basics one.", "Basics one, second."), page=html)
    assert again.status_code == 302 and "second" in query(select(Draft.source))


def test_a_publish_based_on_an_old_version_is_refused(login, course, query):
    first, _ = login("instructor")
    second, _ = login("instructor")
    stale_page = second.get(EDIT).get_data(as_text=True)
    edit(first, EDIT, MODULE.replace("Basics one.", "Basics one, new."), "publish", "New.")
    refused = edit(
        second, EDIT, MODULE.replace("Basics", "Other"), "publish", "Mine.", page=stale_page
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "published version 2" in html
    assert count(query, ModuleVersion) == 4


def test_a_new_module_and_its_scenario_publish_together(instructor, trainee, course, query):
    client, _ = instructor
    new_module = MODULE.replace("id: basics-one", "id: basics-two").replace(
        "title: Basics one", "title: Basics two"
    )
    opened = client.get("/author/studio/new?name=basics-two&kind=modules")
    assert opened.headers["Location"].endswith("/author/studio/modules/basics-two")
    starter = client.get("/author/studio/modules/basics-two?mode=source").get_data(as_text=True)
    assert "id: basics-two" in starter and "Not published yet" in starter
    assert "track: basics" in starter and "alpha: 1.0" in starter  # the course's own ids
    form = client.get("/author/studio/modules/basics-two").get_data(as_text=True)
    assert 'value="Title of the module"' in form and "Front matter as a form" in form
    assert edit(client, "/author/studio/modules/basics-two", new_module).status_code == 302
    alone = edit(client, "/author/studio/modules/basics-two", new_module, "check")
    assert "module &#39;basics-two&#39; has no quiz" in alone.get_data(as_text=True)
    new_quiz = QUIZ.replace("id: basics-one-quiz", "id: basics-two-quiz").replace(
        "module: basics-one", "module: basics-two"
    )
    url = "/author/studio/quizzes/basics-two"
    assert edit(client, url, new_quiz).status_code == 302
    done = edit(client, url, new_quiz, "publish", "A second basics module.")
    assert done.status_code == 302, done.get_data(as_text=True)
    assert count(query, Draft) == 0
    assert query(select(Module.retired).where(Module.slug == "basics-two")) is False
    trainee_client, _ = trainee
    assert "Basics two" in trainee_client.get("/learn/modules").get_data(as_text=True)


def test_discard_a_draft(instructor, course, query):
    client, _ = instructor
    edit(client, EDIT, MODULE.replace("Basics one.", "Basics one!"))
    stale = post_form(client, EDIT + "/discard", {"version": 1, "revision": 7}, token_from=EDIT)
    assert stale.status_code == 302 and count(query, Draft) == 1
    post_form(client, EDIT + "/discard", {"version": 1, "revision": 1}, token_from=EDIT)
    assert count(query, Draft) == 0


def test_versions_diff_and_restore(instructor, course, query):
    client, _ = instructor
    edit(
        client, EDIT, MODULE.replace("An introduction", "A second introduction"), "publish", "Two."
    )
    diff = client.get(EDIT + "/diff?old=1&new=2").get_data(as_text=True)
    assert "<del>-An introduction to Basics one.</del>" in diff
    assert "<ins>+A second introduction to Basics one.</ins>" in diff
    assert client.get(EDIT + "/diff?old=1&new=9").status_code == 404
    assert "A second" in client.get(EDIT + "/versions/2").get_data(as_text=True)
    assert client.get(EDIT + "/versions/9").status_code == 404
    stale = post_form(
        client, EDIT + "/versions/1/restore", {"version": 1}, token_from=EDIT + "/versions"
    )
    assert stale.status_code == 302 and count(query, ModuleVersion) == 4
    post_form(client, EDIT + "/versions/1/restore", {"version": 2}, token_from=EDIT + "/versions")
    restored = query(select(ModuleVersion).where(ModuleVersion.number == 3))
    assert restored.message == "Restored version 1." and "An introduction" in restored.source


def test_attempts_keep_the_version_they_took(instructor, trainee, course, query):
    client, _ = instructor
    trainee_client, _ = trainee
    start = post_form(
        trainee_client,
        "/learn/quizzes/basics-one-quiz/start",
        token_from="/learn/quizzes/basics-one-quiz",
    )
    attempt_url = start.headers["Location"]
    changed = QUIZ.replace("The first situation of basics-one.", "A changed first situation.")
    assert edit(client, QUIZ_EDIT, changed, "publish", "New situation.").status_code == 302
    page = trainee_client.get(attempt_url).get_data(as_text=True)
    assert "The first situation of basics-one." in page
    version = query(
        select(QuizVersion).where(
            QuizVersion.id == select(Attempt.quiz_version_id).scalar_subquery()
        )
    )
    assert version.number == 1


def test_retire_a_module_and_its_scenario(instructor, course, query):
    client, _ = instructor
    url = "/author/studio/modules/basics-refresher"
    assert "Retire the module and its scenario" in client.get(url + "/retire").get_data(
        as_text=True
    )
    done = post_form(
        client, url + "/retire", {"version": 1, "revision": 0}, token_from=url + "/retire"
    )
    assert done.status_code == 302
    assert query(select(Module.retired).where(Module.slug == "basics-refresher")) is True
    assert count(query, ModuleVersion) == 3  # records and versions stay


def test_retire_refused_when_the_course_needs_it(instructor, course, query):
    client, _ = instructor
    url = EDIT + "/retire"
    refused = post_form(client, url, {"version": 1, "revision": 0}, token_from=url)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Not retired" in html
    assert query(select(Module.retired).where(Module.slug == "basics-one")) is False


def test_scenario_graph_is_drawn_with_a_text_alternative(instructor, course):
    client, _ = instructor
    html = client.get(QUIZ_EDIT).get_data(as_text=True)
    assert '<svg viewBox="0 0' in html and "The graph as a list" in html
    assert "ending: success" in html and "a: best" in html
    orphan = (
        QUIZ + "  lost:\n    type: ending\n    outcome: failure\n    title: Lost\n    text: Lost.\n"
    )
    checked = edit(client, QUIZ_EDIT, orphan, "check").get_data(as_text=True)
    assert "ending: failure · unreachable" in checked
    assert "step &#39;lost&#39; cannot be reached" in checked


def test_play_as_a_trainee_records_nothing(instructor, course, query):
    client, _ = instructor
    url = QUIZ_EDIT + "/play"
    first = client.get(url).get_data(as_text=True)
    assert "The first situation of basics-one." in first and "Nothing is recorded" in first
    after = client.get(url + "?path=&step=first&choice=a").get_data(as_text=True)
    assert 'Your last answer was <span class="rating">best</span>' in after
    assert "Which is right?" in after
    end = client.get(url + "?path=a,0,a").get_data(as_text=True)
    assert "Score 100%" in end and "passed" in end
    bad = client.get(url + "?path=zz").get_data(as_text=True)
    assert "The path stops here" in bad
    refused = client.get(url + "?path=&step=first").get_data(as_text=True)
    assert "Choose one of the options" in refused
    assert count(query, Event) == 0 and count(query, Attempt) == 0
    assert client.get("/author/studio/modules/basics-one/play").status_code == 404


def test_export_zip_and_upload_round_trip(instructor, course, query):
    client, _ = instructor
    response = client.get("/author/studio/export.zip")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert "modules/competencies.yaml" in names and "quizzes/placement.yaml" in names
    assert archive.read("modules/basics-one.md").decode() == MODULE
    again = post_form(
        client,
        "/author/studio/import",
        {"archive": (io.BytesIO(response.data), "course.zip"), "message": "Round trip."},
        token_from="/author/studio/",
        content_type="multipart/form-data",
    )
    assert again.status_code == 302, again.get_data(as_text=True)
    assert count(query, ModuleVersion) == 3 and count(query, QuizVersion) == 4


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def upload(client, data: bytes):  # noqa: ANN001, ANN201
    return post_form(
        client,
        "/author/studio/import",
        {"archive": (io.BytesIO(data), "course.zip"), "message": "Upload."},
        token_from="/author/studio/",
        content_type="multipart/form-data",
    )


def course_files() -> dict[str, str]:
    return {
        p.relative_to(FIXTURE_COURSE).as_posix(): p.read_text()
        for p in FIXTURE_COURSE.rglob("*")
        if p.is_file()
    }


def test_upload_with_a_problem_writes_nothing_and_names_file_and_line(instructor, course, query):
    client, _ = instructor
    files = course_files()
    files["quizzes/basics-one.yaml"] = files["quizzes/basics-one.yaml"].replace(
        "rating: poor", "rating: awful", 1
    )
    files["modules/basics-one.md"] = files["modules/basics-one.md"].replace("Basics one.", "B.")
    response = upload(client, zipped(files))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was imported" in html
    assert re.search(r"quizzes/basics-one.yaml, line \d+:</strong>", html) and "awful" in html
    assert count(query, ModuleVersion) == 3


def corrupt() -> bytes:
    """A zip whose one member's compressed bytes are damaged (its CRC no longer matches)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("modules/competencies.yaml", "tracks: []\n" * 20)
    return buffer.getvalue().replace(b"tracks: []\ntracks", b"tracks: {}\ntracks", 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (corrupt(), "cannot be read from the zip"),
        (b"not a zip", "not a zip file"),
        (zipped({"modules/competencies.yaml": "x", "../evil.md": "x"}), "not a course file"),
        (zipped({"modules/a.md": "x"}), "has no modules/competencies.yaml"),
        (zipped({"modules/competencies.yaml": "a: \x00"}), "holds a NUL byte"),
    ],
)
def test_upload_refuses_what_is_not_a_course(instructor, course, query, data, message):
    client, _ = instructor
    response = upload(client, data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(query, ModuleVersion) == 3


def test_upload_with_a_top_folder_is_accepted(instructor, course, query):
    client, _ = instructor
    files = {f"course/{k}": v for k, v in course_files().items()}
    files["course/modules/basics-one.md"] = MODULE.replace("Basics one.", "Basics one, zipped.")
    assert upload(client, zipped(files)).status_code == 302
    version = query(select(ModuleVersion).where(ModuleVersion.number == 2))
    assert version.origin == "upload" and version.message == "Upload."


def test_files_are_refused_by_every_other_form(instructor, course):
    client, _ = instructor
    response = post_form(
        client,
        EDIT,
        {"source": (io.BytesIO(b"x"), "x.md"), "version": 1, "revision": 0, "save": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_trainees_never_reach_the_studio_or_its_drafts(trainee, instructor, course, query):
    client, _ = instructor
    edit(client, EDIT, MODULE.replace("An introduction", "A secret draft"))
    trainee_client, _ = trainee
    urls = [
        "/author/studio/",
        EDIT,
        EDIT + "/versions",
        EDIT + "/diff",
        EDIT + "/versions/1",
        EDIT + "/retire",
        QUIZ_EDIT + "/play",
        "/author/studio/quizzes/basics-one/analysis",
        "/author/studio/export.zip",
        "/author/studio/new?name=x",
    ]
    for url in urls:
        assert trainee_client.get(url).status_code == 403, url
    for url in (
        EDIT,
        EDIT + "/discard",
        EDIT + "/retire",
        EDIT + "/versions/1/restore",
        "/author/studio/import",
    ):
        token = csrf_token(trainee_client, "/account/password")
        assert trainee_client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert "A secret draft" not in trainee_client.get("/learn/modules/basics-one").get_data(
        as_text=True
    )
    assert count(query, Draft) == 1


@pytest.mark.parametrize("role", ["instructor", "admin"])
def test_instructors_and_admins_use_every_page(login, course, role):
    client, _ = login(role)
    for url in (
        "/author/studio/",
        EDIT,
        EDIT + "/versions",
        EDIT + "/diff",
        EDIT + "/versions/1",
        EDIT + "/retire",
        QUIZ_EDIT,
        QUIZ_EDIT + "/play",
        "/author/studio/quizzes/basics-one/analysis",
        "/author/studio/quizzes/placement",
        "/author/studio/export.zip",
    ):
        assert client.get(url).status_code == 200, url


def fields(**changes: object) -> dict[str, object]:
    data = {
        "mode": "form",
        "title": "Basics one",
        "track": "basics",
        "level": "1",
        "minutes": "5",
        "kind": "core",
        "summary": "The Basics one module.",
        "objectives": "Learn Basics one.",
        "weight_0": "1.0",
        "weight_1": "",
        "mastery": "",
        "body": MODULE.split("---\n", 2)[2].lstrip("\n"),
        "version": "1",
        "revision": "0",
    }
    return {**data, **changes}


def test_module_front_matter_opens_as_form_fields(instructor, course):
    client, _ = instructor
    html = client.get(EDIT).get_data(as_text=True)
    assert "Front matter as a form" in html
    assert 'name="title" required type="text" value="Basics one"' in html
    assert '<option selected value="basics">Basics</option>' in html
    assert 'name="weight_0" step="any" type="number" value="1.0"' in html
    assert "Learn Basics one.</textarea>" in html and "An introduction to Basics one." in html
    assert "Advanced one" in html  # a module to choose as a prerequisite


def test_saving_the_form_writes_the_file_in_the_shipped_layout(instructor, course, query):
    client, _ = instructor
    data = fields(
        title="Basics: one",
        objectives="Learn Basics one.\nApply it.",
        weight_1="0.5",
        prerequisites="basics-refresher",
        mastery="beta: 0.6",
        save="1",
    )
    response = post_form(client, EDIT, data, token_from=EDIT)
    assert response.status_code == 302 and response.headers["Location"].endswith("mode=form")
    source = query(select(Draft.source))
    head = source.split("---\n")[1]
    assert head == (
        "id: basics-one\ntitle: 'Basics: one'\ntrack: basics\nlevel: 1\nminutes: 5\n"
        "kind: core\nsummary: The Basics one module.\nobjectives:\n  - Learn Basics one.\n"
        "  - Apply it.\ncompetencies:\n  alpha: 1.0\n  beta: 0.5\nprerequisites:\n"
        "  - basics-refresher\n  - competency: beta\n    mastery: 0.6\n"
    )
    assert source.endswith(MODULE.split("---\n", 2)[2])
    reopened = client.get(EDIT).get_data(as_text=True)
    assert 'value="Basics: one"' in reopened and 'value="0.5"' in reopened
    assert "beta: 0.6</textarea>" in reopened


def test_form_problems_show_the_file_with_its_lines(instructor, course):
    client, _ = instructor
    data = fields(body="# A top heading\n\nText.\n", check="1")
    html = post_form(client, EDIT, data, token_from=EDIT).get_data(as_text=True)
    assert "the body has a `#` heading" in html
    assert (
        "The file as the form writes it" in html and "<li><code># A top heading</code></li>" in html
    )


def test_form_input_errors_name_the_field(instructor, course, query):
    client, _ = instructor
    data = fields(title="", weight_0="7", mastery="nonsense", save="1")
    response = post_form(client, EDIT, data, token_from=EDIT)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Give the module a title." in html
    assert "Use a weight from 0.05 to 1" in html and "Write &#39;nonsense&#39; as" in html
    assert count(query, Draft) == 0


def test_a_file_the_form_cannot_hold_opens_as_text(instructor, course):
    client, _ = instructor
    odd = MODULE.replace("kind: core", "kind: core\nextra: 1")
    edit(
        client,
        EDIT + "?mode=source",
        odd,
        page=client.get(EDIT + "?mode=source").get_data(as_text=True),
    )
    html = client.get(EDIT).get_data(as_text=True)
    assert "The whole file as text." in html and "extra: 1" in html
    asked = client.get(EDIT + "?mode=form").get_data(as_text=True)
    assert "The form cannot hold the field &#39;extra&#39;: edit the text." in asked


def test_live_preview_renders_a_body_and_writes_nothing(instructor, trainee, course, query):
    client, _ = instructor
    response = post_form(
        client,
        "/author/studio/preview",
        {"text": MODULE + "\n<script>x()</script>"},
        token_from=EDIT,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "An introduction to Basics one." in html
    assert "<script>" not in html and "id: basics-one" not in html  # the front matter is left out
    plain = post_form(
        client, "/author/studio/preview", {"text": "## Just\n\nMarkdown"}, token_from=EDIT
    )
    assert 'id="just"' in plain.get_data(as_text=True)
    assert client.post("/author/studio/preview", data={"text": "x"}).status_code == 400  # no CSRF
    trainee_client, _ = trainee
    token = csrf_token(trainee_client, "/account/password")
    denied = trainee_client.post("/author/studio/preview", data={"text": "x", "csrf_token": token})
    assert denied.status_code == 403 and count(query, Draft) == 0


def test_drafts_are_listed_in_a_fixed_number_of_queries(instructor, login, course, app):
    from tests.web.test_item_analysis import queries

    client, _ = instructor
    edit(client, EDIT, MODULE.replace("Basics one.", "Basics one!"))
    before = queries(app, lambda: client.get("/author/studio/"))
    for name in ("advanced-one", "basics-refresher"):
        other, _ = login("instructor")
        url = f"/author/studio/modules/{name}?mode=source"
        page = other.get(url).get_data(as_text=True)
        source = page.split('name="source"')[1].split(">", 1)[1].split("</textarea>")[0]
        text = html_lib.unescape(source).lstrip("\n") + "\nMore.\n"
        assert edit(other, f"/author/studio/modules/{name}", text, page=page).status_code == 302
    listing = client.get("/author/studio/").get_data(as_text=True)
    assert listing.count("revision 1, saved by") == 3
    assert queries(app, lambda: client.get("/author/studio/")) == before


def test_restore_leaves_drafts_alone(instructor, course, query):
    client, _ = instructor
    edit(
        client, EDIT, MODULE.replace("An introduction", "A second introduction"), "publish", "Two."
    )
    edit(client, QUIZ_EDIT, QUIZ.replace("Which is right?", "Which one is right?"))
    post_form(client, EDIT + "/versions/1/restore", {"version": 2}, token_from=EDIT + "/versions")
    assert count(query, ModuleVersion) == 5 and count(query, QuizVersion) == 4
    assert query(select(Draft.path)) == "quizzes/basics-one.yaml"


@pytest.mark.parametrize("action", ["publish", "save"])
def test_two_instructors_at_the_same_moment_one_wins(login, course, query, action):
    import threading

    clients = [login("instructor")[0], login("admin")[0]]
    pages = [c.get(EDIT + "?mode=source").get_data(as_text=True) for c in clients]
    tokens = [
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', p).group(1) for p in pages
    ]
    barrier, codes = threading.Barrier(2), []

    def send(n: int) -> None:
        data = {
            "source": MODULE.replace("Basics one.", f"Basics one, by {n}."),
            "version": "1",
            "revision": "0",
            "message": f"Edit {n}.",
            action: "1",
            "csrf_token": tokens[n],
        }
        barrier.wait()
        codes.append(clients[n].post(EDIT, data=data).status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(codes) == [302, 409]
    if action == "publish":
        assert count(query, ModuleVersion) == 4
    else:
        assert count(query, Draft) == 1 and query(select(Draft.revision)) == 1
