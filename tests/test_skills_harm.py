"""Harm and unreadable text: named as such, never praised; and the analyser's bounded cost."""

from __future__ import annotations

import pytest

from rapportkit.skills import MAX_ANALYSED_CHARS, ClientProfile, analyse, coach_feedback
from rapportkit.skills.harm import english_share, find_harm, readable
from rapportkit.skills.text import normalise

SAM = ClientProfile(name="Sam", pronouns="she/her", avoid_names=("Samantha",))
KOFI = ClientProfile(name="Kofi", pronouns="he/him")
SAD = "I've been feeling really low and I don't know why."


# --- harm ----------------------------------------------------------------------------------------

HARMFUL = [
    # insults and contempt
    ("You're an idiot and a waste of my time.", "insult"),
    ("You're pathetic.", "insult"),
    ("You idiot!", "insult"),
    ("Honestly, you're a waste of space.", "insult"),
    ("You're so lazy.", "insult"),
    ("Your excuses are pathetic.", "insult"),
    ("You've been acting so needy.", "insult"),
    ("Nobody will ever love you.", "insult"),
    ("People like you make me sick.", "insult"),
    ("Are you stupid?", "insult"),
    ("I think you're a loser.", "insult"),
    ("Boo hoo, cry me a river.", "contempt"),
    ("Oh, must be nice.", "contempt"),
    ("Do you want a medal?", "contempt"),
    ("lol", "contempt"),
    ("Man up.", "contempt"),
    ("You sound like a whiny child.", "insult"),
    ("No one likes you.", "insult"),
    # dismissal
    ("Whatever, mate.", "dismissal"),
    ("Shut up.", "dismissal"),
    ("Get over it.", "dismissal"),
    ("Who cares.", "dismissal"),
    ("That's not a real problem.", "dismissal"),
    ("Stop feeling sorry for yourself.", "dismissal"),
    ("I couldn't care less about your problems.", "dismissal"),
    ("Other people have it much worse.", "dismissal"),
    ("Bullshit.", "dismissal"),
    ("It's your problem, not mine.", "dismissal"),
    # blame
    ("It's your own fault.", "blame"),
    ("You brought this on yourself.", "blame"),
    ("You only have yourself to blame.", "blame"),
    ("Serves you right.", "blame"),
    ("Well, what did you expect?", "blame"),
    ("If you'd listened, this wouldn't have happened.", "blame"),
    # profanity aimed at the client
    ("Fuck off.", "profanity"),
    ("Piss off, I'm busy.", "profanity"),
    ("What the hell is wrong with you?", "profanity"),
    # harmful advice
    ("Your wife should leave you.", "harmful_advice"),
    ("Your husband has every right to leave you.", "harmful_advice"),
    ("Everyone would be better off without you.", "harmful_advice"),
    ("Just kill yourself.", "harmful_advice"),
    ("Stop taking your meds, you don't need them.", "harmful_advice"),
    ("You should hit him back.", "harmful_advice"),
    # threats
    ("I'll make you regret this.", "threat"),
    ("I'm going to tell your wife.", "threat"),
    # toughen-up commands, wherever they stand in the reply
    ("Toughen up, pal, everyone gets dumped.", "contempt"),
    ("Honestly, get a grip, it was one bad meeting.", "contempt"),
    ("It's been months, you have to snap out of it.", "contempt"),
    ("You really need to sort yourself out.", "contempt"),
    ("Grow up, mate.", "contempt"),
    ("Stop acting like a baby.", "contempt"),
    ("Real men don't cry over a job.", "contempt"),
    # contempt for the people in the client's life, or for the client's concerns
    ("Your family sound like a right bunch of clowns.", "insult"),
    ("Sounds like your friends are a load of sheep.", "insult"),
    ("The people where you're from sound like cavemen.", "insult"),
    ("Your community sound a bit backward.", "insult"),
    ("What a bunch of losers.", "insult"),
    ("Maybe they just don't like you.", "insult"),
    ("They've got better things to do.", "insult"),
    ("You're making a mountain out of a molehill.", "contempt"),
    ("Please don't tell me you're going to cry about this again.", "contempt"),
    ("I have no idea what you're going on about.", "contempt"),
    ("You do go on a bit, don't you?", "contempt"),
    ("Throwing a sickie every Monday won't help.", "contempt"),
    ("It's not all about you, you know.", "contempt"),
    ("Right, what is it this time?", "contempt"),
    ("So what's your problem then?", "contempt"),
    ("What's the matter with you now?", "contempt"),
    ("Paranoid much?", "contempt"),
    ("That sounds like a you problem to me.", "contempt"),
    ("You're wasting my time.", "contempt"),
    # sarcastic commands ending in "then"
    ("Well, stop drinking so much then.", "contempt"),
    ("Maybe don't text him at 2am then?", "contempt"),
    # what matters to the client brushed aside, the client hurried
    ("Who cares what your sister said? Let's move on.", "dismissal"),
    ("Why would anyone get upset about a work trip?", "dismissal"),
    ("Can we focus on something more important?", "dismissal"),
    ("Is that really worth crying over?", "dismissal"),
    ("Cut the small talk, what's going on?", "dismissal"),
    ("Can we make it quick? I've got a patient waiting.", "dismissal"),
    ("Just get to the point.", "dismissal"),
    ("We haven't got all day.", "dismissal"),
    ("Honestly, nobody is thinking about you as much as you think.", "dismissal"),
    ("You're just imagining it.", "dismissal"),
    ("You're just feeling sorry for yourself.", "dismissal"),
    ("You should be over her by now.", "dismissal"),
    ("I got over it, so you can too.", "dismissal"),
    # siding against the client, blame
    ("Maybe your wife is right.", "blame"),
    ("Your boss is probably right about you.", "blame"),
    ("Perhaps they've got a point.", "blame"),
    ("Honestly, I'd side with your manager.", "blame"),
    ("You probably do have a drinking problem.", "blame"),
    ("You're the common denominator here.", "blame"),
    ("Sounds like you're the difficult one.", "blame"),
    ("It's probably your attitude.", "blame"),
    ("And who's to blame for that?", "blame"),
    ("No wonder, if you refuse to let anyone in.", "blame"),
    ("You should have known better.", "blame"),
    ("You must have known he would react like that.", "blame"),
    ("You could have just kept your mouth shut.", "blame"),
    ("Well, you shouldn't have said it then.", "blame"),
    ("If you didn't like the group, why did you go?", "blame"),
    ("Nobody was making you stay.", "blame"),
    ("You did ask for it, to be fair.", "blame"),
    ("You're old enough to know better.", "blame"),
    ("Maybe if you were friendlier people would call you.", "blame"),
    # abandoning the care of a relative
    ("Just stop visiting her, she won't even notice.", "harmful_advice"),
    ("I'd just put him in a home and get on with your life.", "harmful_advice"),
    ("Why not stop looking after your mum for a while?", "harmful_advice"),
    ("He won't even know if you don't go.", "harmful_advice"),
    # a loss minimised
    ("That's life, I'm afraid.", "minimising"),
    ("Well, it's the circle of life.", "minimising"),
    ("Everybody dies eventually.", "minimising"),
    ("We all lose our parents sooner or later.", "minimising"),
    ("He had a good innings though.", "minimising"),
    ("It was her time.", "minimising"),
    ("Your gran was old anyway.", "minimising"),
    ("Honestly, he was ninety, he was getting on.", "minimising"),
    ("Lots of people lose their dads, you'll cope.", "minimising"),
    # pressure to please the trainee
    ("Please don't tell me it was boring.", "pressure"),
    ("Go on, tell me it was great.", "pressure"),
    ("You owe me.", "pressure"),
    ("Make sure you give me a good review.", "pressure"),
    ("I'll be really upset if you cancel again.", "pressure"),
    ("After everything I've done for you!", "pressure"),
    # labels and diagnoses
    ("You've clearly got control issues.", "labelling"),
    ("It sounds like you have serious commitment issues.", "labelling"),
    ("Textbook narcissist.", "labelling"),
    ("That's a classic victim mentality.", "labelling"),
    ("Classic people pleaser.", "labelling"),
    ("You sound a bit bipolar to me.", "labelling"),
    ("You're in denial.", "labelling"),
    ("You seem pretty self-obsessed.", "labelling"),
    # shame
    ("What a weird question.", "shaming"),
    ("What a stupid thing to get upset about.", "shaming"),
    ("You shouldn't ask your therapist that.", "shaming"),
    ("That's none of your business.", "shaming"),
    ("You should be ashamed of yourself.", "shaming"),
    ("A grown man crying in his car!", "shaming"),
    ("Yeah, it is a bit pathetic.", "shaming"),
    # general forms, from a fresh evaluation set: evaluations, dismissive commands, invalidation,
    # comparisons, moralising, siding, threats to end therapy, suicide and self-harm dismissed
    ("Honestly, your dad was right to be angry with you.", "blame"),
    ("Other people have lost children, so I think you'll survive losing your nan.", "dismissal"),
    ("Cutting yourself is just attention seeking, you know that.", "dismissal"),
    ("You drink because you're weak, simple as that.", "insult"),
    ("You're a terrible mother if you can't even get them to school on time.", "insult"),
    ("Just leave him, it's obvious, I don't know why you're even asking.", "harmful_advice"),
    ("Oh wow, poor you, a whole week without your phone.", "contempt"),
    ("Yeah, that's a totally rational thing to be scared of. Not.", "dismissal"),
    ("That's a really stupid thing to feel anxious about.", "dismissal"),
    ("You should be grateful your parents even paid for uni.", "dismissal"),
    ("Your feelings are wrong here.", "dismissal"),
    ("If you're not going to do the homework, there's no point in me seeing you.", "threat"),
    ("I'll discharge you if you keep missing sessions like this.", "threat"),
    ("At least you can have another baby.", "minimising"),
    ("Your husband probably cheated because you let yourself go.", "blame"),
    ("Cut your parents off, they're toxic, end of story.", "harmful_advice"),
    ("Your religion is holding you back, you should drop it.", "insult"),
    ("You lot are always so dramatic.", "insult"),
    ("I'm sick of hearing about your ex.", "contempt"),
    ("Depression is just a lack of willpower.", "dismissal"),
    ("This is pretty trivial compared to what my other clients deal with.", "dismissal"),
    ("You got yourself into this mess, you get yourself out.", "blame"),
    ("You're clearly too immature for a relationship.", "insult"),
    ("Frankly your self-harm is manipulative.", "dismissal"),
    ("If you really wanted to kill yourself you'd have done it by now.", "dismissal"),
    ("Why do you even bother coming here?", "contempt"),
    ("Right, enough about your feelings, what are you going to do?", "contempt"),
    ("Chin up, stop sulking.", "dismissal"),
    ("Your drinking is frankly disgusting.", "insult"),
    ("No wonder your friends stopped inviting you.", "blame"),
    ("Your son would be better off with his dad.", "harmful_advice"),
    ("Keep missing sessions and I'll close your file.", "threat"),
    ("Oh sure, because the whole world revolves around you.", "contempt"),
    # subtle harm in polite form: the trainee defending themselves, the client measured against others
    # who "manage", brushed off or hurried, the people they complain about defended, sarcasm, moralising
    ("I was just trying to help, that's all.", "defensive"),
    ("Not everyone finds my sessions boring, you know.", "defensive"),
    ("I can only work with what you give me.", "defensive"),
    ("Sorry the session wasn't up to your high standards.", "defensive"),
    ("Don't put words in my mouth.", "defensive"),
    ("If you say so.", "defensive"),
    ("Plenty of carers just get on with it.", "dismissal"),
    ("Most women would jump at a promotion like that.", "dismissal"),
    ("Everyone else manages to get on with him.", "dismissal"),
    ("Surely you can manage one dinner with your in-laws.", "dismissal"),
    ("It's hardly a disaster, missing one train.", "dismissal"),
    ("You need to stop worrying about it.", "dismissal"),
    ("You should have moved on by now.", "dismissal"),
    ("Don't take it so personally.", "dismissal"),
    ("We haven't got time for chit-chat.", "dismissal"),
    ("Can you blame her?", "dismissal"),
    ("I'm sure your dad had his reasons.", "blame"),
    ("He was probably sick of hearing about it.", "blame"),
    ("You did send the text, so what else could happen?", "blame"),
    ("You can't ignore everyone and expect them to call.", "blame"),
    ("You'll never get better if you keep skipping the homework.", "blame"),
    ("If you'd been more honest, the session might have helped.", "blame"),
    ("Your team had to pick up the slack.", "blame"),
    ("It's the least you can do for him.", "blame"),
    ("A bit convenient, that headache.", "contempt"),
    ("Screaming at the kids is a bit over the top, isn't it?", "contempt"),
    ("Nobody wants to be friends with someone who sulks.", "contempt"),
    ("You're not exactly easy to work with.", "contempt"),
    ("Oh dear, somebody is having a bad day.", "contempt"),
    ("The kids need you to be strong.", "contempt"),
    ("Why would you want to know about my family?", "shaming"),
    ("I'm the professional here.", "shaming"),
    # kinds of harm a counselling rater found in role-play turns: the client's age and fear mocked,
    # name-calling with a question tag, social rejection threatened, the client as a bore, "toughen up"
    # with a future modal, wants mocked as demands, impatience, the trainee's limits thrown at the
    # client's hope, a name overruled, "what you deserve", how therapy went blamed on the client,
    # siding with a past therapist, "paranoid" as a trait, guilt for a wish to die
    ("Thirty and still scared of a phone call?", "shaming"),
    ("Twenty-seven and scared of a meeting?", "shaming"),
    ("Three times round the block? Bit of a wimp, aren't you.", "insult"),
    ("You're such a scaredy cat.", "insult"),
    ("Clingy, aren't you?", "insult"),
    ("No one is going to want to be friends with you if you never go out.", "insult"),
    ("Your mates will stop inviting you if you keep cancelling.", "insult"),
    ("Maybe your friends just ran out of things to say to you.", "insult"),
    ("She probably got bored of you.", "insult"),
    ("You're going to need to man up if you want her back.", "contempt"),
    ("You'll have to toughen up, mate.", "contempt"),
    ("It sounds like you just need to stop being lazy.", "contempt"),
    ("Sounds like you want everyone to bend over backwards for you.", "contempt"),
    ("You care more about your image than actually getting better.", "contempt"),
    ("You certainly went on a bit today. Maybe I'll get a word in next time.", "contempt"),
    ("You do like the sound of your own voice.", "contempt"),
    ("Oh, don't be so melodramatic.", "dismissal"),
    ("Think about the kids you'd leave behind.", "dismissal"),
    ("I've been more than patient with you.", "dismissal"),
    ("Let's not waste any more of my time.", "dismissal"),
    ("Right, can we crack on now?", "dismissal"),
    ("Eight sessions is already more than most clients get.", "dismissal"),
    ("We have to go by the name on the system.", "dismissal"),
    ("You can't expect me to fix everything.", "defensive"),
    ("I'm a therapist, not a magician.", "defensive"),
    ("If you keep lying to her, the silence is maybe what you deserve.", "blame"),
    ("Maybe therapy didn't work because you didn't want it to.", "blame"),
    ("It didn't help because you went in already convinced it would fail.", "blame"),
    ("You never really gave her a fair chance.", "blame"),
    ("I'd lose patience too if a client never did the homework.", "blame"),
    ("Honestly, your old therapist was probably right.", "blame"),
    ("I can see why your last counsellor gave up.", "blame"),
    ("Sounds like you're a little paranoid about your neighbours.", "labelling"),
    ("You've always been a bit neurotic.", "labelling"),
]


