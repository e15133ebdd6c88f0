"""The engine: deterministic, rules picked from the analysis, rapport clamped, withdrawal and disclosure."""

from __future__ import annotations

import pytest

from rapportkit.roleplay import RolePlay, base_change, is_silence, parse_scenario, replay, scenario_names
from rapportkit.roleplay.engine import BASE_BEHAVIOUR, BASE_FLAGS
from rapportkit.skills import analyse

# Clear-cut utterances, so these tests do not depend on the analyser's borderline calls.
OPEN_Q = "What brings you in today?"
CLOSED_Q = "Have you been to therapy before?"
JUDGING = "You shouldn't feel that way."
REFLECTION = "You are worried your friends might find out."

TOY = """\
id: toy
title: Toy client
rapport: {start: 40, withdraw_below: 25}
client:
  name: Kim
  pronouns: she/her
  presenting_concern: Stress at work.
  reveals:
    - {at: 50, text: I have not slept properly in weeks.}
    - {at: 60, text: I think I might lose my job.}
  guarded_replies: [Whatever., I don't know.]
  reactions:
    harmful: [Wow. Okay., I don't have to sit here for this.]
    unreadable: ["Sorry, what?"]
opening: Hi. I'm Kim. Work has been a lot lately.
start: first
turns:
  first:
    hint: Say hello.
    client_said:
      content:
        work has been a lot for Kim: [work, job, office, a lot, too much]
      feeling: {fits: [tired, overwhelmed], adjacent: [anxious], contradicts: [happy], say: worn out}
    free_text:
      missed: {reply: "No, that's not it. It's the work.", rapport: -2, next: second}
      judging: {reply: That's harsh., guarded: ..., rapport: -10, next: second}
      mentions:
        - {words: [confidential], reply: Good to know., rapport: 5, next: second}
      silence: {reply: (Kim fills the silence) It's work., rapport: 2, next: second}
      reflection: {reply: "Yes, exactly.", rapport: 4, next: second}
      open_question: {reply: "Work, mostly. Too much of it.", rapport: 2, next: second}
      closed_question: {reply: Yes., rapport: 0, next: second}
      default: {reply: Okay., rapport: 0, next: second}
  second:
    choices:
      - {id: a, text: That sounds exhausting., technique: reflection, rapport: 10, reply: It is.,
         coach: Good.,
         next: [{min_rapport: 60, to: good_end}, {to: mixed_end}]}
      - {id: b, text: Just take a holiday., technique: advice, rapport: -30, reply: Right., coach: Too soon.,
         next: poor_end}
endings:
  good_end: {title: Good, outcome: good, client_says: See you next week., coach: Well done.}
  mixed_end: {title: Mixed, outcome: mixed, coach: Fine.}
  poor_end: {title: Poor, outcome: poor, coach: Try reflecting first.}
"""


@pytest.fixture
def toy():
    return parse_scenario(TOY, "toy.yaml")


def test_open_question_rule_and_base_change(toy) -> None:
    rp = RolePlay(toy)
    r = rp.respond(OPEN_Q)
    assert r.rule == "open_question"
    assert r.analysis.question_type == "open"
    assert r.client_reply == "Work, mostly. Too much of it."
    assert r.rapport_change == base_change(r.analysis) + 2
    assert r.rapport == 40 + r.rapport_change
    assert "open question" in r.feedback  # coach_feedback names the skill
    assert not r.finished and rp.current_turn_id == "second"


def test_judging_lowers_rapport_and_client_withdraws(toy) -> None:
    rp = RolePlay(toy)
    r = rp.respond(JUDGING)
    assert r.rule == "judging"
    assert r.rapport_change <= BASE_FLAGS["judging"] - 10
    assert r.rapport < 25 and r.withdrawn
    assert r.client_reply == "..."  # the rule's guarded line replaces the full reply


def test_mentions_and_silence(toy) -> None:
    assert RolePlay(toy).respond("Everything you say here is confidential.").rule == "mentions[0]"
    r = RolePlay(toy).respond("...")
    assert r.rule == "silence" and r.analysis is None and r.rapport == 42
    assert is_silence("(silence)") and is_silence("") and is_silence("*waits*")
    assert not is_silence("Wait, what did you say?")


def test_choice_by_id_text_or_number(toy) -> None:
    for pick in ("a", "That sounds exhausting.", "1"):
        rp = RolePlay(toy)
        rp.respond(CLOSED_Q)
        r = rp.respond(pick)
        assert r.kind == "choice" and r.rule == "a" and r.rapport_change == 10
        assert r.feedback.startswith("Reflection. Good.")


def test_unknown_choice_is_a_clear_error(toy) -> None:
    rp = RolePlay(toy)
    rp.respond(CLOSED_Q)
    assert rp.is_choice_turn and rp.choices[0] == ("a", "That sounds exhausting.")
    with pytest.raises(ValueError, match="expected one of: a, b"):
        rp.respond("z")


