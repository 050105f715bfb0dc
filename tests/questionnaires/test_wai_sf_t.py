"""The therapist's working alliance questionnaire (WAI-SF-T) is a data-defined instrument."""

from pathlib import Path

import pytest

from apps.questionnaires.catalogue import definition_for, scoring_definition, wording_status
from apps.questionnaires.scoring import score


def test_same_structure_as_the_clients_version():
    t, c = scoring_definition("wai_sf_t"), scoring_definition("wai_sf_c")
    assert t.short_name == "WAI-SF-T"
    assert [i.n for i in t.items] == list(range(1, 13))
    assert [o.value for o in t.options] == [1, 2, 3, 4, 5]
    assert t.subscales == c.subscales
    assert [(b.min, b.max) for b in t.bands] == [(12, 28), (29, 44), (45, 60)]


def test_scores_total_band_and_subscales():
    answers = dict.fromkeys(range(1, 13), 3)
    answers.update({3: 1, 5: 1, 7: 1, 9: 1})  # bond items low
    result = score(definition=scoring_definition("wai_sf_t"), answers=answers)
    assert result.total == 28
    assert result.band.key == "low"
    assert result.subscales == {"task": 12, "bond": 4, "goal": 12}


def test_wording_comes_from_its_own_setting_marked_placeholder_in_tests():
    status = wording_status("wai_sf_t")
    assert status.ready and status.is_placeholder
    definition = definition_for("wai_sf_t")
    assert "Placeholder wording" in definition.items[0].text
    assert "WAI-SF-T" in definition.items[0].text


def test_missing_wording_is_reported(settings, tmp_path: Path):
    settings.WAI_T_WORDING_FILE = str(tmp_path / "absent.json")
    assert not wording_status("wai_sf_t").ready
    # The client's version keeps its own file.
    assert wording_status("wai_sf_c").ready


@pytest.mark.parametrize("value", [0, 6])
def test_out_of_range_answers_are_refused(value):
    from apps.questionnaires.definitions import InvalidAnswer  # noqa: PLC0415 - why: one test

    answers = dict.fromkeys(range(1, 13), 3)
    answers[1] = value
    with pytest.raises(InvalidAnswer):
        score(definition=scoring_definition("wai_sf_t"), answers=answers)


def test_the_system_check_names_the_wai_sf_t_setting(settings, tmp_path: Path):
    from apps.questionnaires.checks import check_questionnaires  # noqa: PLC0415 - why: one test

    settings.WAI_T_WORDING_FILE = str(tmp_path / "absent.json")
    (warning,) = check_questionnaires()
    assert "wai_sf_t" in warning.msg
    assert warning.hint.startswith("Set WAI_T_WORDING_FILE")