@pytest.mark.parametrize(("utterance", "kind"), HARMFUL)
def test_harm_is_named_never_praised(utterance, kind):
    a = analyse(utterance, client_statement=SAD, client=SAM)
    assert a.harmful and a.readable
    assert a.behaviour == "other" and a.question_type is None and a.reflection_type is None
    assert a.flags[0].kind == "harmful" and not a.flags[0].good
    assert not a.strengths
    assert find_harm(normalise(utterance), SAD)[0].kind == kind
    text = coach_feedback(a)
    assert "Well done" not in text and "useful skill" not in text
    assert "harm" in text and "Try instead:" in text


def test_harmful_reply_keeps_no_praise_even_when_it_names_the_feeling():
    a = analyse("Sam, you're pathetic and lonely.", client_statement="I feel so lonely.", client=SAM)
    assert a.harmful
    assert not a.has("feeling_reflected") and not a.has("name_used")
    assert all(not f.good for f in a.flags)


def test_harmful_reply_keeps_other_problems_after_the_harm():
    a = analyse("Shut up. Why didn't you just leave him?", client_statement="He shouted at me again.")
    assert [f.kind for f in a.flags][0] == "harmful"
    assert a.has("why_question")


def test_harmful_feedback_quotes_the_words_and_the_alternative():
    text = coach_feedback(analyse("You're an idiot and a waste of my time."))
    assert "You're an idiot" in text
    assert text.startswith("That reply would harm the client")


