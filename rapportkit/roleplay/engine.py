"""The role-play engine: a deterministic simulated client (plain Python, no widgets).

How rapport moves (the same rules are written for instructors in docs/roleplay.md):

* Typed replies are analysed by ``rapportkit.skills.analyse``. The analysis gives a *base* change
  (``BASE_BEHAVIOUR`` and ``BASE_FLAGS`` below), and the turn's matching rule adds its own change.
* Choice turns use only the option's own ``rapport`` change (the author set it on purpose).
* A typed reply that would harm the client gets the client's reaction (``client.reactions.harmful``) and
  costs ``BASE_FLAGS["harmful"]``; one in words the client cannot read gets their puzzlement
  (``client.reactions.unreadable``) and the turn waits for another reply.
* On a turn that says what the client just said (``client_said``), a reflection that catches none of it
  (nor a feeling near theirs), or names a feeling that contradicts theirs, gets the ``missed`` reply: the
  client corrects the student instead of confirming.
* Rises slow near the top (``SLOW_ABOVE``), so rapport is earned over a whole session. It is clamped to
  0..100; below ``withdraw_below`` the client withdraws: guarded, short replies.
* Each ``reveals`` entry unlocks once rapport reaches its ``at`` level, one per turn, and only after a
  reply that earned it (rapport went up, and the client was not corrected, hurt or puzzled).

Nothing is random, so the same inputs always give the same session; this is what lets the
autograder trust ``replay`` rather than what a transcript claims.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapportkit.roleplay.loader import PROBLEM_RULES, SKILL_RULES, Scenario, client_keys, load_scenario
from rapportkit.roleplay.summary import SessionSummary, summarise
from rapportkit.skills import ClientProfile, analyse, coach_feedback, intake_questions
from rapportkit.skills.feedback import skill_phrase
from rapportkit.skills.keys import ECHO_AT, catch_keys, echo_share, shared_content_words, stock
from rapportkit.skills.risk import GOOD_ACTS, RiskReading, read_risk, risk_label, risk_note

# Base rapport change from what the analyser found. Small numbers on purpose: the scenario's own
# rules carry most of the story; the base makes every skill count everywhere.
BASE_BEHAVIOUR: dict[str, int] = {
    "complex_reflection": 6,
    "simple_reflection": 3,
    "open_question": 3,
    "closed_question": 0,
}
BASE_FLAGS: dict[str, int] = {
    "feeling_reflected": 2,
    "name_used": 1,
    "feeling_missed": -1,
    "stacked_questions": -2,
    "why_question": -3,
    "sympathy": -3,
    "jargon": -4,
    "claims_understanding": -4,
    "minimising": -5,
    "premature_advice": -5,
    "judging": -8,
    "wrong_name": -8,
    "wrong_pronoun": -8,
    "harmful": -15,
    "unreadable": -2,
}
SELF_DISCLOSURE_GOOD, SELF_DISCLOSURE_BAD = 1, -3

# A session has at most this many turns (a first session has about ten; a turn that waits for readable words
# could otherwise grow a transcript, and the grader's replay of it, without end).
MAX_TURNS = 200

# Above this rapport, a rise is scaled down by the room left to the top (at 75, half; at 90, a fifth).
SLOW_ABOVE = 50

# Rule names that differ from the analyser's flag kinds.
RULE_TO_FLAG = {"advice": "premature_advice"}

# What counts as choosing to stay silent: nothing, dots, or a stage direction like "(pause)".
# Only punctuation and brackets around it: an emoji is something said (the analyser reads it as no words).
_MARKS = r"[\s.…()\[\]*_~-]*"
_SILENCE = re.compile(
    rf"^{_MARKS}(?:(?:stay(?:s)?\s+)?silen(?:ce|t)|pause|wait(?:s|ing)?|nods?|\.\.\.|…)?{_MARKS}$", re.IGNORECASE
)


def is_silence(text: str) -> bool:
    """True when the student chose to say nothing ("", "...", "(silence)", "[pause]", "*waits*")."""
    return bool(_SILENCE.match(text.strip()))


@dataclass(frozen=True)
class TurnResult:
    """What happened in one turn."""

    turn_id: str
    kind: str  # "choice" or "free_text"
    student_input: str  # what was passed to respond(): the typed text or the option id
    student_text: str  # what the therapist said (the option's text for choices)
    client_reply: str
    feedback: str
    rapport: int
    rapport_change: int
    analysis: Any | None  # rapportkit.skills.Analysis, or None for a silence
    finished: bool
    rule: str  # which rule or option produced the reply
    technique: str = ""
    revealed: tuple[str, ...] = ()
    withdrawn: bool = False
    ending: Mapping[str, Any] | None = None
    next_turn: str | None = None
    intake: tuple[str, ...] = ()
    caught: Any | None = None  # rapportkit.skills.keys.Caught: what the reply caught of the client's words
    heard: bool = True  # the client took the reply as about them (not corrected, hurt, puzzled or generic)
    risk: tuple[str, ...] = ()  # on a risk turn: the topics asked and the acts done (rapportkit.skills.risk)


class RolePlay:
    """One session with a simulated client, in memory: no files (a transcript is a layer over it,
    :class:`rapportkit.roleplay.transcript.RecordedRolePlay`).

    ``RolePlay(scenario)``; ``scenario`` is a ``Scenario``, a shipped name (``"john"``) or a path.
    ``start_again()`` starts a fresh session.
    """

    def __init__(self, scenario: Scenario | str | Path, keys: Mapping[str, Mapping[str, Any]] | None = None):
        self.scenario: Scenario = load_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
        # What the client said on each free-text turn, when the scenario keeps its keys apart (a graded variant:
        # the keys live in the grader's hidden test, so a student's copy of the scenario plays without them).
        self.keys = {tid: client_keys({"client_said": said}) for tid, said in (keys or {}).items()}
        self._reset()

    def _reset(self) -> None:
        self.rapport: int = self.scenario.start_rapport
        self.rapport_curve: list[int] = [self.rapport]
        self.history: list[TurnResult] = []
        self.current_turn_id: str | None = self.scenario.start
        self.ending_id: str | None = None
        self.ended_by_student = False
        self.last_client_line: str = self.scenario.opening
        self._revealed: set[int] = set()
        self.risk_said: list[str] = []  # risk topics asked and acts done so far, first time each, in order

    # --- read-only views --------------------------------------------------------------------

    @property
    def client_name(self) -> str:
        return self.scenario.client_name

    @property
    def finished(self) -> bool:
        """True once an ending is reached or the student ended the session."""
        return self.ending_id is not None or self.ended_by_student

    @property
    def ending(self) -> Mapping[str, Any] | None:
        """The ending reached (with its ``id``), or None."""
        if self.ending_id is None:
            return None
        return {"id": self.ending_id, **self.scenario.endings[self.ending_id], "notes": self.risk_notes()}

    @property
    def current_turn(self) -> Mapping[str, Any] | None:
        if self.finished or self.current_turn_id is None:
            return None
        return self.scenario.turns[self.current_turn_id]

    @property
    def is_choice_turn(self) -> bool:
        turn = self.current_turn
        return bool(turn and "choices" in turn)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(id, text) of the current choice turn's options; empty for a free-text turn."""
        turn = self.current_turn
        return [(o["id"], o["text"]) for o in turn["choices"]] if turn and "choices" in turn else []

    @property
    def hint(self) -> str:
        turn = self.current_turn
        return turn.get("hint", "") if turn else ""

    @property
    def inputs(self) -> list[dict[str, str]]:
        """The student's inputs so far, as stored in transcripts."""
        return [{"turn": r.turn_id, "input": r.student_input} for r in self.history]

    # --- playing ----------------------------------------------------------------------------

    def respond(self, text_or_choice: str) -> TurnResult:
        """Play one turn: typed words on a free-text turn, an option id (or its text) on a choice turn."""
        if self.finished:
            raise RuntimeError("This session has ended; call start_again() to practise it again.")
        if len(self.history) >= MAX_TURNS:
            raise RuntimeError(f"This session has reached {MAX_TURNS} turns; end it, or start again.")
        if not isinstance(text_or_choice, str):
            raise TypeError(f"respond() expects text or an option id, got {type(text_or_choice).__name__}")
        turn_id = self.current_turn_id
        assert turn_id is not None
        turn = self.scenario.turns[turn_id]
        if "choices" in turn:
            result = self._choice(turn_id, turn, text_or_choice)
        else:
            result = self._free_text(turn_id, turn, text_or_choice)
        self.history.append(result)
        self.rapport_curve.append(result.rapport)
        self.last_client_line = result.client_reply
        return result

    def end(self) -> SessionSummary:
        """The student ends the session early (or after an ending); returns the summary."""
        if not self.finished:
            self.ended_by_student = True
        return self.summary()

    def start_again(self) -> Path | None:
        """Start a fresh session. Returns where an earlier transcript was kept: none here, in memory."""
        self._reset()
        return None

    def summary(self) -> SessionSummary:
        """Counts of questions and reflections, MITI bands, rapport curve, intake questions asked."""
        asked: list[str] = []
        for r in self.history:
            if r.analysis is not None:
                asked.extend(intake_questions(r.student_text))
        ending = self.ending
        return summarise(
            [r.analysis for r in self.history],
            self.rapport_curve,
            asked,
            ending=self.ending_id,
            outcome=ending["outcome"] if ending else None,
        )

    # --- internals --------------------------------------------------------------------------

    def _client_profile(self) -> ClientProfile:
        c = self.scenario.client
        avoid = tuple(c.get("avoid_names", ()))
        if c.get("intake_name") and c["intake_name"] not in avoid:
            avoid = (c["intake_name"], *avoid)
        return ClientProfile(name=c["name"], pronouns=c["pronouns"], avoid_names=avoid)

    def _analyse(self, text: str) -> Any:
        earlier = " ".join([self.scenario.opening, *(r.client_reply for r in self.history[:-1])][-6:])
        return analyse(text, client_statement=self.last_client_line, client=self._client_profile(), context=earlier)

    def _choice(self, turn_id: str, turn: Mapping[str, Any], picked: str) -> TurnResult:
        options = turn["choices"]
        key = picked.strip()
        option = next((o for o in options if o["id"] == key), None)
        if option is None:  # also accept the option's text or its 1-based number
            option = next((o for o in options if o["text"].strip() == key), None)
        if option is None and key.isdigit() and 1 <= int(key) <= len(options):
            option = options[int(key) - 1]
        if option is None:
            ids = ", ".join(o["id"] for o in options)
            raise ValueError(f"{picked!r} is not an option here; expected one of: {ids}")
        analysis = self._analyse(option["text"])
        # the student's own words ask; a button's words are the author's, so only what it does is kept
        reading = self._read_risk(turn, option["text"], typed=False)
        feedback = f"{option['technique'][:1].upper()}{option['technique'][1:]}. {option['coach']}"
        return self._finish_step(
            turn_id,
            "choice",
            option["id"],
            option["text"],
            option,
            change=int(option["rapport"]),
            analysis=analysis,
            feedback=feedback,
            rule=option["id"],
            technique=option["technique"],
            intake=tuple(intake_questions(option["text"])),
            risk=reading.said,
        )

    def _free_text(self, turn_id: str, turn: Mapping[str, Any], text: str) -> TurnResult:
        rules = turn["free_text"]
        name = self.client_name
        if is_silence(text):
            rule_name = "silence" if "silence" in rules else "default"
            rule = rules[rule_name]
            feedback = rule.get("coach") or (
                f"You stayed silent and left room for {name}. Silence can help a quiet client, "
                "as long as your manner stays warm and you come back gently if it goes on too long."
            )
            return self._finish_step(
                turn_id,
                "free_text",
                text,
                text,
                rule,
                change=int(rule["rapport"]),
                analysis=None,
                feedback=feedback,
                rule=rule_name,
                technique="silence",
            )
        analysis = self._analyse(text)
        feedback = coach_feedback(analysis)
        reading = self._read_risk(turn, text) if analysis.readable else RiskReading()
        if analysis.harmful or not analysis.readable:
            return self._react(turn_id, rules, text, analysis, feedback, reading)
        if reading and rules.get("risk"):
            matched = [r for r in rules["risk"] if set(r["when"]) & set(reading.said)]
            if matched:
                return self._risk_step(turn_id, text, analysis, reading, matched)
        intake = tuple(intake_questions(text))
        keys = self.keys.get(turn_id) or client_keys(turn)
        caught = catch_keys(text, keys, self.last_client_line) if keys is not None else None
        rule_name, rule = self._pick_rule(rules, analysis, text, intake)
        base = base_change(analysis)
        heard = rule_name not in PROBLEM_RULES
        if (
            caught is not None
            and rule_name in ("reflection", "complex_reflection", "open_question")
            and not ties(caught, text, self.last_client_line)
        ):
            # Words that would fit any client: the client answers as to small talk, and nothing is earned.
            heard = False
            if analysis.behaviour == "reflection":
                rule_name, rule = "default", rules["default"]
                base = base_change(analysis, skill=False)
        if (
            caught is not None
            and "missed" in rules
            and analysis.behaviour == "reflection"
            and rule_name not in PROBLEM_RULES  # the author's reply to a problem says more than a correction
            and (caught.feeling == "contradicts" or (
                misses(caught)
                and not rule_name.startswith("mentions")  # the author's reply to a word the client cares about
                and not echoes(text, self.last_client_line)  # a reflection of the line just said (a disclosure)
            ))
        ):
            rule_name, rule = "missed", rules["missed"]
            heard = False
            base = base_change(analysis, skill=False)  # a reflection of something they did not say earns nothing
            # No praise for a feeling named in the wrong place: the skill, then why the client did not feel heard.
            feedback = f"That was {skill_phrase(analysis.skill)}. {missed_note(self.client_name, caught, keys)}"
        if rule.get("coach"):
            feedback = f"{feedback}\n{rule['coach']}"
        return self._finish_step(
            turn_id,
            "free_text",
            text,
            text,
            rule,
            change=base + int(rule["rapport"]),
            analysis=analysis,
            feedback=feedback,
            rule=rule_name,
            technique=getattr(analysis, "skill", ""),
            intake=intake,
            caught=caught,
            earned=heard,
            heard=heard,
            risk=reading.said,
        )

    def _read_risk(self, turn: Mapping[str, Any], text: str, typed: bool = True) -> RiskReading:
        """On a turn of the risk path, what ``text`` asks and does, kept for the ending; elsewhere nothing.

        Only typed words ask: a button's text is the author's, so for a choice only what it does is kept.
        """
        if not (turn.get("risk") or (turn.get("free_text") or {}).get("risk")):
            return RiskReading()
        reading = read_risk(text)
        if not typed:
            reading = RiskReading(acts=reading.acts)
        self.risk_said.extend(name for name in reading.said if name not in self.risk_said)
        return reading

    def _risk_step(
        self, turn_id: str, text: str, analysis: Any, reading: RiskReading, matched: Sequence[Mapping[str, Any]]
    ) -> TurnResult:
        """The client's answer to a risk question or act: every question asked is answered, the first rule leads on.

        The coach names what was asked or done and why it matters; a direct question about suicide gets no
        advice on open and closed questions, because asking it plainly is the skill.
        """
        first = matched[0]
        asked = set(reading.asked)
        answers = [first] if not set(first["when"]) & asked else [r for r in matched if set(r["when"]) & asked]
        opening = set((self.scenario.risk or {}).get("ask", ()))
        follow_ups = [r for r in answers if not set(r["when"]) & asked <= opening]
        if follow_ups and len(follow_ups) < len(answers):
            # "Have you ever tried to end your life?" is answered as the follow-up it is, not as the first question
            answers = follow_ups
        if first not in answers:
            first = answers[0]
        replies = list(dict.fromkeys(r["reply"] for r in answers))
        step = {**first, "reply": " ".join(replies)}
        if len(answers) > 1 and "guarded" in first:
            step["guarded"] = " ".join(dict.fromkeys(r.get("guarded", r["reply"]) for r in answers))
        named = [n for n in reading.asked if any(n in r["when"] for r in answers)]
        lines = []
        if named:
            lines.append(f"You asked about {_join(risk_label(n) for n in named)}.")
        lines.extend(dict.fromkeys(r["coach"] for r in answers if r.get("coach")))
        done = [a for a in reading.acts if any(a in r["when"] for r in answers)]
        heard = bool(reading.asked) or any(a in GOOD_ACTS for a in done)
        technique = f"asking directly about {_join(risk_label(n) for n in named)}" if named else _join(
            risk_label(a) for a in done
        )
        return self._finish_step(
            turn_id,
            "free_text",
            text,
            text,
            step,
            change=base_change(analysis, skill=False) + int(first["rapport"]),
            analysis=analysis,
            feedback="\n".join(lines),
            rule="risk",
            technique=technique,
            earned=heard,
            heard=heard,
            risk=reading.said,
        )

    def risk_notes(self) -> tuple[str, ...]:
        """Why a risk path did not end well: never asked, not assessed, secrecy promised, the client left alone."""
        block = self.scenario.risk
        if not block or not self.finished:
            return ()
        said = set(self.risk_said)
        pronoun = self.scenario.client["pronouns"].split("/")
        them = pronoun[1] if len(pronoun) > 1 else "them"
        fill = {"name": self.client_name, "them": them}
        if not said & set(block["ask"]):
            return (risk_note("never_asked", **fill),)
        notes = []
        missing = [t for t in block.get("assess", ()) if t not in said]
        if missing:
            notes.append(risk_note("not_assessed", missing=_join(risk_label(t) for t in missing), **fill))
        notes.extend(risk_note(a, **fill) for a in block.get("never", ()) if a in said)
        return tuple(notes)

    def _risk_gate(self, target: str) -> str:
        """A good ending only after the risk was asked about directly, assessed, and met safely."""
        block = self.scenario.risk
        if not block or target not in self.scenario.endings or self.scenario.endings[target]["outcome"] != "good":
            return target
        said = set(self.risk_said)
        if not said & set(block["ask"]):
            return block["missed"]
        if set(block.get("assess", ())) - said or said & set(block.get("never", ())):
            return block["otherwise"]
        return target

    def _react(
        self, turn_id: str, rules: Mapping[str, Any], text: str, analysis: Any, feedback: str, reading: RiskReading
    ) -> TurnResult:
        """The client's reaction to harm (the session moves on, guarded) or to words they cannot read (it waits)."""
        kind = "harmful" if analysis.harmful else "unreadable"
        reactions = self.scenario.client.get("reactions") or {}
        lines = reactions.get(kind) or self.scenario.client["guarded_replies"]
        line = lines[len(self.history) % len(lines)]
        nxt = rules["default"]["next"] if kind == "harmful" else turn_id
        return self._finish_step(
            turn_id,
            "free_text",
            text,
            text,
            {"reply": line, "guarded": line, "next": nxt},
            change=base_change(analysis),
            analysis=analysis,
            feedback=feedback,
            rule=kind,
            technique=analysis.skill,
            earned=False,
            heard=False,
            risk=reading.said,
        )

    @staticmethod
    def _pick_rule(
        rules: Mapping[str, Any], analysis: Any, text: str, intake: Sequence[str]
    ) -> tuple[str, Mapping[str, Any]]:
        """First matching rule in the documented order: problems, mentions, skills, default."""
        for rule_name in PROBLEM_RULES:
            if rule_name in rules and analysis.has(RULE_TO_FLAG.get(rule_name, rule_name)):
                return rule_name, rules[rule_name]
        for i, m in enumerate(rules.get("mentions", [])):
            if says_any(text, m.get("words", ())) or set(m.get("intake", ())) & set(intake):
                return f"mentions[{i}]", m
        for rule_name in SKILL_RULES:
            if rule_name in rules and _skill_matches(rule_name, analysis):
                return rule_name, rules[rule_name]
        return "default", rules["default"]

    def _finish_step(
        self,
        turn_id: str,
        kind: str,
        student_input: str,
        student_text: str,
        step: Mapping[str, Any],
        *,
        change: int,
        analysis: Any,
        feedback: str,
        rule: str,
        technique: str,
        intake: tuple[str, ...] = (),
        caught: Any | None = None,
        earned: bool = True,
        heard: bool = True,
        risk: tuple[str, ...] = (),
    ) -> TurnResult:
        if change > 0 and self.rapport > SLOW_ABOVE:
            change = math.ceil(change * (100 - self.rapport) / (100 - SLOW_ABOVE))
        new = max(0, min(100, self.rapport + change))
        actual_change = new - self.rapport
        self.rapport = new
        target = self._risk_gate(self._resolve_next(step["next"]))
        withdrawn = new < self.scenario.withdraw_below
        if withdrawn:
            # A withdrawn client answers briefly; pick a guarded line by turn number (deterministic).
            lines = self.scenario.client["guarded_replies"]
            reply = step.get("guarded") or lines[len(self.history) % len(lines)]
            revealed: tuple[str, ...] = ()
        else:
            reply = step["reply"]
            revealed = self._unlock() if earned and actual_change > 0 else ()
            if revealed:
                reply = f"{reply} {' '.join(revealed)}"
        says = self.scenario.turns.get(target, {}).get("says")
        if says:  # the next turn opens with a new line from the client (a question, a silence...)
            reply = f"{reply} {says}"
        ending = None
        if target in self.scenario.endings:
            self.ending_id = target
            self.current_turn_id = None
            ending = self.ending
            if ending["notes"]:
                feedback = "\n".join((feedback, *ending["notes"]))
        else:
            self.current_turn_id = target
        return TurnResult(
            turn_id=turn_id,
            kind=kind,
            student_input=student_input,
            student_text=student_text,
            client_reply=reply,
            feedback=feedback,
            rapport=new,
            rapport_change=actual_change,
            analysis=analysis,
            finished=ending is not None,
            rule=rule,
            technique=technique,
            revealed=revealed,
            withdrawn=withdrawn,
            ending=ending,
            next_turn=None if ending else target,
            intake=intake,
            caught=caught,
            heard=heard,
            risk=risk,
        )

    def _resolve_next(self, nxt: str | Sequence[Mapping[str, Any]]) -> str:
        if isinstance(nxt, str):
            return nxt
        for step in nxt:
            if self.rapport >= int(step.get("min_rapport", 0)):
                return step["to"]
        return nxt[-1]["to"]  # the loader makes the last step unconditional; this is a safety net

    def _unlock(self) -> tuple[str, ...]:
        """Unlock at most one new disclosure per turn, lowest threshold first."""
        reveals = self.scenario.client.get("reveals", [])
        for i in sorted(range(len(reveals)), key=lambda k: reveals[k]["at"]):
            if i not in self._revealed and self.rapport >= reveals[i]["at"]:
                self._revealed.add(i)
                return (reveals[i]["text"],)
        return ()


