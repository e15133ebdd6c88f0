"""What nbgrader test cells call: checks of an answer's form, and scores with partial credit.

A test cell ends with one of the ``score_*`` calls, so its last output is a number of points,
which nbgrader records as that cell's (partial) grade. Each ``score_*`` is a pure judgement (``judge_*``,
``assess_reply``: a :class:`Verdict`, the share earned and the lines that explain it) passed to :func:`report`,
the one place that prints. Every verdict on a trainee's words comes from
:func:`rapportkit.skills.analyse`, the same analysis that gives feedback in the role-plays, so the
practice verdict and the grade agree. Feedback is printed to standard output: anything on standard
error would make nbgrader score the cell 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from rapportkit.roleplay import TranscriptError, verify_transcript
from rapportkit.skills import Analysis, ClientProfile, analyse, coach_feedback
from rapportkit.skills.analyser import head
from rapportkit.skills.keys import ECHO_AT, Caught, ClientKeys, catch_keys, stock
from rapportkit.skills.risk import risk_label

MIN_WORDS = 2


class AnswerFormatError(ValueError):
    """An answer is not in the form the question asks for (raised by the ``check_*`` helpers)."""


# --------------------------------------------------------------------------------------------
# The functions a test cell may call, registered one by one: the judge runs these and nothing else.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestCellFunction:
    """A function test cells call, and which of its arguments name files (and where the judge reads them)."""

    __test__ = False  # not a pytest test class, whatever its name

    function: Callable[..., Any]
    # an argument naming a file handed in with the notebook (a transcript): read from the submission
    submitted_file: str | None = None
    # an argument naming a file the instructor wrote (a graded variant's scenario): read from the source folder
    source_file: str | None = None
    # the first argument is a written reply: the same words handed in by several students are named
    judges_written_reply: bool = False


TEST_CELL_FUNCTIONS: dict[str, TestCellFunction] = {}


def for_test_cells(
    *, submitted_file: str | None = None, source_file: str | None = None, judges_written_reply: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function that nbgrader test cells may call (and the judge may run outside the kernel)."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        TEST_CELL_FUNCTIONS[function.__name__] = TestCellFunction(
            function, submitted_file, source_file, judges_written_reply
        )
        return function

    return register


@dataclass(frozen=True)
class Verdict:
    """A judgement: the share of the points earned (0-1) and the lines that explain it to the student."""

    fraction: float
    lines: tuple[str, ...]
    analysis: Analysis | None = None  # a written reply's analysis
    caught: Caught | None = None  # what a written reply caught of this client's words

    def report(self) -> str:
        return "\n".join(self.lines)


def report(verdict: Verdict, points: float) -> float:
    """The one place grading prints: the verdict's lines (what a test cell shows), then its points."""
    if verdict.lines:
        print(verdict.report())
    return _points(verdict.fraction, points)


def _points(fraction: float, points: float) -> float:
    return round(max(0.0, min(1.0, fraction)) * points, 2)


# --------------------------------------------------------------------------------------------
# Checks of form: shown to students when they validate, before any hidden test runs.
# --------------------------------------------------------------------------------------------


def _options(options: str | Iterable[str]) -> list[str]:
    return list(options) if not isinstance(options, str) else list(options)


def _word(value: object) -> str | None:
    """A label or letter as the key writes it: lower case, spaces as underscores, quotes and full stops dropped."""
    if not isinstance(value, str):
        return None
    return re.sub(r"[\s-]+", "_", value.strip().strip("\"'.,;()").strip().lower())


def _shown(labels: Iterable[str]) -> str:
    return ", ".join(label.replace("_", " ") for label in labels)


# Separators students put between letters: commas, spaces, "and", slashes, semicolons.
_LETTER_SEPARATORS = re.compile(r"(?:[\s,;/&+]|\band\b)+")
# One label line: "a: social", "b) emotional", "c - professional", "(d) safe space".
# Several labels on one line: "a: social, b: emotional".
_LABEL_BREAK = re.compile(r"\s*[,;]\s*(?=\(?[A-Za-z]\)?\s*[:)=])")
LABEL_LINE = re.compile(r"^\(?([A-Za-z])\)?\s*[:.)=\-\u2013]\s*(.*)$")


def read_letters(answer: object) -> list[str] | None:
    """The letters of a choose-all answer written as words ("a, c"), or None if it is not text.

    A set or list of letters (the form earlier releases asked for) is read too.
    """
    if isinstance(answer, str):
        return [t.strip("\"'().") for t in _LETTER_SEPARATORS.split(answer.strip().lower()) if t.strip("\"'().")]
    if isinstance(answer, (set, frozenset, list, tuple)):
        return [_word(a) or repr(a) for a in answer]
    return None