def test_laughter_mocks_a_client_in_pain_but_not_a_joking_one():
    assert analyse("Haha.", client_statement="I cried all night.").harmful
    assert not analyse("Haha.", client_statement="Ha, I even brought my own tissues, as a joke.").harmful


NOT_HARMFUL = [
    "It sounds like you feel worthless and exhausted.",
    "You're afraid people will think you're stupid.",
    "You feel like an idiot for trusting him.",
    "Part of you thinks it's your own fault.",
    "It's not your fault.",
    "None of this is your fault.",
    "You've been told you're a waste of space your whole life, and that still hurts.",
    "Your dad used to call you useless.",
    "You're furious with yourself.",
    "You hate yourself when you drink.",
    "That sounds awful.",
    "You felt humiliated when they laughed at you.",
    "Some days you think everyone would be better off without you.",
    "You're worried your wife will leave you.",
    "You feel like you're a burden.",
    "You're sick of being told to get over it.",
    "People keep telling you to just snap out of it, and that feels dismissive.",
    "How did it feel when he told you to shut up?",
    "He said it was all your fault.",
    'So when she said "you\'re an idiot", that really hurt.',
    "You called yourself pathetic.",
    "Have you ever thought about hurting yourself?",
    "Have you ever cut yourself?",
    "Did you stop taking your medication?",
    "Where did you grow up?",
    "What would help you get over it?",
    "You couldn't stop crying.",
    "You've been feeling useless since you lost your job.",
    "You're not stupid, and you're not a failure.",
    "I don't think you're lazy at all.",
    "You've been through a nightmare this year.",
    "You've been in a toxic relationship for years.",
    "You did something stupid when you were drunk, and now you're ashamed.",
    "You worry nobody will ever love you.",
    "It makes sense that you're angry; he called you a failure.",
    "What was it like to hear 'you're worthless' from your mum?",
    "I hear you saying you're useless at everything.",
    "You must feel like such a failure right now.",
    "I don't care how long it takes; we'll go at your pace.",
    "Who cares for you at home?",
    "So what happened next?",
    "You got the promotion! You deserved it.",
    "Your boss sounds like an idiot.",
    "What a terrible thing to go through.",
    "Get over it is what everyone keeps saying.",
    "You're a loser? That's what your dad used to say?",
    "Sometimes it seems like everyone hates you.",
    "You must be so fed up with your fucking landlord.",
    "That's nothing compared to what you've been through.",
    "You were just a child when it happened.",
    "You're crazy busy at work.",
    "If you had stopped drinking, what would have been different?",
    "Whatever you decide, I'm here to support you.",
    "It sounds like part of you wants to hit back at him.",
    "You've thought about stopping your medication because of the side effects.",
    "I'll leave you some leaflets.",
    "You'll get used to it over time.",
    # near misses of the commands, the contempt and the dismissal
    "It sounds like part of you wants to just pull yourself together and carry on.",
    "People keep telling you to man up, and that leaves you feeling alone.",
    "What would help you get a grip on the finances?",
    "You were told that real men don't cry, so you learned to keep it in.",
    "Growing up, you learned to keep things to yourself.",
    "Stop being so hard on yourself for a second and notice what you did manage.",
    "Your mates matter a lot to you, and you worry what they'd think.",
    "Your family sound like they care a lot.",
    "Where you grew up, men sorted things out themselves.",
    "You stopped going to the gym, and then what happened?",
    "You didn't want to make a fuss at work.",
    "You worry you're making a fuss over nothing.",
    "Who cares for your dad when you're at work?",
    "Who cares about you at home?",
    "Why would anyone care about me, you're thinking.",
    "Let's talk about what matters to you.",
    "Can we talk about something important? I'm worried about your safety.",
    "Take your time, we have all day.",
    "We can skip the forms for now.",
    "You're not wasting my time at all.",
    "You feel you should be over it by now.",
    "Is it worth talking to your GP about the sleep?",
    "You can't complain to HR because you're worried about your job.",
    # near misses of siding and blame
    "You're wondering if they're right.",
    "Part of you thinks your boss might be right.",
    "They're right to be worried about you.",
    "You think you might have a drinking problem.",
    "No wonder you're exhausted.",
    "No wonder, when you've been carrying all that on your own.",
    "You couldn't have known he would do that.",
    "You feel you should have known better.",
    "You had to keep your mouth shut at work for years.",
    "Nobody is forcing you to change; it's your choice.",
    "Nobody forced you to come today, and you came anyway.",
    "If you don't want to talk about it, that's completely fine.",
    "You needed a break.",
    "You've become more comfortable talking about it.",
    "You asked for help, and that took courage.",
    "You're the one who knows your life best.",
    # near misses of care, loss and pressure
    "She won't remember your visits, and you still go every day.",
    "You'd like to stop going every night, but you feel guilty.",
    "Could a care home be something to look into?",
    "Even though she was getting on, losing her was a shock.",
    "She was old, and you still weren't ready.",
    "Your dad is getting on, and you're worried about him.",
    "Your gran had a long life, and you still miss her every day.",
    "Everyone's grief looks different.",
    "It was a good session, I think. What did you make of it?",
    "Say more about that.",
    "You'd be hurt if he didn't come back.",
    "I'd be concerned if you stopped taking your medication without talking to your GP.",
    # near misses of labels and shame
    "You've been diagnosed with bipolar, and you're still getting used to it.",
    "In CBT, catastrophising is when the mind jumps to the worst outcome.",
    "You're entitled to feel angry.",
    "You're a perfectionist, you said, and it's exhausting.",
    "That's a great question.",
    "It's a strange question, I know, but what would your dog say about you?",
    "It's not appropriate for your boss to ask that.",
    "There's nothing to be ashamed of.",
    "That sounds like a really big thing to worry about.",
    # near misses of the general forms: reflections, safety questions, gentle challenges
    "Are you thinking of killing yourself?",
    "What evidence do you have that everyone hates you?",
    "Part of you wonders whether you're a terrible mother.",
    "You're worried you're a rubbish dad.",
    "You're wondering whether your wife is right about you.",
    "You said you feel pathetic for still crying about it.",
    "You've been told to get over it, and that stung.",
    "You feel your sadness is too much for people.",
    "You don't have to be grateful for how they treated you.",
    "You're not a bad parent for needing a break.",
    "Stop me if I've got this wrong.",
    "You'd like to stop worrying so much.",
    "What would it be like to stop drinking?",
    "Lots of people find the first year the hardest, and you're right in the middle of it.",
    "Your church has been a big support.",
    "Your son seems to be doing better with his dad.",
    "If you wanted to stop at any point, that would be okay.",
    "We'll need to stop there for today, and we can pick this up next week.",
    # near misses of the subtle forms: the client's own judgement given back, normalising, a warm boundary
    "You feel you should have moved on by now.",
    "I was trying to help, and I got it wrong. What would help more?",
    "Many people cope by avoiding it for a while.",
    "Most people manage better with some support.",
    "It sounds a bit much for one person to carry.",
    "You worry that crying at work is over the top.",
    "Your dad always said you'll get over it, and you never felt heard.",
    "I'm sure your manager has his reasons, you keep telling yourself, but it hurts.",
    "You're not exactly sure what happened.",
    "We don't have much time left today, so let's plan where to start next week.",
    "You're wondering if you expect too much from people.",
    "What would happen if you actually tried it?",
    "Part of you thinks nobody wants to be around someone who gets angry.",
    # a cold boundary and a defence of someone's intent are milder than harm (scenarios and own set say so)
    "We're not here to talk about me.",
    "I'm sure she meant well.",
    # near misses of the role-play kinds: fears reflected, kind limits, good things deserved, questions
    "You're afraid nobody's going to want to talk to you if you stay in bed.",
    "You want people to stop tiptoeing around you.",
    "You care more about what the lads think than about how you feel.",
    "Honestly, a bit of rest is probably what you deserve after this year.",
    "It sounds like it didn't work because you didn't feel heard.",
    "It didn't help because you felt judged.",
    "I'm not a magician, but I'd like to understand what you're hoping for.",
    "I can't work miracles, but we can work on this together.",
    "Thank you for being so patient with me.",
    "Shall we get on with the plan for next week?",
    "You're lucky to have such a supportive sister.",
    "I have to use your legal name on the referral letter, but I'll call you Sam.",
    "You were a baby when it happened.",
    "A baby?",
    "Your friends will stop inviting you if you keep saying no, is that the worry?",
    "You talked a lot today, and you seemed lighter.",
    "Don't be so hard on yourself.",
    "Let's not waste any more time worrying about what they think.",
    "You worry you're a bit paranoid.",
    "You're 27 and still scared of meetings, and that feels embarrassing to admit.",
    "Part of you thinks you went in expecting it to fail.",
    "I'd get frustrated too if nobody listened to me.",
    "Think about your family and what you want for them.",
    "You'll need to look after yourself if you want to keep going.",
]