def test_disclosure_unlocks_one_per_turn_and_ending_depends_on_rapport(toy) -> None:
    rp = RolePlay(toy)
    r1 = rp.respond("Everything you say here is confidential.")  # 40 + base + 5 -> at least 45
    r2 = rp.respond("a")
    assert r2.rapport >= 55
    revealed = r1.revealed + r2.revealed
    assert revealed and revealed[0] == "I have not slept properly in weeks."
    assert all(len(r.revealed) <= 1 for r in (r1, r2))
    assert r2.finished and r2.ending["id"] == ("good_end" if r2.rapport >= 60 else "mixed_end")
    assert rp.finished and rp.current_turn is None
    with pytest.raises(RuntimeError, match="ended"):
        rp.respond("more")


def test_poor_path_ends_differently(toy) -> None:
    rp = replay(toy, [CLOSED_Q, "b"])
    assert rp.ending_id == "poor_end" and rp.rapport == 10  # 40 + 0 - 30
    assert rp.ending["outcome"] == "poor"


def test_rapport_is_clamped(toy) -> None:
    rp = RolePlay(toy)
    rp.rapport = 5
    r = rp.respond(JUDGING)
    assert r.rapport == 0 and r.rapport_change == -5


def test_same_inputs_same_session(toy) -> None:
    inputs = [REFLECTION, "a"]
    a, b = replay(toy, inputs), replay(toy, inputs)
    assert a.rapport_curve == b.rapport_curve
    assert [r.client_reply for r in a.history] == [r.client_reply for r in b.history]
    assert a.summary() == b.summary()


def test_base_change_table() -> None:
    assert base_change(analyse(OPEN_Q)) == BASE_BEHAVIOUR["open_question"]
    assert base_change(analyse(CLOSED_Q)) == BASE_BEHAVIOUR["closed_question"]
    assert base_change(analyse(JUDGING)) < 0


def test_end_early_and_summary(toy) -> None:
    rp = RolePlay(toy)
    rp.respond(OPEN_Q)
    s = rp.end()
    assert rp.finished and rp.ended_by_student and rp.ending is None
    assert s.open_questions == 1 and s.turns == 1 and s.rapport_curve == tuple(rp.rapport_curve)
    assert "why_here" in s.intake_asked


def test_john_good_and_poor_paths_end_differently() -> None:
    good = replay(
        "john",
        [
            "a",
            OPEN_Q,
            "explain",
            REFLECTION,
            "both_sides",
            OPEN_Q,
            "How do you hope to see yourself at the end of our work?",
            "summarise",
        ],
    )
    assert good.ending_id == "opens_up" and good.rapport >= 60
    poor = replay("john", ["b", "later", "brush_off"])
    assert poor.ending_id == "walks_out"
    assert good.ending["outcome"] == "good" and poor.ending["outcome"] == "poor"


def test_respond_type_error(toy) -> None:
    with pytest.raises(TypeError):
        RolePlay(toy).respond(3)  # type: ignore[arg-type]


# On a risk path the good session asks directly, then about a plan and the means, in the student's own words.
RISK_QUESTIONS = ("Are you having thoughts of ending your life?", "Have you made any plans?",
                  "Do you have access to anything you could use, like pills?")


def _auto_play(name: str, best: bool) -> RolePlay:
    """Pick the highest (or lowest) rapport option; type a clear-cut open question (or a judging line), and on a
    risk path the direct questions a clinician asks."""
    rp = RolePlay(name)
    asked = iter(RISK_QUESTIONS)
    while not rp.finished:
        turn = rp.current_turn
        if "choices" in turn:
            options = sorted(turn["choices"], key=lambda o: o["rapport"], reverse=best)
            rp.respond(options[0]["id"])
        elif best and (turn.get("risk") or turn["free_text"].get("risk")):
            rp.respond(next(asked, "What would you like to be different?"))
        else:
            rp.respond("What would you like to be different?" if best else JUDGING)
    return rp


@pytest.mark.parametrize("name", scenario_names())
def test_every_client_has_a_good_and_a_poor_path(name: str) -> None:
    good, poor = _auto_play(name, best=True), _auto_play(name, best=False)
    assert good.ending["outcome"] == "good" and poor.ending["outcome"] == "poor"
    assert good.ending_id != poor.ending_id
    assert good.rapport > poor.rapport
    assert any(r.withdrawn for r in poor.history)  # the client withdraws when rapport falls


def test_sam_intake_name_is_avoided() -> None:
    rp = replay("sam", ["neutral"])
    r = rp.respond("Thanks for coming, Samantha.")
    assert r.analysis.has("wrong_name") and r.rule == "wrong_name" and r.rapport_change < 0


def test_turn_opens_with_the_clients_new_line() -> None:
    rp = replay("nora", ["honest", OPEN_Q])
    assert rp.current_turn_id == "asks_loss"
    assert rp.last_client_line.endswith("Have you ever lost someone? Your mum, or your dad?")


