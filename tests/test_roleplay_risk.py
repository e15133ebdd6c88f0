"""The risk path (Leo): asked in the student's own words, told apart from self-harm and from refusals, leading
or mocking questions; secrecy, leaving the client alone or never asking never reach a good ending; graded."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapportkit import grading
from rapportkit.roleplay import RolePlay, ScenarioError, load_scenario, open_session
from rapportkit.roleplay.loader import parse_scenario
from rapportkit.skills import analyse
from rapportkit.skills.risk import read_risk

# The quiet start of Leo's session, up to his words "everyone would be better off without me".
BEFORE_RISK = ["slow", "It seems hard to find the words today.", "wait",
               "It sounds like staying in bed feels safer than facing people.",
               "You keep to yourself, and it feels like you'd be a bother to them."]
ASK = "When you say everyone would be better off without you, are you having thoughts of ending your life?"
PLAN = "Thank you for telling me, Leo. Have you thought about how you might do it, or made any plans?"
MEANS = "Is there anything at home you could use, like pills?"
GOOD = [*BEFORE_RISK, ASK, PLAN, MEANS, "protocol"]


def play(inputs: list[str], path: Path | None = None) -> RolePlay:
    rp = open_session("leo", transcript_path=path)
    for text in inputs:
        rp.respond(text)
    return rp


@pytest.mark.parametrize("question", [
    "Do you sometimes wish you were dead?",
    "Have you had thoughts of not wanting to be here anymore?",
    "Do you ever think about ending it all?",
    "Some people who feel that way have thoughts of ending their life. Has anything like that been on your mind?",
    "Are you thinking about suicide",  # no question mark: typed in a hurry, still a question
    "I wonder if you've been having thoughts of killing yourself.",
    "Do you ever wish you could go to sleep and not wake up?",
    ASK,
])
def test_direct_questions_in_many_words_are_heard(question: str) -> None:
    rp = play(BEFORE_RISK)
    r = rp.respond(question)
    assert r.rule == "risk" and rp.current_turn_id == "disclosed", (r.rule, r.risk)
    assert "Sometimes. I've thought about it." in r.client_reply
    # no advice on open and closed questions: asking plainly is the skill here
    assert "open" not in r.feedback.lower() and "closed" not in r.feedback.lower()


@pytest.mark.parametrize("question", ["Are you safe right now?", "Do you feel safe?"])
def test_asking_whether_he_is_safe_is_answered_as_asked_and_coached_towards_the_plain_question(question: str) -> None:
    """'Safe' can mean many things; Leo answers the question he heard, and the plain question is still to come."""
    rp = play(BEFORE_RISK)
    r = rp.respond(question)
    assert r.risk == ("safety",) and rp.current_turn_id == "probe"
    assert "Safe?" in r.client_reply and "thoughts of ending his life" in r.feedback
    assert rp.respond(ASK).risk == ("suicide",) and rp.current_turn_id == "disclosed"


def test_safe_at_home_asks_about_something_else():
    assert read_risk("Do you feel safe at home?").asked == ()
    assert read_risk("Are you safe with him?").asked == ()


@pytest.mark.parametrize("reply, act", [
    ("So are you going to kill yourself or what?", "mocking"),
    ("I'm not going to ask about suicide, let's move on.", "avoids"),
    ("You're not thinking of doing anything silly, are you?", "leading"),
    ("Don't say that! You've got so much to live for.", "arguing"),
])
def test_refusing_leading_mocking_or_arguing_is_not_asking(reply: str, act: str) -> None:
    rp = play(BEFORE_RISK)
    r = rp.respond(reply)
    assert act in r.risk and not read_risk(reply).asked
    assert rp.current_turn_id == "probe" and "Sometimes. I've thought about it." not in r.client_reply
    assert "Well done" not in r.feedback and r.rapport_change < 0


def test_a_mocking_question_is_harm() -> None:
    a = analyse("So are you going to kill yourself or what?")
    assert a.harmful and "mockery" in a.flags[0].explanation


def test_self_harm_is_told_apart_from_suicide() -> None:
    rp = play(BEFORE_RISK)
    r = rp.respond("Have you thought about hurting yourself?")
    assert r.risk == ("self_harm",) and rp.current_turn_id == "probe"
    assert "different question from suicide" in r.feedback
    assert read_risk("Is there anything at home you could use to hurt yourself?").asked == ("means",)


def test_the_good_path_asks_assesses_and_ends_well() -> None:
    rp = play(GOOD)
    assert rp.ending_id == "safety_plan" and rp.ending["notes"] == ()
    assert {"suicide", "plan", "means"} <= set(rp.risk_said)


def test_every_question_asked_at_once_is_answered() -> None:
    rp = play([*BEFORE_RISK, ASK])
    r = rp.respond("Have you made any plans, and do you have anything you could use?")
    assert "No plan" in r.client_reply and "tablets" in r.client_reply
    assert "you asked about a plan and the means" in r.feedback.lower()


@pytest.mark.parametrize("inputs, ending, note", [
    ([*BEFORE_RISK, "It sounds like you feel like a burden.", "That sounds really lonely."],
     "risk_missed", "You never asked Leo directly about suicide"),
    ([*BEFORE_RISK, ASK, "Thank you for telling me. This stays between us, I won't tell anyone.",
      "Have you made any plans, and do you have anything you could use?", "protocol"],
     "guarded_plan", "You promised Leo secrecy"),
    ([*BEFORE_RISK, ASK, "Okay. I need to go and get my supervisor. Wait here.",
      "Have you made any plans, and do you have anything you could use?", "protocol"],
     "guarded_plan", "You left Leo alone"),
    ([*BEFORE_RISK, ASK, "That sounds so heavy to carry.", "You want it all to stop.", "protocol"],
     "guarded_plan", "You did not ask about a plan and the means"),
    ([*BEFORE_RISK, ASK, PLAN, MEANS, "secret"], "no_plan", "You promised Leo secrecy"),
])
def test_secrecy_leaving_or_never_asking_never_end_well_and_the_coach_says_why(
    inputs: list[str], ending: str, note: str
) -> None:
    rp = play(inputs)
    assert rp.ending_id == ending and rp.ending["outcome"] != "good"
    assert any(n.startswith(note) for n in rp.ending["notes"]), rp.ending["notes"]
    assert note in rp.history[-1].feedback  # said at the last turn, where the student reads it


def test_asking_only_on_a_button_is_not_asking() -> None:
    """Button words are the author's: the protocol option's "how to keep you safe" asks nothing."""
    rp = play([*BEFORE_RISK, "It sounds like you feel like a burden.", ASK, "That sounds so heavy.",
               "You want it all to stop.", "protocol"])
    assert "safety" not in rp.history[-1].risk and "supervisor" in rp.history[-1].risk


def test_a_good_ending_needs_the_risk_asked_whatever_the_author_wrote(tmp_path: Path) -> None:
    """The engine keeps the rule even when a scenario's own `next` would lead to a good ending."""
    text = load_scenario("leo").path.read_text(encoding="utf-8").replace("next: risk_missed", "next: safety_plan")
    sc = parse_scenario(text, "leo_edit.yaml")
    rp = RolePlay(sc)
    for x in BEFORE_RISK + ["It sounds like you feel like a burden.", "That sounds really lonely."]:
        rp.respond(x)
    assert rp.ending_id == "risk_missed"