@pytest.mark.parametrize("utterance", NOT_HARMFUL)
def test_negative_words_are_not_harm(utterance):
    a = analyse(utterance, client_statement=SAD)
    assert not a.harmful, find_harm(normalise(utterance), SAD)
    assert a.readable


def test_a_good_reflection_of_a_negative_feeling_is_still_praised():
    a = analyse("It sounds like you feel worthless and exhausted.", client_statement="I feel worthless and so tired.")
    assert a.behaviour == "reflection" and a.has("feeling_reflected")
    assert not a.harmful


def test_a_label_the_client_gave_themselves_is_given_back_not_thrown_at_them():
    assert not analyse("You've got anger issues.", client_statement="My wife says I have anger issues.").harmful
    assert analyse("You've got anger issues.", client_statement="I keep snapping at my kids.").harmful


@pytest.mark.parametrize(
    ("utterance", "flag"),
    [
        # milder than harm: the analyser's own flags name them, and harm stays for the stronger forms
        ("You're being paranoid.", "judging"),
        ("What's wrong with you?", "judging"),
        ("At least she's not suffering any more.", "minimising"),
        ("It's not that bad.", "minimising"),
        ("Your sister sounds selfish.", "judging"),
    ],
)
def test_a_plain_verdict_or_a_quick_reassurance_is_not_harm(utterance, flag):
    a = analyse(utterance, client_statement=SAD)
    assert not a.harmful and a.has(flag)