def read_labels(answer: object) -> tuple[dict[str, str], list[str]]:
    """``({letter: label}, problems)`` from lines such as ``a: social`` (or a dict, as earlier releases asked).

    Blank lines and lines starting with ``#`` are skipped; a letter without a label is left out.
    """
    if isinstance(answer, Mapping):
        return {str(k).strip().lower(): _word(v) or "" for k, v in answer.items()}, []
    if not isinstance(answer, str):
        return {}, ["it is not text"]
    labels: dict[str, str] = {}
    problems = []
    for number, line in enumerate(answer.splitlines(), start=1):
        for text in _LABEL_BREAK.split(line.strip()):
            if text and not text.startswith("#"):
                problems += _read_label(text, number, labels)
    return labels, problems


def _read_label(text: str, number: int, labels: dict[str, str]) -> list[str]:
    """Add one ``letter: label`` to ``labels``; the problem with it, if any."""
    match = LABEL_LINE.match(text)
    if not match:
        return [f"line {number} ({text[:40]!r}) is not a letter, a colon and a label, like 'a: social'"]
    letter, label = match[1].lower(), _word(match[2]) or ""
    if label and letter in labels and labels[letter] != label:
        return [f"letter {letter} has two labels ({labels[letter]!r} and {label!r})"]
    if label:
        labels[letter] = label
    return []


@for_test_cells()
def check_choice(answer: object, options: str | Iterable[str], name: str = "your answer") -> None:
    """Raise :class:`AnswerFormatError` unless ``answer`` is one of ``options`` (e.g. ``"abcd"``)."""
    opts = _options(options)
    if isinstance(answer, str) and not _word(answer):
        raise AnswerFormatError(f"{name}: not answered yet. Write one letter ({', '.join(opts)}) between the quotes.")
    if _word(answer) not in opts:
        raise AnswerFormatError(f"{name} should be one letter: {', '.join(opts)}. It is {answer!r}.")


@for_test_cells()
def check_choices(answer: object, options: str | Iterable[str], name: str = "your answer") -> None:
    """Raise unless ``answer`` names letters of ``options``, e.g. ``"a, c"``."""
    opts = _options(options)
    letters = read_letters(answer)
    if letters is None:
        raise AnswerFormatError(f'{name} should be letters between quotes, separated by commas, like "a, c".')
    if not letters:
        raise AnswerFormatError(f'{name}: not answered yet. Write every letter that applies, like "a, c".')
    wrong = [t for t in letters if t not in opts]
    if wrong:
        raise AnswerFormatError(f"{name} contains {', '.join(map(repr, wrong))}; choose only from {', '.join(opts)}, "
                                'separated by commas, like "a, c".')


@for_test_cells()
def check_labels(
    answer: object, keys: Iterable[str], labels: Iterable[str], name: str = "your answer"
) -> None:
    """Raise unless ``answer`` gives one of ``labels`` to each of ``keys``, one ``letter: label`` per line."""
    keys, allowed = list(keys), [_word(label) for label in labels]
    given, problems = read_labels(answer)
    if problems:
        raise AnswerFormatError(f"{name}: {problems[0]}.")
    missing = [k for k in keys if k not in given]
    if missing:
        raise AnswerFormatError(f"{name} has no label after {', '.join(missing)}. Use one of: {_shown(labels)}.")
    for key in keys:
        if given[key] not in allowed:
            raise AnswerFormatError(
                f"{name}, letter {key}: {given[key].replace('_', ' ')!r} is not one of the labels ({_shown(labels)})."
            )


@for_test_cells()
def check_text(answer: object, name: str = "your answer", min_words: int = MIN_WORDS) -> None:
    """Raise unless ``answer`` is a string of at least ``min_words`` words."""
    if not isinstance(answer, str):
        raise AnswerFormatError(f"{name} should be words between the quotes; it is {answer!r}.")
    if not answer.split():
        raise AnswerFormatError(f"{name}: not written yet. Write your words between the quotes.")
    if len(answer.split()) < min_words:
        raise AnswerFormatError(f"{name} is too short: write at least {min_words} words.")


@for_test_cells()
def check_reply(answer: object, client_statement: str | None = None, name: str = "your reply") -> None:
    """Raise unless ``answer`` is a written reply; else print how the skills analyser reads it.

    This is the practice half of a written-reply item: the same analysis and coaching the role-plays
    give. The grade (a hidden test) also judges the reply against what this client said.
    """
    check_text(answer, name)
    report(advise_reply(answer, client_statement), 0)  # type: ignore[arg-type]


def advise_reply(answer: str, client_statement: str | None = None) -> Verdict:
    """How the skills analyser reads a reply, as the role-plays coach it (no points: practice)."""
    analysis = analyse(answer, client_statement=client_statement)
    lines = [coach_feedback(analysis)]
    if not (analysis.has("harmful") or analysis.has("unreadable")):
        lines.append("When graded, your reply is also checked against what this client said: their situation, "
                     "in their terms, and what they feel.")
    return Verdict(0.0, tuple(lines), analysis)


# --------------------------------------------------------------------------------------------
# Scores: each test-cell function judges (a pure function returning a Verdict), then reports it.
# --------------------------------------------------------------------------------------------


