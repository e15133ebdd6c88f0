"""MI behaviour of one utterance: question (open/closed), reflection (simple/complex), input, other.

Each sentence is classified on its own from its syntax (question words, an auxiliary verb before
the subject, reflection stems such as "so you..." or "it sounds like...", markers of information
and advice, affirmations and greetings); the utterance then takes the most telling label among
its sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .feelings import feelings_in
from .lexicon import behaviour_data, flags_data
from .text import Sentence, Text, normalise, sentences, words

_PRONOUN_SUBJECT = re.compile(
    r"^(do|does|did|are|is|was|were|have|has|had|can|could|will|would|shall|should|may|might|am|must"
    r"|is not|are not|do not|did not|have not|would not|could not|can not|was not|does not|will not)"
    r" (you|we|they|he|she|it|that|this|there|i|anyone|anything|someone|something)\b"
)
_WH_AUX = re.compile(
    r"^(what|how|why|where|when|who|which)( (?!you|i|we|they|he|she|it)[a-z]+)?"
    r" (do|does|did|are|is|was|were|have|has|had|can|could|would|will|should|might|may|am)\b"
)
_CHOICE = re.compile(r"\b(or|or not|or no)\b")
_WH_ANY = re.compile(r"\b(what|how|why)\b")
_YOU = re.compile(r"\byou\b(?! know)")
_SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself)\b")
_FIRST_PERSON_START = re.compile(r"^(i|we|my|our|me)\b")

STOPWORDS = frozenset(
    """a an the and or but so if then than that this these those there here it its it's is are was were be been
    being am do does did doing have has had having i me my mine myself you your yours yourself we us our they them
    their he him his she her hers of to in on at by for with about as into from up down out over under again just
    very really quite pretty kind sort bit lot lots like know think mean well yeah yes ok oh right all also not no
    can could would will should shall may might must what when where why how who which one some any more most
    much many other such only own same too now get got go going gonna want feel feeling felt sounds sound seems
    something things thing stuff way even still because""".split()
)


@dataclass(frozen=True)
class SentenceLabel:
    """The label of one sentence: kind ('question', 'reflection', 'input', 'other', 'ack') and subtype."""

    sentence: Sentence
    kind: str
    subtype: str | None = None


def content_words(text: str) -> set[str]:
    """Content words of a normalised text, crudely stemmed."""
    return {_stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 2}


def _stem(w: str) -> str:
    for suffix in ("ingly", "edly", "ness", "ment", "ing", "ies", "ied", "ed", "ly", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


_VOCATIVE = re.compile(r"^([a-z]+) , (?=[a-z])")
_TRAILING_VOCATIVE = re.compile(r" , ([a-z]+)$")
_NOT_NAMES = frozenset(STOPWORDS | {"tell", "please", "look", "listen", "honestly", "sorry", "hey", "hi", "hello"})


def strip_markers(text: str) -> tuple[str, bool]:
    """Remove openers such as "Okay, so, um" or "Sam," and say whether a reflective "so" was among them."""
    d = behaviour_data()
    had_so = False
    while True:
        m = _TRAILING_VOCATIVE.search(text)
        if m and m.group(1) not in _NOT_NAMES and m.start() > 0:
            text = text[: m.start()]
            continue
        m = _VOCATIVE.match(text)
        if m and m.group(1) not in _NOT_NAMES and len(m.group(1)) > 1:
            text = text[m.end() :]
            continue
        m = d["discourse_markers"].match(text)
        if m and (m.end() == len(text) or text[m.end()] in " ,"):
            if m.group(0) in ("so", "and so", "ok so", "so then"):
                had_so = True
            text = text[m.end() :].lstrip(" ,")
            continue
        m = d["discourse_markers_comma"].match(text)
        if m and (m.end() == len(text) or text[m.end() :].startswith(" ,")):
            text = text[m.end() :].lstrip(" ,")
            continue
        return text, had_so


def question_syntax(body: str) -> str | None:
    """'open' or 'closed' when a sentence (openers stripped) has question grammar, else None."""
    return _question_type(body)


def _question_type(body: str) -> str | None:
    """'open' or 'closed' when the sentence has question syntax, else None."""
    d = behaviour_data()
    if d["closed_wh"].match(body):
        if d["open_wh"].match(body):
            return "open"  # "Who are the people in your life who support you?"
        return "closed"
    if d["open_question"].match(body):
        return "open"
    if d["closed_question"].match(body):
        return "closed"
    return None


_CLAUSE_BREAK = re.compile(r" [,:;] ")
_EMBEDDED_WH = re.compile(
    r"\b(what|how|why|where|when|who|which)( \w+)? (do|does|did|are|is|was|were|have|has|had|can|could|would|will"
    r"|should|might|may|am) (you|it|that|this|they|we|he|she|i|there|your|things|people)\b"
)
_EMBEDDED_AUX = re.compile(
    r"(?:^|, |\b(?:and|but|or|so|then) )(do|does|did|are|is|was|were|have|has|had|can|could|will|would)"
    r" (you|there|it|that|this|they|we|anyone|anything|someone|something)\b"
)


def _flag_regex(kind: str) -> re.Pattern[str]:
    return flags_data()[kind]["regex"]


def third_party_verdicts(text: str, client_words: set[str]) -> list[re.Match[str]]:
    """Verdicts on someone in the client's life ("Your boss sounds useless"), not a reflection.

    A verdict the client gave themselves ("My sister is so selfish." - "Your sister is selfish.")
    is their view given back, so it does not count.
    """
    out = []
    for m in flags_data()["judging"]["third_party"]["regex"].finditer(text):
        verdict = words(m.group("verdict") or "")
        if not (verdict and _stem(verdict[-1]) in client_words):
            out.append(m)
    return out


def _third_party_verdict(body: str, client_words: set[str]) -> bool:
    return bool(third_party_verdicts(body, client_words))


def _echoes_client(body: str, client_words: set[str]) -> bool:
    """Whether a sentence mostly re-uses the client's own words ("The drinking makes everything worse.")."""
    mine = content_words(body)
    return bool(client_words and mine) and len(mine - client_words) < ECHO_NEW_SHARE * len(mine)