def test_paranoid_as_a_trait_is_a_label_but_being_paranoid_is_a_verdict():
    # harm.yaml: "You're being paranoid" judges what the client does now; "you're a bit paranoid" brands them
    assert not analyse("You're being paranoid.", client_statement=SAD).harmful
    a = analyse("Sounds like you're a bit paranoid about your colleagues.", client_statement=SAD)
    assert a.harmful and find_harm(normalise(a.utterance), SAD)[0].kind == "labelling"
    own = "I know I'm a bit paranoid about it."
    assert not analyse("So you're a bit paranoid about it?", client_statement=own).harmful


def test_a_one_word_echo_of_the_clients_own_word_is_not_an_insult():
    assert not analyse("Useless?", client_statement="I just feel useless.").harmful
    assert analyse("Useless.", client_statement="I can't get anything done at work.").harmful


# --- unreadable text -----------------------------------------------------------------------------

UNREADABLE = [
    "asdf qwer zxcv",
    "jkjkjkjk hhhhhh",
    "sdfsdfsdf sdfsdf",
    "Entiendo que te sientes muy triste.",
    "Je comprends que tu te sens très triste.",
    "Ich verstehe, dass du dich sehr traurig fühlst.",
    "Capisco che ti senti molto triste.",
    "Gracias.",
    "😊👍",
    "?!?!",
    "12345",
]


