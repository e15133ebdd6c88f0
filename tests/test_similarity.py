"""Written replies handed in alike by several students are named for the instructor; nothing is marked down."""

from __future__ import annotations

from rapportkit.instructor.similarity import MIN_WORDS, shared_replies

LONG = "It sounds like coming here took real courage, and part of you worries your mates would see it as weakness."


def test_identical_replies_are_named_whatever_the_case_and_spacing():
    other = "So you feel ashamed, and scared your friends would judge you harshly."
    found = shared_replies({"ana": {"reply_q4": LONG}, "ben": {"reply_q4": "  " + LONG.upper()},
                            "cai": {"reply_q4": other}})
    assert [(f.answer, f.students, f.how) for f in found] == [("reply_q4", ("ana", "ben"), "identical")]
    assert found[0].finding == "reply_q4: identical from ana, ben"


def test_nearly_identical_replies_are_named_with_how_alike():
    near = LONG.replace("real courage", "a lot of courage")
    (found,) = shared_replies({"ana": {"reply_q4": LONG}, "dee": {"reply_q4": near}})
    assert found.students == ("ana", "dee") and found.how.startswith("nearly identical (")


def test_short_replies_and_different_items_are_not_compared():
    short = "How are you feeling today?"
    assert len(short.split()) < MIN_WORDS
    assert shared_replies({"ana": {"reply_q7": short}, "ben": {"reply_q7": short}}) == []
    assert shared_replies({"ana": {"reply_q4": LONG}, "ben": {"reply_q5": LONG}}) == []
