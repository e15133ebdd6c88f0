"""Unit tests of the grading helpers that nbgrader test cells call."""

from __future__ import annotations

import ast
import inspect

import pytest

from rapportkit import grading
from rapportkit.grading import AnswerFormatError
from rapportkit.nbgrader import judge

JOHN = ("Honestly I almost didn't come. Where I'm from, men sort out their own problems. "
        "If my mates knew I was sitting here, I'd never hear the end of it.")


@pytest.mark.parametrize("answer", ["a", "B", " c "])
def test_check_choice_accepts_options(answer):
    grading.check_choice(answer, "abcd")


@pytest.mark.parametrize("answer", ["e", 1, None, ["a"], "a, b"])
def test_check_choice_rejects_with_a_clear_message(answer):
    with pytest.raises(AnswerFormatError, match="answer_q1 should be one letter: a, b, c, d"):
        grading.check_choice(answer, "abcd", name="answer_q1")


def test_an_unanswered_choice_says_so():
    with pytest.raises(AnswerFormatError, match="not answered yet"):
        grading.check_choice("", "abcd", name="answer_q1")


@pytest.mark.parametrize("answer", ["a, c", "a,c", "a c", "a and c", "A, C.", '"a", "c"', {"a", "c"}, ["c", "a"]])
def test_choose_all_is_letters_in_words(answer):
    """Students write letters separated by commas; the sets earlier releases asked for still read the same."""
    grading.check_choices(answer, "abcd")
    assert grading.score_choices(answer, {"a", "c"}, "abcd", points=2) == 2


def test_check_choices_names_what_is_wrong():
    with pytest.raises(AnswerFormatError, match="not answered yet"):
        grading.check_choices("", "abcd")
    with pytest.raises(AnswerFormatError, match="contains 'z'"):
        grading.check_choices("a, z", "abcd")
    with pytest.raises(AnswerFormatError, match="contains 'ac'"):
        grading.check_choices("ac", "abcd")
    with pytest.raises(AnswerFormatError, match="letters between quotes"):
        grading.check_choices(3, "abcd")


LABELS = ["safe_space", "genuine"]


@pytest.mark.parametrize("answer", [
    "a: safe space\nb: genuine",
    "\na: Safe space\nb) genuine.\n",
    "a: safe_space, b: genuine",
    "# my answer\n(a) safe-space\n\nb - genuine",
    {"a": "safe_space", "b": "genuine"},
])
def test_labels_are_lines_of_words(answer):
    grading.check_labels(answer, "ab", LABELS)
    assert grading.score_labels(answer, {"a": "safe_space", "b": "genuine"}, points=2) == 2


def test_check_labels_names_the_letter_and_the_line():
    with pytest.raises(AnswerFormatError, match="no label after b"):
        grading.check_labels("a: genuine\nb:", "ab", LABELS)
    with pytest.raises(AnswerFormatError, match="letter b: 'kind' is not one of the labels \\(safe space, genuine\\)"):
        grading.check_labels("a: genuine\nb: kind", "ab", LABELS)
    with pytest.raises(AnswerFormatError, match="line 2 \\('b genuine'\\) is not a letter, a colon and a label"):
        grading.check_labels("a: genuine\nb genuine", "ab", LABELS)
    with pytest.raises(AnswerFormatError, match="letter a has two labels"):
        grading.check_labels("a: genuine\na: safe space\nb: genuine", "ab", LABELS)


def test_check_text():
    grading.check_text("three whole words")
    with pytest.raises(AnswerFormatError, match="too short"):
        grading.check_text("hi")
    with pytest.raises(AnswerFormatError, match="words between the quotes"):
        grading.check_text(42)
    with pytest.raises(AnswerFormatError, match="not written yet"):
        grading.check_text("\n\n")


def test_score_choice(capsys):
    assert grading.score_choice("B", correct="b", points=2) == 2
    assert grading.score_choice("a", correct="b", points=2) == 0
    assert grading.score_choice(None, correct="b", points=2) == 0
    assert "Correct." in capsys.readouterr().out