@pytest.mark.parametrize("utterance", UNREADABLE)
def test_unreadable(utterance):
    a = analyse(utterance, client_statement=SAD, client=SAM)
    assert not a.readable and not a.harmful
    assert a.behaviour == "other" and a.question_type is None and a.reflection_type is None
    assert [f.kind for f in a.flags] == ["unreadable"]
    text = coach_feedback(a)
    assert "I can't read this as English words, so I can't say which skill it is." in text
    assert "Well done" not in text and "That was" not in text


READABLE = [
    "Tell me more.",
    "Mm-hm.",
    "Go on.",
    "Mhm.",
    "Okay.",
    "Yeah, sure.",
    "Hmmm, soooo sad.",
    "Kofi, how are you today?",
    "Kofi.",
    "Ines?",
    "Abby, what brings you here?",
    "So Leo, you've been at the GP with your mum?",
    "John, it sounds like CBT didn't fit.",
    "Barbara Roberts?",
    "Kwame, tell me more about that.",
    "I-I wonder, wh-what was that like?",
    "Tell me more 🙂",
    "",
]


@pytest.mark.parametrize("utterance", READABLE)
def test_short_english_and_names_stay_readable(utterance):
    assert analyse(utterance, client=KOFI).readable
    assert readable(utterance)


def test_english_share():
    assert english_share("How are you today?") == 1.0
    assert english_share("asdf qwer") == 0.0
    assert english_share("😊") is None