def judge_choice(answer: object, correct: str) -> Verdict:
    """Full credit for the correct option, else none."""
    got = _word(answer) == correct.lower()
    return Verdict(1.0 if got else 0.0,
                   ("Correct." if got else "Not the best answer: read the section again and reconsider.",))


@for_test_cells()
def score_choice(answer: object, correct: str, points: float = 1) -> float:
    """Full points for the correct option, else 0."""
    return report(judge_choice(answer, correct), points)


def judge_choices(answer: object, correct: Iterable[str], options: str | Iterable[str]) -> Verdict:
    """Partial credit for a choose-all-that-apply item: each option judged right or wrong."""
    opts = _options(options)
    picked = set(read_letters(answer) or ())
    want = {c.lower() for c in correct}
    right = sum((o in picked) == (o in want) for o in opts)
    line = (f"{right} of {len(opts)} options judged correctly.",)
    # Picking nothing (or everything) must not earn the points of the options it happens to match.
    if not picked & set(opts) or picked >= set(opts):
        return Verdict(0.0, line)
    return Verdict(right / len(opts), line)


@for_test_cells()
def score_choices(answer: object, correct: Iterable[str], options: str | Iterable[str], points: float = 1) -> float:
    """Partial credit for a choose-all-that-apply item: each option judged right or wrong."""
    return report(judge_choices(answer, correct, options), points)


def judge_labels(answer: object, correct: Mapping[str, str]) -> Verdict:
    """Partial credit: the share of items labelled as the key labels them."""
    given, _ = read_labels(answer)
    if not given:
        return Verdict(0.0, ("No labels given.",))
    right = [k for k, v in correct.items() if given.get(k) == _word(v)]
    return Verdict(len(right) / len(correct), (f"{len(right)} of {len(correct)} labelled correctly.",))


@for_test_cells()
def score_labels(answer: object, correct: Mapping[str, str], points: float = 1) -> float:
    """Partial credit: the share of items labelled as the key labels them."""
    return report(judge_labels(answer, correct), points)


# --- written replies, judged by the skills analyser ---------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One line of a rubric: what it rewards, its share of the points, and the test on the analysis."""

    description: str
    weight: float
    met: Callable[[Analysis], bool]
    # Judged by the item's feeling key instead, when it has one (what this client feels, not any feeling).
    feeling: bool = False


def _no_problems(a: Analysis) -> bool:
    return not a.problems


def _invites_or_reflects(a: Analysis) -> bool:
    return a.behaviour == "reflection" or (a.behaviour == "question" and a.question_type == "open")


def _lacks(*kinds: str) -> Callable[[Analysis], bool]:
    return lambda a: not any(a.has(k) for k in kinds)


# A disclosure that turns back to the client fits in a sentence or two; more is the trainee's story.
BRIEF_DISCLOSURE_WORDS = 40

RUBRICS: dict[str, tuple[Criterion, ...]] = {
    "open_question": (
        Criterion("asks a question", 0.3, lambda a: a.behaviour == "question"),
        Criterion("the question is open: the client can answer in their own words", 0.4,
                  lambda a: a.question_type == "open"),
        Criterion("no wording that costs rapport (judging, jargon, stacked or 'why' questions ...)", 0.3,
                  _no_problems),
    ),
    "reflection": (
        Criterion("reflects what the client said instead of asking or advising", 0.4,
                  lambda a: a.behaviour == "reflection"),
        Criterion("names a feeling or meaning beyond the client's words (complex reflection)", 0.3,
                  lambda a: a.reflection_type == "complex" or a.has("feeling_reflected"), feeling=True),
        Criterion("no wording that costs rapport", 0.3, _no_problems),
    ),
    "empathic": (
        Criterion("no pity or sympathy ('poor you', 'I feel so sorry')", 0.35, _lacks("sympathy")),
        Criterion("does not claim to know how the client feels", 0.15, _lacks("claims_understanding")),
        Criterion("reflects the client's experience or invites more of it", 0.3, _invites_or_reflects),
        Criterion("no other wording that costs rapport", 0.2, _no_problems),
    ),
    "plain_language": (
        Criterion("no clinical jargon", 0.5, _lacks("jargon")),
        Criterion("still speaks with the client: a reflection or an open question", 0.25, _invites_or_reflects),
        Criterion("no other wording that costs rapport", 0.25, _no_problems),
    ),
    "paraphrase": (
        Criterion("gives back the client's meaning in your own words (a reflection)", 0.6,
                  lambda a: a.behaviour == "reflection"),
        Criterion("no wording that costs rapport", 0.4, _no_problems),
    ),
    "feeling_reflection": (
        Criterion("a reflection, not a question or advice", 0.4, lambda a: a.behaviour == "reflection"),
        Criterion("names the client's feeling (their word or a close one)", 0.3,
                  lambda a: a.has("feeling_reflected") or a.reflection_type == "complex", feeling=True),
        Criterion("no wording that costs rapport", 0.3, _no_problems),
    ),
    "respectful": (
        Criterion("uses the client's name and pronouns correctly", 0.4, _lacks("wrong_name", "wrong_pronoun")),
        Criterion("no judging, condescending or jargon wording", 0.3, _lacks("judging", "jargon", "why_question")),
        Criterion("reflects or invites the client's view", 0.3, _invites_or_reflects),
    ),
    "self_disclosure": (
        Criterion(f"shares something brief about yourself (at most {BRIEF_DISCLOSURE_WORDS} words in all)", 0.3,
                  lambda a: a.has("self_disclosure") and len(a.utterance.split()) <= BRIEF_DISCLOSURE_WORDS),
        Criterion("turns the focus back to the client", 0.4,
                  lambda a: any(f.kind == "self_disclosure" and f.good for f in a.flags)),
        Criterion("no other wording that costs rapport", 0.3,
                  lambda a: not [f for f in a.problems if f.kind != "self_disclosure"]),
    ),
    "non_judging": (
        Criterion("no judging or blaming words, no accusing 'why'", 0.5, _lacks("judging", "why_question")),
        Criterion("reflects or invites the client's view", 0.25, _invites_or_reflects),
        Criterion("no other wording that costs rapport", 0.25, _no_problems),
    ),
}


