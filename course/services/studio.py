"""The authoring studio: drafts, publishing through the importer, versions, the files round trip.

Every publish goes through `importer.apply_folder`, the code path of `flask content import`: the
live course is written out as files, the edited file laid over it, and the whole folder checked
and imported. A module and its scenario are checked and published together (neither may exist
without the other), so publishing one also publishes the other's saved draft.
"""

from __future__ import annotations

import difflib
import io
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from course import content
from course.extensions import db
from course.models import ContentSet, Draft, Module, ModuleVersion, Quiz, QuizVersion, User
from course.models.types import utcnow
from course.services import ServiceError, catalogue, importer
from course.services.importer import COMPETENCIES_FILE, ImportReport, Publication

NAME = re.compile(r"^[a-z][a-z0-9-]{0,79}$")
EXTENSIONS = {"modules": ".md", "quizzes": ".yaml"}
PLACEMENT = "placement"
MAX_MESSAGE = 500


@dataclass(frozen=True)
class ContentFile:
    """One module or quiz file of the course, named as in modules/ and quizzes/."""

    kind: str  # modules | quizzes
    name: str  # the module id (a quiz file is named after its module, or `placement`)

    @property
    def path(self) -> str:
        return f"{self.kind}/{self.name}{EXTENSIONS[self.kind]}"

    @property
    def is_module(self) -> bool:
        return self.kind == "modules"

    @property
    def partner(self) -> ContentFile | None:
        """The module's scenario, or the scenario's module (the placement check has none)."""
        if self.name == PLACEMENT and not self.is_module:
            return None
        return ContentFile("quizzes" if self.is_module else "modules", self.name)


def content_file(kind: str, name: str) -> ContentFile:
    """Return the file a URL names (404 for anything that is not a course file)."""
    if kind not in EXTENSIONS or not NAME.match(name):
        raise NotFound()
    return ContentFile(kind, name)


def file_for_path(path: str) -> ContentFile | None:
    """Return the file for a path such as modules/x.md, or None."""
    pure = PurePosixPath(path)
    kind = pure.parent.as_posix()
    if kind not in EXTENSIONS or pure.suffix != EXTENSIONS[kind] or not NAME.match(pure.stem):
        return None
    return ContentFile(kind, pure.stem)


# Reading what is published and what is drafted


def _owner_filter(file: ContentFile):  # noqa: ANN202 - a SQL condition
    if file.is_module:
        return Module.slug == file.name
    return Quiz.placement.is_(True) if file.name == PLACEMENT else Quiz.module_slug == file.name


def _classes(file: ContentFile) -> tuple[type, type]:
    return (Module, ModuleVersion) if file.is_module else (Quiz, QuizVersion)


def published(file: ContentFile) -> ModuleVersion | QuizVersion | None:
    """Return the current version of a live (not retired) file, or None."""
    owner, version = _classes(file)
    newest = (
        select(func.max(version.id))
        .join(owner)
        .where(_owner_filter(file), ~owner.retired)
        .scalar_subquery()
    )
    return db.session.scalar(select(version).where(version.id == newest))


def draft_of(file: ContentFile) -> Draft | None:
    return db.session.scalar(select(Draft).where(Draft.path == file.path))


@dataclass(frozen=True)
class Editing:
    """A file as an editor opens it: the draft if there is one, else the published text."""

    file: ContentFile
    source: str
    version: int  # the published version the edit is based on; 0 when not published
    revision: int  # the draft's revision; 0 when there is no draft
    draft: Draft | None
    published: ModuleVersion | QuizVersion | None


def open_file(file: ContentFile) -> Editing:
    """Return what an editor of this file starts from."""
    current, draft = published(file), draft_of(file)
    source = draft.source if draft else current.source if current else starter(file)
    return Editing(
        file,
        source,
        current.number if current else 0,
        draft.revision if draft else 0,
        draft,
        current,
    )


def starter(file: ContentFile) -> str:
    """Return the text a new file starts from: every required field, to be filled in (with the
    course's first track and competency, so that it opens in the module form)."""
    course = catalogue.current()
    text = MODULE_STARTER if file.is_module else QUIZ_STARTER
    track = course.tracks[0]["id"] if course.tracks else "track-id"
    competency = course.competencies[0]["id"] if course.competencies else "competency-id"
    text = text.replace("track-id", track).replace("competency-id", competency)
    return text.replace("{id}", file.name)