# --- bounded cost --------------------------------------------------------------------------------


def test_max_analysed_chars_is_1500():
    assert MAX_ANALYSED_CHARS == 1500


def test_short_replies_are_not_truncated():
    a = analyse("What brings you here today?")
    assert not a.truncated
    assert "characters were read" not in coach_feedback(a)


def test_long_reply_is_cut_at_a_word_boundary_and_says_so():
    reply = "So you've been feeling really let down by your boss. " * 2000  # about 100,000 characters
    a = analyse(reply, client_statement="My boss let me down again.")
    assert a.truncated and a.utterance == reply
    assert a.behaviour == "reflection"
    assert coach_feedback(a).endswith("Only the first 1,500 characters were read.")


def test_truncation_never_splits_a_word():
    from rapportkit.skills.analyser import head

    text, cut = head("word " * 400)
    assert cut and len(text) <= MAX_ANALYSED_CHARS and text.endswith("word")
    text, cut = head("x" * 2000)  # no boundary at all: cut at the limit
    assert cut and len(text) == MAX_ANALYSED_CHARS


def test_pathological_long_input_returns():
    for reply in ("(" * 100_000, "[" * 100_000, "a" * 100_000, ". " * 50_000):
        assert analyse(reply, client_statement="(" * 100_000).truncated


@pytest.mark.parametrize(
    "reply",
    [
        "You feel like a burden, like everyone would be better off without you.",
        "Part of you thinks you're a burden, as if your family would be better off without you.",
    ],
)
def test_the_clients_own_dark_thought_reflected_is_not_harm(reply: str) -> None:
    assert not analyse(reply, client_statement="Sometimes I think everyone would be better off without me.").harmful


def test_harm_dev_set_recall_and_no_false_positives() -> None:
    # tests/data/harm_dev.csv: replies written for the course's clients, labelled harmful yes/no
    import csv
    from pathlib import Path

    path = Path(__file__).parent / "data" / "harm_dev.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    harmful = [r for r in rows if r["harmful"] == "yes"]
    harmless = [r for r in rows if r["harmful"] == "no"]
    assert len(harmful) >= 80 and len(harmless) >= 60

    def flagged(row: dict[str, str]) -> bool:
        return analyse(row["reply"], client_statement=row["context"].split(": ", 1)[-1]).harmful

    missed = [r["reply"] for r in harmful if not flagged(r)]
    false_alarms = [r["reply"] for r in harmless if flagged(r)]
    assert 1 - len(missed) / len(harmful) >= 0.9, missed
    assert not false_alarms, false_alarms
