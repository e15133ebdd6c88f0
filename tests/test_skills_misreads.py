"""Misreadings of the skills analyser reported by course authors, each with the general case behind it.

Every group pairs the reported utterance with other natural phrasings of the same thing, and with
near misses that share words with it but are something else, so that a fix is a rule and not a
patch for one sentence. Labels follow the course's conventions (docs/skills.md).
"""

from __future__ import annotations

import pytest

from rapportkit.skills import analyse

# --- general statements about how something works are information, even with "your" ----------------

PANIC = "I get these panic attacks, mostly on the train to work."


@pytest.mark.parametrize(
    ("utterance", "client"),
    [
        ("Panic attacks are your body's alarm system going off when there's no real danger.", PANIC),
        ("Anxiety is your body's way of trying to protect you.", PANIC),
        ("Panic attacks usually peak within ten minutes and then start to ease.", PANIC),
        ("Adrenaline makes your heart race and your breathing speed up.", "My heart pounds and I can't breathe."),
        ("Your brain is wired to spot danger, so it's doing its job a bit too well.", "I feel on edge all the time."),
        (
            "Your nervous system can get stuck on high alert after a shock like that.",
            "Since the crash I jump at everything.",
        ),
        ("Grief often comes in waves rather than getting steadily better.", "Yesterday I couldn't stop crying."),
        (
            "Depression often takes away the energy you'd need to do the things that help.",
            "I can't make myself do anything.",
        ),
        (
            "Sleep and mood feed each other, so when one slips the other often follows.",
            "I'm not sleeping and I feel low.",
        ),
        ("Most people feel nervous before a first session, so you're in good company.", "I nearly didn't come."),
        ("Research shows that talking therapies help most people with panic.", PANIC),
        ("Alcohol is a depressant, so it can make low mood worse the next day.", "I drink to calm down."),
        ("Thoughts aren't facts, even when they feel true.", "I keep thinking everyone hates me."),
        ("That's the fight-or-flight response kicking in.", "My heart races and my hands shake."),
    ],
)
def test_general_statements_are_information(utterance, client):
    assert analyse(utterance, client_statement=client).behaviour == "therapist_input"


@pytest.mark.parametrize(
    ("utterance", "client"),
    [
        # about this client's own experience, or their own words given back
        ("Your mind is racing.", "I can't switch off at night."),
        ("Your body is exhausted.", "I'm so tired all the time."),
        ("The drinking makes everything worse at home.", "When I drink everything gets worse at home."),
        ("Drinking has become your way of coping with the evenings.", "I drink to get through the evenings."),
        ("Grief is exhausting, and without sleep everything feels heavier.", "I'm so tired since Dad died."),
        ("The panic attacks hit you hardest on the train.", PANIC),
        ("Anxiety has taken over a lot of your life.", "I can't go anywhere without worrying."),
    ],
)
def test_the_clients_own_experience_stays_a_reflection(utterance, client):
    assert analyse(utterance, client_statement=client).behaviour == "reflection"


# --- the therapist's guesses about a third party are their own view, not a reflection ---------------

DAD = "My dad keeps ringing me every day to check what I'm doing."


@pytest.mark.parametrize(
    ("utterance", "client"),
    [
        ("He probably just worries about you.", DAD),
        ("She probably means well.", "My mum keeps telling me what to eat."),
        ("I'm sure he loves you.", "My dad never says anything nice to me."),
        ("Maybe your boss is just stressed.", "My boss snaps at me all the time."),
        ("They're probably just worried about you.", "My parents keep asking where I am."),
        ("He must care about you a lot.", "My dad calls me every day."),
        ("Your dad just wants what's best for you.", "My dad keeps telling me to get a proper job."),
        ("I bet she didn't mean it like that.", "My sister laughed at me at dinner."),
        ("She probably just wants to protect you.", "My mum won't let me go out on my own."),
        ("Perhaps your manager is under a lot of pressure herself.", "My manager keeps piling work on me."),
        ("Maybe he's just stressed?", "My husband shouts at the kids."),
    ],
)
def test_guesses_about_third_parties_are_information(utterance, client):
    assert analyse(utterance, client_statement=client).behaviour == "therapist_input"


@pytest.mark.parametrize(
    ("utterance", "client"),
    [
        ("It sounds like your dad worries about you a lot.", DAD),
        ("So your dad keeps checking up on you.", DAD),
        ("He doesn't seem to listen to you.", "My husband never listens."),
        ("He shouts at you in front of the whole team.", "My boss shouts at me in front of everyone."),
        ("Your mum wants you home by ten.", "My mum says I have to be home by ten."),
        ("He probably means well, and you still feel watched.", "I know he probably means well."),
    ],
)
def test_reflections_about_third_parties_stay_reflections(utterance, client):
    assert analyse(utterance, client_statement=client).behaviour == "reflection"


# --- questions that ask for a time, a place or a number are closed -----------------------------------


