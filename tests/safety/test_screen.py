"""The risk screen (apps/safety/screen.py): normalisation, misspellings, phrase data, corpus."""

import pytest
from django.core.management import call_command

from apps.safety import screen
from apps.safety.screen import corpus_report, languages, screen_text


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_positive_sentence_of_the_corpus_alerts(language):
    report = corpus_report(language)
    assert report.positives >= 40
    assert report.missed == ()
    assert report.recall == 1.0


@pytest.mark.parametrize("language", ["en", "nl"])
def test_false_alarm_rate_on_the_corpus_stays_low(language):
    report = corpus_report(language)
    assert report.negatives >= 40
    assert report.false_alarm_rate <= 0.10, report.false_alarms


@pytest.mark.parametrize("language", ["en", "nl"])
def test_negations_alert_by_policy(language):
    report = corpus_report(language)
    assert report.negations and report.negations_alerting == report.negations


def test_shipped_languages():
    assert {"en", "nl"} <= set(languages())


@pytest.mark.parametrize(
    "text",
    [
        # the misses reported in issue 10
        "suicdal",
        "kil myself",
        "killmyself",
        "hurt myslef",
        "better of dead",
        "wanna die",
        "kms",
        "hang myself",
        "slit my wrists",
        "take all my pills",
        "I cut myself last night",
        "ending things",
        "I am going to kill myself tonight",
        "I want to end it all, better off dead",
        # normalisation
        "I WANT TO DIIIIIE!!!",
        "kill...my...self",
        "self-harm",
        "I don’t want to live any more",
        "I want to\nend\tmy life",
    ],
)
def test_lost_phrasings_alert(text):
    assert screen_text(text, language="en").alert


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "I could die laughing",
        "cut the grass",
        "ending things with my ex's band practice",
        "I cut myself shaving",
        "There's no point in giving up now",  # "giving" is one edit from "living": exact on purpose
        "I want to dine out",  # short words never match fuzzily
        "I fill myself with cake",
        "deaf",
    ],
)
def test_everyday_sentences_sharing_words_do_not_alert(text):
    assert not screen_text(text, language="en").alert


def test_result_names_categories_and_phrases():
    result = screen_text("I want to hang myself and I self harm", language="en")
    assert result.categories == ["suicide", "self_harm"]
    assert any("hang" in p for p in result.phrases)
    assert {m.words for m in result.matches} >= {"hang myself"}


def test_dutch_text_and_accents():
    assert screen_text("Ik ben suïcidaal", language="nl").alert
    assert screen_text("Ik wil dood", language="nl").alert
    assert not screen_text("Ik wil doodgraag naar het concert", language="nl").alert
    # English is always screened too: clients mix languages.
    assert screen_text("I want to die", language="nl").alert


def test_service_added_phrases_alert_for_that_service_only():
    extra = "# our clients' word\nsleep forever|for ever\n"
    assert screen_text("I just want to sleep forever", language="en", extra_phrases=extra).alert
    result = screen_text("I want to sleep for ever", language="en", extra_phrases=extra)
    assert result.categories == [screen.SERVICE_CATEGORY]
    assert not screen_text("I just want to sleep forever", language="en").alert


def test_edit_distance_counts_swaps_as_one():
    assert screen.edit_distance("myself", "myslef", 1) == 1
    assert screen.edit_distance("suicidal", "suicdal", 1) == 1
    assert screen.edit_distance("living", "giving", 2) == 1
    assert screen.edit_distance("abc", "xyz12345", 2) == 3


def test_yaml_booleans_in_exceptions_are_refused():
    with pytest.raises(ValueError, match="Quote"):
        screen.Phrase.parse({"phrase": "cut myself", "unless_followed_by": [True]}, "x")


def test_a_long_text_is_screened_quickly():
    import time

    text = "I went to the shops and walked the dog and it rained. " * 60 + " kms"
    started = time.monotonic()
    assert screen_text(text, language="en").alert
    assert time.monotonic() - started < 1


def test_risk_screen_report_prints_recall_and_false_alarms(capsys):
    call_command("risk_screen_report")
    out = capsys.readouterr().out
    assert "en: recall 100.0%" in out and "nl: recall 100.0%" in out
    assert "false alarms" in out
