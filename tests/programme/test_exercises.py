"""Every exercise type: validation messages that say how to fix, and feedback rules."""

from types import SimpleNamespace

import pytest

from apps.programme.exercises import EXERCISES, HistoryItem, get_exercise
from apps.programme.exercises.simple import is_vague_goal


def kinds(items, kind):
    return [i.text for i in items if i.kind == kind]


def text_of(items):
    return " ".join(getattr(i, "text", i) for i in items)


def test_registry_has_every_type_the_content_outline_needs():
    assert set(EXERCISES) == {
        "cycle",
        "goals",
        "activity_diary",
        "activity_list",
        "activity_schedule",
        "weekly_review",
        "thought_record",
        "staying_well_plan",
        "exercise_plan",
        "problem_solving",
        "reflection",
        "quiz",
    }


@pytest.mark.parametrize("key", [k for k in EXERCISES if k not in ("quiz", "goals")])
def test_every_exercise_has_a_summary_that_reads_without_code_names(key):
    exercise = get_exercise(key)
    step = SimpleNamespace(prompts=["What are you proud of?"], questions=[])
    summary = exercise.summary({"rows": [{"activity": "Walk"}]}, step=step)
    assert summary, key
    for item in summary:
        assert "_" not in item["label"], item  # labels are words, not field names


# --- cycle ------------------------------------------------------------------------


def test_cycle_needs_a_trigger_and_flags_empty_boxes():
    cycle = get_exercise("cycle")
    clean, form = cycle.validate({"trigger": ""})
    assert clean is None
    assert form.errors["trigger"] == ["Enter what happened, where and when. A few words is fine."]

    clean, _ = cycle.validate({"trigger": "Sunday night", "thoughts": "I can't cope"})
    feedback = cycle.feedback(clean)
    assert "Feelings and body" in text_of(kinds(feedback, "prompt"))
    assert "What happened next" in text_of(kinds(feedback, "prompt"))
    assert "Thoughts" not in text_of(kinds(feedback, "prompt")).split(":")[1]


# --- goals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("goal", "vague"),
    [
        ("Feel happier", True),
        ("be less stressed", True),
        ("Sort my whole life out", True),
        ("Walk to the park with my neighbour on Saturday", False),
        ("Go to the community garden group on Tuesdays", False),
    ],
)
def test_goal_about_a_feeling_gets_a_prompt_to_name_an_action(goal, vague):
    assert is_vague_goal(goal) is vague
    feedback = get_exercise("goals").feedback({"goal": goal})
    assert bool(kinds(feedback, "prompt")) is vague


# --- activity diary ----------------------------------------------------------------

DIARY = [
    {
        "day": "2026-03-02",
        "time": "09:00",
        "activity": "In bed on my phone",
        "who_with": "",
        "type": "",
        "mood": 2,
        "enjoyment": 1,
        "achievement": 0,
    },
    {
        "day": "2026-03-02",
        "time": "11:00",
        "activity": "Shower and breakfast",
        "who_with": "",
        "type": "routine",
        "mood": 3,
        "enjoyment": 2,
        "achievement": 5,
    },
    {
        "day": "2026-03-02",
        "time": "14:00",
        "activity": "Walk to the shop",
        "who_with": "Brother",
        "type": "pleasurable",
        "mood": 6,
        "enjoyment": 4,
        "achievement": 5,
    },
]


def test_diary_row_needs_ratings_with_a_message_that_says_how():
    diary = get_exercise("activity_diary")
    form = diary.get_row_form(
        data={"row-day": "2026-03-02", "row-time": "09:00", "row-activity": "Walk", "row-mood": ""}
    )
    assert not form.is_valid()
    assert form.errors["mood"] == ["Choose your mood from 0 (very low) to 10 (very good)."]
    form = diary.get_row_form(data={"row-day": "2026-03-02", "row-time": "25:00"})
    assert form.errors["time"] == ["Choose the time you started this activity."]


def test_diary_needs_one_entry_before_sending():
    clean, form = get_exercise("activity_diary").validate({"patterns": "", "rows": []})
    assert clean is None
    assert form.non_field_errors() == ["Add at least one diary entry before you send your diary."]


def test_diary_feedback_ranks_activities_by_mood_and_shows_the_mix():
    feedback = get_exercise("activity_diary").feedback({"rows": DIARY})
    info = text_of(kinds(feedback, "info"))
    assert "highest with: Walk to the shop (mood 6); Shower and breakfast (mood 3)" in info
    assert "lowest with: In bed on my phone (mood 2)" in info
    assert "with other people: 6.0. On your own: 2.5" in info
    assert "1 routine, 1 pleasurable and 0 necessary" in info
    assert "necessary" in text_of(kinds(feedback, "prompt"))