@pytest.mark.parametrize(
    "utterance",
    [
        "When did it happen?",
        "On a scale of one to ten, how anxious do you feel?",
        "When did you last have a drink?",
        "When do the panic attacks come?",
        "Where did the panic start?",
        "Where were you when it happened?",
        "Which day suits you best?",
        "How many nights a week do you drink?",
        "How much are you drinking at the moment?",
        "How long have you been off work?",
        "How often does this happen?",
        "What time do you usually go to bed?",
        "What age were you when your parents split up?",
        "What year did you move here?",
        "How would you rate your mood from one to ten?",
        "If you had to rate it out of ten, what would it be?",
        "How confident are you, on a scale of one to ten, that you could do it?",
    ],
)
def test_fact_questions_are_closed(utterance):
    a = analyse(utterance)
    assert (a.behaviour, a.question_type) == ("question", "closed")


@pytest.mark.parametrize(
    "utterance",
    [
        "What happened?",
        "How did that feel?",
        "What was that like?",
        "What was it like going back to work after the funeral?",
        "How do you usually cope when it gets like that?",
        # when/where questions that ask the client to recall or locate a feeling, or to choose
        # where the talk goes, invite a story (as who/which questions about feelings do)
        "When did you last feel like yourself?",
        "Where do you feel it in your body?",
        "Where would you like to start?",
        "Where do you think that comes from?",
        "When you think about it now, how does it feel?",
    ],
)
def test_story_questions_stay_open(utterance):
    a = analyse(utterance)
    assert (a.behaviour, a.question_type) == ("question", "open")


# --- varied replies of known type (written and labelled before the analyser was run on them) --------


@pytest.mark.parametrize(
    ("utterance", "client", "behaviour", "subtype"),
    [
        ("What's been the hardest part of this week?", "It's all just a lot.", "question", "open"),
        ("Tell me about the last time it happened.", PANIC, "question", "open"),
        ("What would your best friend say about this?", "I feel like I'm letting everyone down.", "question", "open"),
        ("I'm curious what you make of that.", "My mum said I was always the sensitive one.", "question", "open"),
        ("How has the drinking affected things at home?", "I drink most nights.", "question", "open"),
        ("Which of these feels most urgent to you?", "There's the debt, the kids, and my health.", "question", "open"),
        ("Are you sleeping any better?", "I've been a bit better this week.", "question", "closed"),
        ("Did you tell your manager?", "I nearly had a panic attack in the meeting.", "question", "closed"),
        ("Is your mum still living with you?", "Things at home are tense.", "question", "closed"),
        ("How many times has it happened this month?", PANIC, "question", "closed"),
        ("Would you rather start with work or with home?", "I don't know where to start.", "question", "closed"),
        ("Who else knows about the panic attacks?", PANIC, "question", "closed"),
        ("You haven't been sleeping.", "I haven't slept properly in weeks.", "reflection", "simple"),
        (
            "You've stopped the gym and you're not seeing friends.",
            "I've stopped going to the gym, and I don't see my friends any more.",
            "reflection",
            "simple",
        ),
        (
            "Part of you feels you ought to be further along, and another part isn't ready to let him go.",
            "I should be over it by now. It's been eight months.",
            "reflection",
            "complex",
        ),
        (
            "You're worried this could be another waste of your time.",
            "I don't see the point in talking, it won't change anything.",
            "reflection",
            "complex",
        ),
        ("It sounds like his calls feel more like checking up than caring.", DAD, "reflection", "complex"),
        (
            "You're disappointed in yourself, because being a patient parent really matters to you.",
            "I snapped at my son again last night.",
            "reflection",
            "complex",
        ),
        (
            "Our sessions are fifty minutes, and what you say stays between us unless I'm worried about your safety.",
            "Who else will know what I say here?",
            "therapist_input",
            None,
        ),
        (
            "You could try writing the worries down before bed.",
            "Some nights I just can't switch off.",
            "therapist_input",
            None,
        ),
        (
            "It might help to tell your manager what's going on.",
            "Work is getting on top of me.",
            "therapist_input",
            None,
        ),
        (
            "I'd recommend speaking to your GP about the medication.",
            "The tablets make me feel sick.",
            "therapist_input",
            None,
        ),
        (
            "Try to cut down gradually rather than stopping all at once.",
            "I want to stop drinking.",
            "therapist_input",
            None,
        ),
        ("It took a lot of courage to come here today.", "I nearly didn't come.", "other", None),
        (
            "You've worked really hard to stay sober this month.",
            "I haven't had a drink for three weeks.",
            "other",
            None,
        ),
        ("Thank you for telling me that.", "I've never told anyone this.", "other", None),
        ("That's a brave thing to admit.", "I think I've been drinking to cope.", "other", None),
        ("Good morning, come on in and have a seat.", "Hi.", "other", None),
    ],
)
def test_varied_replies(utterance, client, behaviour, subtype):
    a = analyse(utterance, client_statement=client)
    assert a.behaviour == behaviour
    assert (a.question_type or a.reflection_type) == subtype
