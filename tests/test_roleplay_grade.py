"""Role-play grades follow the session: what the client took as heard, intake one at a time, harm, the ending."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapportkit import grading
from rapportkit.roleplay import RolePlay, open_session

JOHN_GOOD = ["a", "It sounds like walking in here took a lot, and part of you nearly kept walking.", "explain",
             "It sounds like you're worried your mates would see this as weakness.", "both_sides",
             "What would you like to be different at home?", "Can you say more about what you'd hope for?",
             "summarise"]


def play(tmp_path: Path, scenario: str, pick) -> tuple[Path, RolePlay]:
    """Play a whole session: ``pick(rp)`` gives each input (an option id on a choice turn)."""
    path = tmp_path / f"roleplay_{scenario}.json"
    rp = open_session(scenario, transcript_path=path)
    for _ in range(30):
        if rp.finished:
            break
        rp.respond(pick(rp))
    return path, rp


def best_button(rp: RolePlay) -> str:
    """The option that raises rapport most (what a student gaming the grade would press)."""
    turn = rp.current_turn
    return max(turn["choices"], key=lambda o: o["rapport"])["id"]


@pytest.mark.parametrize("junk", ["You're an idiot and a waste of my time.", "asdf qwer zxcv hjkl"])
def test_best_buttons_and_junk_typing_earn_little(tmp_path: Path, junk: str) -> None:
    path, rp = play(tmp_path, "john", lambda rp: best_button(rp) if rp.is_choice_turn else junk)
    points = grading.score_roleplay(str(path), "john", points=4)
    assert points <= 1.0, [r.rule for r in rp.history]


def test_harm_costs_points_and_is_said(tmp_path: Path, capsys) -> None:
    inputs = iter(["a", "You're pathetic, mate. Man up."])
    path, rp = play(tmp_path, "john", lambda rp: next(inputs, None) or (best_button(rp) if rp.is_choice_turn
                                                                          else "It sounds like that was hard."))
    grading.score_roleplay(str(path), "john", points=4)
    assert "1 harmful reply: each costs 25% of the points" in capsys.readouterr().out


def test_stacked_intake_questions_count_once() -> None:
    rp = RolePlay("abby")
    rp.respond(best_button(rp))
    before = grading.session_counts(rp.history).intake_asked
    rp.respond("How are you today? Did you find us okay? What brings you here? Have you had therapy before?")
    assert len(rp.history[-1].intake) >= 3  # the analyser hears them all...
    assert len(grading.session_counts(rp.history).intake_asked) == len(before) + 1  # ...the grade counts one


def test_corrected_reflections_do_not_count() -> None:
    rp = RolePlay("john")
    rp.respond("a")
    rp.respond("It sounds like walking in here wasn't easy.")
    rp.respond("explain")
    rp.respond("It sounds like you're excited to tell your mates all about therapy.")
    assert rp.history[-1].rule == "missed"
    assert grading.session_counts(rp.history).reflections == 1


@pytest.mark.parametrize("typed", ["It sounds like that's really hard for you.", "Tell me more about that.", None])
def test_buttons_with_stock_phrases_or_echoes_earn_little(tmp_path: Path, typed: str | None) -> None:
    def pick(rp: RolePlay) -> str:
        if rp.is_choice_turn:
            return best_button(rp)
        return typed if typed is not None else rp.last_client_line.split(". ")[-1]

    path, rp = play(tmp_path, "john", pick)
    assert grading.score_roleplay(str(path), "john", points=4) <= 1.0, [r.rule for r in rp.history]


def test_a_good_session_still_earns_full_marks(tmp_path: Path) -> None:
    inputs = iter(JOHN_GOOD)
    path, rp = play(tmp_path, "john", lambda rp: next(inputs))
    assert rp.ending["outcome"] == "good", [(r.rule, r.heard) for r in rp.history]
    assert grading.score_roleplay(str(path), "john", points=4) == 4


def test_their_words_given_back_verbatim_are_not_heard() -> None:
    from rapportkit.skills.keys import verbatim

    said = "I'm fine all day at school, and then I get in the car and cry all the way home. I feel so stupid."
    assert verbatim("I feel so stupid.", said) == 1.0
    assert verbatim("You feel stupid for crying in the car.", said) < 0.5