# How an item's points are shared when it carries keys of what the client said: the form of the reply
# (the rubric above), the client's content caught, their feeling named, and what a question opens up.
# Parts an item has no key for drop out and the others share their weight.
KEY_WEIGHTS: dict[str, dict[str, float]] = {
    "reflection": {"form": 0.4, "content": 0.3, "feeling": 0.3},
    "feeling_reflection": {"form": 0.35, "content": 0.25, "feeling": 0.4},
    "paraphrase": {"form": 0.4, "content": 0.45, "feeling": 0.15},
    "empathic": {"form": 0.4, "content": 0.3, "feeling": 0.3},
    "plain_language": {"form": 0.45, "content": 0.35, "feeling": 0.2},
    "non_judging": {"form": 0.45, "content": 0.3, "feeling": 0.25},
    "respectful": {"form": 0.45, "content": 0.3, "feeling": 0.25},
    "self_disclosure": {"form": 0.5, "content": 0.3, "feeling": 0.2},
    "open_question": {"form": 0.5, "content": 0.25, "feeling": 0.15, "opens": 0.35},
}
FEELING_CREDIT = {"fits": 1.0, "adjacent": 0.5, "none": 0.0, "contradicts": 0.0}
# A reflection that catches the client's content reflects their meaning even without a feeling word; only
# where the item asks for the feeling by name does it keep half the feeling's share.
MEANING_WITHOUT_FEELING = {"feeling_reflection": 0.5}
# What a question opens up counts in full for an open question, half for a closed one, not at all otherwise.
OPENS_CREDIT = {"open": 1.0, "closed": 0.5}
# Content strands a reply may miss and still earn full content credit: a reflection picks what matters most,
# but with only two strands, catching one is enough only beside the client's feeling.
STRANDS_TO_SPARE = 1
# Caps on the share of an item. A reply that catches nothing this client said would fit any client (it
# keeps a little credit only if the feeling is near theirs); one naming a feeling that contradicts theirs
# misreads them; one that gives their words back is repetition; a speech buries whatever it reflects.
GENERIC_CAP = 0.2
OFF_TARGET_CAP = 0.1
WRONG_FEELING_CAP = 0.15
REPETITION_CAP = 0.15
LONG_REPLY_WORDS = 80
LONG_REPLY_CAP = 0.4


def assess_reply(
    reply: object,
    rubric: str,
    client_statement: str | None = None,
    client: ClientProfile | None = None,
    needs: Sequence[str] = (),
    keys: ClientKeys | None = None,
) -> Verdict:
    """Judge a written reply against one of :data:`RUBRICS` (the same call for practice and grade).

    ``needs`` names ideas from :func:`concepts` the reply must also contain; they share 40% of the points.
    ``keys`` say what a good reply to this client must catch (:class:`rapportkit.skills.keys.ClientKeys`);
    with them the reply is judged on what this client said, not only on its form.
    """
    if rubric not in RUBRICS:
        raise KeyError(f"unknown rubric {rubric!r}; known: {', '.join(sorted(RUBRICS))}")
    unknown = [n for n in needs if n not in concepts()]
    if unknown:
        raise KeyError(f"unknown concept(s) {unknown}; known: {', '.join(sorted(concepts()))}")
    try:
        check_text(reply)
    except AnswerFormatError as err:
        return Verdict(0.0, (f"No points yet: {err}",), None)
    assert isinstance(reply, str)
    read, _ = head(reply)  # what the analysis reads; the keys and ideas read the same part
    analysis = analyse(reply, client_statement=client_statement, client=client)
    lines = [coach_feedback(analysis)]
    if analysis.has("harmful") or analysis.has("unreadable"):
        return Verdict(0.0, (*lines, "No points: a reply earns credit only when it is safe and readable."), analysis)
    keyed = keys is not None and not keys.empty
    criteria = [c for c in RUBRICS[rubric] if not (keyed and c.feeling and keys.fits)]  # type: ignore[union-attr]
    form = 0.0
    for crit in criteria:
        ok = crit.met(analysis)
        form += crit.weight if ok else 0.0
        lines.append(f"  [{'x' if ok else ' '}] {crit.description}")
    form /= sum(c.weight for c in criteria)
    caught = None
    fraction = form
    if keyed:
        caught = catch_keys(read, keys, client_statement)
        fraction = _keyed_fraction(rubric, form, analysis, keys, caught, lines)
    scale = 0.6 if needs else 1.0
    fraction *= scale
    for need in needs:
        ok = bool(concept_phrases(read, need))
        fraction += 0.4 / len(needs) if ok else 0.0
        lines.append(f"  [{'x' if ok else ' '}] {concepts()[need]['label']}")
    if caught is not None:
        fraction = _capped(fraction, reply, keys, caught, lines)  # type: ignore[arg-type]
    return Verdict(round(fraction, 4), tuple(lines), analysis, caught)


