"""The skills analyser: API shape and every rule with positive and negative examples."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from rapportkit.skills import (
    FLAG_KINDS,
    Analysis,
    ClientProfile,
    Flag,
    analyse,
    coach_feedback,
    intake_questions,
)

SAM = ClientProfile(name="Sam", pronouns="she/her", avoid_names=("Samantha",))
KIT = ClientProfile(name="Kit", pronouns="they/them", avoid_names=("Katherine",))
TOM = ClientProfile(name="Tom", pronouns="he/him")


# --- API shape ---------------------------------------------------------------------------------


def test_api_types_and_frozen():
    a = analyse("So you're feeling let down?", client_statement="I feel really let down by my sister.", client=SAM)
    assert isinstance(a, Analysis)
    assert a.utterance == "So you're feeling let down?"
    assert a.behaviour in ("question", "reflection", "therapist_input", "other")
    assert isinstance(a.flags, tuple) and all(isinstance(f, Flag) for f in a.flags)
    for obj in (a, a.flags[0], SAM):
        assert dataclasses.is_dataclass(obj)
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.__setattr__(dataclasses.fields(obj)[0].name, "x")
    f = a.flags[0]
    assert isinstance(f.words, tuple) and isinstance(f.explanation, str) and isinstance(f.good, bool)
    assert ClientProfile("Jo").pronouns == "they/them" and ClientProfile("Jo").avoid_names == ()


def test_subtypes_only_with_their_behaviour():
    q = analyse("What brings you here today?")
    assert (q.behaviour, q.question_type, q.reflection_type) == ("question", "open", None)
    r = analyse("You've been sleeping badly.", client_statement="I've been sleeping badly.")
    assert (r.behaviour, r.question_type, r.reflection_type) == ("reflection", None, "simple")
    o = analyse("Mm-hmm.")
    assert (o.behaviour, o.question_type, o.reflection_type) == ("other", None, None)


def test_has_problems_strengths_and_skill_names():
    a = analyse("Poor you. Why did you do that?")
    assert a.has("sympathy") and a.has("why_question") and not a.has("jargon")
    assert {f.kind for f in a.problems} >= {"sympathy", "why_question"}
    assert all(not f.good for f in a.problems)
    assert analyse("Can you tell me more about that?").skill == "open question"
    assert analyse("Did you sleep last night?").skill == "closed question"
    assert analyse("You should try yoga.").skill == "information or advice"
    assert analyse("Hello, welcome.").skill == "affirmation, greeting or small talk"
    assert analyse("You've been sleeping badly.", "I've been sleeping badly.").skill == "simple reflection"


def test_flag_words_are_the_trainees_own_words():
    a = analyse("Well, you shouldn't have said that to him.")
    judging = next(f for f in a.flags if f.kind == "judging")
    assert judging.words == ("you shouldn't",)


def test_deterministic_and_rejects_non_text():
    u = "It sounds like part of you wants to leave and part of you is scared."
    assert analyse(u, "I want to go but I'm scared.") == analyse(u, "I want to go but I'm scared.")
    with pytest.raises(TypeError):
        analyse(None)  # type: ignore[arg-type]
    assert analyse("").behaviour == "other"


@pytest.mark.tools  # a fresh interpreter measures the import
def test_import_is_light():
    """Importing the package must not load the word lists or YAML (they load on first use)."""
    code = "import sys, rapportkit.skills; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- behaviour and question type -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("utterance", "behaviour", "qtype"),
    [
        ("Can you tell me more about that?", "question", "open"),
        ("What's wrong with you?", "question", "open"),
        ("Tell me about the last argument.", "question", "open"),
        ("How has your week been?", "question", "open"),
        ("I'm wondering what that was like for you.", "question", "open"),
        ("Okay. So, thinking about last week, how did it go?", "question", "open"),
        ("Do you still love them?", "question", "closed"),
        ("Is anyone in your family supportive?", "question", "closed"),
        ("How many drinks is a few?", "question", "closed"),
        ("Fine meaning good, or fine meaning you'd rather not get into it?", "question", "closed"),
        ("Same time next week?", "question", "closed"),
    ],
)
def test_questions(utterance, behaviour, qtype):
    a = analyse(utterance)
    assert (a.behaviour, a.question_type) == (behaviour, qtype)


@pytest.mark.parametrize(
    "utterance",
    [
        "So you're feeling let down?",
        "You're not sure talking can help.",
        "It sounds like the journey to work has become something you dread.",
        "So the panic attacks hit on your commute, right?",
        "Part of you wants out, and part of you is afraid.",
    ],
)
def test_reflections_even_with_a_question_mark(utterance):
    assert analyse(utterance).behaviour == "reflection"


@pytest.mark.parametrize(
    ("utterance", "behaviour"),
    [
        ("Mm-hmm.", "other"),
        ("Uh-huh, I see.", "other"),
        ("Good morning, thanks for coming in.", "other"),
        ("It took real courage to talk about this.", "other"),
        ("That's a really good goal to work towards.", "other"),
        ("I'm so sorry to hear that.", "other"),
        ("You should try going for a walk every day.", "therapist_input"),
        ("Alcohol can help you relax for an hour, but it tends to make sleep worse.", "therapist_input"),
        ("Let's start by going over how these sessions work.", "therapist_input"),
        ("Some people find it useful to keep a diary.", "therapist_input"),
        ("Why don't you just tell your boss?", "therapist_input"),
    ],
)
def test_other_and_input(utterance, behaviour):
    assert analyse(utterance).behaviour == behaviour


@pytest.mark.parametrize(
    ("utterance", "behaviour"),
    [
        # information and advice inside a clause, even when it speaks to the client
        ("Honestly, if you keep driving after a few drinks, you could lose your licence.", "therapist_input"),
        ("You really need to take the tablets every day.", "therapist_input"),
        ("Regular exercise can reduce the number of panic attacks.", "therapist_input"),
        ("It's really important to eat something before you take it.", "therapist_input"),
        ("A lot of students find the first term the hardest.", "therapist_input"),
        ("What we know is that sleep and mood are closely linked.", "therapist_input"),
        ("The thing about caffeine is that it stays in your body for hours.", "therapist_input"),
        ("It worries me that you're driving home after the pub.", "therapist_input"),
        ("I'd like you to keep a note of each time you feel the urge.", "therapist_input"),
        # a long piece of information that ends with a short check is information
        (
            "Most people who stop smoking notice their breathing improves within a few weeks, and the "
            "cravings usually get weaker after the first month, which is why the first weeks matter most. "
            "What do you think?",
            "therapist_input",
        ),
        # ...but not when the reflection hedges or the client is the one who could
        ("It sounds like you could really use a break.", "reflection"),
        ("You feel you need to be strong for everyone.", "reflection"),
        ("You could be feeling pretty let down by them.", "reflection"),
        ("It seems like you need some space from all of this.", "reflection"),
        # affirmations
        ("That would be great.", "other"),
        ("Sounds like a good plan.", "other"),
        ("That must have been really brave.", "other"),
        ("Coming here today is taking a big step.", "other"),
        # invitations to talk without a question mark
        ("So tell me a bit about how the week went.", "question"),
        ("I'm just wondering where you are with all of this.", "question"),
    ],
)
def test_input_affirmations_and_invitations(utterance, behaviour):
    assert analyse(utterance).behaviour == behaviour


@pytest.mark.parametrize(
    ("client", "utterance", "rtype"),
    [
        ("I've been off work for three weeks.", "Three weeks off.", "simple"),
        ("I keep checking my emails at midnight.", "You check your emails late at night.", "simple"),
        ("My mum died in March and I miss her.", "Your mum died in March.", "simple"),
        ("I keep checking my emails at midnight.", "So even at midnight, work doesn't let go of you.", "complex"),
        (
            "I want to leave but I'm scared of being alone.",
            "Part of you wants out, and part of you is afraid of what being on your own would be like.",
            "complex",
        ),
        ("I nearly didn't come today.", "It sounds like coming here took a lot, and it matters to you.", "complex"),
    ],
)
def test_reflection_type(client, utterance, rtype):
    a = analyse(utterance, client_statement=client)
    assert (a.behaviour, a.reflection_type) == ("reflection", rtype)


# --- flags: each with positive and negative examples ------------------------------------------------

POSITIVE = [
    ("jargon", "That sounds like rumination, a maladaptive coping strategy.", None),
    ("jargon", "You may have an avoidant attachment style.", None),
    ("judging", "You should have walked away.", None),
    ("judging", "Why didn't you tell anyone?", None),
    ("judging", "What's wrong with you?", None),
    ("judging", "Is that healthy?", None),
    ("sympathy", "Poor you.", None),
    ("sympathy", "I feel so sorry for you.", None),
    ("claims_understanding", "I understand.", None),
    ("claims_understanding", "I know how you feel.", None),
    ("minimising", "At least you still have your job.", None),
    ("minimising", "Don't worry, it'll be fine.", None),
    ("minimising", "I promise you'll feel better soon.", None),
    ("premature_advice", "You need to set some boundaries.", None),
    ("premature_advice", "Have you tried meditation?", None),
    ("premature_advice", "What you should do is make a list.", None),
    ("stacked_questions", "How old is he? What have you told him?", None),
    ("stacked_questions", "What happened, and how did you feel?", None),
    ("why_question", "Why did you do that?", None),
    ("why_question", "Why are you here?", None),
    ("self_disclosure", "I went through a divorce too.", None),
    ("self_disclosure", "When I was at uni I felt the same. What's it like for you?", None),
    ("feeling_reflected", "You sound really worried.", "I'm so anxious all the time."),
    ("feeling_reflected", "There's a lot of shame in that.", "I just feel ashamed."),
    ("feeling_missed", "What do you do for work?", "I'm so anxious all the time."),
    ("feeling_missed", "Have you spoken to your GP?", "I'm exhausted."),
]

NEGATIVE = [
    ("jargon", "Those thoughts that keep going round sound exhausting.", None),
    ("judging", "Who told you that you should be coping better?", None),
    ("judging", "You're being really hard on yourself.", None),
    ("sympathy", "I'm sorry to hear that. What happened?", None),
    ("claims_understanding", "Help me understand what that was like.", None),
    ("claims_understanding", "I want to understand how this started.", None),
    ("minimising", "This feels really heavy right now.", None),
    ("premature_advice", "Would it help if I shared some ideas that have worked for others?", None),
    ("premature_advice", "What have you tried so far?", None),
    ("stacked_questions", "What happened?", None),
    ("stacked_questions", "What are the tears about, do you think?", None),
    ("stacked_questions", "If you could say something to her now, what would you say?", None),
    ("why_question", "What made you decide to come?", None),
    ("why_question", "Why do you think that is?", None),
    ("self_disclosure", "I hear how hard this has been.", None),
    ("self_disclosure", "I'd like to understand more about your family.", None),
    ("feeling_reflected", "What do you do for work?", "I'm so anxious all the time."),
    ("feeling_reflected", "You sound worried.", "My mum died in March."),
    ("feeling_missed", "You're anxious a lot of the time.", "I'm so anxious all the time."),
    ("feeling_missed", "How does that feel?", "I'm so angry with them."),
    ("feeling_missed", "What happened?", "My mum died in March."),
]


@pytest.mark.parametrize(("kind", "utterance", "client"), POSITIVE)
def test_flag_positive(kind, utterance, client):
    a = analyse(utterance, client_statement=client)
    assert a.has(kind), [f.kind for f in a.flags]
    flag = next(f for f in a.flags if f.kind == kind)
    assert flag.explanation and flag.alternative


@pytest.mark.parametrize(("kind", "utterance", "client"), NEGATIVE)
def test_flag_negative(kind, utterance, client):
    assert not analyse(utterance, client_statement=client).has(kind)


def test_self_disclosure_good_only_when_it_turns_back():
    back = analyse("I lost my mum too. What has it been like for you since March?")
    away = analyse("I lost my mum too. It does get easier.")
    assert next(f for f in back.flags if f.kind == "self_disclosure").good is True
    assert next(f for f in away.flags if f.kind == "self_disclosure").good is False


def test_good_flags_are_good():
    a = analyse("Sam, you sound really worried.", client_statement="I'm so anxious.", client=SAM)
    assert {f.kind for f in a.flags if f.good} == {"name_used", "feeling_reflected"}


@pytest.mark.parametrize(
    ("utterance", "client", "kinds", "absent"),
    [
        ("Hi Sam, come in.", SAM, {"name_used"}, {"wrong_name"}),
        ("Hello Samantha, nice to meet you.", SAM, {"wrong_name"}, {"name_used"}),
        ("Sam says he feels weird in groups.", SAM, {"wrong_pronoun"}, set()),
        ("Sam says she feels weird in groups.", SAM, set(), {"wrong_pronoun"}),
        ("When Kit is anxious, what do you notice about her?", KIT, {"wrong_pronoun"}, set()),
        ("When Kit is anxious, what do you notice about them?", KIT, set(), {"wrong_pronoun"}),
        ("Did your mum say she was worried?", TOM, set(), {"wrong_pronoun"}),
        ("Tom, what do you notice when she says that?", TOM, {"name_used"}, {"wrong_pronoun"}),
        ("Tom says she feels fine.", TOM, {"name_used", "wrong_pronoun"}, set()),
        ("How are you today?", TOM, set(), {"name_used", "wrong_name", "wrong_pronoun"}),
    ],
)
def test_names_and_pronouns(utterance, client, kinds, absent):
    found = {f.kind for f in analyse(utterance, client_statement="He never listens to me.", client=client).flags}
    assert kinds <= found and not (absent & found), found


def test_every_flag_kind_has_texts():
    from rapportkit.skills.lexicon import flags_data

    data = flags_data()
    for kind in FLAG_KINDS:
        assert kind in data, kind


# --- feedback and intake -----------------------------------------------------------------------------


def test_coach_feedback_names_skill_and_one_improvement():
    text = coach_feedback(analyse("Have you tried yoga?", client_statement="I'm so anxious all the time."))
    assert text.startswith("That was a closed question")
    assert "Try instead:" in text and "<" not in text
    assert 1 <= text.count(". ") + 1 <= 5


def test_coach_feedback_praises():
    a = analyse("Sam, it sounds like you've been really worried.", "I'm so anxious.", SAM)
    text = coach_feedback(a)
    assert text.startswith("That was a complex reflection")
    assert "feeling" in text


@pytest.mark.parametrize(
    ("utterance", "expected"),
    [
        ("How are you feeling today?", ("how_are_you",)),
        ("Did you find us all right? Awful weather out there.", ("small_talk",)),
        ("What brings you here today?", ("why_here",)),
        ("Why are you here?", ("why_here",)),
        ("Have you been in therapy before?", ("previous_therapy",)),
        ("How did it feel back then?", ("previous_therapy",)),
        ("What didn't you like about it?", ("what_disliked",)),
        ("What didn't help?", ("what_disliked",)),
        ("How do you hope to see yourself at the end of our sessions?", ("hoped_outcome",)),
        ("What would you like to be different?", ("hoped_outcome",)),
        ("How are you today? What brings you in?", ("how_are_you", "why_here")),
        ("You sound really worried.", ()),
        ("What did you have for breakfast?", ()),
    ],
)
def test_intake_questions(utterance, expected):
    assert intake_questions(utterance) == expected


# --- course authors' misreadings: each rule with positive and negative examples -------------------

ALEX = ClientProfile(name="Alex", pronouns="they/them")
JOHN = ClientProfile(name="John", pronouns="he/him", avoid_names=("Jonathan",))


@pytest.mark.parametrize(
    ("utterance", "claims"),
    [
        ("I get you.", True),
        ("I totally get you", True),
        ("I understand.", True),
        ("I understand the pressure you're under.", True),
        ("Can I get you a glass of water?", False),
        ("Could I get you anything before we start?", False),
        ("Did I get that right?", False),
        ("I'll get you a leaflet about it.", False),
    ],
)
def test_claims_understanding_not_an_offer_or_question(utterance, claims):
    assert analyse(utterance).has("claims_understanding") is claims


@pytest.mark.parametrize(
    ("utterance", "qtype"),
    [
        ("Who are the people in your life who support you?", "open"),
        ("Which of those feels most pressing to you?", "open"),
        ("Who could you turn to when it gets bad?", "open"),
        ("Which part of the day is hardest for you?", "open"),
        ("Who did you go with?", "closed"),
        ("Which school did you go to?", "closed"),
        ("Whose idea was it?", "closed"),
        ("How many drinks is a few?", "closed"),
    ],
)
def test_who_which_questions_open_when_they_invite_description(utterance, qtype):
    a = analyse(utterance)
    assert (a.behaviour, a.question_type) == ("question", qtype)


@pytest.mark.parametrize(
    ("utterance", "disclosure"),
    [
        ("I have lost someone close to me.", True),
        ("I've been through a divorce myself.", True),
        ("I've also been through a divorce.", True),
        ("I lost my dad when I was twenty.", True),
        ("I've lost track of time, sorry.", False),
        ("I've had a chance to read your form.", False),
        ("I've worked with a lot of people who felt this way.", False),
    ],
)
def test_self_disclosure_in_the_perfect_tense(utterance, disclosure):
    assert analyse(utterance).has("self_disclosure") is disclosure


@pytest.mark.parametrize(
    ("utterance", "client", "wrong"),
    [
        # the pronoun refers to someone else in the client's life: no flag
        ("Sam told me their manager keeps misgendering them when she talks to them.", ALEX, False),
        ("Sam said his manager shouted at him when she did that.", ClientProfile("Sam", "he/him"), False),
        ("John came in with his wife. She seemed quite reluctant.", JOHN, False),
        ("John told Jess that she was leaving.", JOHN, False),
        # the pronoun refers to the client: flagged
        ("Alex says she feels invisible at work.", ALEX, True),
        ("Sam said she was tired.", ClientProfile("Sam", "he/him"), True),
        ("John came in because his GP suggested it. She seemed quite reluctant.", JOHN, True),
        ("My client says she is struggling at work.", JOHN, True),
    ],
)
def test_wrong_pronoun_only_for_the_client(utterance, client, wrong):
    a = analyse(utterance, client_statement="(supervision) Tell me about your client.", client=client)
    assert a.has("wrong_pronoun") is wrong, [(f.kind, f.words) for f in a.flags]


@pytest.mark.parametrize(
    ("utterance", "client", "behaviour", "rtype"),
    [
        (
            "Let me sum up what I've heard: you've been feeling low since the move, you miss your friends, and "
            "work feels pointless. How has today been for you?",
            "I don't know. It's all a bit much.",
            "reflection",
            "complex",
        ),
        (
            "Let me check I've got it: you want to cut down, but you're worried your mates will give you a hard time.",
            "I want to cut back but it's hard with my mates.",
            "reflection",
            "complex",
        ),
        (
            "So to sum up, it started on the train, it spread to the supermarket, and now you avoid going out.",
            "And now I don't even go to the shops.",
            "reflection",
            "complex",
        ),
        ("So far I've heard that work is the main worry.", "Work is the main worry.", "reflection", None),
        # not summaries: structuring and information stay as they were
        ("Let me explain how these sessions work.", None, "therapist_input", None),
        ("Let's start by going over how these sessions work.", None, "therapist_input", None),
    ],
)
def test_summaries_are_reflections(utterance, client, behaviour, rtype):
    a = analyse(utterance, client_statement=client)
    assert a.behaviour == behaviour
    if rtype:
        assert a.reflection_type == rtype


@pytest.mark.parametrize(
    ("utterance", "judging", "behaviour"),
    [
        ("That counsellor sounds useless.", True, "therapist_input"),
        ("Your boss sounds like an idiot.", True, "therapist_input"),
        ("Honestly, your sister is just selfish.", True, "therapist_input"),
        ("It sounds like you didn't feel listened to by that counsellor.", False, "reflection"),
        ("That sounds awful.", False, None),
        ("He was awful to you.", False, None),
    ],
)
def test_verdict_on_a_third_party_is_judging_not_a_reflection(utterance, judging, behaviour):
    a = analyse(utterance, client_statement="My last counsellor just kept looking at the clock.")
    assert a.has("judging") is judging
    if behaviour:
        assert a.behaviour == behaviour
    if judging:
        flag = next(f for f in a.flags if f.kind == "judging")
        assert "someone in the client's life" in flag.explanation and flag.alternative


@pytest.mark.parametrize(
    "utterance",
    [
        "Can you tell me more about that?",
        "Did you sleep last night?",
        "You've been sleeping badly.",
        "It sounds like part of you wants to leave and part of you is scared.",
        "You should try yoga.",
        "Some people find it useful to keep a diary.",
        "Hello, welcome.",
        "Mm-hmm.",
        "That's a really good goal.",
    ],
)
def test_coach_feedback_grammar_for_every_skill(utterance):
    text = coach_feedback(analyse(utterance, client_statement="I've been sleeping badly."))
    assert text.startswith("That was ")
    assert not text.startswith("That was an information")
    assert not text.startswith("That was an affirmation, greeting")


def test_coach_feedback_skill_phrases():
    from rapportkit.skills.feedback import skill_phrase
    from rapportkit.skills.result import _SKILL_NAMES

    phrases = {skill: skill_phrase(skill) for skill in _SKILL_NAMES.values()}
    assert phrases["information or advice"] == "information or advice"
    assert phrases["affirmation, greeting or small talk"] == "an affirmation, a greeting or small talk"
    assert phrases["open question"] == "an open question" and phrases["closed question"] == "a closed question"
    advice = coach_feedback(analyse("You should try yoga."))
    assert advice.startswith("That was information or advice, and its wording costs rapport.")


@pytest.mark.parametrize(
    ("utterance", "condescending"),
    [
        ("Sweetheart, you've done so well today.", True),
        ("Good girl. That's it.", True),
        ("Well done for getting here all by yourself.", True),
        ("That's a bit silly, isn't it?", True),
        ("You did it all by yourself!", True),
        ("Well done for coming today.", False),
        ("You've done really well to get here.", False),
        ("Your sweetheart sounds very supportive.", False),
        ("You've been carrying all of this by yourself for a long time.", False),
    ],
)
def test_condescending_wording_is_judging(utterance, condescending):
    a = analyse(utterance)
    assert a.has("judging") is condescending, [(f.kind, f.words) for f in a.flags]
    if condescending:
        flag = next(f for f in a.flags if f.kind == "judging")
        assert "condescending" in flag.explanation and flag.alternative
    else:
        assert a.behaviour in ("other", "reflection")


def test_a_verdict_the_client_gave_is_reflected_not_judged():
    a = analyse("Your sister is selfish.", client_statement="My sister is so selfish.")
    assert (a.behaviour, a.has("judging")) == ("reflection", False)
    b = analyse("Your sister is selfish.", client_statement="My sister never calls me back.")
    assert (b.behaviour, b.has("judging")) == ("therapist_input", True)


@pytest.mark.parametrize(
    ("utterance", "behaviour"),
    [
        # information at least half as long as the reflection that frames it: the turn gives information
        ("You want to stop by the summer. A lot of people find a patch helps with the cravings.", "therapist_input"),
        ("So you're worried about the side effects. It is common to feel a bit sick for the first week.",
         "therapist_input"),
        # a long reflection with a short aside of information stays a reflection
        ("You've been cutting down for a month now and you're really proud of how far you've come. "
         "It is common to slip.", "reflection"),
        ("So you feel stuck between your job and your family, and neither choice feels right.", "reflection"),
    ],
)
def test_information_framed_by_a_reflection(utterance, behaviour):
    assert analyse(utterance).behaviour == behaviour


@pytest.mark.parametrize(
    ("utterance", "behaviour", "qtype"),
    [
        # "and then", "and so" are openers as a whole, not "and" followed by a stray "then"
        ("Okay, and then what about your friends who still drink?", "question", "open"),
        ("And then how did the week go?", "question", "open"),
        ("And so you feel stuck?", "reflection", None),
        ("And then is it easier?", "question", "closed"),
    ],
)
def test_two_word_openers_are_stripped_whole(utterance, behaviour, qtype):
    a = analyse(utterance)
    assert (a.behaviour, a.question_type) == (behaviour, qtype)


# --- idioms and metaphors for feelings (idioms.yaml) --------------------------------------------

from rapportkit.skills.feelings import feelings_in, idioms_in  # noqa: E402
from rapportkit.skills.text import normalise  # noqa: E402


def _families(text: str) -> set[str]:
    return set(feelings_in(normalise(text)))


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("I'm walking on eggshells at home.", "anxious"),
        ("I walked on eggshells around him for years.", "anxious"),
        ("It's like a weight on my chest.", "anxious"),
        ("There's so much weight on my shoulders.", "overwhelmed"),
        ("I'm drowning.", "overwhelmed"),
        ("I'm at the end of my tether.", "overwhelmed"),
        ("I'm at my wits' end.", "overwhelmed"),
        ("I've been running on empty for months.", "tired"),
        ("I feel like I'm falling apart.", "overwhelmed"),
        ("My whole world fell apart.", "overwhelmed"),
        ("I'm just about keeping my head above water.", "overwhelmed"),
        ("I'm stuck in a rut.", "hopeless"),
        ("I've hit a wall with the revision.", "hopeless"),
        ("I'm treading water at work.", "hopeless"),
        ("The house is like a pressure cooker.", "overwhelmed"),
        ("I get a knot in my stomach before every shift.", "anxious"),
        ("My heart sank when I saw the letter.", "sad"),
        ("I'm in a really dark place.", "sad"),
        ("I've been keeping everything bottled up.", "angry"),
        ("I've been tearing my hair out with him.", "angry"),
        ("I'm completely burnt out.", "tired"),
        ("I'm at breaking point.", "overwhelmed"),
        ("I'm over the moon.", "happy"),
        ("I was on cloud nine all week.", "happy"),
        ("It's a real weight off my shoulders.", "happy"),
        ("I can't switch off at night.", "anxious"),
    ],
)
def test_idiom_counts_as_feeling(text, family):
    assert family in _families(text)


@pytest.mark.parametrize(
    "text",
    [
        "I hit the wall with my car.",
        "I reversed the van and hit the wall.",
        "I got stuck in traffic on the way.",
        "We were stuck in the lift for an hour.",
        "A boy nearly drowned in the river last summer.",
        "I was treading water in the pool.",
        "The boat started sinking.",
        "I can't turn off the tap.",
        "I saw red flags early on.",
        "The old shed is falling apart.",
        "He went on a rollercoaster at the fair.",
        "She's in a better place now.",
    ],
)
def test_literal_use_is_not_a_feeling(text):
    hits = [normalise(text).norm[a:b] for a, b, _plain, _fams in idioms_in(normalise(text))]
    assert not hits, hits
    assert not _families(text), _families(text)


def test_weight_off_is_relief_not_burden():
    assert _families("It's a weight off my shoulders.") == {"happy"}
    assert "happy" not in _families("It's a weight on my shoulders.")


@pytest.mark.parametrize(
    ("utterance", "client"),
    [
        ("It sounds like you're carrying a heavy load.", "It's like a weight on my chest."),
        ("You're on edge at home.", "I'm walking on eggshells at home."),
        ("You feel like you're drowning.", "Work is completely overwhelming."),
        ("You feel like you're drowning.", "I feel like I'm drowning."),
        ("You've really been at the end of your rope.", "I'm so stressed I can't think."),
        ("So you're exhausted.", "I'm running on empty."),
        ("You're thrilled.", "I'm over the moon."),
    ],
)
def test_idiom_reflected(utterance, client):
    a = analyse(utterance, client_statement=client)
    assert a.has("feeling_reflected"), [f.kind for f in a.flags]
    assert not a.has("feeling_missed")


@pytest.mark.parametrize(
    ("utterance", "client", "plain"),
    [
        ("What time do you get home?", "I'm walking on eggshells at home.", "on edge"),
        ("How many hours a week are you working?", "I'm running on empty.", "exhausted"),
        ("Do you have it every day?", "It's like a weight on my chest.", "on edge"),
        ("Is the baby sleeping yet?", "I feel like I'm drowning since the baby came.", "overwhelmed"),
        ("Did you tell anyone?", "I'm in a dark place.", "low"),
    ],
)
def test_idiom_missed_names_plain_feeling(utterance, client, plain):
    a = analyse(utterance, client_statement=client)
    flag = next(f for f in a.flags if f.kind == "feeling_missed")
    assert f"feeling really {plain}." in flag.alternative
    assert f"feeling really {plain}" in coach_feedback(a)


@pytest.mark.parametrize(
    ("utterance", "client"),
    [
        ("What car was it?", "I hit the wall with my car."),
        ("Which road was it?", "I got stuck in traffic."),
        ("Where were you going?", "I was stuck in traffic for an hour."),
        ("Who taught you?", "I was treading water in the pool."),
    ],
)
def test_literal_client_line_no_feeling_flags(utterance, client):
    a = analyse(utterance, client_statement=client)
    assert not a.has("feeling_missed") and not a.has("feeling_reflected")


def test_idiom_claimed_by_therapist_is_not_a_reflection():
    a = analyse("I've been drowning too. What do you do for work?", client_statement="I'm walking on eggshells.")
    assert not a.has("feeling_reflected")


def test_idiom_reply_adds_feeling_to_reflection():
    a = analyse(
        "You feel like you're drowning in it all.",
        client_statement="My manager keeps adding projects and I have three deadlines on Friday.",
    )
    assert a.skill == "complex reflection"


def test_a_question_whose_wording_costs_rapport_is_not_praised_for_what_open_questions_do():
    """An accusing why-question is an open question in form; the coach does not say it invites the story."""
    text = coach_feedback(analyse("Why haven't you told them? You should really tell them."))
    assert "invites the client to tell their story" not in text and "costs rapport" in text