def _join(items: Any) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def misses(caught: Any) -> bool:
    """A reflection misses the client when it names a feeling contradicting theirs, or a feeling that is not theirs
    and nothing they said. One that names no feeling may say what they said in other words: it is not corrected."""
    return caught.feeling == "contradicts" or (
        not caught.content and caught.feeling == "none" and bool(caught.other_feelings)
    )


# Content words a reflection shares with the client's last line that show it reflects that line.
ECHO_WORDS = 2


def echoes(text: str, client_line: str) -> bool:
    """Whether a reply takes up the client's last line: at least ECHO_WORDS of its content words (lemmas), or one
    for a question that asks about more than stock words. A question that picks up a word the client has just used
    ("That already feels different." - "What would you like to be different?") follows them; a statement needs
    more, because one shared word is as often a new claim about it as a reflection."""
    shared = shared_content_words(text, client_line)
    if "?" in text and not stock(text):
        return shared >= 1
    return shared >= ECHO_WORDS


def ties(caught: Any, text: str, client_line: str) -> bool:
    """Whether a reply is about this client: it catches what they said or a feeling near theirs, or takes up
    their last line in its own words (not only gives it back)."""
    # ``caught.echo`` (keys.is_echo) already holds a verbatim echo; it spares questions the sentence-level echo
    if caught.echo or echo_share(text, client_line) >= ECHO_AT:
        return False  # their own words handed back (pronouns turned round or not), not heard
    if caught.content or caught.feeling in ("fits", "adjacent"):
        return True
    if getattr(caught, "topics", ()):
        # About their topic (the mates, the counsellor) but not what they said of it. A question may ask about
        # anything they named; a statement says something of its own about it ("your mates already know").
        return "?" in text
    return echoes(text, client_line) and caught.repetition < ECHO_AT


