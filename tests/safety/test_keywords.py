"""The safety word lists: common phrasings match, everyday phrases do not."""

import pytest

from apps.programme.exercises import get_exercise
from apps.safety.keywords import (
    entry_mentions_self_harm,
    mentions_abuse,
    mentions_diary_concern,
    mentions_self_harm,
)


@pytest.mark.parametrize(
    "text",
    [
        "I want to end my life",
        "Sometimes I think about ending my own life",
        "I could kill myself",
        "I’m going to KILL MYSELF",  # curly apostrophe, capitals
        "Everyone would be better off dead",
        "They're better off without me",
        "I hurt myself again last night",
        "thoughts of hurting myself",
        "I self-harm when it gets bad",
        "self harm",
        "selfharming",
        "suicide",
        "I feel suicidal",
        "There is no reason to live",
        "no point in living",
        "I don’t want to live",
        "I dont want to live any more",
        "I just don't want to be here",
        "I don't want to be here anymore",
        "thinking about ending it all",
        "I wish I was dead",
        "I want to\ndie",  # across a line break
        "I took an overdose",
        "I want to go to sleep and never wake up",
        "I'm not suicidal, just tired",  # negations still fire, on purpose
    ],
)
def test_common_phrasings_of_suicide_and_self_harm_match(text):
    assert mentions_self_harm(text)


@pytest.mark.parametrize(
    "text",
    [
        "This traffic is killing me",
        "I'm dying to see the film",
        "My boss will kill me if I'm late",
        "I want to end it with him",
        "I don't want to live in London",
        "I don't want to live with my parents",
        "I don't want to be here at this party",
        "The cake was to die for",
        "I cut myself shaving",
        "I read a self-help book",
        "I killed it at work today",
        "The end of my life as a student",
        "I hurt my back lifting boxes",
        "",
        None,
    ],
)
def test_everyday_phrases_do_not_match(text):
    assert not mentions_self_harm(text)


def test_whole_entry_check_reads_every_text_including_rows():
    assert entry_mentions_self_harm({"problems": "Rent", "rows": [{"idea": "End it all"}]})
    assert entry_mentions_self_harm({"traps": ["x"], "nested": {"deep": ["I feel suicidal"]}})
    assert not entry_mentions_self_harm({"minutes": 30, "rows": [{"idea": "Call the landlord"}]})


def test_abuse_and_diary_concern_lists():
    assert mentions_abuse("My partner hits me") and mentions_abuse("He threatened me")
    assert not mentions_abuse("The hit song on the radio")
    assert mentions_diary_concern("In bed all day") and mentions_diary_concern("didn’t eat")
    assert not mentions_diary_concern("Walked to the shop")


def test_exercises_use_the_shared_list():
    """One list: the thought record's safety message follows apps.safety.keywords."""
    record = get_exercise("thought_record")
    base = {"situation": "Home", "feeling": "Sad", "feeling_before": 80, "belief_before": 80}
    risky = record.feedback({**base, "thought": "There is no reason to live"})
    everyday = record.feedback({**base, "thought": "This traffic is killing me"})
    assert any(item.kind == "safety" for item in risky)
    assert not any(item.kind == "safety" for item in everyday)
    plan = get_exercise("problem_solving")
    assert any(i.kind == "safety" for i in plan.feedback({"problems": "My partner threatened me"}))
