"""Misreadings of the skills analyser reported by course authors, each with the general case behind it.

Every group pairs the reported utterance with other natural phrasings of the same thing, and with
near misses that share words with it but are something else, so that a fix is a rule and not a
patch for one sentence. Labels follow the course's conventions (docs/skills.md).
"""

from __future__ import annotations

import pytest

from rapportkit.skills import analyse, intake_questions

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


# --- a lead-in ended by a colon or semicolon, then a question, is a question --------------------------------


@pytest.mark.parametrize(
    ("utterance", "kind"),
    [
        ("I ask everyone this: have you had thoughts of ending your life?", "closed"),
        ("I ask everyone I see this question: have you had any thoughts of suicide?", "closed"),
        ("Some people in your position think about ending it; is that something you've thought about?", "closed"),
        ("Before we go on, one thing: how are you sleeping at the moment?", "open"),
        ("It's a question I ask everyone; what brings you here today?", "open"),
    ],
)
def test_a_question_after_a_colon_lead_in_is_a_question(utterance, kind):
    a = analyse(utterance)
    assert (a.behaviour, a.question_type) == ("question", kind)


@pytest.mark.parametrize(
    "utterance",
    [
        "So the hardest part is this: you feel nobody sees how much you carry?",  # a reflection, checked
        "You said it yourself: you feel stuck?",
    ],
)
def test_a_reflection_after_a_colon_stays_a_reflection(utterance):
    assert analyse(utterance).behaviour == "reflection"


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


# --- the six intake questions: natural phrasings, and near misses that only share words -------------

INTAKE_ASKED = {
    "how_are_you": [
        "How are you today?",
        "How are you doing?",
        "How are you feeling today?",
        "How have you been?",
        "How's your day been so far?",
        "How are things?",
        "How are you feeling in yourself at the moment?",
        "How are you holding up?",
        "How's it going?",
        "So, Ines, how are you today?",
        "How have you been since we last spoke?",
        "how are you doing today",
    ],
    "small_talk": [
        "Do you live nearby?",
        "Do you live in this neighbourhood?",
        "Are you local?",
        "Have you come far today?",
        "Did you find us all right?",
        "How was the journey in?",
        "How was getting here today?",
        "Lovely weather today, isn't it?",
        "Awful weather out there.",
        "Is it still raining out there?",
        "Can I get you a glass of water?",
        "Did you have a nice weekend?",
        "What do you like to do when you're not at work?",
        "Was the parking okay?",
    ],
    "why_here": [
        "What brings you here today?",
        "What brings you in?",
        "What's brought you along today?",
        "What made you decide to get in touch?",
        "What made you book the appointment?",
        "Why are you here?",
        "Why now?",
        "What would you like to talk about today?",
        "How can I help?",
        "What's been going on for you?",
        "Can you tell me a bit about what brought you to counselling?",
        "what brings you here today",
    ],
    "previous_therapy": [
        "Have you been to therapy before?",
        "Have you ever seen a counsellor?",
        "Have you had counselling before?",
        "Is this your first time in therapy?",
        "Have you talked to anyone like me before?",
        "Have you had any professional support before?",
        "Have you talked to anyone about this before?",
        "How did your last counselling go?",
        "What was your previous therapy like for you?",
        "Tell me about the counselling you had before.",
        "So you've been to counselling before?",
    ],
    "what_disliked": [
        "What didn't you like about it?",
        "What didn't you like about your last therapy?",
        "What didn't help?",
        "What wasn't helpful about your previous counselling?",
        "Was there anything about it that didn't work for you?",
        "Is there anything you'd like me to avoid?",
        "What put you off?",
        "What got in the way last time?",
        "What could have been better about it?",
        "What would you want me to do differently?",
    ],
    "hoped_outcome": [
        "How do you hope to see yourself at the end of therapy?",
        "What would you like to get out of our sessions?",
        "What are you hoping for from counselling?",
        "What would be different if this worked?",
        "What would you like to be different by the end?",
        "What are your goals for therapy?",
        "How will you know things are getting better?",
        "What would a good outcome look like for you?",
        "If our work together goes well, what will have changed?",
        "What would be one small sign that things were a little better?",
    ],
}

INTAKE_NOT_ASKED = {
    "how_are_you": [
        "How are you getting on with your sister?",  # a relationship, not how they are today
        "How are you feeling about the move?",
        "How are you going to tell him?",
        "How are you sleeping?",
        "How are things with your partner?",
        "How is your mum doing?",
        "How has today's session been for you?",  # the closing question
    ],
    "small_talk": [
        "I'm sorry about the weather of your mood.",
        "Are you feeling a bit under the weather?",
        "Do you live with your partner?",
        "Do you live in fear of his moods?",
        "Did you find it hard to tell her?",
        "Did you find it helpful?",
        "What happened at the weekend?",
        "How much coffee do you drink a day?",
        "How was the journey through all that grief?",
    ],
    "why_here": [
        "What brings you joy?",
        "What brings on the panic attacks?",
        "What brought that up for you?",
        "Why did you come back so late?",
        "What made you so angry?",
        "What would you like to talk about with your mum?",
        "What's going on with your sleep?",
        "How can I help you feel calmer?",
    ],
    "previous_therapy": [
        "Did your previous boss help?",
        "Have you tried yoga before?",
        "Have you been to the doctor about your back?",
        "Have you had any help from your family?",
        "Have you talked to your sister about it before?",
        "Have you told anyone before?",
        "What was your last job like?",
        "So your last counsellor wrote the whole time.",  # a reflection asks nothing
    ],
    "what_disliked": [
        "What did you not like about your job?",
        "What didn't you like about school?",
        "Is there anything you don't like about yourself?",
        "What put you off going to the gym?",
        "What got in the way of sleeping?",
        "What went wrong with your marriage?",
        "What was helpful about it?",
        "It didn't help that he shouted.",
    ],
    "hoped_outcome": [
        "What would you hope for your kids?",
        "What do you hope he says?",
        "Are you hoping to get the job?",
        "What were you hoping would happen when you told her?",
        "What are your goals at work?",
        "What would be different if you left him?",
        "How do you see yourself?",
        "At the end of the day, you did your best.",
    ],
}


@pytest.mark.parametrize(("qid", "utterance"), [(qid, u) for qid, us in INTAKE_ASKED.items() for u in us])
def test_intake_question_recognised(qid, utterance):
    assert qid in intake_questions(utterance)


@pytest.mark.parametrize(("qid", "utterance"), [(qid, u) for qid, us in INTAKE_NOT_ASKED.items() for u in us])
def test_intake_near_miss_not_recognised(qid, utterance):
    assert qid not in intake_questions(utterance)


def test_intake_lists_are_long_enough():
    for qid in INTAKE_ASKED:
        assert len(INTAKE_ASKED[qid]) >= 8, qid
        assert len(INTAKE_NOT_ASKED[qid]) >= 4, qid


def test_several_intake_questions_in_one_turn():
    assert intake_questions("Did you find us all right? How are you today?") == ("how_are_you", "small_talk")
