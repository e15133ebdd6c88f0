"""ipywidgets views over the role-play engine. Views only: every decision is made by ``RolePlay``.

```python
from rapportkit.widgets import roleplay
w = roleplay("john", transcript_path="john_transcript.json")
w                      # display it in a notebook
w.reply.value = "It sounds like coming here took some courage."   # drive it from Python (tests)
```

Keyboard: the reply box sends on Enter (``continuous_update=False`` syncs the value on Enter or when
focus leaves the box, and the widget observes ``value``; ``Text.on_submit`` is deprecated in
ipywidgets 8). Tab reaches the Submit, choice, End session and Start again buttons; Space/Enter presses them.

Start again (shown once there is a turn to lose) asks the engine to keep the transcript as an earlier
attempt (``roleplay_john.attempt-1.json``) and start fresh; the notice above the conversation says where
the earlier attempt is and which file will be graded.

Two windows on one file (the cell run again while the old widget is still live, or two cells naming the same
file): a window that another has overtaken (``transcript_conflict``) plays and saves nothing; the notice says
why and what to do, and the typed reply stays in the box.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from rapportkit.plots import figure_png, rapport_curve
from rapportkit.roleplay import (
    INTAKE_IDS,
    INTAKE_LABELS,
    RecordedRolePlay,
    RolePlay,
    Scenario,
    SessionSummary,
    TranscriptError,
    TurnResult,
    open_session,
)
from rapportkit.roleplay.summary import COMPLEX_BANDS, RQ_BANDS
from rapportkit.roleplay.transcript import transcript_conflict

# Choice buttons must wrap long therapist lines instead of cutting them off.
_STYLE = """<style>
.rk-choice { white-space: normal !important; height: auto !important; min-height: 2.4em;
             text-align: left !important; line-height: 1.35 !important; padding: 0.35em 0.7em !important; }
