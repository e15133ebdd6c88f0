"""The role-play widget driven from Python: type, submit, choose, end."""

from __future__ import annotations

import json
import os
from pathlib import Path

import ipywidgets as widgets

from rapportkit.roleplay import replay
from rapportkit.widgets import RolePlayWidget, roleplay

OPEN_Q = "What brings you in today?"


def all_controls(w: widgets.Widget) -> list[widgets.Widget]:
    out = [w]
    for child in getattr(w, "children", ()):
        out.extend(all_controls(child))
    return out


def test_opening_line_and_controls() -> None:
    w = roleplay("john")
    assert isinstance(w, RolePlayWidget)
    assert "<b>John:</b> Hi. I&#x27;m John." in w.transcript_html.value
    assert w.session.is_choice_turn and len(w.choice_buttons) == 3
    assert w.reply_row.layout.display == "none"
    assert w.reply.continuous_update is False  # Enter (or leaving the box) sends the reply
    assert w.meter.value == 35 and w.meter.min == 0 and w.meter.max == 100


def test_every_control_is_described() -> None:
    w = roleplay("john")
    for c in all_controls(w):
        if isinstance(c, (widgets.Button, widgets.Text, widgets.IntProgress)):
            assert c.description and c.tooltip, c
        if isinstance(c, (widgets.HTML, widgets.Image)) and c is not w.header:
            assert c.tooltip or "<b>Coach</b>" in c.value, c


def test_type_submit_choose_end(tmp_path: Path) -> None:
    path = tmp_path / "john.json"
    w = roleplay("john", transcript_path=path)
    w.choice_buttons[0].click()  # warm welcome and small talk
    assert "Water would be good" in w.transcript_html.value
    assert "warm welcome and small talk" in w.coach.value.lower()
    assert w.reply_row.layout.display == "flex" and w.choices.children == ()

    w.reply.value = OPEN_Q  # what Enter does in the browser
    assert "You:</b> What brings you in today?" in w.transcript_html.value
    assert "open question" in w.coach.value  # coach_feedback names the skill
    assert w.reply.value == ""  # cleared for the next reply
    assert w.meter.value == w.session.rapport

    w.reply.value = "ignored until submit"  # on a choice turn typed text is not sent
    w.choose("explain")
    assert "good to know" in w.transcript_html.value

    w.reply.value = "You are worried your friends might find out."
    before = len(w.session.history)
    w.submit.click()  # empty box after the Enter-send: Submit does nothing more
    assert len(w.session.history) == before

    w.end_button.click()
    html = w.summary_html.value
    assert "Session summary" in html and "Reflection-to-question ratio" in html
    assert "MITI 4.2.1: 1:1 fair, 2:1 good" in html and "MITI 4.2.1: 40% fair, 50% good" in html
    assert "asked: Why are you here?" in html  # "What brings you in today?" is the why_here question
    assert " → ".join(str(v) for v in w.session.rapport_curve) in html
    assert w.reply_row.layout.display == "none"

    data = json.loads(path.read_text())
    assert data["ended_by_student"] is True
    assert replay("john", data["turns"]).rapport_curve == w.session.rapport_curve


def test_submit_button_sends_typed_text() -> None:
    w = roleplay("john")
    w.choose("a")
    w._clearing = True  # simulate typing without the Enter-sync (value set, observer quiet)
    w.reply.value = OPEN_Q
    w._clearing = False
    w.submit.click()
    assert len(w.session.history) == 2 and w.reply.value == ""


def test_user_text_is_escaped() -> None:
    w = roleplay("john")
    w.choose("a")
    w.reply.value = "<script>alert('x')</script> How are you?"
    assert "<script>" not in w.transcript_html.value
    assert "&lt;script&gt;" in w.transcript_html.value


def test_empty_submit_and_reaching_an_ending() -> None:
    typed = roleplay("john")
    typed.choose("a")
    typed.submit.click()
    assert "Type a reply first" in typed.coach.value and typed.session.history[-1].turn_id == "welcome"

    w = roleplay("john")
    w.choose("b")
    w.submit.click()  # a choice turn: Submit points to the options
    assert "Pick one of the options" in w.coach.value
    w.choice_buttons[2].click()  # "later": puts confidentiality off
    w.choose("brush_off")
    assert w.session.ending_id == "walks_out"
    assert "Session ended: John leaves early" in w.transcript_html.value
    assert "Debrief" in w.coach.value and "Session summary" in w.summary_html.value
    assert w.end_button.description == "Show summary"