def _keyed_fraction(
    rubric: str, form: float, analysis: Analysis, keys: ClientKeys, caught: Caught, lines: list[str]
) -> float:
    """The share earned from the form and from what the reply caught of this client; explains each part."""
    parts: dict[str, float] = {"form": form}
    if keys.content:
        spare = STRANDS_TO_SPARE if len(keys.content) > 2 or caught.feeling in ("fits", "adjacent") else 0
        need = max(1, len(keys.content) - spare)
        parts["content"] = min(1.0, len(caught.content) / need)
        for label in caught.content:
            lines.append(f"  [x] you caught that {label}")
        for label in caught.content_missed:
            lines.append(f"  [ ] you missed that {label}")
    asks = analysis.behaviour == "question"
    if keys.fits and not (asks and analysis.question_type == "open" and caught.feeling == "none"):
        # An open question invites the feeling rather than naming it: no feeling word is needed.
        credit = FEELING_CREDIT[caught.feeling]
        if caught.feeling == "none" and parts.get("content") == 1.0:
            credit = MEANING_WITHOUT_FEELING.get(rubric, 1.0)
        parts["feeling"] = credit
        said = ", ".join(f"'{w}'" for w in caught.feeling_words)
        lines.append({
            "fits": f"  [x] you named how they feel ({keys.feeling_said}): {said}",
            "adjacent": f"  [~] {said} is close, but they feel {keys.feeling_said}",
            "contradicts": f"  [ ] {said} does not fit: they feel {keys.feeling_said}",
            "none": f"  [ ] you did not name how they feel: {keys.feeling_said}",
        }[caught.feeling])
    if keys.opens:
        parts["opens"] = OPENS_CREDIT.get(analysis.question_type or "", 0.0) if asks and caught.opens else 0.0
        for label in caught.opens:
            lines.append(f"  [x] your {'question' if asks else 'reply'} opens up {label}")
        if not caught.opens:
            lines.append(f"  [ ] your {'question' if asks else 'reply'} does not open up "
                         f"{' or '.join(caught.opens_missed)}")
    weights = KEY_WEIGHTS.get(rubric, KEY_WEIGHTS["reflection"])
    total = sum(weights.get(name, 0.0) for name in parts)
    return sum(weights.get(name, 0.0) * value for name, value in parts.items()) / total


def _capped(fraction: float, reply: str, keys: ClientKeys, caught: Caught, lines: list[str]) -> float:
    """Caps for replies that are not about this client (see the constants above), each said plainly."""
    # A reply is about this client when it catches their content (or, for a question with no content keys,
    # opens up what the item asks).
    tied = bool(caught.content) if keys.content else (bool(caught.opens) if keys.opens else True)
    cap, why = 1.0, ""
    if caught.feeling == "contradicts":
        cap, why = WRONG_FEELING_CAP, "the feeling you named is not what this client feels"
    elif caught.repetition >= ECHO_AT:
        cap, why = REPETITION_CAP, ("this gives the client's own words back (repetition): say what you hear in "
                                    "your own words and add the feeling or meaning underneath")
    elif not tied and caught.feeling in ("fits", "adjacent"):
        cap, why = GENERIC_CAP, "it would fit almost any client: pick up something this client said, in their terms"
    elif not tied:
        cap, why = OFF_TARGET_CAP, "nothing in it is about what this client said"
    elif len(reply.split()) > LONG_REPLY_WORDS:
        cap, why = LONG_REPLY_CAP, (f"it runs past {LONG_REPLY_WORDS} words, and a long reply buries what it "
                                    "reflects: keep to a sentence or two")
    if fraction > cap:
        lines.append(f"At most {cap:.0%} of the points: {why}.")
        return cap
    return fraction


