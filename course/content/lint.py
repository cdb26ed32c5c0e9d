"""Assessment lint: does a quiz measure judgement, or can surface features of its text pass it?

Plays each quiz with test-wise strategies that read only the surface of the choices (always the
longest, the shortest, the first, the last, the one with most cue words learnt from other quizzes),
checks that every ending agrees with pass or fail on every path, and warns where a decision point or
a knowledge check gives its answer away. The thresholds live in `THRESHOLDS` (docs/authoring.md).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

from course.content.grading import Graded, grade, resolve, score, shuffled_items
from course.content.model import (
    Catalogue,
    Check,
    Decision,
    Ending,
    Evidence,
    Gate,
    Problem,
    Quiz,
    Step,
)
from course.content.yamlsource import Source


@dataclass(frozen=True)
class Thresholds:
    """Every number the lint judges by, in one place (documented in docs/authoring.md)."""

    length_margin: float = 1.15  # best choice longer (or shorter) than all others by 15% or more
    cue_ratio: float = 3.0  # a word used in best choices at 3x its rate in the other choices
    cue_min_best: int = 3  # ... and in at least 3 best choices of the quiz
    same_position_min: int = 3  # single checks of a quiz whose answer always sits in one place
    plausible_share: float = 0.4  # a distractor under 40% of the correct option's length
    max_paths: int = 4000  # paths enumerated per quiz; beyond this, a seeded sample of as many
    min_steps: int = 3  # a shorter quiz cannot resist guessing: it gets a warning, not the test


THRESHOLDS = Thresholds()
WORD = re.compile(r"[a-z][a-z'-]{2,}")
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "that",
        "with",
        "this",
        "from",
        "your",
        "you",
        "are",
        "but",
        "not",
        "its",
        "it's",
        "their",
        "they",
        "them",
        "into",
        "than",
        "then",
        "have",
        "has",
        "had",
        "was",
        "were",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "how",
        "all",
        "any",
        "each",
        "one",
        "two",
        "own",
        "out",
        "our",
        "ours",
        "off",
        "over",
        "under",
        "about",
        "after",
        "before",
        "only",
        "so",
        "too",
        "very",
        "also",
        "just",
        "been",
        "being",
        "does",
        "did",
        "doing",
        "here",
        "there",
        "these",
        "those",
        "such",
        "some",
        "more",
        "most",
    ]
)

Response = object
Strategy = Callable[[Step], Response]


def words(text: str) -> set[str]:
    """Return the distinct content words of a text, lowercased."""
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS}


# Cue words


@dataclass(frozen=True)
class CueStats:
    """How often each word appears in best choices and in the other choices of decision points."""

    best: Counter
    other: Counter
    n_best: int
    n_other: int

    def weight(self, word: str) -> float:
        """Return the log-odds that a choice holding word is the best one (add-one smoothed);
        a word seen fewer than three times teaches a test-wise reader nothing (0)."""
        if self.best[word] + self.other[word] < 3:
            return 0.0
        rate_best = (self.best[word] + 1) / (self.n_best + 2)
        rate_other = (self.other[word] + 1) / (self.n_other + 2)
        return math.log(rate_best / rate_other)

    def without(self, other: CueStats) -> CueStats:
        """Return these counts less another set's (the counts of every quiz but one)."""
        return CueStats(
            self.best - other.best,
            self.other - other.other,
            self.n_best - other.n_best,
            self.n_other - other.n_other,
        )

    def cues(self, thresholds: Thresholds = THRESHOLDS) -> list[str]:
        """Return the words that mark best choices, strongest first."""
        floor = 1 / max(self.n_other, 1)
        found = [
            w
            for w, count in self.best.items()
            if count >= thresholds.cue_min_best
            and count / max(self.n_best, 1)
            >= thresholds.cue_ratio * max(self.other[w] / max(self.n_other, 1), floor)
        ]
        return sorted(found, key=lambda w: (-self.weight(w), w))