def test_score_choices_gives_partial_credit_and_nothing_for_picking_all_or_none():
    assert grading.score_choices({"a", "c"}, {"a", "c"}, "abcd", points=2) == 2
    assert grading.score_choices({"a"}, {"a", "c"}, "abcd", points=2) == 1.5
    assert grading.score_choices(set("abcd"), {"a", "c"}, "abcd", points=2) == 0
    assert grading.score_choices(set(), {"a", "c"}, "abcd", points=2) == 0
    assert grading.score_choices("ac", {"a", "c"}, "abcd", points=2) == 0
    assert grading.score_choices("a, b, c, d", {"a", "c"}, "abcd", points=2) == 0
    assert grading.score_choices("a", {"a", "c"}, "abcd", points=2) == 1.5


def test_score_labels():
    key = {"a": "x", "b": "y", "c": "x", "d": "y"}
    assert grading.score_labels(dict(key), key, points=2) == 2
    assert grading.score_labels({"a": "x", "b": "x", "c": "x", "d": "x"}, key, points=2) == 1
    assert grading.score_labels("nope", key, points=2) == 0
    assert grading.score_labels("a: x\nb: y\nc: y\nd:", key, points=2) == 1


def test_reflection_rubric_rewards_a_complex_reflection_fully(capsys):
    reply = "It sounds like coming here took real courage, and part of you worries your mates would see weakness."
    assert grading.score_reply(reply, "reflection", 3, client_statement=JOHN) == 3
    out = capsys.readouterr().out
    assert "reflection" in out and "[x]" in out


def test_reflection_rubric_gives_partial_credit_to_a_question():
    score = grading.score_reply("Do you think your friends would really care that much?", "reflection", 3,
                                client_statement=JOHN)
    assert 0 < score < 3


def test_judging_reply_loses_the_non_judging_points():
    judging = grading.score_reply("You should have walked away. Why didn't you think first?", "non_judging", 2)
    kind = grading.score_reply("That sounds like it shook you. What was going on for you then?", "non_judging", 2)
    assert judging < 1 <= kind == 2


def test_open_question_rubric():
    assert grading.score_reply("What brings you here today?", "open_question", 1) == 1
    assert grading.score_reply("Are you feeling anxious today?", "open_question", 1) < 1


def test_empathic_and_plain_language_rubrics():
    assert grading.score_reply("Oh poor you, I feel so sorry for you.", "empathic", 2) < 1
    assert grading.score_reply("It sounds like this loss has left you feeling very alone.", "empathic", 2) == 2
    assert grading.score_reply("Your cognitive distortions maintain your depressive symptoms.", "plain_language",
                               2) < 1


def test_too_short_reply_scores_zero_with_a_reason():
    verdict = grading.assess_reply("ok", "reflection")
    assert verdict.fraction == 0 and "too short" in verdict.report()


def test_unknown_rubric_is_named():
    with pytest.raises(KeyError, match="unknown rubric 'nope'"):
        grading.assess_reply("What brings you here?", "nope")


def test_mentions_matches_whole_words_only():
    assert grading.concept_phrases("It stays between us.", "confidentiality") == ("between us",)
    assert grading.concept_phrases("I harmonised the notes", "confidentiality_limits") == ()


def test_score_explanation_partial_and_full():
    full = ("What you tell me stays between us. The one limit: if you or someone else were at risk of harm, "
            "I would need to act to keep you safe.")
    assert grading.score_explanation(full, ["confidentiality", "confidentiality_limits"], 3) == 3
    half = "Everything you say in here is private and I won't tell anyone."
    assert grading.score_explanation(half, ["confidentiality", "confidentiality_limits"], 3) == pytest.approx(1.8)
    assert grading.score_explanation("private", ["confidentiality"], 3) == 0
    with pytest.raises(KeyError, match="unknown concept"):
        grading.score_explanation(full, ["nonsense"], 3)


def test_scores_never_write_to_stderr(capsys):
    # nbgrader scores a test cell 0 if it writes anything to stderr.
    grading.score_reply("What has this week been like for you?", "open_question", 1)
    grading.score_explanation("It is private between us unless someone is at risk of harm.", ["confidentiality"], 1)
    assert capsys.readouterr().err == ""


def test_rubric_with_needed_ideas_shares_the_points():
    full = grading.score_reply("It sounds like you feel nervous, and many people feel that way at first.",
                               "reflection", 2, needs=["normalising"])
    without = grading.score_reply("It sounds like you feel nervous about being here today.",
                                  "reflection", 2, needs=["normalising"])
    assert full == 2 and without == pytest.approx(1.2)
    with pytest.raises(KeyError, match="unknown concept"):
        grading.score_reply("It sounds like you feel nervous.", "reflection", 2, needs=["nope"])