@for_test_cells(judges_written_reply=True)
def score_reply(
    reply: object,
    rubric: str,
    points: float,
    client_statement: str | None = None,
    client: ClientProfile | None = None,
    needs: Sequence[str] = (),
    client_name: str | None = None,
    client_pronouns: str = "they/them",
    avoid_names: Sequence[str] = (),
    content: Mapping[str, Sequence[str]] | None = None,
    feeling: Mapping[str, object] | None = None,
    opens: Mapping[str, Sequence[str]] | None = None,
) -> float:
    """Print the verdict on a written reply and return its points (partial credit per criterion).

    ``client_name``, ``client_pronouns`` and ``avoid_names`` describe the client in plain data (what a test
    cell can pass), e.g. ``client_name="Sam", client_pronouns="they/them", avoid_names=["Samantha"]``.
    ``content``, ``feeling`` and ``opens`` are the item's keys, what a good reply must catch of this client
    (see :meth:`rapportkit.skills.keys.ClientKeys.from_data` and docs/authoring.md).
    """
    if client is None and client_name:
        client = ClientProfile(name=client_name, pronouns=client_pronouns, avoid_names=tuple(avoid_names))
    keys = ClientKeys.from_data(content=content, feeling=feeling, opens=opens)
    return report(assess_reply(reply, rubric, client_statement=client_statement, client=client, needs=needs,
                               keys=keys), points)


# --- short written explanations: the ideas they contain, in plain words ---------------------------


@cache
def concepts() -> dict[str, dict]:
    """The ideas written answers are checked for: every ``rapportkit/data/concepts/*.yaml``, merged."""
    merged: dict[str, dict] = {}
    folder = resources.files("rapportkit").joinpath("data/concepts")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"concepts/{entry.name}: {key!r} is already defined in another concepts file")
            if not isinstance(value, dict) or not value.get("label") or not value.get("phrases"):
                raise ValueError(f"concepts/{entry.name}: {key!r} needs a 'label' and a list of 'phrases'")
            merged[key] = value
    return merged


def _has_phrase(phrase: str, text: str) -> bool:
    return bool(re.search(r"(?<![\w'])" + re.escape(phrase.lower()) + r"(?![\w'])", text))


def concept_phrases(text: str, concept: str) -> tuple[str, ...]:
    """The phrases of ``concept`` that occur in ``text`` (whole words, any case).

    A concept's ``unless`` phrases cancel a match in the same sentence: "I can't promise this will stay between
    us" does not promise secrecy.
    """
    spec = concepts()[concept]
    lowered = text.lower().replace("’", "'")
    pieces = re.split(r"(?<=[.!?;])\s+", lowered) if spec.get("unless") else [lowered]
    found = []
    for piece in pieces:
        if any(_has_phrase(u, piece) for u in spec.get("unless", ())):
            continue
        found += [p for p in spec["phrases"] if p not in found and _has_phrase(p, piece)]
    return tuple(found)


def judge_explanation(text: object, needs: Sequence[str], avoid: Sequence[str] = ()) -> Verdict:
    """An explanation to a client: each idea in ``needs``, said in plain words, and none of ``avoid``.

    ``avoid``: concepts an answer must not contain (a promise of secrecy, a no-suicide contract...). Any one of
    them costs the whole item and is named: an answer that also does harm is not a good answer.
    """
    unknown = [n for n in (*needs, *avoid) if n not in concepts()]
    if unknown:
        raise KeyError(f"unknown concept(s) {unknown}; known: {', '.join(sorted(concepts()))}")
    try:
        check_text(text, min_words=8)
    except AnswerFormatError as err:
        return Verdict(0.0, (f"No points yet: {err}",))
    lines: list[str] = []
    share = 0.8 / len(needs)
    fraction = 0.0
    text, cut = head(text)  # type: ignore[arg-type]
    if cut:
        lines.append("Only the first part of your answer was read: keep it to a few sentences.")
    harms = [(name, found) for name in avoid if (found := concept_phrases(text, name))]
    lines += [f"  [!] {concepts()[name]['label']}: \"{found[0]}\"" for name, found in harms]
    if harms:
        lines.append("No points: whatever else it does well, this answer also does something that could cause harm.")
        return Verdict(0.0, tuple(lines))
    for need in needs:
        hits = concept_phrases(text, need)
        fraction += share if hits else 0.0
        lines.append(f"  [{'x' if hits else ' '}] {concepts()[need]['label']}")
    plain = analyse(text)
    ok = not plain.has("jargon") and not plain.has("judging")
    fraction += 0.2 if ok else 0.0
    lines.append(f"  [{'x' if ok else ' '}] plain, non-judging words")
    return Verdict(fraction, tuple(lines), plain)


@for_test_cells(judges_written_reply=True)
def score_explanation(text: object, needs: Sequence[str], points: float, avoid: Sequence[str] = ()) -> float:
    """Partial credit for an explanation to a client (:func:`judge_explanation`)."""
    return report(judge_explanation(text, needs, avoid), points)