def cue_stats(quizzes: Sequence[Quiz]) -> CueStats:
    """Count words in the best and the other choices of every decision point of some quizzes."""
    best, other = Counter(), Counter()
    n_best = n_other = 0
    for quiz in quizzes:
        for step in _decisions(quiz):
            for choice in step.choices:
                if choice.rating == "best":
                    best.update(words(choice.text))
                    n_best += 1
                else:
                    other.update(words(choice.text))
                    n_other += 1
    return CueStats(best, other, n_best, n_other)


# Surface strategies


def _texts(step: Step) -> list[str]:
    if isinstance(step, Decision):
        return [choice.text for choice in step.choices]
    return [option.text for option in step.options]


def _pick(step: Step, key: Callable[[int, str], float]) -> Response:
    """Answer a step by the option whose text scores highest under key (first on ties)."""
    if isinstance(step, Check) and step.type == "ordering":
        return shuffled_items(step, "surface")  # the shown order: surface reading cannot sort
    texts = _texts(step)
    ranked = sorted(range(len(texts)), key=lambda i: (-key(i, texts[i]), i))
    if isinstance(step, Decision):
        return step.choices[ranked[0]].id
    if step.type == "multiple":
        return tuple(sorted(ranked[: max(1, len(ranked) // 2)]))
    return ranked[0]


def strategies(cues: CueStats) -> dict[str, Strategy]:
    """Return the surface strategies by name; cues are learnt from other quizzes."""
    return {
        "always the longest": lambda s: _pick(s, lambda i, t: len(t)),
        "always the shortest": lambda s: _pick(s, lambda i, t: -len(t)),
        "always the first": lambda s: _pick(s, lambda i, t: -i),
        "always the last": lambda s: _pick(s, lambda i, t: i),
        "most cue words": lambda s: _pick(s, lambda i, t: sum(map(cues.weight, words(t)))),
    }


def play(quiz: Quiz, strategy: Strategy) -> tuple[Graded, ...]:
    """Play a quiz from its start with a strategy; return the graded path to its ending."""
    graded: list[Graded] = []
    step = quiz.step(quiz.start)
    while not isinstance(step, Ending):
        graded.append(grade(step, strategy(step)))
        step = quiz.step(resolve(quiz, graded))
    return tuple(graded)


def surface_passes(quiz: Quiz, cues: CueStats) -> list[str]:
    """Return the names of the surface strategies that pass a quiz."""
    return [
        name
        for name, strategy in strategies(cues).items()
        if score(quiz, play(quiz, strategy)).passed
    ]


# Every path through a quiz


def _branches(step: Step) -> list[Graded]:
    """Return every distinct judgement an answer to step can get."""
    if isinstance(step, Decision):
        return [grade(step, choice.id) for choice in step.choices]
    graded = []
    for rating in ("best", "poor"):
        evidence = (Evidence(step.competency, rating, step.weight),)
        graded.append(Graded(rating, 1.0 if rating == "best" else 0.0, evidence, "", step.next))
    return graded


def paths(quiz: Quiz, limit: int = THRESHOLDS.max_paths) -> Iterator[tuple[Graded, ...]]:
    """Yield every path from the start to an ending, or a seeded sample of limit paths."""
    if _count(quiz, quiz.start, {}) <= limit:
        yield from _walk(quiz, (), quiz.step(quiz.start))
        return
    rng = random.Random(quiz.id)
    for _ in range(limit):
        yield _sample(quiz, rng)


def _count(quiz: Quiz, step_id: str, memo: dict[str, int]) -> int:
    if step_id not in memo:
        step = quiz.step(step_id)
        if isinstance(step, Ending | Gate):
            memo[step_id] = 1
        else:
            memo[step_id] = sum(_count(quiz, g.next, memo) for g in _branches(step))
    return memo[step_id]


def _walk(quiz: Quiz, graded: tuple[Graded, ...], step: Step) -> Iterator[tuple[Graded, ...]]:
    if isinstance(step, Ending):
        yield graded
        return
    for branch in _branches(step):
        path = (*graded, branch)
        yield from _walk(quiz, path, quiz.step(resolve(quiz, path)))


def _sample(quiz: Quiz, rng: random.Random) -> tuple[Graded, ...]:
    graded: list[Graded] = []
    step = quiz.step(quiz.start)
    while not isinstance(step, Ending):
        graded.append(rng.choice(_branches(step)))
        step = quiz.step(resolve(quiz, graded))
    return tuple(graded)


def contradictions(quiz: Quiz) -> dict[str, tuple[str, float]]:
    """Map each ending that some path reaches against its outcome to (pass/fail, that score)."""
    found: dict[str, tuple[str, float]] = {}
    for path in paths(quiz):
        result = score(quiz, path)
        ending = resolve(quiz, path)
        outcome = quiz.step(ending).outcome
        if (outcome == "success" and not result.passed) or (outcome == "failure" and result.passed):
            found.setdefault(ending, ("passes" if result.passed else "fails", result.score))
    return found


# The lint


def lint(
    catalogue: Catalogue, source: Source | None = None, only: Collection[str] | None = None
) -> list[Problem]:
    """Return the assessment problems of every quiz (or of those whose paths are in `only`),
    errors and warnings with file and line; cue words are counted over every quiz either way."""
    source = source or Source()
    everything = cue_stats(catalogue.quizzes)
    problems: list[Problem] = []
    for quiz in catalogue.quizzes:
        if only is None or quiz.path in only:
            problems += lint_quiz(quiz, everything.without(cue_stats([quiz])), source)
    return problems


def lint_quiz(quiz: Quiz, cues: CueStats, source: Source, t: Thresholds = THRESHOLDS):
    """Return the assessment problems of one quiz."""

    def at(*key: object) -> int:
        return source.line(quiz.path, *key)

    problems: list[Problem] = []
    if not quiz.placement:
        problems += _strategy_errors(quiz, cues, at(), t)
        problems += _ending_errors(quiz, at)
    for step in _decisions(quiz):
        problems += _length_warnings(quiz, step, at("steps", step.id, "choices"), t)
    problems += _cue_warnings(quiz, at("steps"), t)
    problems += _position_warnings(quiz, at("steps"), t)
    for step in _checks(quiz, "single", "multiple"):
        problems += _plausible_warnings(quiz, step, at("steps", step.id, "options"), t)
    return problems


def _error(quiz: Quiz, line: int, message: str, fix: str) -> Problem:
    return Problem(quiz.path, line, message, fix)


def _warning(quiz: Quiz, line: int, message: str, fix: str) -> Problem:
    return Problem(quiz.path, line, message, fix, severity="warning")


def _strategy_errors(quiz: Quiz, cues: CueStats, line: int, t: Thresholds) -> list[Problem]:
    shortest = min(len(path) for path in paths(quiz, t.max_paths))
    if shortest < t.min_steps:
        message = f"a path through this quiz has only {shortest} answered step(s)"
        fix = f"give every path at least {t.min_steps} steps, so guessing cannot pass it"
        return [_warning(quiz, line, message, fix)]
    passing = surface_passes(quiz, cues)
    if not passing:
        return []
    message = f"a trainee who answers by surface alone passes this quiz ({', '.join(passing)})"
    fix = "make distractors as long and specific as the best choice, vary where the best one sits"
    return [_error(quiz, line, message, fix)]


def _ending_errors(quiz: Quiz, at: Callable[..., int]) -> list[Problem]:
    problems = []
    for ending, (how, value) in contradictions(quiz).items():
        outcome = quiz.step(ending).outcome
        message = (
            f"ending {ending!r} ({outcome}) is reached by a path that {how} the quiz "
            f"(score {value:.0%}, pass mark {quiz.pass_mark:.0%})"
        )
        fix = "send the last choices through a `type: gate` step that picks the ending by pass/fail"
        problems.append(_error(quiz, at("steps", ending), message, fix))
    return problems


def _length_warnings(quiz: Quiz, step: Decision, line: int, t: Thresholds) -> list[Problem]:
    best = [len(c.text) for c in step.choices if c.rating == "best"]
    rest = [len(c.text) for c in step.choices if c.rating != "best"]
    if not best or not rest:
        return []
    if min(best) >= t.length_margin * max(rest):
        how = "longest"
    elif max(best) * t.length_margin <= min(rest):
        how = "shortest"
    else:
        return []
    message = f"decision point {step.id!r}: the best choice is the {how} by a margin"
    fix = "give the other choices as much (or as little) detail as the best one"
    return [_warning(quiz, line, message, fix)]


def _cue_warnings(quiz: Quiz, line: int, t: Thresholds) -> list[Problem]:
    found = cue_stats([quiz]).cues(t)
    if not found:
        return []
    message = f"words that mostly appear in best choices: {', '.join(found[:6])}"
    fix = "use these words in other choices too, or say the best choice another way"
    return [_warning(quiz, line, message, fix)]


def _position_warnings(quiz: Quiz, line: int, t: Thresholds) -> list[Problem]:
    singles = list(_checks(quiz, "single"))
    positions = {next(i for i, o in enumerate(s.options) if o.correct) for s in singles}
    if len(singles) < t.same_position_min or len(positions) != 1:
        return []
    message = (
        f"the correct option of all {len(singles)} single checks is option {positions.pop() + 1}"
    )
    fix = "put the correct option in different positions (the last one included)"
    return [_warning(quiz, line, message, fix)]


def _plausible_warnings(quiz: Quiz, step: Check, line: int, t: Thresholds) -> list[Problem]:
    right = [len(o.text) for o in step.options if o.correct]
    wrong = [len(o.text) for o in step.options if not o.correct]
    if not right or not wrong or sum(w >= t.plausible_share * min(right) for w in wrong):
        return []
    message = f"check {step.id!r}: every wrong option is much shorter than the right one"
    fix = "write at least one wrong option as specific as the right one"
    return [_warning(quiz, line, message, fix)]


def _decisions(quiz: Quiz) -> Iterator[Decision]:
    return (step for step in quiz.steps if isinstance(step, Decision))


def _checks(quiz: Quiz, *types: str) -> Iterator[Check]:
    return (step for step in quiz.steps if isinstance(step, Check) and step.type in types)


# Figures for the whole course


@dataclass(frozen=True)
class Report:
    """Course-wide figures: how many quizzes each strategy passes, how often best is longest."""

    quizzes: int
    passed_by: dict[str, int]
    decisions: int
    best_longest: int

    @property
    def best_longest_share(self) -> float:
        """Return the share of decision points whose best choice is the strictly longest."""
        return self.best_longest / self.decisions if self.decisions else 0.0


def report(catalogue: Catalogue) -> Report:
    """Measure the surface strategies and the longest-best share over every scored quiz."""
    scored = [q for q in catalogue.quizzes if not q.placement]
    everything = cue_stats(catalogue.quizzes)
    passed_by: Counter = Counter()
    for quiz in scored:
        passed_by.update(surface_passes(quiz, everything.without(cue_stats([quiz]))))
    decisions = [d for q in catalogue.quizzes for d in _decisions(q)]
    return Report(
        len(scored),
        {name: passed_by[name] for name in strategies(cue_stats([]))},
        len(decisions),
        sum(_strictly_longest_is_best(d) for d in decisions),
    )


def _strictly_longest_is_best(step: Decision) -> bool:
    lengths = [len(c.text) for c in step.choices]
    top = max(lengths)
    longest = [c for c in step.choices if len(c.text) == top]
    return len(longest) == 1 and longest[0].rating == "best"


__all__ = ["THRESHOLDS", "Report", "Thresholds", "lint", "paths", "play", "report"]
