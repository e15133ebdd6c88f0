"""The course in a real browser: a lesson's role-play widget, nbgrader's Validate, the graded role-play's Start again,
the formgrader, accessibility.

JupyterLab (the venv's, offline flags) serves a temp copy of the course; Debian's chromium drives it through
Playwright. Every wait is on a condition in the page (a selector, the kernel's status), never a fixed sleep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import SCREENSHOTS, new_page

LESSON = "course/01_trust.ipynb"
EXERCISE = "exercises/01_trust/01_trust.ipynb"
KERNEL_START = 120_000  # ms: a kernel starting on a busy machine
RUN_ALL = 240_000  # ms: every cell of the lesson (imports, plots, the widget)
REPLY = "It sounds like it took a lot to walk in here today."


def open_notebook(page: Page, lab, path: str) -> Locator:
    """Open a notebook and wait until its kernel is idle; returns the notebook panel."""
    page.goto(lab.open(path))
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    expect(panel).to_be_visible(timeout=KERNEL_START)
    expect(panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=KERNEL_START)
    # The status bar agrees: the kernel is connected and idle (not merely "no kernel yet").
    expect(page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"Python 3.*\| Idle"))).to_have_count(
        1, timeout=KERNEL_START
    )
    panel.locator(".jp-Cell").first.click()  # the notebook is the current widget for menu commands
    return panel


def menu(page: Page, top: str, item: str) -> None:
    """Click a top-level menu of JupyterLab's menu bar, then one of its items, by their labels."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{top}$")).click()
    label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$"))
    page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has=label).first.click()


def run_all(page: Page, panel: Locator) -> None:
    menu(page, "Run", "Run All Cells")
    prompts = panel.locator(".jp-CodeCell .jp-InputArea-prompt")
    # The first code cell has run, then every code cell: none waiting ("[*]") or skipped ("[ ]").
    expect(prompts.first).to_have_text(re.compile(r"\[\d+\]"), timeout=KERNEL_START)
    expect(prompts.filter(has_text=re.compile(r"\[\*\]|\[ \]"))).to_have_count(0, timeout=RUN_ALL)
    expect(panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=RUN_ALL)


def roleplay_widget(panel: Locator) -> Locator:
    """The role-play widget's output (the output area that holds the conversation log)."""
    widget = panel.locator(".jp-OutputArea-output").filter(has=panel.page.locator(".rk-log")).last
    expect(widget).to_be_visible(timeout=RUN_ALL)
    return widget


def coach_panel(widget: Locator) -> Locator:
    """The coach's feedback: the HTML right after the bold "Coach" heading."""
    heading = widget.locator(".widget-html", has=widget.page.locator("b", has_text=re.compile(r"^Coach$")))
    return heading.locator("xpath=following-sibling::*[1]")


def meter_width(widget: Locator) -> str:
    return widget.locator(".widget-hprogress .progress-bar").first.evaluate("el => el.style.width")


@pytest.fixture(scope="module")
def lesson_page(browser, lab) -> Iterator[tuple[Page, Locator]]:
    """The lesson, opened and run once for the module's tests (one kernel, one widget)."""
    page = new_page(browser)
    try:
        panel = open_notebook(page, lab, LESSON)
        run_all(page, panel)
        yield page, roleplay_widget(panel)
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "lesson_setup.png"), full_page=True)
        print(f"\nscreenshot: {SCREENSHOTS / 'lesson_setup.png'}; console errors: {page.console_errors[-10:]}")
        raise
    finally:
        page.context.close()


@pytest.fixture
def lesson(lesson_page, screenshots) -> tuple[Page, Locator]:
    screenshots.append(lesson_page[0])
    return lesson_page


def test_lesson_runs_and_the_roleplay_widget_answers_a_typed_reply(lesson):
    page, widget = lesson
    log = widget.locator(".rk-log")
    expect(log).to_contain_text("John:")
    expect(widget).to_contain_text("Client: John")
    # No error output anywhere in the lesson after Run All.
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    expect(errors).to_have_count(0)

    # John's first turn offers choices; the student picks the warm welcome.
    choices = widget.locator("button.rk-choice")
    expect(choices).to_have_count(3)
    choices.first.click()
    reply = widget.locator(".widget-text input[type='text']")
    expect(reply).to_be_visible()
    expect(log.locator("p")).to_have_count(3)  # opening, the student's choice, John's answer
    # Wait until the coach and the meter show that first turn, so "before" below is a settled state.
    expect(coach_panel(widget)).to_contain_text("Skill:")
    now = re.search(r"now (\d+)/100", coach_panel(widget).inner_text())
    assert now, coach_panel(widget).inner_text()
    expect(widget.get_by_text(re.compile(rf"^Rapport {now.group(1)}/100"))).to_have_count(1)

    before = {
        "lines": log.locator("p").count(),
        "coach": coach_panel(widget).inner_text(),
        "meter": meter_width(widget),
        "label": widget.get_by_text(re.compile(r"^Rapport \d+/100")).inner_text(),
    }

    reply.click()
    reply.fill(REPLY)
    reply.press("Enter")

    # The transcript gains the student's line and John's reply.
    expect(log.locator("p", has_text=REPLY)).to_have_count(1)
    expect(log.locator("p")).to_have_count(before["lines"] + 2)
    last = log.locator("p").nth(before["lines"] + 1)
    expect(last).to_contain_text("John:")
    expect(reply).to_have_value("")  # the box is cleared for the next reply
    # The coach names the skill of this reply, and the rapport meter moves.
    expect(widget.get_by_text(re.compile(r"^Rapport \d+/100"))).not_to_have_text(before["label"])
    after_label = widget.get_by_text(re.compile(r"^Rapport \d+/100")).inner_text()
    assert meter_width(widget) != before["meter"], (before["meter"], after_label)
    expect(coach_panel(widget)).not_to_have_text(before["coach"])
    coach = coach_panel(widget).inner_text()
    assert "Skill:" in coach and "reflection" in coach.lower(), coach

    # Every part of the widget rendered: no "Failed to create view" placeholder, and the rapport curve is an image.
    broken = widget.locator(".jupyter-widgets-error-widget")
    why = "a part of the role-play widget failed to render (ipywidgets: 'Failed to create view')"
    expect(broken, why).to_have_count(0, timeout=5_000)
    expect(widget).not_to_contain_text("javascript error", timeout=5_000)
    expect(widget.locator("img")).to_have_count(1, timeout=5_000)