def general_statement(body: str, client_words: set[str]) -> bool:
    """How something works, said of it in general: "Panic attacks are your body's alarm system..."."""
    d = behaviour_data()
    return (
        bool(d["input_generic"].match(body))
        and not d["input_generic_unless"].search(body)
        and not _echoes_client(body, client_words)
    )


_FIRST_CLAUSE = re.compile(r" , | (?:and|but|yet|so|because) ")


def third_party_guess(body: str, client_words: set[str]) -> bool:
    """The therapist's own guess about someone in the client's life: "He probably just worries about you".

    Either a guess opens the sentence and a person follows ("I'm sure he loves you", "Maybe your
    boss is just stressed"), or a person opens it with a guessing word or a kind motive ("She
    probably means well", "Your dad just wants what's best for you"). The client's own guess given
    back ("He probably means well" after "I know he probably means well") is a reflection.
    """
    d = behaviour_data()
    lead = d["guess_lead"].match(body)
    rest = body[lead.end() :].strip(" ,") if lead else body
    who = d["third_person"].match(rest)
    if not who:
        return False
    predicate = _FIRST_CLAUSE.split(rest[who.end() :].strip(" ,"), 1)[0]
    if not predicate or not (lead or d["guess_predicate"].match(predicate)):
        return False
    # only the guess itself is compared with the client's words: what follows may add a reflection
    guess = f"{lead.group(0) if lead else ''} {who.group(0)} {predicate}"
    return not (client_words and content_words(guess) <= client_words)


def _has_jargon(body: str) -> bool:
    return _flag_regex("jargon").search(body) is not None