def test_concepts_files_merge_and_each_concept_is_well_formed():
    merged = grading.concepts()
    assert {"confidentiality", "confidentiality_limits", "normalising"} <= set(merged)
    for key, value in merged.items():
        assert value["label"] and value["phrases"], key


def test_self_disclosure_rubric_wants_the_focus_turned_back():
    back = grading.score_reply("I've moved cities too, and it was hard for me. What has it been like for you?",
                               "self_disclosure", 3)
    stuck = grading.score_reply("I moved cities too and honestly it was the worst year of my life, I cried a lot.",
                                "self_disclosure", 3)
    assert back > stuck


def test_client_given_as_plain_data_checks_names_and_pronouns():
    kw = dict(client_name="Sam", client_pronouns="they/them", avoid_names=["Samantha"])
    right = grading.score_reply("Sam, what would feel most useful to talk about today?", "respectful", 2, **kw)
    wrong = grading.score_reply("Samantha, what would feel most useful to talk about today?", "respectful", 2, **kw)
    assert right == 2 and wrong < right


@pytest.mark.parametrize(("text", "avoid", "named"), [
    ("I'll make a safety plan with you and tell my supervisor today. Promise me you won't hurt yourself before then.",
     "safety_contract", "promise me you won't"),
    ("What you tell me stays private. Whatever happens, nothing you say will ever leave this room.",
     "absolute_confidentiality", "whatever happens"),
    ("I won't bother my supervisor with this; we can make a plan to keep you safe between us.",
     "supervisor_bypassed", "won't bother my supervisor"),
])
def test_an_explanation_that_also_harms_earns_nothing_and_says_why(capsys, text: str, avoid: str, named: str):
    needs = ["confidentiality", "confidentiality_limits"]
    assert grading.score_explanation(text, needs, 3, avoid=[avoid]) == 0
    out = capsys.readouterr().out
    assert f'"{named}"' in out and "No points" in out


def test_avoid_names_only_known_concepts():
    with pytest.raises(KeyError, match="unknown concept"):
        grading.score_explanation("Some words here that are long enough to read.", ["confidentiality"], 1,
                                  avoid=["no_such_thing"])


@pytest.mark.parametrize(("text", "avoid"), [
    ("I can't promise this will stay between us, because your safety matters more to me.", "secrecy_promise"),
    ("This is not a no-suicide contract; it is a plan we write together, in your words.", "safety_contract"),
    ("I won't try to handle this myself; I will call my supervisor today and stay with you.", "supervisor_bypassed"),
])
def test_saying_the_opposite_of_a_harm_is_not_that_harm(text: str, avoid: str):
    """An `unless` phrase in the same sentence cancels the match: the answer says it will not do the harm."""
    assert grading.concept_phrases(text, avoid) == ()
    assert grading.score_explanation(text, ["confidentiality_limits"], 2, avoid=[avoid]) > 0


def test_test_cells_may_call_only_the_functions_grading_registers():
    """Registered one by one with @for_test_cells: a new helper is never callable from a test cell by its name."""
    assert judge.ALLOWED_FUNCTIONS == set(grading.TEST_CELL_FUNCTIONS)
    assert {"score_roleplay", "score_reply", "check_choice"} <= judge.ALLOWED_FUNCTIONS
    assert "mentions" not in judge.ALLOWED_FUNCTIONS and "concepts" not in judge.ALLOWED_FUNCTIONS
    assert judge.PATH_ARGUMENTS == {"score_roleplay": "transcript"}
    assert judge.SOURCE_ARGUMENTS == {"score_roleplay": "scenario"}
    with pytest.raises(judge.JudgeFormError, match="grading.concepts is not a function test cells may call"):
        judge.parse_test_cell("grading.concepts()")


def test_grading_judges_in_pure_functions_and_prints_in_one_place(capsys):
    """Each score_* is a judgement (a Verdict) and a report: only grading.report prints."""
    tree = ast.parse(inspect.getsource(grading))
    printers = {fn.name for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
                for call in ast.walk(fn) if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "print"}
    assert printers == {"report"}
    verdict = grading.judge_choices("a, c", {"a", "c"}, "abcd")
    assert verdict.fraction == 1 and capsys.readouterr().out == ""  # judging prints nothing
    assert grading.report(verdict, 2) == 2 and capsys.readouterr().out == "4 of 4 options judged correctly.\n"