def test_roleplay_widget_has_no_serious_accessibility_violations(lesson, axe_source):
    page, widget = lesson
    page.add_script_tag(content=axe_source)
    results = widget.evaluate(
        "async (el) => await axe.run(el, {resultTypes: ['violations']})"
    )
    violations = results["violations"]
    for v in violations:
        targets = [n["target"] for n in v["nodes"]][:5]
        print(f"axe: {v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {json.dumps(targets)})")
    assert results["passes"] is not None and widget.locator(".rk-log").count() == 1
    # The first test took a turn, so the check covers the Start again button too.
    expect(widget.get_by_role("button", name="Start again")).to_be_visible()
    serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, f"serious or critical accessibility violations in the role-play widget: {serious}"


def run_cell(panel: Locator, text: str) -> None:
    """Run the code cell that contains ``text`` (Shift+Enter) and wait until it has run."""
    cell = panel.locator(".jp-CodeCell", has_text=text).first
    cell.locator(".jp-InputArea-editor").click()
    cell.page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-InputArea-prompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=RUN_ALL)


def test_validate_then_start_the_graded_roleplay_again(page: Page, lab):
    """Validate reports the unanswered exercise; then the graded role-play's Start again keeps the first attempt."""
    panel = open_notebook(page, lab, EXERCISE)
    button = panel.locator(".validate-button")
    expect(button).to_be_visible()
    button.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Validation Results", timeout=RUN_ALL)
    body = dialog.locator(".jp-Dialog-body")
    # The untouched release fails its checks: no answer is set yet.
    expect(dialog.locator(".jp-Dialog-body.validation-failed")).to_have_count(1)
    expect(body).to_contain_text("The following cell failed:")
    expect(body).to_contain_text("check_choice(answer_q1")
    expect(body).to_contain_text("answer_q1: not answered yet")
    # Nothing secret in what the student sees.
    text = body.inner_text()
    assert "HIDDEN TESTS" not in text and "score_choice" not in text
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_have_count(0)

    # The graded role-play (Question 7) saves to roleplay_john.json next to the notebook.
    folder = lab.root / "exercises" / "01_trust"
    run_cell(panel, "from rapportkit.widgets import roleplay")
    run_cell(panel, 'transcript_path="roleplay_john.json"')
    widget = roleplay_widget(panel)
    log = widget.locator(".rk-log")
    again = widget.get_by_role("button", name="Start again")
    expect(again).to_have_count(0)  # nothing to start again from yet (hidden, so not in the tab order)
    widget.locator("button.rk-choice").first.click()
    expect(log.locator("p")).to_have_count(3)
    assert (folder / "roleplay_john.json").is_file()

    # From the keyboard: focus the button by its label and press Enter.
    again.focus()
    page.keyboard.press("Enter")
    notice = widget.get_by_role("status").filter(has_text="new session")
    expect(notice).to_contain_text("earlier attempt is kept in roleplay_john.attempt-1.json and will not be graded")
    expect(notice).to_contain_text("new session is saved to roleplay_john.json: that is the file that will be graded")
    expect(log.locator("p")).to_have_count(1)  # a fresh session: only John's opening line
    expect(widget.locator("button.rk-choice")).to_have_count(3)
    expect(again).to_have_count(0)
    expect(widget.locator("button.rk-choice").first).to_be_focused()  # the keyboard carries on from there
    kept = folder / "roleplay_john.attempt-1.json"
    assert kept.is_file() and json.loads(kept.read_text())["turns"][0]["turn"] == "welcome"
    assert not (folder / "roleplay_john.json").exists()  # written again from the new session's first turn
    # JupyterLab's file browser shows the kept attempt next to the notebook.
    listing = page.locator(".jp-DirListing-item", has_text="roleplay_john.attempt-1.json")
    expect(listing).to_have_count(1)
    widget.locator("button.rk-choice").nth(1).click()  # the new session's first turn writes the graded file again
    expect(log.locator("p")).to_have_count(3)
    assert json.loads((folder / "roleplay_john.json").read_text())["turns"] == [{"turn": "welcome", "input": "b"}]


def test_formgrader_lists_the_assignments(page: Page, lab):
    page.goto(f"{lab.url}/lab?token={lab.token}")
    expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_be_visible(timeout=KERNEL_START)
    menu(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator("#formgrader iframe")
    expect(frame.get_by_text("Manage Assignments").first).to_be_visible()
    expect(frame.get_by_text("Loading, please wait...")).to_have_count(0, timeout=KERNEL_START)
    row = frame.locator("tr", has_text="01_trust")
    expect(row.first).to_be_visible()