# --- graded role-plays: judged from the transcript's turns, never from its claims -----------------


HARM_COST = 0.25  # the share of a role-play item each harmful reply costs


@dataclass(frozen=True)
class SessionCounts:
    """What a graded role-play counts: skills the client took as heard, intake asked one at a time, harm."""

    reflections: int
    open_questions: int
    intake_asked: tuple[str, ...]
    harmful: int
    typed_heard: int  # free-text replies the client took as heard


def session_counts(history: Sequence[object]) -> SessionCounts:
    """Count a replayed session's turns (``RolePlay.history``) the way a rater would.

    A reflection or open question counts only when the client took it as heard (``TurnResult.heard``: not
    corrected, hurt, puzzled, answered as a problem such as judging, or words that would fit any client); a
    turn asking several intake questions counts as the first of them only.
    """
    reflections = questions = harmful = typed = 0
    asked: list[str] = []
    for r in history:
        a = getattr(r, "analysis", None)
        if a is None:
            continue
        if a.harmful:
            harmful += 1
            continue
        first = next((q for q in getattr(r, "intake", ()) if q not in asked), None)
        if first:
            asked.append(first)
        if not getattr(r, "heard", True):
            continue
        if getattr(r, "kind", "") == "free_text" and a.behaviour in ("reflection", "question"):
            typed += 1
        if a.behaviour == "reflection":
            reflections += 1
        elif a.behaviour == "question" and a.question_type == "open":
            questions += 1
    return SessionCounts(reflections, questions, tuple(asked), harmful, typed)


TURN_POINTS = 2  # a rater's scale for one typed role-play turn: 0, 1 or 2
# Flags that take a turn's reply to 0 (listening replaced by a verdict or a fix), or to 1 (a good reply, one flaw).
TURN_ZERO_FLAGS = ("judging", "minimising", "premature_advice", "sympathy", "claims_understanding",
                   "wrong_name", "wrong_pronoun")
TURN_ONE_FLAGS = ("why_question", "stacked_questions", "jargon")
WHY_QUESTION = re.compile(r"\W*(?:(?:so|and|but|ok|okay)\W+)?why\b", re.IGNORECASE)


def turn_points(result: Any, waiting_for: Sequence[str] = ()) -> int:  # result: roleplay.TurnResult
    """What one typed role-play turn earns on a rater's 0-2 scale, from what the engine made of it.

    2: the client took it as heard, and it was a reflection, an open question that follows them, a silence
    the client used, or a risk question asked directly. 1: weaker (a closed question, a why-question, two
    questions at once, over :data:`LONG_REPLY_WORDS` words, self-harm asked instead of suicide). 0: harmful,
    unreadable, corrected, generic or an echo, information or advice, or answered as a problem (judging...).
    ``waiting_for``: the risk topics this turn waits for (a risk turn before the student has asked directly);
    until one is asked, no reply earns 2.
    """
    if result.analysis is None:
        return TURN_POINTS if result.rapport_change > 0 else 0
    a = result.analysis
    if a.harmful or not a.readable:
        return 0
    if len(a.utterance.split()) > LONG_REPLY_WORDS:
        return 1  # a speech, however kind or apt, takes the session away from the client
    asked = set(result.risk) & set(waiting_for)
    if result.rule != "risk" and WHY_QUESTION.match(a.utterance):
        return 1  # a why can sound like a demand for reasons ("Why can't you sleep?"), however apt the topic
    if result.rule == "risk":  # the risk reader's verdict, not the analyser's ("Have you tried...?" is no advice)
        if not result.heard:
            return 0  # secrecy, leaving, avoiding, leading or arguing
        if waiting_for and not asked or a.has("stacked_questions"):
            return 1
        return TURN_POINTS if set(result.risk) - {"self_harm"} else 1
    if any(a.has(kind) for kind in TURN_ZERO_FLAGS):
        return 0
    caught = result.caught
    if caught is not None and caught.echo:
        return 0  # their words handed back, whatever rule answered it: the student added nothing of their own
    if any(a.has(kind) for kind in TURN_ONE_FLAGS):
        return 1  # a good reply with one problem (two questions at once, a jargon word)
    if not result.heard:
        if result.rule == "open_question" and not stock(a.utterance):
            # A real question on another thread than the one the client just gave ("How is your sleep at the
            # moment?"): it still invites them to talk, so it is weaker, not worthless like "Tell me more."
            return 1
        return 0
    if waiting_for:
        return 1  # heard, but the question that matters now was not asked
    if a.behaviour in ("other", "therapist_input"):
        # "I see. Go on.", information, advice or news about yourself where the client needed to be heard
        return 0
    if a.behaviour == "reflection" and caught is not None and caught.feeling == "none" and caught.other_feelings:
        return 1  # what they said, with a feeling that is not theirs
    skilled = a.behaviour == "reflection" or (a.behaviour == "question" and a.question_type == "open")
    return TURN_POINTS if skilled else 1