def test_resumed_widget_shows_previous_turns(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    first = roleplay("john", transcript_path=path)
    first.choose("a")
    second = roleplay("john", transcript_path=path)
    assert "Water would be good" in second.transcript_html.value
    assert not second.session.is_choice_turn


def test_rapport_curve_is_an_image_with_alt_text():
    from rapportkit.widgets import RolePlayWidget

    w = RolePlayWidget("john")
    w.choose("a")
    assert '<img alt="Rapport after each turn: ' in w.curve.value
    assert "data:image/png;base64," in w.curve.value


def test_start_again_keeps_the_attempt_and_says_which_file_is_graded(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    w = roleplay("john", transcript_path=path)
    assert w.again_button.layout.display == "none"  # nothing to start again from yet
    assert w.again_button.description == "Start again" and w.again_button.tooltip
    w.choose("a")
    w.reply.value = OPEN_Q
    assert w.again_button.layout.display is None  # shown once there is a turn
    first = path.read_text()

    w.again_button.click()
    kept = tmp_path / "roleplay_john.attempt-1.json"
    assert kept.read_text() == first and not path.exists()
    assert w.session.history == [] and w.session.is_choice_turn and len(w.choice_buttons) == 3
    assert "You:" not in w.transcript_html.value and "<b>John:</b> Hi. I&#x27;m John." in w.transcript_html.value
    assert w.meter.value == w.session.scenario.start_rapport and w.coach.value == ""
    assert "role='status'" in w.notice.value
    assert f"Your earlier attempt is kept in {kept} and will not be graded" in w.notice.value
    assert f"This new session is saved to {path}: that is the file that will be graded" in w.notice.value
    assert w.again_button.layout.display == "none"

    w.choose("b")  # the new session is what the graded file holds
    assert replay("john", json.loads(path.read_text())["turns"]).rapport_curve == w.session.rapport_curve


def test_start_again_after_the_end(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    w = roleplay("john", transcript_path=path)
    w.end_button.click()  # ended straight away: Start again is offered at the end even without turns
    assert w.session.finished and w.end_button.description == "Show summary"
    assert w.again_button.layout.display is None and "Session summary" in w.summary_html.value
    w.submit.click()
    assert "Press Start again" in w.coach.value

    w.again_button.click()
    assert not w.session.finished and w.summary_html.value == ""
    assert w.end_button.description == "End session" and w.session.is_choice_turn
    assert (tmp_path / "roleplay_john.attempt-1.json").exists()

    again = roleplay("john", transcript_path=path)  # re-running the cell: a fresh session, not the ended one
    assert not again.session.finished and again.session.history == []


def test_start_again_with_no_file_or_a_refusal(tmp_path: Path, monkeypatch) -> None:
    unsaved = roleplay("john")
    unsaved.choose("a")
    unsaved.again_button.click()
    assert unsaved.session.history == [] and "not saved to a file" in unsaved.notice.value

    path = tmp_path / "roleplay_john.json"
    w = roleplay("john", transcript_path=path)
    w.choose("a")

    def denied(src, dst, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "link", denied)
    w.again_button.click()
    assert "Could not keep the previous attempt" in w.notice.value and "Your session carries on" in w.notice.value
    assert len(w.session.history) == 1 and "Water would be good" in w.transcript_html.value
    assert path.exists() and not list(tmp_path.glob("*.attempt-*"))


def test_an_old_window_on_the_same_file_says_so_and_keeps_the_typed_reply(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    old = roleplay("john", transcript_path=path)
    old.choose("a")
    new = roleplay("john", transcript_path=path)  # the cell run again: the old widget is still on the page
    new.reply.value = OPEN_Q
    saved = path.read_text()

    typed = "You are worried your friends might find out."
    old.reply.value = typed  # Enter in the old window
    assert "role='status'" in old.notice.value
    assert f"has saved to {path} since this window last saved or loaded it" in old.notice.value
    assert "Carry on in the other window, or run this cell again to continue from the file." in old.notice.value
    assert "Not saved" in old.coach.value and "Traceback" not in old.coach.value
    assert old.reply.value == typed and typed not in old.transcript_html.value  # kept in the box, not played
    assert len(old.session.history) == 1 and path.read_text() == saved

    old.submit.click()  # pressing again, ending or starting again: still nothing is played, saved or moved
    old.end_button.click()
    old.again_button.click()
    assert not old.session.finished and old.summary_html.value == "" and len(old.session.history) == 1
    assert path.read_text() == saved and not list(tmp_path.glob("*.attempt-*"))

    new.choose("explain")  # the newest window carries on as if nothing happened
    assert new.notice.value == "" and len(json.loads(path.read_text())["turns"]) == 3


def test_two_cells_on_one_file_the_second_is_told_before_it_plays(tmp_path: Path) -> None:
    path = tmp_path / "roleplay_john.json"
    first, second = roleplay("john", transcript_path=path), roleplay("john", transcript_path=path)
    first.choose("a")
    second.choice_buttons[1].click()
    assert "has saved to" in second.notice.value and second.session.history == []
    assert json.loads(path.read_text())["turns"] == [{"turn": "welcome", "input": "a"}]