# --- activity list -----------------------------------------------------------------


def test_activity_list_prompts_for_missing_type_and_hard_items_without_steps():
    rows = [
        {
            "activity": "Breakfast before 10",
            "type": "routine",
            "difficulty": "easy",
            "smaller_steps": "",
        },
        {
            "activity": "Sort the post",
            "type": "necessary",
            "difficulty": "hard",
            "smaller_steps": "",
        },
    ]
    feedback = get_exercise("activity_list").feedback({"rows": rows})
    prompts = text_of(kinds(feedback, "prompt"))
    assert "pleasurable" in prompts
    assert "smaller steps, so you have an easy first step: Sort the post" in prompts
    assert "Start with your easy ones: Breakfast before 10" in text_of(feedback)


def test_activity_list_row_type_error_names_the_choices():
    form = get_exercise("activity_list").get_row_form(data={"row-activity": "Walk"})
    assert form.errors["type"] == ["Choose routine, pleasurable or necessary."]
    assert form.errors["difficulty"] == ["Choose easy, medium or hard."]


# --- schedule ----------------------------------------------------------------------


def test_schedule_counts_partly_done_as_progress_and_flags_a_hard_start():
    rows = [
        {
            "day": "2026-03-02",
            "time": "09:00",
            "activity": "Sort the post",
            "type": "necessary",
            "done": "partly",
        },
        {
            "day": "2026-03-03",
            "time": "10:00",
            "activity": "Walk",
            "type": "pleasurable",
            "done": "yes",
            "mood": 6,
        },
        {
            "day": "2026-03-04",
            "time": "10:00",
            "activity": "Breakfast",
            "type": "routine",
            "done": "no",
            "mood": 3,
        },
    ]
    history = [
        HistoryItem(
            "activity_list",
            {"rows": [{"activity": "sort the post", "type": "necessary", "difficulty": "hard"}]},
        )
    ]
    feedback = get_exercise("activity_schedule").feedback({"rows": rows}, history)
    assert (
        "You did 1 and partly did 1 of 3 planned activities. Partly done counts as progress."
        in text_of(kinds(feedback, "praise"))
    )
    assert "starts with 'Sort the post', which you marked as hard" in text_of(
        kinds(feedback, "prompt")
    )


def test_schedule_flags_an_overfull_week():
    rows = [
        {"day": "2026-03-02", "time": "09:00", "activity": f"A{i}", "type": "routine"}
        for i in range(12)
    ]
    assert "full week" in text_of(get_exercise("activity_schedule").feedback({"rows": rows}))


# --- weekly review ----------------------------------------------------------------


def test_weekly_review_requires_what_went_well_and_a_next_step():
    clean, form = get_exercise("weekly_review").validate({"went_well": "", "next_step": ""})
    assert form.errors["went_well"] == ["Enter what went well. Even one small thing counts."]
    assert form.errors["next_step"] == ["Enter one thing you will try next week."]
    feedback = get_exercise("weekly_review").feedback({"went_well": "Walked", "next_step": "More"})
    assert "specific" in text_of(kinds(feedback, "prompt"))


# --- thought record ---------------------------------------------------------------

RECORD = {
    "day": "2026-03-07",
    "time": "19:00",
    "situation": "Alone at home, saw party photos",
    "feeling": "Sad",
    "feeling_before": "80",
    "thought": "Nobody wants me around",
    "belief_before": "85",
    "traps": ["mind_reading", "overgeneralising"],
    "evidence_for": "I wasn't invited.",
    "evidence_against": "Zara asked me to lunch.",
    "balanced_thought": "I've turned a lot down lately. Some people do want to see me.",
    "balanced_belief": "65",
    "feeling_after": "45",
    "belief_after": "40",
}


def test_thought_record_validation_says_how_to_fix():
    clean, form = get_exercise("thought_record").validate(
        {**RECORD, "feeling_before": "120", "thought": ""}
    )
    assert clean is None
    assert form.errors["feeling_before"] == ["Enter how strong the feeling was, from 0 to 100."]
    assert form.errors["thought"] == ["Enter the thought that went through your mind."]


def test_thought_record_feedback_shows_change_and_most_used_traps():
    tr = get_exercise("thought_record")
    clean, _ = tr.validate(RECORD)
    history = [
        HistoryItem("thought_record", {"traps": ["mind_reading"]}),
        HistoryItem("activity_diary", {"traps": ["labelling"]}),
    ]
    feedback = tr.feedback(clean, history)
    info = text_of(kinds(feedback, "info"))
    assert "Your feeling (Sad) went from 80 to 45. That is real progress." in info
    assert "went from 85% to 40%" in info
    assert "most often: Mind reading (2), Overgeneralising (1)" in info
    assert "Labelling" not in info
    assert not kinds(feedback, "prompt")
    assert not kinds(feedback, "safety")