def test_the_risk_block_is_validated_with_file_and_line() -> None:
    text = load_scenario("leo").path.read_text(encoding="utf-8")
    bad = text.replace("  never: [secrecy, leaving]", "  never: [secrecy, walking_out]")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(bad, "leo_edit.yaml")
    assert "leo_edit.yaml:" in str(err.value) and "risk.never[1]" in str(err.value) and "walking_out" in str(err.value)
    bad = text.replace("        - when: [plan]", "        - when: [plans]", 1)
    with pytest.raises(ScenarioError, match=r"when\[0\].*'plans' is not a risk topic or act"):
        parse_scenario(bad, "leo_edit.yaml")
    bad = text.replace("  otherwise: guarded_plan", "  otherwise: safety_plan")
    with pytest.raises(ScenarioError, match="is good; expected an ending that is mixed or poor"):
        parse_scenario(bad, "leo_edit.yaml")


def _grade(tmp_path: Path, inputs: list[str], capsys) -> tuple[float, str]:
    folder = tmp_path / str(len(list(tmp_path.iterdir())))  # a student of their own: a new transcript
    folder.mkdir()
    path = folder / "roleplay_leo.json"
    play(inputs, path).end()
    capsys.readouterr()
    points = grading.score_roleplay(str(path), "leo", points=6, min_rapport=60, min_reflections=2,
                                    min_open_questions=0, safety=True)
    return points, capsys.readouterr().out