def _embedded_question(body: str) -> str | None:
    """Question syntax after a lead-in, as in "So, thinking about last week, how did it go?" or "I ask everyone
    this: have you ...?" (a colon or semicolon ends a lead-in as a comma does)."""
    clauses = _CLAUSE_BREAK.split(body)
    for clause in reversed(clauses[1:]):
        qtype = _question_type(clause)
        if qtype:
            return qtype
    if _EMBEDDED_WH.search(body):
        return "open"
    if _EMBEDDED_AUX.search(body):
        return "closed"
    return None


def classify_sentence(
    s: Sentence, client_words: set[str], about_client: re.Pattern[str] | None = None
) -> SentenceLabel:
    """Label one sentence of a therapist utterance."""
    d = behaviour_data()
    body, had_so = strip_markers(s.text)
    if not body or d["acknowledgement"].match(body):
        return SentenceLabel(s, "ack")
    if s.end != "?" and (d["summary_opener"].match(s.text) or d["summary_opener"].match(body)):
        return SentenceLabel(s, "reflection", "summary")  # "Let me sum up what I've heard: ..."
    if s.end == "?":
        tag = d["tag_question"].search(body)
        if tag and tag.start() > 0:
            core = body[: tag.start()].strip(" ,")
            if _question_type(core) is None:
                if d["other_markers"].search(core) or _flag_regex("judging").search(core):
                    return SentenceLabel(s, "other")
                return SentenceLabel(s, "reflection")
            body = core
        elif tag:
            return SentenceLabel(s, "ack")
        qtype = _question_type(body) or _embedded_question(body)
        if qtype is not None:
            if d["advice_question"].match(body):
                return SentenceLabel(s, "input")
            return SentenceLabel(s, "question", qtype)
        if d["other_markers"].match(body) and not had_so:
            return SentenceLabel(s, "other")
        if _CHOICE.search(body) and not tag:
            return SentenceLabel(s, "question", "closed")
        if third_party_guess(body, client_words):
            return SentenceLabel(s, "input")  # "Maybe he's just stressed?": still the therapist's view
        if had_so or d["reflection_stem"].match(body):
            return SentenceLabel(s, "reflection")
        if len(words(body)) <= 4 and not _SECOND_PERSON.search(body):
            return SentenceLabel(s, "question", "open" if _WH_ANY.search(body) else "closed")
        return SentenceLabel(s, "reflection")
    # no question mark
    if _WH_AUX.match(body) or d["open_question"].match(body) and not body.startswith(("what ", "how ")):
        qtype = _question_type(body) or "open"
        return SentenceLabel(s, "question", qtype)
    if _PRONOUN_SUBJECT.match(body):
        return SentenceLabel(s, "question", "closed")
    if _third_party_verdict(body, client_words):
        return SentenceLabel(s, "input")  # "That counsellor sounds useless.": the therapist's own verdict
    if third_party_guess(body, client_words):
        return SentenceLabel(s, "input")  # "He probably just worries about you.": the therapist's own view
    if d["open_request"].search(body) and not d["input_markers"].match(body):
        return SentenceLabel(s, "question", "open")  # "..., so tell me a bit about that", "I'm wondering how..."
    if d["other_markers"].search(body) and not _SECOND_PERSON.search(body.split(" but ")[-1]):
        return SentenceLabel(s, "other")
    if d["other_markers"].match(body):
        return SentenceLabel(s, "other")
    if d["first_person_clause"].search(body) and not d["reflection_stem"].match(body):
        return SentenceLabel(s, "input")
    if _flag_regex("self_disclosure").search(body) and not _SECOND_PERSON.search(body):
        return SentenceLabel(s, "other")
    if about_client and about_client.match(body) and not _SECOND_PERSON.search(body):
        return SentenceLabel(s, "input")  # talking about the client, not to them
    if general_statement(body, client_words):
        return SentenceLabel(s, "input")  # "Panic attacks are your body's alarm system...": how it works
    if d["reflection_hedge"].match(body) and not d["input_markers"].match(body):
        pass  # "You feel you need to...", "It sounds like you could...": the client's view, reflected
    elif d["input_markers"].search(body) or _has_jargon(body) or _flag_regex("premature_advice").search(body):
        return SentenceLabel(s, "input")
    if d["input_general"].match(body) and not _YOU.search(body) and not d["input_generic_unless"].search(body):
        return SentenceLabel(s, "input")
    if d["input_clause"].search(body) and not d["reflection_hedge"].match(body):
        return SentenceLabel(s, "input")
    if had_so or d["reflection_stem"].match(body):
        return SentenceLabel(s, "reflection")
    if _SECOND_PERSON.search(body):
        return SentenceLabel(s, "reflection")
    if client_words and len(content_words(body) & client_words) >= 2:
        return SentenceLabel(s, "reflection")
    if _FIRST_PERSON_START.match(body):
        return SentenceLabel(s, "input")
    return SentenceLabel(s, "reflection")