def test_thought_record_prompts_when_the_feeling_box_holds_a_sentence():
    tr = get_exercise("thought_record")
    clean, _ = tr.validate(
        {**RECORD, "feeling": "that nobody likes me at all", "thought": "useless"}
    )
    prompts = text_of(kinds(tr.feedback(clean), "prompt"))
    assert "sentence in the feeling box" in prompts
    assert "Your thought is one word" in prompts


def test_thought_record_asks_if_opinions_are_facts_and_flags_a_plain_opposite():
    tr = get_exercise("thought_record")
    clean, _ = tr.validate({**RECORD, "evidence_for": "Everyone always ignores me"})
    prompts = text_of(kinds(tr.feedback(clean), "prompt"))
    assert "Is each point a fact?" in prompts
    assert "close to the opposite" not in prompts
    clean, _ = tr.validate({**RECORD, "balanced_thought": "Somebody wants me around"})
    assert "close to the opposite" in text_of(kinds(tr.feedback(clean), "prompt"))


def test_thought_record_about_self_harm_shows_the_safety_message():
    tr = get_exercise("thought_record")
    clean, _ = tr.validate({**RECORD, "thought": "Everyone would be better off without me"})
    assert kinds(tr.feedback(clean), "safety")


# --- staying well plan --------------------------------------------------------------


def test_staying_well_plan_needs_a_supporter_and_a_professional_contact():
    clean, form = get_exercise("staying_well_plan").validate(
        {"supporters": "", "professional_contacts": " "}
    )
    assert form.errors["supporters"] == [
        "Add at least one person who can support you, and how they can help."
    ]
    assert form.errors["professional_contacts"] == [
        "Add at least one professional contact, for example your GP."
    ]


def test_staying_well_plan_prefills_what_helped_from_tools_used_most():
    history = [
        HistoryItem("thought_record", {}),
        HistoryItem("thought_record", {}),
        HistoryItem("activity_diary", {}),
        HistoryItem("quiz", {}),
    ]
    initial = get_exercise("staying_well_plan").initial(history=history)
    assert initial["what_helped"].splitlines() == ["Thought records", "Activity diary"]


def test_staying_well_plan_prompts_for_warning_signs_and_if_then_actions():
    plan = get_exercise("staying_well_plan")
    feedback = plan.feedback({"supporters": "Jo", "professional_contacts": "GP", "if_then": "Walk"})
    prompts = text_of(kinds(feedback, "prompt"))
    assert "early warning sign" in prompts
    assert "If I notice" in prompts
    feedback = plan.feedback({"warning_thoughts": "thinking about suicide again"})
    assert kinds(feedback, "safety")


# --- exercise plan ---------------------------------------------------------------------

PLAN = {
    "smart_goal": "Walk 10 minutes on 3 days",
    "health_check": ["none"],
    "activity_type": "Walking",
    "days_times": "Mon Wed Fri 9am",
    "minutes_goal": "60",
    "intensity": "moderate",
}


def test_exercise_plan_health_check_none_must_be_on_its_own():
    clean, form = get_exercise("exercise_plan").validate({**PLAN, "health_check": []})
    assert form.errors["health_check"] == [
        "Select the ones that apply to you, or select 'None of these'."
    ]
    clean, form = get_exercise("exercise_plan").validate(
        {**PLAN, "health_check": ["none", "heart"]}
    )
    assert form.errors["health_check"] == [
        "Select 'None of these' on its own, or only the ones that apply."
    ]


def test_exercise_plan_feedback_compares_minutes_with_own_goal_and_cmo_as_reference():
    ep = get_exercise("exercise_plan")
    clean, _ = ep.validate(PLAN)
    clean["rows"] = [
        {
            "day": "2026-03-02",
            "activity": "Walk",
            "minutes": 10,
            "intensity": "moderate",
            "mood_before": 3,
            "mood_after": 5,
        },
        {
            "day": "2026-03-09",
            "activity": "Walk",
            "minutes": 40,
            "intensity": "moderate",
            "mood_before": 4,
            "mood_after": 6,
        },
        {
            "day": "2026-03-10",
            "activity": "Swim",
            "minutes": 40,
            "intensity": "moderate",
            "mood_before": 4,
            "mood_after": 5,
        },
    ]
    feedback = ep.feedback(clean)
    info = text_of(kinds(feedback, "info"))
    assert "Your latest week: 80 minutes, against your own goal of 60 minutes." in info
    assert "For reference only: the UK guideline for adults is 150 minutes" in info
    assert "mood was 3.7 before being active and 5.3 after" in info
    assert "big jump from the week before (10 minutes)" in text_of(kinds(feedback, "prompt"))