MODULE_STARTER = """---
id: {id}
title: Title of the module
track: track-id
level: 1
minutes: 15
kind: core
summary: One sentence saying what the trainee will be able to do.
objectives:
  - First learning objective.
competencies:
  competency-id: 1.0
---

Introduce the module in a paragraph.

## First section

The teaching text.

::: vignette A short story
An officer meets the situation this module is about.
:::

## Key terms

- **Term**: what it means.

## Reflection questions

1. What would you do first?
"""

QUIZ_STARTER = """id: {id}-quiz
module: {id}
title: Title of the scenario
pass_mark: 0.7
feedback: immediate
retakes:
  max_attempts: 3
  cooldown_hours: 0
start: first
steps:
  first:
    type: decision
    situation: |
      What the trainee faces.
    choices:
      - id: a
        text: The best thing to do.
        rating: best
        feedback: Why it works.
        evidence:
          - competency: competency-id
            weight: 1.0
        next: done
      - id: b
        text: A tempting mistake.
        rating: poor
        feedback: Why it fails, and what would have worked.
        evidence:
          - competency: competency-id
            weight: 1.0
        next: done
  done:
    type: ending
    outcome: success
    title: The end
    text: What came of the trainee's choices.
"""


# Optimistic locking


class Stale(ServiceError):
    """The edit was based on a version or draft that someone has since replaced."""

    def __init__(self, message: str, theirs: str, mine: str, version: int, revision: int) -> None:
        super().__init__(message)
        self.theirs, self.mine = theirs, mine
        self.version, self.revision = version, revision  # what the edit must now be based on
        self.diff = line_diff(theirs, mine, "saved now", "yours")


def line_diff(old: str, new: str, old_name: str, new_name: str) -> list[str]:
    """Return a unified line diff between two texts (empty when they are the same)."""
    return list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), old_name, new_name, lineterm="", n=3
        )
    )


def _who(user: User | None) -> str:
    return user.display_name if user else "someone (by a file import)"


def _when(moment: datetime) -> str:
    return moment.strftime("%d %b %Y %H:%M UTC")


def _check_lock(now: Editing, source: str, version: int, revision: int) -> None:
    """Refuse an edit based on anything but the current published version and draft."""
    if version != now.version:
        mine = f"version {version}" if version else "no published version"
        if now.published is None:
            message = f"This file was retired since you started editing (you had {mine})."
        else:
            message = (
                f"{_who(now.published.author)} published version {now.version} on "
                f"{_when(now.published.created_at)}, after you started editing ({mine})."
            )
        raise _stale(now, message, source)
    if revision != now.revision:
        if now.draft is None:
            message = "The draft you were editing was published or discarded meanwhile."
        else:
            message = (
                f"{_who(now.draft.author)} saved this draft on {_when(now.draft.updated_at)}, "
                "after you opened it."
            )
        raise _stale(now, message, source)


def _stale(now: Editing, message: str, source: str) -> Stale:
    message += " Nothing was saved. Their text and yours differ as shown below."
    return Stale(message, now.source, source, now.version, now.revision)


# Drafts


def save_draft(actor: User, file: ContentFile, source: str, version: int, revision: int) -> Draft:
    """Save a draft of a file, refusing if it was based on a stale version or draft."""
    now = open_file(file)
    _check_lock(now, source, version, revision)
    try:
        if now.draft is None:
            db.session.add(
                Draft(path=file.path, source=source, base_number=version, author_id=actor.id)
            )
        else:
            _update_draft(now, actor, source, revision)
        db.session.commit()
    except IntegrityError as error:  # another instructor's first save got there first
        db.session.rollback()
        message = "Someone saved a draft of this file just now."
        raise _stale(open_file(file), message, source) from error
    except Stale:
        db.session.rollback()
        raise
    return draft_of(file)