def missed_note(name: str, caught: Any, keys: Any) -> str:
    """What the coach says when a reflection missed the client, in the client's terms."""
    what = "named a feeling that is not theirs" if caught.feeling == "contradicts" else "missed what they said"
    said = "; ".join(strand.label for strand in keys.content)
    return f"{name} did not feel heard: your reflection {what} ({said}; they feel {keys.feeling_said})."


def base_change(analysis: Any, skill: bool = True) -> int:
    """The rapport change earned by the analysis alone (before the turn's own change); flags only without ``skill``."""
    change = 0
    # Without ``skill`` (a reflection that missed the client) the skill earns nothing; its flags still count.
    if skill and analysis.behaviour == "reflection":
        change += BASE_BEHAVIOUR["complex_reflection" if analysis.reflection_type == "complex" else "simple_reflection"]
    elif skill and analysis.behaviour == "question" and analysis.question_type in ("open", "closed"):
        change += BASE_BEHAVIOUR[f"{analysis.question_type}_question"]
    for flag in analysis.flags:
        if flag.kind == "self_disclosure":
            change += SELF_DISCLOSURE_GOOD if flag.good else SELF_DISCLOSURE_BAD
        else:
            change += BASE_FLAGS.get(flag.kind, 0)
    return change


def says_any(text: str, words: Sequence[str]) -> bool:
    """True if ``text`` contains any of ``words`` (case-insensitive; a word also matches longer forms)."""
    low = text.lower()
    return any(re.search(r"(?<!\w)" + re.escape(w.lower()), low) for w in words)


def _skill_matches(rule_name: str, analysis: Any) -> bool:
    if rule_name == "self_disclosure":
        return analysis.has("self_disclosure")
    if rule_name == "complex_reflection":
        return analysis.behaviour == "reflection" and analysis.reflection_type == "complex"
    if rule_name == "reflection":
        return analysis.behaviour == "reflection"
    if rule_name == "open_question":
        return analysis.behaviour == "question" and analysis.question_type == "open"
    if rule_name == "closed_question":
        return analysis.behaviour == "question" and analysis.question_type == "closed"
    return False