def test_exercise_plan_health_question_yes_advises_gp():
    clean, _ = get_exercise("exercise_plan").validate({**PLAN, "health_check": ["chest_pain"]})
    assert "see your GP" in text_of(kinds(get_exercise("exercise_plan").feedback(clean), "safety"))


# --- problem solving --------------------------------------------------------------------

PS = {
    "problems": "Rent arrears\nBroken boiler",
    "definition": "I owe two months' rent",
    "goal": "A payment plan",
    "chosen_solution": "Ring the landlord",
    "action_plan": "Write down what I can pay, then ring",
    "plan_when": "Monday 10am",
}


def test_problem_solving_requires_a_day_and_time_and_one_idea():
    clean, form = get_exercise("problem_solving").validate({**PS, "plan_when": "", "rows": []})
    assert form.errors["plan_when"] == [
        "Enter a day and time for your first step, for example Monday at 10am."
    ]
    assert "Add at least one idea before you send your worksheet." in form.non_field_errors()


def test_problem_solving_prompts_for_more_ideas_and_both_sides_and_signposts_advice():
    ps = get_exercise("problem_solving")
    rows = [
        {"idea": "Ring the landlord", "strengths": "Quick", "weaknesses": "Scary"},
        {"idea": "Ignore it", "strengths": "Easy", "weaknesses": ""},
    ]
    clean, _ = ps.validate({**PS, "depends_on_others": "yes", "rows": rows})
    feedback = ps.feedback(clean)
    prompts = text_of(kinds(feedback, "prompt"))
    assert "You have 2 ideas. Try to think of at least 3" in prompts
    assert "both strengths and weaknesses for: Ignore it" in prompts
    assert "Citizens Advice" in text_of(feedback)
    assert "parts you can control" in text_of(feedback)
    rows.append({"idea": "Ask the council", "strengths": "Free", "weaknesses": "Slow"})
    rows[1]["weaknesses"] = "Gets worse"
    clean, _ = ps.validate({**PS, "rows": rows})
    assert not kinds(ps.feedback(clean), "prompt")


# --- reflection and quiz -----------------------------------------------------------------


def test_reflection_needs_one_answer_and_uses_the_steps_prompts():
    step = SimpleNamespace(prompts=["What are you proud of?", "What still feels hard?"])
    reflection = get_exercise("reflection")
    clean, form = reflection.validate({"answer_1": "", "answer_2": ""}, step=step)
    assert form.errors["answer_1"] == [
        "Write an answer to at least one question. A few words is fine."
    ]
    clean, _ = reflection.validate({"answer_1": "Going back to choir", "answer_2": ""}, step=step)
    assert reflection.summary(clean, step=step)[0] == {
        "label": "What are you proud of?",
        "value": "Going back to choir",
    }


def test_quiz_gives_feedback_per_answer_and_needs_every_question_answered():
    quiz = get_exercise("quiz")
    question = {
        "text": "Q?",
        "options": [
            {"text": "A", "correct": False, "feedback": "Not this."},
            {"text": "B", "correct": True, "feedback": "Yes."},
        ],
    }
    assert quiz.answer_feedback(question, 0) == {
        "correct": False,
        "text": "Not this.",
        "chosen": "A",
        "right_answers": ["B"],
    }
    step = SimpleNamespace(questions=[question, question])
    clean, form = quiz.validate({"answers": {"0": 1}}, step=step)
    assert form.non_field_errors() == ["Answer question 2 before you finish."]
    clean, _ = quiz.validate({"answers": {"0": 1, "1": 0}}, step=step)
    assert [i["value"] for i in quiz.summary(clean, step=step)] == ["B (right)", "A (not quite)"]


@pytest.mark.parametrize("typed", ["", "lots", "0", "2001"])
def test_a_weekly_minutes_goal_that_is_not_a_sensible_number_says_how_to_fix_it(typed):
    from apps.programme.exercises.plans import ExercisePlanForm

    form = ExercisePlanForm(data={"minutes_goal": typed})
    assert form.errors["minutes_goal"] == [
        "Enter how many minutes a week you are aiming for, for example 60."
    ]
    assert 'inputmode="numeric"' in str(form["minutes_goal"])


@pytest.mark.parametrize("typed", ["", "ten", "0", "601"])
def test_logged_minutes_that_are_not_a_sensible_number_say_how_to_fix_it(typed):
    from apps.programme.exercises.plans import ExerciseLogForm

    form = ExerciseLogForm(data={"minutes": typed})
    assert form.errors["minutes"] == ["Enter how many minutes, for example 10."]