def safety_criteria(session: Any) -> list[tuple[str, bool]]:
    """The risk path's criteria for a replayed session: asked directly in the student's own words, each topic
    to assess asked about, and none of the acts that make a client unsafe.

    None is met when the session ended with the risk missed (or did not reach an ending): a student who
    never asked has not kept a client safe, whatever else they did not do.
    """
    block = session.scenario.risk
    if not block:
        raise ValueError(f"the scenario {session.scenario.id!r} has no risk path; grade it without safety=True")
    said = set(session.risk_said)
    counted = bool(session.ending_id) and session.ending_id != block["missed"]
    name = session.client_name
    asks = " or ".join(risk_label(t) for t in block["ask"])
    criteria = [(f"asked {name} directly, in your own words, about {asks}", counted and bool(said & set(block["ask"])))]
    criteria += [(f"asked about {risk_label(t)}", counted and t in said) for t in block.get("assess", ())]
    never = block.get("never", ())
    if never:
        criteria.append((f"no {' and no '.join(risk_label(a) for a in never)}",
                         counted and not said & set(never)))
    if not counted:
        criteria = [(f"{text} (no safety marks: the session did not reach an ending where the risk was addressed)",
                     False) for text, _ in criteria]
    return criteria


def judge_roleplay(
    transcript: str,
    scenario: str,
    min_rapport: int = 60,
    min_reflections: int = 2,
    min_open_questions: int = 1,
    intake: Sequence[str] = (),
    safety: bool = False,
    keys: Mapping[str, Mapping[str, Any]] | None = None,
) -> Verdict:
    """A role-play, judged from its saved transcript replayed in a fresh engine.

    Criteria share the points equally: rapport reached, reflections and open questions the client took as
    heard (:func:`session_counts`; a minimum of 0 is no criterion), each intake question in ``intake`` asked
    (one per turn), and an ending the client leaves well from. With ``safety``, the scenario's risk path
    (:func:`safety_criteria`) adds its criteria. ``keys`` (in a hidden test): what the client said on each turn of
    a graded variant that keeps them apart. Each harmful reply costs :data:`HARM_COST` of the item. A
    missing transcript scores 0 with a message; a transcript whose claims differ from what its turns earn is
    reported, and graded on the turns.
    """
    try:
        session, problems = verify_transcript(transcript, scenario, keys=keys)
    except (TranscriptError, OSError) as err:
        return Verdict(0.0, (f"No points: {err}",))
    lines = [f"Note: {problem}. The grade comes from replaying your turns." for problem in problems]
    s = session.summary()
    counts = session_counts(session.history)
    ending = session.ending
    # Rapport and the ending count only when the student's own words reached the client: buttons alone, with
    # junk, stock phrases or echoes typed in between, build nothing the student did.
    own = counts.typed_heard > 0
    if not own:
        lines.append("  Note: none of your typed replies reached the client (they were corrected, harmful, unreadable, "
                     "generic or an echo of their words), so the rapport and the ending do not count.")
    criteria = [(f"rapport reached {min_rapport} (yours: {s.final_rapport})", own and s.final_rapport >= min_rapport)]
    if min_reflections:
        criteria.append((f"at least {min_reflections} reflections the client took as heard "
                         f"(yours: {counts.reflections})", counts.reflections >= min_reflections))
    if min_open_questions:
        criteria.append((f"at least {min_open_questions} open questions the client took as heard "
                         f"(yours: {counts.open_questions})", counts.open_questions >= min_open_questions))
    criteria += [(f"asked the intake question '{q}' (one question at a time)", q in counts.intake_asked)
                 for q in intake]
    if safety:
        criteria += safety_criteria(session)
    criteria.append((f"reached an ending the client leaves well from (yours: "
                     f"{ending['title'] if ending else 'the session was not finished'})",
                     bool(own and ending and ending.get("outcome") == "good")))
    met = 0
    for text, ok in criteria:
        met += ok
        lines.append(f"  [{'x' if ok else ' '}] {text}")
    fraction = met / len(criteria)
    if counts.harmful:
        fraction -= HARM_COST * counts.harmful
        lines.append(f"  [-] {counts.harmful} harmful repl{'y' if counts.harmful == 1 else 'ies'}: "
                     f"each costs {HARM_COST:.0%} of the points")
    return Verdict(fraction, tuple(lines))


@for_test_cells(submitted_file="transcript", source_file="scenario")
def score_roleplay(
    transcript: str,
    scenario: str,
    points: float,
    min_rapport: int = 60,
    min_reflections: int = 2,
    min_open_questions: int = 1,
    intake: Sequence[str] = (),
    safety: bool = False,
    keys: Mapping[str, Mapping[str, Any]] | None = None,
) -> float:
    """Partial credit for a role-play (:func:`judge_roleplay`)."""
    return report(judge_roleplay(transcript, scenario, min_rapport, min_reflections, min_open_questions, intake,
                                 safety, keys), points)
