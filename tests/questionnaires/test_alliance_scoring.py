"""Bond, goal and task subscales of the WAI-SF-C and WAI-SF-T, and their change.

Figures are worked by hand from the clinical reference (task 1, 2, 10, 12; bond 3, 5, 7,
9; goal 4, 6, 8, 11; each 4-20) and the reference's own vectors. Plain Python: no database.
"""

import json
from pathlib import Path

import pytest

from apps.questionnaires.definitions import InvalidAnswer, InvalidScore, get_definition
from apps.questionnaires.scoring import score, subscale_change, subscale_scores

WAI_C = get_definition("wai_sf_c")
WAI_T = get_definition("wai_sf_t")
VECTORS = json.loads(
    (Path(__file__).parent / "data" / "test_vectors.json").read_text(encoding="utf-8")
)["wai_sr_scoring"]


def _answers(values):
    return dict(enumerate(values, start=1))


@pytest.mark.parametrize("definition", [WAI_C, WAI_T], ids=["wai_sf_c", "wai_sf_t"])
@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_reference_vectors(definition, vector):
    result = subscale_scores(definition=definition, answers=_answers(vector["items"]))
    expected = vector["expected"]
    assert result == {"task": expected["task"], "bond": expected["bond"], "goal": expected["goal"]}


def test_hand_computed_subscales():
    #          item: 1  2  3  4  5  6  7  8  9 10 11 12
    answers = _answers([3, 3, 2, 4, 2, 4, 2, 4, 2, 3, 4, 3])
    # task = items 1, 2, 10, 12 = 3 + 3 + 3 + 3 = 12
    # bond = items 3, 5, 7, 9   = 2 + 2 + 2 + 2 = 8
    # goal = items 4, 6, 8, 11  = 4 + 4 + 4 + 4 = 16
    assert subscale_scores(definition=WAI_C, answers=answers) == {
        "task": 12,
        "bond": 8,
        "goal": 16,
    }
    # The stored score is the same numbers, and the total is their sum (36).
    result = score(definition=WAI_T, answers=answers)
    assert dict(result.subscales) == {"task": 12, "bond": 8, "goal": 16}
    assert result.total == 36


def test_a_missing_item_leaves_every_subscale_unscored():
    answers = _answers([4] * 12)
    answers[7] = None  # a bond item; the WAI allows no missing item (project policy)
    assert subscale_scores(definition=WAI_T, answers=answers) == {
        "task": None,
        "bond": None,
        "goal": None,
    }


def test_answers_outside_the_options_are_refused():
    with pytest.raises(InvalidAnswer):
        subscale_scores(definition=WAI_C, answers={1: 6})


def test_change_between_early_and_end():
    early = score(definition=WAI_T, answers=_answers([5, 4, 3, 4, 3, 4, 3, 4, 3, 4, 4, 5]))
    # early: task 5+4+4+5 = 18, bond 3+3+3+3 = 12, goal 4+4+4+4 = 16, total 46
    end = {"total": 52, "task": 16, "bond": 20, "goal": 16}
    changes = {c.name: c for c in subscale_change(definition=WAI_T, early=early, end=end)}
    assert [c for c in changes] == ["total", "task", "bond", "goal"]
    assert (changes["total"].early, changes["total"].end, changes["total"].change) == (46, 52, 6)
    assert (changes["bond"].early, changes["bond"].end, changes["bond"].change) == (12, 20, 8)
    assert changes["goal"].change == 0
    assert (changes["task"].early, changes["task"].change) == (18, -2)


def test_no_change_without_both_time_points():
    changes = subscale_change(definition=WAI_C, early={"total": 40, "bond": 12}, end=None)
    assert all(c.change is None and c.end is None for c in changes)
    assert changes[0].early == 40


def test_a_result_of_another_questionnaire_is_refused():
    phq9 = score(definition=get_definition("phq9"), answers=dict.fromkeys(range(1, 10), 1))
    with pytest.raises(InvalidScore):
        subscale_change(definition=WAI_C, early=phq9, end=None)