.rk-log p { margin: 0.25em 0; }
</style>"""


def _esc(text: str) -> str:
    """Escape user and scenario text for HTML; keep line breaks."""
    return html.escape(str(text)).replace("\n", "<br>")


class RolePlayWidget(widgets.VBox):
    """A chat-style role-play: transcript, reply box or choice buttons, coach panel, rapport meter, summary.

    Sub-widgets are attributes so tests can drive it: ``.reply``, ``.submit``, ``.choices`` (a box of
    ``.choice_buttons``), ``.transcript_html``, ``.coach``, ``.meter``, ``.curve``, ``.end_button``,
    ``.again_button``, ``.notice``, ``.summary_html``. The engine is ``.session`` (a ``RolePlay``).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        transcript_path: str | Path | None = None,
        graded: bool | None = None,
        **kwargs: Any,
    ):
        self.session: RolePlay = open_session(scenario, transcript_path)
        sc = self.session.scenario
        # A graded run is one attempt with no hints, no coaching and no rapport meter: the grade comes from the
        # grader's replay. A scenario that keeps its keys apart is always graded (it cannot coach without them).
        self.graded = sc.keys_hidden if graded is None else graded
        name = self.session.client_name
        self._log: list[str] = []
        self._clearing = False

        c = sc.client
        self.header = widgets.HTML(
            _STYLE + f"<h3 style='margin:0.2em 0'>{_esc(sc.title)}</h3>"
            f"<div>Client: <b>{_esc(name)}</b> ({_esc(c['pronouns'])})"
            + (f", {int(c['age'])}" if "age" in c else "")
            + "</div>",
            tooltip=f"Role-play with {name}",
        )
        self.notice = widgets.HTML(tooltip="About this session and its saved file")
        self.transcript_html = widgets.HTML(tooltip=f"Conversation with {name}")
        self.reply = widgets.Text(
            value="",
            placeholder=f"Type what you would say to {name}, then press Enter (type ... to stay silent)",
            description="Your reply:",
            tooltip=f"Your reply to {name}. Enter sends it.",
            continuous_update=False,
            layout=widgets.Layout(width="100%"),
            style={"description_width": "initial"},
        )
        self.submit = widgets.Button(
            description="Submit",
            tooltip="Send your reply (Enter in the reply box also sends it)",
            button_style="primary",
        )
        self.choice_buttons: list[widgets.Button] = []
        self.choices = widgets.VBox([], layout=widgets.Layout(width="100%"))
        self.hint_html = widgets.HTML(tooltip="What to practise on this turn")
        self.coach = widgets.HTML(tooltip="Coach feedback on your last reply")
        self.meter = widgets.IntProgress(
            value=self.session.rapport,
            min=0,
            max=100,
            # The client's comfort with the trainee, not a score: it rises and falls as in a real session,
            # and a reply chosen to move it instead of to meet the client is the formula the course teaches away from.
            description="Client's comfort:",
            tooltip="How at ease the client feels with you now, from 0 to 100. It rises and falls as in a real "
                    "session; it is not a score to push up.",
            style={"description_width": "initial"},
        )
        self.meter_label = widgets.HTML(tooltip="Rapport as a number")
        # An <img> in an HTML widget, not widgets.Image: it carries alt text (screen readers), and
        # ipywidgets 8's Image view fails to render in JupyterLab when given a tooltip.
        self.curve = widgets.HTML(tooltip="Rapport after each turn")
        self.end_button = widgets.Button(
            description="End session",
            tooltip="Finish the session and show your summary",
            button_style="warning",
        )
        self.again_button = widgets.Button(
            description="Start again",
            tooltip=f"Keep this attempt in a separate file and start a new session with {name}",
        )
        self.summary_html = widgets.HTML(tooltip="Session summary")

        self.reply.observe(self._on_reply_value, names="value")
        self.submit.on_click(lambda _b: self._submit_text(self.reply.value))
        self.end_button.on_click(lambda _b: self._end())
        self.again_button.on_click(lambda _b: self.start_again())

        self.reply_row = widgets.HBox([self.reply, self.submit], layout=widgets.Layout(width="100%"))
        left = widgets.VBox(
            [self.transcript_html, self.hint_html, self.choices, self.reply_row],
            layout=widgets.Layout(width="62%"),
        )
        right = widgets.VBox(
            [
                widgets.HTML("<b>Coach</b>"),
                self.coach,
                self.meter,
                self.meter_label,
                self.curve,
                widgets.HBox([self.end_button, self.again_button]),
            ],
            layout=widgets.Layout(width="38%", padding="0 0 0 1em"),
        )
        super().__init__([self.header, self.notice, widgets.HBox([left, right]), self.summary_html], **kwargs)
        if self.graded:
            for part in (self.meter, self.meter_label, self.curve, self.again_button):
                part.layout.display = "none"
            self._set_notice(
                "This is a graded session: one attempt, no hints and no coaching until your work is returned. "
                "Every turn is saved as you go; take your time."
            )

        # The opening line, then any turns resumed from an existing transcript.
        self._say(name, sc.opening)
        for result in self.session.history:
            self._show_result(result)
        problem = self.session.resume_problem if isinstance(self.session, RecordedRolePlay) else None
        if problem:
            self.coach.value = f"<i>{_esc(problem)}</i>"
        self._refresh()
        if self.session.finished:
            self._show_summary(self.session.summary())

    # --- actions (all decisions are the engine's) -----------------------------------------------

    def _on_reply_value(self, change: dict[str, Any]) -> None:
        # With continuous_update=False the value only changes on Enter or blur: treat that as sending.
        if self._clearing or not str(change["new"]).strip():
            return
        self._submit_text(change["new"])

    def _submit_text(self, text: str) -> None:
        if self._overtaken():
            return  # the typed reply stays in the box
        if self.session.finished:
            self.coach.value = "<i>The session has ended. Press Start again to practise it again.</i>"
            return
        if self.session.is_choice_turn:
            self.coach.value = "<i>Pick one of the options on the left.</i>"
            return
        if not text.strip():
            self.coach.value = "<i>Type a reply first (or type ... to stay silent), then press Enter.</i>"
            return
        try:
            result = self.session.respond(text)
        except TranscriptError as err:  # not saved (e.g. another window saved between the check and now)
            self._not_saved(str(err))
            return
        except (ValueError, RuntimeError) as err:
            self.coach.value = f"<i>{_esc(str(err))}</i>"
            return
        self._clear_reply()
        self._after(result)

    def choose(self, option_id: str) -> None:
        """Pick an option on a choice turn (what clicking its button does)."""
        if self._overtaken():
            return
        try:
            result = self.session.respond(option_id)
        except TranscriptError as err:
            self._not_saved(str(err))
            return
        except (ValueError, RuntimeError) as err:
            self.coach.value = f"<i>{_esc(str(err))}</i>"
            return
        self._after(result)

    def _after(self, result: TurnResult) -> None:
        self._show_result(result)
        self._refresh()
        if result.finished:  # an ending was reached: show the summary straight away
            self._show_summary(self.session.summary())

    def _end(self) -> None:
        if self._overtaken():
            return
        try:
            summary = self.session.end()
        except TranscriptError as err:
            self._not_saved(str(err))
            return
        self._refresh()
        self._show_summary(summary)

    def start_again(self) -> None:
        """Keep this attempt and start a fresh session (what the Start again button does)."""
        if self.graded:
            self._set_notice("A graded session is one attempt: it cannot be started again.")
            return
        if self._overtaken():
            return  # moving the file aside now would move the other window's session
        try:
            kept = self.session.start_again()
        except TranscriptError as err:  # nothing was moved or reset: say so and carry on
            self._set_notice(f"{err} Your session carries on.")
            return
        self._log = []
        self._say(self.session.client_name, self.session.scenario.opening)
        self.coach.value = ""
        self.summary_html.value = ""
        self._clear_reply()
        path = self.transcript_path
        if path is None:
            self._set_notice(
                "A new session has started. The earlier attempt was not kept: this role-play is not saved to a file."
            )
        elif kept is None:
            self._set_notice(
                f"A new session has started. There was no saved file to keep. This new session is saved to "
                f"{path}: that is the file that will be graded."
            )
        else:
            self._set_notice(
                f"A new session has started. Your earlier attempt is kept in {kept} and will not be graded. "
                f"This new session is saved to {path}: that is the file that will be graded."
            )
        self._refresh()
        # The pressed button is now hidden; give keyboard users somewhere to be: the first thing to answer with.
        (self.choice_buttons[0] if self.choice_buttons else self.reply).focus()

    @property
    def transcript_path(self) -> Path | None:
        """The file every turn is saved to, or None for a session in memory only."""
        return self.session.transcript_path if isinstance(self.session, RecordedRolePlay) else None

    def _overtaken(self) -> bool:
        """Whether another window has saved to this session's file since this one: if so, say so (nothing is played)."""
        problem = transcript_conflict(self.session)
        if problem:
            self._not_saved(problem)
        return problem is not None

    def _not_saved(self, message: str) -> None:
        self._set_notice(message)
        self.coach.value = "<i>Not saved: see the note above the conversation.</i>"

    # --- views -------------------------------------------------------------------------------------

    def _set_notice(self, text: str) -> None:
        # role=status: screen readers announce it, as the button that was pressed disappears.
        self.notice.value = f"<div role='status' style='margin:0.3em 0'><b>{_esc(text)}</b></div>"

    def _clear_reply(self) -> None:
        self._clearing = True
        try:
            self.reply.value = ""
        finally:
            self._clearing = False

    def _say(self, who: str, text: str, you: bool = False) -> None:
        if you:
            self._log.append(f"<p style='text-align:right'><b>You:</b> {_esc(text)}</p>")
        else:
            self._log.append(f"<p><b>{_esc(who)}:</b> {_esc(text)}</p>")

    def _show_result(self, r: TurnResult) -> None:
        name = self.session.client_name
        said = r.student_text if r.student_text.strip() else "(you stay silent)"
        self._say("You", said, you=True)
        self._say(name, r.client_reply)
        if r.withdrawn and not self.graded:
            self._log.append(f"<p><i>{_esc(name)} seems to pull back.</i></p>")
        if r.ending:
            if r.ending.get("client_says"):
                self._say(name, r.ending["client_says"])
            self._log.append("<p><i>Session ended.</i></p>" if self.graded
                             else f"<p><i>Session ended: {_esc(r.ending['title'])}</i></p>")
        if self.graded:
            self.coach.value = "<i>Coaching is off in a graded session. Carry on when you are ready.</i>"
            return
        sign = "+" if r.rapport_change > 0 else ""
        parts = [
            f"<div><b>Skill:</b> {_esc(r.technique or 'silence')}</div>",
            f"<div>{_esc(r.feedback)}</div>",
            f"<div><b>Rapport {sign}{r.rapport_change}</b> (now {r.rapport}/100)</div>",
        ]
        if r.revealed:
            parts.append(f"<div><i>Rapport unlocked a disclosure: {_esc(name)} tells you more.</i></div>")
        if r.ending:
            parts.append(f"<div><b>Debrief:</b> {_esc(r.ending['coach'])}</div>")
        self.coach.value = "".join(parts)

    def _refresh(self) -> None:
        """Redraw everything that depends on the engine's state."""
        s = self.session
        self.transcript_html.value = (
            f"<div class='rk-log' role='log' aria-live='polite' aria-label='Conversation with "
            f"{_esc(s.client_name)}' style='max-height:24em; overflow-y:auto; border:1px solid #ccc; "
            f"border-radius:4px; padding:0.5em'>{''.join(self._log)}</div>"
        )
        self.meter.value = s.rapport
        self.meter.bar_style = (
            "danger" if s.rapport < s.scenario.withdraw_below else "success" if s.rapport >= 60 else "info"
        )
        self.meter_label.value = (
            f"<span aria-live='polite'>Rapport {s.rapport}/100: how at ease {_esc(s.client_name)} feels with you "
            f"now, not a score to push; {_esc(s.client_name)} withdraws below {s.scenario.withdraw_below}.</span>"
        )
        levels = [r["at"] for r in s.scenario.client.get("reveals", [])]
        png = figure_png(
            rapport_curve(s.rapport_curve, withdraw_below=s.scenario.withdraw_below, reveal_levels=levels)
        )
        alt = "Rapport after each turn: " + " → ".join(str(v) for v in s.rapport_curve)
        self.curve.value = (
            f'<img alt="{_esc(alt)}" width="360" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        )
        # Show the controls that fit the current turn; Start again once there is something to start again from.
        self.again_button.layout.display = None if (s.history or s.finished) and not self.graded else "none"
        self.end_button.description = "Show summary" if s.finished else "End session"
        self.choice_buttons = []
        if s.finished:
            self.choices.children = ()
            self.reply_row.layout.display = "none"
            self.hint_html.value = ""
            return
        self.hint_html.value = f"<div><i>{_esc(s.hint)}</i></div>" if s.hint and not self.graded else ""
        if s.is_choice_turn:
            for i, (oid, text) in enumerate(s.choices, start=1):
                b = widgets.Button(
                    description=f"{i}. {text}",
                    tooltip=f"Say: {text}",
                    layout=widgets.Layout(width="100%", height="auto"),
                )
                b.add_class("rk-choice")
                b.on_click(lambda _b, oid=oid: self.choose(oid))
                self.choice_buttons.append(b)
            self.choices.children = tuple(self.choice_buttons)
            self.reply_row.layout.display = "none"
        else:
            self.choices.children = ()
            self.reply_row.layout.display = "flex"

    def _show_summary(self, summary: SessionSummary) -> None:
        if self.graded:  # what the session earned is the grader's replay to say, with the keys it keeps
            where = f" in {_esc(self.transcript_path.name)}" if self.transcript_path else ""
            self.summary_html.value = (
                f"<div role='region' aria-label='Session summary'><h4>Session saved ({summary.turns} turns)</h4>"
                f"<p>Your session is saved{where} and is graded when you hand in this notebook. "
                "Your feedback will show how it went.</p></div>"
            )
            return
        self.summary_html.value = summary_html(summary, self.session)


def summary_html(summary: SessionSummary, session: RolePlay | None = None) -> str:
    """The End-session summary as accessible HTML (a real table with headers)."""
    s = summary
    pct = "n/a (no reflections)" if s.pct_complex is None else f"{s.pct_complex:.0f}%"
    rows = [
        ("Open questions", str(s.open_questions)),
        ("Closed questions", str(s.closed_questions)),
        ("Simple reflections", str(s.simple_reflections)),
        ("Complex reflections", str(s.complex_reflections)),
        ("Reflection-to-question ratio", f"{s.rq_text}: {s.rq_band} ({RQ_BANDS})"),
        ("Complex reflections", f"{pct}: {s.complex_band} ({COMPLEX_BANDS})"),
        ("Rapport curve", " → ".join(str(v) for v in s.rapport_curve)),
        ("Final rapport", f"{s.final_rapport}/100"),
    ]
    table = "".join(
        f"<tr><th scope='row' style='text-align:left; padding-right:1em'>{_esc(k)}</th><td>{_esc(v)}</td></tr>"
        for k, v in rows
    )
    intake = "".join(
        f"<li>{'asked' if i in s.intake_asked else 'not asked'}: {_esc(INTAKE_LABELS[i])}</li>" for i in INTAKE_IDS
    )
    ending = ""
    if session is not None and session.ending:
        e = session.ending
        ending = f"<p><b>Ending:</b> {_esc(e['title'])} ({_esc(e['outcome'])}). {_esc(e['coach'])}</p>"
    elif session is not None and session.ended_by_student:
        ending = "<p><b>Ending:</b> you ended the session before it reached an ending.</p>"
    return (
        f"<div role='region' aria-label='Session summary'><h4>Session summary ({s.turns} turns)</h4>"
        f"{ending}<table>{table}</table>"
        f"<p><b>Rapport-building intake questions</b> ({len(s.intake_asked)} of 6 asked):</p>"
        f"<ul>{intake}</ul>"
        "</div>"
    )


def roleplay(
    scenario: Scenario | str | Path = "john", transcript_path: str | Path | None = None, graded: bool | None = None
) -> RolePlayWidget:
    """Build a role-play widget for a shipped scenario name (e.g. ``"john"``) or a scenario path.

    ``graded``: one attempt, no hints, no coaching, no rapport meter (the default for a scenario whose keys the
    grader keeps apart); practice sessions stay open-ended.
    """
    return RolePlayWidget(scenario, transcript_path=transcript_path, graded=graded)