def _update_draft(now: Editing, actor: User, source: str, revision: int) -> None:
    changed = db.session.execute(
        update(Draft)
        .where(Draft.id == now.draft.id, Draft.revision == revision)
        .values(source=source, revision=revision + 1, author_id=actor.id, updated_at=utcnow())
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise _stale(open_file(now.file), "Someone saved this draft just now.", source)


def discard_draft(file: ContentFile, revision: int) -> bool:
    """Delete a file's draft if it is still at the revision the instructor saw."""
    gone = db.session.execute(
        delete(Draft).where(Draft.path == file.path, Draft.revision == revision)
    ).rowcount
    db.session.commit()
    return gone == 1


def drafts() -> list[Draft]:
    """List every draft, most recently saved first."""
    return list(
        db.session.scalars(
            select(Draft).options(joinedload(Draft.author)).order_by(Draft.updated_at.desc())
        )
    )


# Checking and publishing


@dataclass(frozen=True)
class Checked:
    """What checking a file against the live course found, and what it looks like."""

    file: ContentFile
    problems: list[content.Problem]  # in this file
    partner_problems: list[content.Problem]  # in its module or scenario (a saved draft)
    others: list[content.Problem]  # elsewhere in the course
    module: content.Module | None
    rendered: content.Rendered | None
    quiz: content.Quiz | None

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in [*self.problems, *self.partner_problems, *self.others])


def check(file: ContentFile, source: str) -> Checked:
    """Check a file, with its partner's saved draft, as if they replaced theirs; save nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _lay_out(root, file, source)
        partner = file.partner.path if file.partner else None
        # The lint of the files in hand only (publishing lints the whole course): 0.1 s, not 3.
        found, problems = content.check(root, lint_only={file.path, partner})
    module = quiz = rendered = None
    if found is not None and file.is_module:
        module = next((m for m in found.modules if m.path == file.path), None)
        rendered = content.render(module.body) if module else None
    elif found is not None:
        quiz = next((q for q in found.quizzes if q.path == file.path), None)
    if quiz is None and not file.is_module:  # draw what parses, even when the course does not
        quiz = content.parse_quiz(source, file.path)[0]
    return Checked(
        file,
        [p for p in problems if p.path == file.path],
        [p for p in problems if p.path == partner],
        [p for p in problems if p.path not in (file.path, partner)],
        module,
        rendered,
        quiz,
    )


def _lay_out(
    root: Path, file: ContentFile, source: str | None, partner_draft: bool = True
) -> list[Draft]:
    """Write the live course into root with this file's text (None: without the file and its
    partner) and its partner's saved draft over it; return the drafts used."""
    write_course(root)
    target = root / file.path
    used = []
    if source is None:
        target.unlink(missing_ok=True)
        if file.partner:
            (root / file.partner.path).unlink(missing_ok=True)
        return used
    target.write_text(source, encoding="utf-8")
    partner = draft_of(file.partner) if file.partner and partner_draft else None
    if partner is not None:
        (root / partner.path).write_text(partner.source, encoding="utf-8")
        used.append(partner)
    return used


def publish(
    actor: User,
    file: ContentFile,
    source: str,
    version: int,
    revision: int,
    message: str,
    drafts: bool = True,
) -> ImportReport:
    """Publish a file as a new version through the importer: the one way the studio publishes.

    With drafts (an editor's publish), the partner's saved draft is published too and both
    drafts are dropped; without (a restore), drafts are left alone and the draft is not locked.
    """
    message = _message(message)
    _lock_rows(file)
    now = open_file(file)
    _check_lock(now, source, version, revision if drafts else now.revision)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            used = _lay_out(root, file, source, partner_draft=drafts)
            report = importer.apply_folder(root, Publication(actor, message, "browser"))
        if file.path not in report.created + report.updated:
            raise ServiceError(f"Nothing to publish: the text is that of version {version}.")
        if drafts:
            _drop_drafts([*used, *([now.draft] if now.draft else [])])
        db.session.commit()
    except IntegrityError as error:  # someone published the same file at the same moment
        db.session.rollback()
        message = "Someone published this file just now."
        raise _stale(open_file(file), message, source) from error
    except Exception:
        db.session.rollback()
        raise
    return report


def _lock_rows(file: ContentFile) -> None:
    """Lock the module and quiz rows a publish may write (PostgreSQL; SQLite's writes are serial
    already), so that the lock check reads what the last publish committed, not an older state."""
    pair = sorted([file, *([file.partner] if file.partner else [])], key=lambda f: f.kind)
    for one in pair:
        owner, _ = _classes(one)
        db.session.scalars(select(owner.id).where(_owner_filter(one)).with_for_update()).all()


def _message(message: str) -> str:
    message = " ".join(message.split())
    if not message:
        raise ServiceError("Say in a few words what changed and why.", "message")
    if len(message) > MAX_MESSAGE:
        raise ServiceError(f"Keep the message under {MAX_MESSAGE} characters.", "message")
    return message


def _drop_drafts(used: list[Draft]) -> None:
    for draft in used:
        db.session.execute(
            delete(Draft).where(Draft.id == draft.id, Draft.revision == draft.revision)
        )