# --- the client hears what was said ----------------------------------------------------------------


def test_harm_gets_the_clients_reaction_and_costs_rapport(toy) -> None:
    rp = RolePlay(toy)
    r = rp.respond("You're pathetic, honestly. Get over it.")
    assert r.rule == "harmful" and r.client_reply == "Wow. Okay."
    assert r.rapport_change <= BASE_FLAGS["harmful"] + 0 and r.revealed == ()
    assert "harm" in r.feedback and "Well done" not in r.feedback
    assert rp.current_turn_id == "second"  # the session goes on, guarded


def test_words_the_client_cannot_read_get_puzzlement_and_the_turn_waits(toy) -> None:
    rp = RolePlay(toy)
    r = rp.respond("asdf qwer zxcv")
    assert r.rule == "unreadable" and r.client_reply == "Sorry, what?"
    assert rp.current_turn_id == "first" and r.rapport_change == BASE_FLAGS["unreadable"]
    assert rp.respond(OPEN_Q).rule == "open_question"


def test_a_reflection_that_misses_the_client_gets_a_correction(toy) -> None:
    missed = RolePlay(toy).respond("It sounds like you're excited about your holiday.")
    assert missed.rule == "missed" and missed.client_reply.startswith("No, that's not it")
    assert missed.rapport_change <= 0
    assert "did not feel heard" in missed.feedback and "worn out" in missed.feedback
    heard = RolePlay(toy).respond("It sounds like work has left you completely worn out.")
    assert heard.rule == "reflection" and heard.rapport_change > 0
    assert heard.caught is not None and heard.caught.content == ("work has been a lot for Kim",)


def test_rises_slow_near_the_top(toy) -> None:
    low, high = RolePlay(toy), RolePlay(toy)
    high.rapport = 90
    assert low.respond("It sounds like work has left you completely worn out.").rapport_change > (
        high.respond("It sounds like work has left you completely worn out.").rapport_change
    )


def test_disclosures_follow_only_replies_that_earned_them(toy) -> None:
    rp = RolePlay(toy)
    rp.rapport = 58  # above the first disclosure's level already
    r = rp.respond("It sounds like you're excited about your holiday.")
    assert r.rule == "missed" and r.revealed == ()


def test_a_question_that_picks_up_one_word_of_the_last_line_follows_the_client():
    from rapportkit.roleplay.engine import echoes

    line = "I moved flats last month. It still doesn't feel like mine."
    assert echoes("What would make the flat feel more like yours?", line)  # one shared word, asked about
    assert not echoes("So the flat is great.", line)  # a statement needs two of their words
    assert not echoes("What is hard?", "Work has been hard lately.")  # a stock word shared is no following


def _at_previous_turn() -> RolePlay:
    rp = RolePlay("kofi")
    rp.respond("curious")
    assert rp.current_turn_id == "previous"
    return rp


def test_an_open_question_on_another_thread_earns_one_point_and_a_stock_one_none():
    from rapportkit import grading

    off_thread = _at_previous_turn().respond("How are things with your neighbours these days?")
    assert not off_thread.heard and grading.turn_points(off_thread) == 1
    stock = _at_previous_turn().respond("Tell me more about that.")
    assert not stock.heard and grading.turn_points(stock) == 0


def test_the_client_words_handed_back_earn_nothing_whatever_rule_answers():
    from rapportkit import grading

    echo = _at_previous_turn().respond("Homework every week, and when you couldn't do it, she'd sigh.")
    assert echo.caught.echo and grading.turn_points(echo) == 0


def _at(scenario: str, turn: str) -> RolePlay:
    """A session of a shipped scenario played along its good path (tests/data/rater) up to ``turn``."""
    from pathlib import Path

    import yaml

    paths = yaml.safe_load((Path(__file__).parent / "data/rater/roleplay/paths.yaml").read_text(encoding="utf-8"))
    rp = RolePlay(scenario)
    for given in paths[scenario]:
        if rp.current_turn_id == turn:
            break
        rp.respond(given)
    assert rp.current_turn_id == turn
    return rp


@pytest.mark.parametrize(("scenario", "turn", "reply", "heard"), [
    ("john", "friends", "So your mates already know and have been giving you a hard time.", False),
    ("john", "friends", "Your mates would never let it go if they found out you came here.", True),
    ("sam", "hopes", "So the counsellor at uni always used your right name.", False),
    ("sam", "hopes", "She kept using the old name after you told her twice, so you stopped going.", True),
    ("leo", "bed", "So you've been going out with friends instead of going to lectures.", False),
    ("leo", "bed", "Most days it's hard to even get out of bed.", True),
])
def test_a_reflection_about_their_topic_that_says_something_else_is_not_heard(scenario, turn, reply, heard) -> None:
    """A topic word ("mates", "counsellor", "lectures") shows what a reply is about, not that it was said."""
    assert _at(scenario, turn).respond(reply).heard is heard