LONG_REFLECTION, SHORT_REFLECTION, COMPLEX_AT = 18, 7, 1  # words; points for 'complex'
ECHO_NEW_SHARE = 0.5  # a sentence with fewer new content words than this share re-uses the client's words
INPUT_OVER_QUESTION = (20, 2.0)  # words of information, and times the words of the questions
_PRIORITY = {"question": 0, "reflection": 1, "input": 2, "other": 3, "ack": 4}


def label_sentences(
    t: Text, client_statement: str | None, client_names: tuple[str, ...] = ()
) -> list[SentenceLabel]:
    """Label every sentence of the normalised utterance.

    ``client_names`` (the client's names) let a sentence about the client in the third person
    ("Sam has panic attacks") count as information rather than a reflection.
    """
    client_words = content_words(normalise(client_statement).norm) if client_statement else set()
    names = [re.escape(n.strip().lower()) for n in client_names if n.strip()]
    subjects = names + ["he", "she", "(my|the|this|our) (client|patient)"]
    about_client = re.compile(rf"^({'|'.join(subjects)})(?! ,)\b")
    labels = [classify_sentence(s, client_words, about_client) for s in sentences(t)]
    return _continue_summaries(labels)


def _continue_summaries(labels: list[SentenceLabel]) -> list[SentenceLabel]:
    """A summary runs on until the next question: its statements recap the client, so they reflect."""
    out = []
    in_summary = False
    for lab in labels:
        if lab.subtype == "summary":
            in_summary = True
        elif lab.kind == "question":
            in_summary = False
        elif in_summary and lab.kind == "input":
            lab = SentenceLabel(lab.sentence, "reflection")
        out.append(lab)
    return out


INPUT_OVER_REFLECTION = 0.5  # information at least half as long as the reflections around it wins
SUMMARY_OVER_QUESTION = 2.0  # a summary this many times the words of the question after it is a reflection


def combine(labels: list[SentenceLabel]) -> tuple[str, str | None]:
    """Behaviour of the whole utterance, and the question type when it is a question.

    A question anywhere makes the turn a question (the client will answer it; the type is that of
    the last question), except after a summary at least twice as long as the questions ("Let me
    sum up what I've heard: ... How has today been for you?"), which is a reflection. Otherwise
    information at least half as long as the reflections that frame it makes the turn information,
    and else the label that covers most words wins, and a tie goes to the later sentence.
    """
    questions = [lab for lab in labels if lab.kind == "question"]
    if questions and any(lab.subtype == "summary" for lab in labels):
        asked = sum(len(lab.sentence.text.split()) for lab in questions)
        summed = sum(len(lab.sentence.text.split()) for lab in labels if lab.kind == "reflection")
        if summed >= SUMMARY_OVER_QUESTION * asked:
            return "reflection", None  # a summary that ends with "How has today been for you?"
    if questions:
        asked = sum(len(lab.sentence.text.split()) for lab in questions)
        informed = sum(len(lab.sentence.text.split()) for lab in labels if lab.kind == "input")
        if informed >= INPUT_OVER_QUESTION[0] and informed >= INPUT_OVER_QUESTION[1] * asked:
            return "therapist_input", None  # a long piece of information that ends with "What do you think?"
        return "question", questions[-1].subtype or "closed"
    weight: dict[str, int] = {}
    for lab in labels:
        if lab.kind != "ack":
            weight[lab.kind] = weight.get(lab.kind, 0) + len(lab.sentence.text.split())
    if not weight:
        return "other", None
    if weight.get("input", 0) >= INPUT_OVER_REFLECTION * weight.get("reflection", 0) > 0:
        return "therapist_input", None  # information framed by a reflection ("It sounds like...; the patch is...")
    best = max(weight.values())
    for kind in ("input", "reflection", "other"):
        if weight.get(kind) == best:
            return _BEHAVIOUR_OF[kind], None
    return "other", None


