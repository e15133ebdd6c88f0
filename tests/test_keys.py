"""Written replies judged against what this client said: the items' keys, the matcher, the grade and the rater."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rapportkit import grading
from rapportkit.rater import assess, quadratic_weighted_kappa, read_labels, written_items
from rapportkit.skills.flags import feelings_in
from rapportkit.skills.keys import ClientKeys, KeysError, catch_keys, lemmas, repetition
from rapportkit.skills.lexicon import DATA
from rapportkit.skills.text import normalise
from tests.conftest import REPO

ITEMS = written_items(REPO / "solutions")
BY_ID = {item.id: item for item in ITEMS}
LABELS = REPO / "tests" / "data" / "rater" / "written_replies.csv"
KEY_ARGS = ("content", "feeling", "opens")


def keys_of(item) -> ClientKeys:
    return ClientKeys.from_data(**{k: item.arguments.get(k) for k in KEY_ARGS})


def test_every_written_reply_item_carries_keys():
    assert len(ITEMS) >= 19
    for item in ITEMS:
        keys = keys_of(item)
        assert keys.content or keys.opens, f"{item.id}: no content or opens keys"
        if item.client_statement and item.arguments["rubric"] != "open_question":
            assert keys.fits, f"{item.id}: a reply to a client statement needs the feeling it should catch"


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_each_key_phrase_catches_itself_and_the_model_answer_earns_full_marks(item):
    keys = keys_of(item)
    for strand in (*keys.content, *keys.opens):
        for phrase in strand.phrases:
            caught = catch_keys(" ".join(phrase), keys)
            assert strand.label in (*caught.content, *caught.opens), f"{item.id}: {' '.join(phrase)!r}"
    assert item.score(item.model_answer) == item.points, item.model_answer


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_keys_are_hidden_from_students(item):
    # The keys live in the hidden-test region: nothing of them reaches exercises/.
    notebook, _ = item.id.split(":")
    released = (REPO / "exercises" / notebook / f"{notebook}.ipynb").read_text(encoding="utf-8")
    for word in ("score_reply", "content=", "opens=", "feeling=", "fits", "contradicts"):
        assert word not in released, f"exercises/{notebook}: {word!r} is visible to students"


def test_every_feeling_word_is_found_in_a_sentence_about_a_feeling():
    import yaml

    families = yaml.safe_load((DATA / "feelings.yaml").read_text(encoding="utf-8"))["families"]
    for family, entries in families.items():
        for entry in entries:
            word = re.sub(r"\(\?!.*?\)|\\b", "", entry)  # the plain word of an entry with a look-ahead
            if re.search(r"[()|\[\]?*+\\]", word):
                continue  # a pattern of several forms, tested by the analyser's own tests
            found = feelings_in(normalise(f"I feel so {word} about it."))
            assert family in found, f"feelings.yaml: {family}: {entry!r} is not found in a sentence"


def test_lemmas_match_inflected_words_and_small_gaps():
    assert "worry" in lemmas("worried") and "mate" in lemmas("mates")
    keys = ClientKeys.from_data(content={"he nearly didn't come": ["didn't come"], "his mates": ["mate"]})
    caught = catch_keys("You didn't really come easily, and your mates would tease you.", keys)
    assert caught.content == ("he nearly didn't come", "his mates")
    assert catch_keys("You did come back after a long time.", keys).content == ()


def test_feeling_levels_and_negation():
    keys = ClientKeys.from_data(content={"x": ["work"]},
                                feeling={"fits": ["lonely"], "adjacent": ["sad"], "contradicts": ["happy"],
                                         "say": "alone"})
    assert catch_keys("You feel so alone at work.", keys).feeling == "fits"
    assert catch_keys("You seem sad about work.", keys).feeling == "adjacent"
    assert catch_keys("You sound proud and excited about work.", keys).feeling == "contradicts"
    assert catch_keys("You're not happy at work.", keys).feeling == "none"


def test_repetition_is_an_echo_not_a_reused_word():
    said = "I'm fine all day at school, and then I get in the car and cry all the way home. I feel so stupid."
    assert repetition("You're fine all day at school, then you get in the car and cry all the way home.", said) >= 0.8
    assert repetition("You feel stupid for crying in the car.", said) < 0.8
    assert repetition("It sounds like a heavy grief, held in all day.", said) < 0.3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"feeling": {"fits": ["lonley"], "say": "alone"}}, "feeling['fits']"),
        ({"feeling": {"fits": ["lonely"]}}, "feeling['say']"),
        ({"feeling": {"fits": ["happy"], "contradicts": ["happy"], "say": "x"}}, "feeling"),
        ({"feeling": {"fit": ["lonely"], "say": "x"}}, "unknown field"),
        ({"content": ["work"]}, "content should be a dict"),
        ({"content": {"work": "work"}}, "content['work']"),
        ({"opens": {"": ["x"]}}, "opens"),
    ],
)
def test_bad_keys_name_the_field(data, field):
    with pytest.raises(KeysError, match=re.escape(field)):
        ClientKeys.from_data(**data)


# --- the grade follows what the client said ------------------------------------------------------

STOCK = "It sounds like you're feeling really overwhelmed by all of this."


def test_a_stock_sentence_earns_little_anywhere():
    total = sum(item.points for item in ITEMS)
    assert sum(item.score(STOCK) for item in ITEMS) <= 0.15 * total
    for item in ITEMS:
        assert item.score(STOCK) <= 0.2 * item.points + 1e-9, item.id


def test_right_form_with_the_wrong_feeling_or_another_client_earns_little():
    abby = BY_ID["02_empathy:q4"]  # nobody texts her back
    assert abby.score("It sounds like you feel proud and excited about your new job.") <= 0.15 * abby.points + 1e-9
    john = BY_ID["01_trust:q4"]
    assert john.score(BY_ID["02_empathy:q6"].model_answer) <= 0.1 * john.points


def test_the_clients_words_copied_back_are_repetition():
    for item in ITEMS:
        if item.client_statement:
            assert item.score(item.client_statement) <= 0.15 * item.points + 1e-9, item.id


def test_feedback_says_what_was_caught_and_missed_in_the_clients_terms(capsys):
    john = BY_ID["01_trust:q4"]
    john.arguments  # noqa: B018 - the literal arguments of the hidden test
    grading.score_reply("It sounds like you're worried your mates would never let you live it down.", **john.arguments)
    out = capsys.readouterr().out
    assert "you caught that his mates would never let him hear the end of it" in out
    assert "you missed that John almost didn't come" in out
    assert "you named how they feel (uneasy, even ashamed, about being here): 'worried'" in out


def test_a_long_reply_is_capped_and_says_why(capsys):
    john = BY_ID["01_trust:q4"]
    speech = john.model_answer + " " + " ".join(["And another thing about how therapy works for men."] * 12)
    assert john.score(speech) <= 0.4 * john.points
    grading.score_reply(speech, **john.arguments)
    assert "a long reply buries what it reflects" in capsys.readouterr().out


def test_check_reply_coaches_without_points(capsys):
    assert grading.check_reply("What has been happening for you?", client_statement="I can't sleep.") is None
    assert "open question" in capsys.readouterr().out
    with pytest.raises(grading.AnswerFormatError):
        grading.check_reply(42)


# --- agreement with the rater --------------------------------------------------------------------


def test_quadratic_weighted_kappa_matches_the_reference():
    # Reference values from sklearn.metrics.cohen_kappa_score(a, b, weights="quadratic").
    assert quadratic_weighted_kappa([0, 1, 2, 3, 4, 5, 6, 2, 3, 1], [0, 2, 2, 3, 5, 6, 6, 1, 3, 0]) == pytest.approx(
        0.9357326478149101)
    assert quadratic_weighted_kappa([0, 0, 1, 1, 2, 2], [2, 2, 1, 1, 0, 0]) == pytest.approx(-1.0)
    assert quadratic_weighted_kappa([1, 2, 3, 4], [1, 2, 4, 4]) == pytest.approx(0.9166666666666666)
    assert quadratic_weighted_kappa([3, 3], [3, 3]) == 1.0
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([1], [1, 2])


def test_the_rater_set_covers_every_item_across_the_range():
    labels = read_labels(LABELS)
    kinds = {"excellent", "good_other_words", "partial", "generic", "wrong_feeling", "wrong_content", "copy_back",
             "harmful", "not_english"}
    for item in ITEMS:
        mine = [lab for lab in labels if lab.item == item.id]
        assert len(mine) >= 12, item.id
        assert kinds <= {lab.kind for lab in mine}, item.id
        assert any(lab.split == "held" for lab in mine), item.id
        assert all(0 <= lab.points <= item.points for lab in mine), item.id
    assert all(lab.points == 0 for lab in labels if lab.kind in ("harmful", "not_english"))


def test_docs_assessment_is_what_the_rater_command_writes():
    # docs/assessment.md is regenerated by `make assessment`; a stale copy would publish wrong figures.
    result = assess(ITEMS, read_labels(LABELS))
    doc = (REPO / "docs" / "assessment.md").read_text(encoding="utf-8")
    assert f"| all | {len(result.rows)} | {result.kappa['all']:.3f} |" in doc
    assert f"| held back | {sum(lab.split == 'held' for lab, _ in result.rows)} | {result.kappa['held']:.3f} |" in doc


def test_rater_command_fails_clearly_without_items(tmp_path: Path):
    from rapportkit.rater import main

    with pytest.raises(SystemExit):
        main(["--solutions", str(tmp_path), "--out", str(tmp_path / "a.md")])


def test_stock_words_alone_say_nothing_of_this_client():
    from rapportkit.skills.keys import stock

    assert stock("Tell me more.") and stock("That must be hard. Tell me more about that.")
    assert not stock("How is the new flat?")


def test_an_echo_hands_their_words_back_but_a_question_about_them_is_not_one():
    from rapportkit.skills.keys import is_echo

    said = "My dog ran off, since you ask. I have looked for him every night this week."
    # every content word theirs, most of it in runs of their words, an aside left out: an echo
    assert is_echo("Your dog ran off, and you have looked for him every night this week.", said)
    assert catch_keys("Your dog ran off.", ClientKeys(), said).echo
    # their words in a reflection of one's own, and a question about their words: not echoes
    assert not is_echo("Losing him has you searching, night after night.", said)
    assert not is_echo("What has it been like, looking for him every night?", said)


def test_a_topic_phrase_alone_does_not_catch_a_strand():
    """A "~" phrase shows what a reply is about; a new claim about the client's topic is not what they said."""
    keys = ClientKeys.from_data(
        content={"John fears his mates finding out": ["~mates", "find out", "never hear the end"],
                 "John sleeps in the car": ["car", "sleep in the car"]},
        feeling={"fits": ["anxious"], "contradicts": ["happy"], "say": "worried"},
    )
    claim = catch_keys("So your mates already know and have been giving you a hard time.", keys)
    assert claim.content == () and claim.topics == ("John fears his mates finding out",)
    # with their feeling, or another strand in its own words, the topic is their story told back
    assert catch_keys("You're worried about what your mates would say.", keys).content == (
        "John fears his mates finding out",)
    both = catch_keys("Your mates, and the nights you spend in the car.", keys)
    assert set(both.content) == {"John fears his mates finding out", "John sleeps in the car"}
    # a phrase of its own still catches the strand alone
    assert catch_keys("If they found out, you'd never hear the end of it.", keys).content == (
        "John fears his mates finding out",)


def test_a_strand_of_topics_only_is_allowed_but_an_empty_one_is_not():
    assert ClientKeys.from_data(content={"about Claire": ["~claire"]}).content[0].topics == (("claire",),)
    with pytest.raises(KeysError):
        ClientKeys.from_data(content={"about Claire": ["~"]})