def retire(actor: User, file: ContentFile, version: int) -> ImportReport:
    """Take a module and its scenario out of the course, through the importer (records stay)."""
    if not file.is_module:
        raise ServiceError("Retire the module: its scenario goes with it.")
    _lock_rows(file)
    now = open_file(file)
    if now.published is None or version != now.version:
        raise ServiceError("This module changed since you opened it: look again before retiring.")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            _lay_out(root, file, None)
            report = importer.apply_folder(root, Publication(actor, "", "browser"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def restore(actor: User, file: ContentFile, number: int, version: int) -> ImportReport:
    """Publish an old version's text again, as a new version."""
    old = version_of(file, number)
    if version != open_file(file).version:
        raise ServiceError("A newer version was published meanwhile: look again before restoring.")
    try:
        return publish(actor, file, old.source, version, 0, f"Restored version {number}.", False)
    except Stale as stale:
        raise ServiceError(stale.message) from stale


# Versions


def versions(file: ContentFile) -> list[ModuleVersion | QuizVersion]:
    """Return every version of a file, newest first, with their authors (404 if none)."""
    owner, version = _classes(file)
    found = list(
        db.session.scalars(
            select(version)
            .join(owner)
            .where(_owner_filter(file))
            .order_by(version.created_at.desc(), version.id.desc())
            .options(joinedload(version.author))
        )
    )
    if not found:
        raise NotFound()
    return found


def version_of(file: ContentFile, number: int) -> ModuleVersion | QuizVersion:
    """Return one version of a file by number (404 if none)."""
    owner, version = _classes(file)
    found = db.session.scalars(
        select(version)
        .join(owner)
        .where(_owner_filter(file), version.number == number)
        .order_by(version.id.desc())
    ).first()
    if found is None:
        raise NotFound()
    return found


def diff(file: ContentFile, old: int, new: int) -> list[str]:
    """Return the line diff from one version of a file to another."""
    a, b = version_of(file, old), version_of(file, new)
    return line_diff(a.source, b.source, f"version {old}", f"version {new}")


# The files round trip


def write_course(root: Path) -> list[str]:
    """Write the current course into root as modules/ and quizzes/ files; return their paths."""
    (root / "modules").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(parents=True, exist_ok=True)
    return [_write(root, path, text) for path, text in course_files()]


def stray_files(root: Path, written: list[str]) -> list[str]:
    """Return the course-like files in root that the course did not write."""
    found = [*root.glob("modules/*.md"), *root.glob("quizzes/*.yaml")]
    return sorted({p.relative_to(root).as_posix() for p in found} - set(written))


def _write(root: Path, path: str, text: str) -> str:
    (root / path).write_bytes(text.encode("utf-8"))
    return path


def course_files() -> list[tuple[str, str]]:
    """Return (path, text) of every file of the current course, in three queries."""
    files = []
    latest = db.session.scalar(select(ContentSet.source).order_by(ContentSet.id.desc()).limit(1))
    if latest is not None:
        files.append((COMPETENCIES_FILE, latest))
    for slug, source in db.session.execute(
        select(Module.slug, ModuleVersion.source)
        .join(ModuleVersion.module)
        .where(ModuleVersion.id.in_(catalogue.newest_versions(ModuleVersion)), ~Module.retired)
        .order_by(Module.slug)
    ):
        files.append((f"modules/{slug}.md", source))
    for module_slug, source in db.session.execute(
        select(Quiz.module_slug, QuizVersion.source)
        .join(QuizVersion.quiz)
        .where(QuizVersion.id.in_(catalogue.newest_versions(QuizVersion)), ~Quiz.retired)
        .order_by(Quiz.module_slug)
    ):
        files.append((f"quizzes/{module_slug or PLACEMENT}.yaml", source))
    return files


def course_paths() -> list[str]:
    """Return the paths of the live module and quiz files (two small queries, no text)."""
    modules = db.session.scalars(select(Module.slug).where(~Module.retired).order_by(Module.slug))
    quizzes = db.session.scalars(
        select(Quiz.module_slug).where(~Quiz.retired).order_by(Quiz.module_slug)
    )
    return [f"modules/{slug}.md" for slug in modules] + [
        f"quizzes/{slug or PLACEMENT}.yaml" for slug in quizzes
    ]


def export_zip() -> bytes:
    """Return the current course as a zip of modules/ and quizzes/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in course_files():
            archive.writestr(path, text.encode("utf-8"))
    return buffer.getvalue()


MAX_UNZIPPED = 20 * 1024 * 1024
MAX_FILES = 2000


def import_zip(actor: User, data: bytes, message: str) -> ImportReport:
    """Import a zip of the whole course through the same checks; nothing is written on error."""
    message = _message(message)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _unzip(data, root)
        try:
            report = importer.apply_folder(root, Publication(actor, message, "upload"))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return report


def _unzip(data: bytes, root: Path) -> None:
    """Extract the course files of a zip into root, refusing anything else."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ServiceError("The upload is not a zip file.", "archive") from error
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise ServiceError("The zip is too large to be a course.", "archive")
    prefix = _common_prefix([m.filename for m in members])
    names = {}
    for member in members:
        name = member.filename.removeprefix(prefix)
        if name != COMPETENCIES_FILE and file_for_path(name) is None:
            raise ServiceError(
                f"{member.filename}: not a course file (modules/<id>.md, "
                "quizzes/<module id>.yaml or modules/competencies.yaml).",
                "archive",
            )
        names[name] = member
    if COMPETENCIES_FILE not in names:
        raise ServiceError(
            f"The zip has no {COMPETENCIES_FILE}: upload the whole course, as exported.",
            "archive",
        )
    (root / "modules").mkdir()
    (root / "quizzes").mkdir()
    for name, member in names.items():
        data = _read_member(archive, member)
        if b"\x00" in data:  # no text file holds one, and PostgreSQL cannot store it
            raise ServiceError(
                f"{member.filename}: not a text file (it holds a NUL byte).", "archive"
            )
        (root / name).write_bytes(data)


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as error:
        # corrupt, truncated, encrypted, or compressed by a method Python does not read
        message = f"{member.filename}: cannot be read from the zip ({error})."
        raise ServiceError(message, "archive") from error


def _common_prefix(names: list[str]) -> str:
    """Return a single top folder that holds everything (zips made by hand often have one)."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all(name.count("/") >= 2 for name in names):
        return tops.pop() + "/"
    return ""


# Playing a scenario as a trainee, recording nothing


def playable(file: ContentFile) -> tuple[content.Quiz, str]:
    """Return the scenario to play (its saved draft if that parses, else the published version)
    and which text it is."""
    if file.is_module:
        raise NotFound()
    draft, current = draft_of(file), published(file)
    if draft is not None:
        quiz = content.parse_quiz(draft.source, file.path)[0]
        if quiz is not None:
            return quiz, f"the saved draft (revision {draft.revision})"
    if current is None:
        raise NotFound()
    return catalogue.parsed_quiz(current), f"published version {current.number}"


@dataclass(frozen=True)
class Replayed:
    """A path through a scenario, graded as the player grades it, with where it stands now."""

    quiz: content.Quiz
    answered: list[tuple[content.Step, content.Graded]]
    step: content.Step | None  # the step to answer now, or the ending reached
    path: str
    error: str | None = None
    result: content.QuizScore | None = None


def replay(quiz: content.Quiz, path: str) -> Replayed:
    """Play the answers in path ("a,1,0+2": choice ids, option indexes) from the start."""
    graded: list[content.Graded] = []
    answered: list[tuple[content.Step, content.Graded]] = []
    here, kept = quiz.start, []
    try:
        for token in [t for t in path.split(",") if t][:500]:
            step = quiz.step(here)
            if isinstance(step, content.Ending):
                break
            graded.append(content.grade(step, _decode(step, token)))
            answered.append((step, graded[-1]))
            kept.append(token)
            here = content.resolve(quiz, graded)
        step = quiz.step(here)
    except (KeyError, ValueError) as error:  # InvalidResponse is a ValueError
        return Replayed(quiz, answered, None, ",".join(kept), f"The path stops here: {error}")
    result = content.score(quiz, graded) if isinstance(step, content.Ending) else None
    return Replayed(quiz, answered, step, ",".join(kept), None, result)


def _decode(step: content.Step, token: str) -> object:
    if isinstance(step, content.Decision):
        return token
    numbers = tuple(int(part) for part in token.split("+") if part.isdigit())
    if step.type == "single":
        return numbers[0] if len(numbers) == 1 else token
    return numbers


def encode(response: object) -> str:
    """Write a response as a path token."""
    if isinstance(response, tuple | list):
        return "+".join(str(n) for n in response)
    return str(response)