_NEUTRAL = frozenset({"you", "your", "are", "is", "i", "am", "a", "the", "it", "to", "for"})
_BEHAVIOUR_OF = {"reflection": "reflection", "input": "therapist_input", "other": "other"}


def question_type_anyway(labels: list[SentenceLabel]) -> str:
    """Open or closed, as if the utterance were a question (used to measure the open/closed rule alone)."""
    typed = [lab.subtype for lab in labels if lab.kind == "question" and lab.subtype]
    if typed:
        return typed[-1]
    body = [strip_markers(lab.sentence.text)[0] for lab in labels if lab.sentence.end == "?"]
    for b in reversed(body):
        qtype = _question_type(b)
        if qtype:
            return qtype
    d = behaviour_data()
    for lab in reversed(labels):
        b = strip_markers(lab.sentence.text)[0]
        if d["open_request"].search(b) or any(_question_type(c) == "open" for c in b.split(" , ")):
            return "open"
    return "closed"


_STRAND = re.compile(
    r" , (?:and |but |or )?| ; | (?:and|but|while|whereas) (?=you|your|it|that|this|there|things|work|home)"
)


def _draws_strands_together(labels: list[SentenceLabel]) -> bool:
    """A summary that pulls together two or more things the client said (MITI: a complex reflection)."""
    if not any(lab.subtype == "summary" for lab in labels):
        return False
    start = next(i for i, lab in enumerate(labels) if lab.subtype == "summary")
    parts = []
    for lab in labels[start:]:
        if lab.kind == "question":
            break
        if lab.kind == "reflection":
            text = lab.sentence.text
            if lab.subtype == "summary":
                m = behaviour_data()["summary_opener"].match(text)
                text = text.split(" : ", 1)[1] if " : " in text else (text[m.end() :] if m else "")
            parts.append(text)
    strands = [p for part in parts if part for p in _STRAND.split(part) if len(words(p)) >= 2]
    return len(strands) >= 2


def reflection_type(labels: list[SentenceLabel], client_statement: str | None) -> str:
    """'simple' or 'complex': points for adding meaning or feeling, against points for recapping facts."""
    d = behaviour_data()
    if _draws_strands_together(labels):
        return "complex"
    text = " ".join(strip_markers(lab.sentence.text)[0] for lab in labels if lab.kind == "reflection")
    if not text:
        text = " ".join(strip_markers(lab.sentence.text)[0] for lab in labels)
    n_words = len(words(text))
    client = normalise(client_statement) if client_statement else None
    said = set(words(client.norm)) if client else set()
    added_meaning = 0
    for m in d["complex_markers"].finditer(text):
        own = [w for w in words(m.group(0)) if w not in _NEUTRAL]
        if not (own and said and all(w in said for w in own)):
            added_meaning += 1  # a marker the client did not use themselves
    score = added_meaning - len(d["simple_markers"].findall(text))
    score += 1 if n_words >= LONG_REFLECTION else (-1 if n_words <= SHORT_REFLECTION else 0)
    if client is not None:
        theirs = content_words(client.norm)
        mine = content_words(text)
        if len(theirs) >= 3 and mine:
            novelty = len(mine - theirs) / len(mine)
            score += 1 if novelty >= 0.75 else (-1 if novelty <= 0.4 else 0)
        added = set(feelings_in(normalise(text))) - set(feelings_in(client))
        score += 1 if added else 0
    return "complex" if score >= COMPLEX_AT else "simple"