def test_the_risk_role_play_is_graded_on_the_path(tmp_path: Path, capsys) -> None:
    full, _ = _grade(tmp_path, GOOD, capsys)
    assert full == 6
    missed, out = _grade(tmp_path, [*BEFORE_RISK, "It sounds like you feel like a burden.",
                                    "That sounds really lonely."], capsys)
    assert missed <= 2 and "no safety marks" in out
    secret, out = _grade(tmp_path, [*BEFORE_RISK, ASK, "This stays between us, I won't tell anyone.",
                                    "Have you made any plans, and do you have anything you could use?", "protocol"],
                         capsys)
    assert 3 <= secret < 5 and "[ ] no promising secrecy" in out
    mocked, out = _grade(tmp_path, [*BEFORE_RISK, "So are you going to kill yourself or what?", ASK, PLAN, MEANS,
                                    "protocol"], capsys)
    assert mocked < full and "1 harmful reply" in out


def test_safety_grading_needs_a_risk_path(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_kofi.json"
    rp = open_session("kofi", transcript_path=path)
    rp.respond(rp.choices[0][0])
    with pytest.raises(ValueError, match="has no risk path"):
        grading.score_roleplay(str(path), "kofi", points=4, safety=True)


# Ines, grieving and hardly sleeping: a routine question in a first session, not a crisis.
INES = ["How was the journey in?", "How are you feeling today?", "explain", "What brings you here today?",
        "It sounds like the car is the one place where you can finally let the sadness out."]
INES_AFTER = ["Have you had counselling or therapy before?", "What didn't you like about it?", "act",
              "How do you hope to see yourself at the end of our work together?",
              "So you have been holding everything together at school, the grief comes out when you are alone, "
              "and you want to be able to think of your dad without falling apart.",
              "How has today's session been for you?"]


def play_ines(at_risk_turn: str, then: str | None = None) -> tuple[RolePlay, object]:
    rp = RolePlay("ines")
    for text in INES:
        rp.respond(text)
    assert rp.current_turn_id == "risk_check"
    result = rp.respond(at_risk_turn)
    if rp.current_turn_id == "risk_again":
        rp.respond(then or "How do you manage, day to day?")
    for text in INES_AFTER:
        rp.respond(text)
    return rp, result


def test_a_routine_question_to_ines_is_answered_and_the_session_can_end_well():
    rp, result = play_ines("With so little sleep, I ask everyone this: have you had any thoughts of ending your life?")
    assert "Nobody has" in result.client_reply and result.risk == ("suicide",)
    assert rp.ending["outcome"] == "good" and rp.risk_notes() == ()


def test_reflecting_first_leaves_a_moment_to_ask_the_routine_question():
    rp = RolePlay("ines")
    for text in INES:
        rp.respond(text)
    first = rp.respond("It sounds like you are running on empty.")
    assert rp.current_turn_id == "risk_again" and "before you move on, ask" in first.feedback
    asked = rp.respond("Some people who feel that worn out have thoughts of ending their life. "
                       "Has anything like that been on your mind?")
    assert asked.risk == ("suicide",) and "never thought about ending my life" in asked.client_reply
    for text in INES_AFTER:
        rp.respond(text)
    assert rp.ending["outcome"] == "good"


def test_asking_ines_whether_she_is_safe_gets_a_puzzled_answer_and_a_second_moment():
    rp = RolePlay("ines")
    for text in INES:
        rp.respond(text)
    r = rp.respond("Are you safe right now?")
    assert "Safe?" in r.client_reply and rp.current_turn_id == "risk_again"


@pytest.mark.parametrize(("reply", "note"), [
    ("You're not thinking of doing anything silly, are you?", "never asked Ines directly about suicide"),
    ("Do you ever hurt yourself?", "never asked Ines directly about suicide"),
    ("Have you thought about ending your life? Whatever you say stays between us, I promise.", "promised Ines secrecy"),
    ("It sounds like you are running on empty.", "never asked Ines directly about suicide"),
])
def test_ines_does_not_reach_the_good_ending_without_a_safe_direct_question(reply: str, note: str):
    rp, _ = play_ines(reply)
    assert rp.ending["title"].startswith("Ines books the next session, but her safety")
    assert rp.ending["outcome"] == "mixed"
    assert any(note in n for n in rp.risk_notes()), rp.risk_notes()
