"""Column definitions of every export: the one source of truth.

The exporters write exactly these columns, in this order, and the codebook
(download and docs/codebook.md) is generated from the same objects, so a
column can never be exported without being explained.

Conventions for analysts (R, Stata, SPSS):
- one header row; names are lower_snake_case, unique, at most 32 characters;
- dates are ISO 8601 (`2025-03-01`), times ISO 8601 in UTC with a `Z`
  (`2025-03-01T09:30:00Z`);
- yes/no columns are 1/0;
- a missing value is an empty cell (never 0 and never "NA" text).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from apps.care.models import TreatmentStatus
from apps.earlywarning.rules import PRIORITY, RULE_LABELS
from apps.trials.adherence import EventType, Respondent


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string | integer | boolean | date | datetime | categorical | text
    label: str
    description: str
    units: str = ""
    allowed: str = ""
    # When the cell is empty (the one missing-value code), or "never missing".
    # Given for every column of the analysis file; the older files state their
    # missing values in the description.
    missing: str = ""


def _choices(values) -> str:
    return "; ".join(values)


TIME_POINTS = (
    "baseline; early_alliance; pre_session_N (N = session number 1-99); end_of_treatment; "
    "followup_3m; followup_6m; followup_12m; ad_hoc"
)
INSTRUMENTS = "phq9; gad7; wai_sf_c; wai_sf_t"
RESPONDENTS = "; ".join(Respondent.ALL)
RESPONDENT_WORDS = (
    "client = the participant; practitioner = the participant's PWP at the time, answering "
    "about their work with the participant (WAI-SF-T). Follows from the questionnaire; "
    "never names the person."
)

PARTICIPANT_ID = Column(
    "participant_id",
    "string",
    "Participant ID",
    "Pseudonymous participant ID (one per treatment episode): service code, dash, number.",
    allowed="e.g. LDN-0001",
)
SERVICE_CODE = Column(
    "service_code", "categorical", "Service", "Code of the service (trial site).", allowed="codes"
)


def _count(name: str, label: str, description: str, units: str = "count") -> Column:
    return Column(name, "integer", label, description, units=units, allowed=">= 0")


PARTICIPANT_COLUMNS: tuple[Column, ...] = (
    PARTICIPANT_ID,
    SERVICE_CODE,
    Column(
        "treatment_status",
        "categorical",
        "Treatment status",
        "Status of the treatment when the file was made.",
        allowed=_choices(TreatmentStatus.values),
    ),
    Column("start_date", "date", "Start date", "Planned first day of treatment."),
    Column("planned_end_date", "date", "Planned end date", "Planned last day (start + 11 weeks)."),
    Column("enrolled_at", "datetime", "Enrolled at", "When the PWP enrolled the client (UTC)."),
    Column(
        "activated_at",
        "datetime",
        "Activated at",
        "When the client first set a password and the treatment became active (UTC). "
        "Empty if never.",
    ),
    Column(
        "ended_at",
        "datetime",
        "Ended at",
        "When the treatment was closed as completed, withdrawn or dropped out (UTC). "
        "Empty while open.",
    ),
    Column(
        "started_programme",
        "boolean",
        "Started the programme",
        "1 if at least one programme step was opened (funnel stage 'started').",
        allowed="0; 1",
    ),
    Column(
        "course_completed",
        "boolean",
        "Completed course",
        "1 if all four mandatory modules were completed (the study's adherence definition).",
        allowed="0; 1",
    ),
    _count("modules_started", "Modules started", "Modules (any) with at least one step opened."),
    _count("modules_completed", "Modules completed", "Modules (any) with every step completed."),
    _count(
        "mandatory_modules_completed",
        "Mandatory modules completed",
        "Mandatory modules completed (0-4).",
    ),
    _count("steps_opened", "Steps opened", "Programme steps opened at least once."),
    _count("steps_completed", "Steps completed", "Programme steps marked done."),
    _count(
        "exercises_submitted",
        "Exercises submitted",
        "Exercise entries sent to the practitioner (quizzes and drafts excluded).",
    ),
    _count(
        "seconds_on_platform",
        "Time on programme steps",
        "Sum of active seconds on programme step pages (heartbeat-measured, each gap capped "
        "at 120 s and each visit at 30 min). Other pages are not timed.",
        units="seconds",
    ),
    _count("logins", "Logins", "Sign-ins between enrolment and the end of treatment."),
    _count("mood_ratings", "Mood ratings", "Daily mood ratings made while the treatment was open."),
    _count("sessions_attended", "Sessions attended", "Face-to-face sessions attended."),
    _count(
        "sessions_did_not_attend",
        "Sessions not attended",
        "Face-to-face sessions the client did not attend (DNA).",
    ),
    _count(
        "sessions_cancelled_by_client",
        "Sessions cancelled by client",
        "Face-to-face sessions the client cancelled.",
    ),
    _count(
        "sessions_cancelled_by_service",
        "Sessions cancelled by service",
        "Face-to-face sessions the service cancelled.",
    ),
    _count(
        "sessions_scheduled",
        "Sessions still scheduled",
        "Face-to-face sessions booked with no outcome recorded yet.",
    ),
    _count("messages_from_client", "Messages from client", "Secure messages the client sent."),
    _count(
        "messages_from_practitioner",
        "Messages from practitioner",
        "Secure messages the practitioner sent.",
    ),
    _count(
        "questionnaires_due",
        "Questionnaires due",
        "The client's questionnaires whose window had opened by the time of the export (not "
        "cancelled). The practitioner's own (WAI-SF-T) are not counted here.",
    ),
    _count(
        "questionnaires_completed",
        "Questionnaires completed",
        "The client's questionnaires completed (the practitioner's WAI-SF-T not counted).",
    ),
    _count(
        "questionnaires_missed",
        "Questionnaires missed",
        "The client's questionnaires whose window closed unanswered (the practitioner's "
        "WAI-SF-T not counted).",
    ),
    _count(
        "weeks_active",
        "Weeks active",
        "Distinct ISO weeks (Monday-Sunday) with any client activity on the platform: "
        "login, step opened or completed, exercise sent, mood rating, message sent, "
        "questionnaire completed by the client (never the practitioner's WAI-SF-T). Weeks "
        "run in the service's local time zone (default "
        "Europe/London), not UTC: Sunday 23:30 UTC in summer is Monday 00:30 in London and "
        "counts in the new week.",
        units="weeks",
    ),
    Column(
        "phq9_first_total",
        "integer",
        "First PHQ-9 total",
        "Total of the earliest completed, scorable PHQ-9 (normally the baseline).",
        units="score",
        allowed="0-27",
    ),
    Column(
        "phq9_last_total",
        "integer",
        "Last PHQ-9 total",
        "Total of the latest completed, scorable PHQ-9; empty with fewer than two.",
        units="score",
        allowed="0-27",
    ),
    Column(
        "phq9_change",
        "integer",
        "PHQ-9 change",
        "phq9_last_total minus phq9_first_total (negative = improvement).",
        units="score points",
        allowed="-27 to 27",
    ),
    Column(
        "phq9_change_category",
        "categorical",
        "PHQ-9 reliable change",
        "Reliable change category (6 points or more), from the scoring engine.",
        allowed="reliable_improvement; no_reliable_change; reliable_deterioration; "
        "not_classifiable",
    ),
    Column(
        "gad7_first_total",
        "integer",
        "First GAD-7 total",
        "Total of the earliest completed, scorable GAD-7.",
        units="score",
        allowed="0-21",
    ),
    Column(
        "gad7_last_total",
        "integer",
        "Last GAD-7 total",
        "Total of the latest completed, scorable GAD-7; empty with fewer than two.",
        units="score",
        allowed="0-21",
    ),
    Column(
        "wai_sf_c_total",
        "integer",
        "WAI-SF-C total",
        "Working alliance (client), total of the earliest completed, scorable WAI-SF-C.",
        units="score",
        allowed="12-60",
    ),
)

MODULE_STATUS_ALLOWED = "not_started; started; completed"


def module_column(slug: str, title: str, mandatory: bool) -> Column:
    name = "module_" + slug.replace("-", "_")
    kind = "mandatory" if mandatory else "optional"
    return Column(
        name[:32],
        "categorical",
        f"Module: {title}",
        f"Progress in the {kind} module '{slug}'.",
        allowed=MODULE_STATUS_ALLOWED,
    )


def participant_columns(modules) -> tuple[Column, ...]:
    """The participants file's columns, ending with one status column per active module."""
    # The English title (the content's source language): exports and the codebook
    # are the same whatever language the person exporting reads.
    return PARTICIPANT_COLUMNS + tuple(
        module_column(m.slug, getattr(m, "title_en", None) or m.title, m.mandatory) for m in modules
    )


EVENT_TYPES_ALLOWED = _choices(EventType.ALL)

EVENT_COLUMNS: tuple[Column, ...] = (
    PARTICIPANT_ID,
    SERVICE_CODE,
    Column(
        "event_type", "categorical", "Event type", "What happened.", allowed=EVENT_TYPES_ALLOWED
    ),
    Column(
        "occurred_at",
        "datetime",
        "When",
        "When it happened (UTC). Sessions: the booked start time. Steps: first opening / "
        "first completion. Mood: when the rating was first made.",
    ),
    Column(
        "treatment_week",
        "integer",
        "Treatment week",
        "1 + whole weeks between the start date and the event's date in the "
        "service's time zone (0 or less = before the start).",
        units="week",
    ),
    Column(
        "module", "string", "Module", "Module slug (step and exercise events).", allowed="slugs"
    ),
    Column("step", "string", "Step", "Step slug (step and exercise events).", allowed="slugs"),
    Column(
        "instrument",
        "categorical",
        "Questionnaire",
        "Questionnaire code (questionnaire events).",
        allowed=INSTRUMENTS,
    ),
    Column(
        "time_point",
        "categorical",
        "Time point",
        "Protocol time point (questionnaire events).",
        allowed=TIME_POINTS,
    ),
    Column(
        "respondent",
        "categorical",
        "Respondent",
        f"Questionnaire events: who answers the questionnaire: {RESPONDENT_WORDS} A "
        "practitioner's questionnaire is not client activity (weeks_active and the "
        "participants file's questionnaire counts leave it out). Empty for other events.",
        allowed=RESPONDENTS,
    ),
    Column(
        "session_number",
        "integer",
        "Session number",
        "Face-to-face session number (session events).",
        allowed="1-99",
    ),
    Column(
        "value",
        "integer",
        "Value",
        "mood_rated: mood 1 (very low) to 10 (very good); questionnaire_completed: total "
        "score (empty when not scorable). Empty otherwise.",
        units="mood points or score",
    ),
    Column(
        "seconds_spent",
        "integer",
        "Seconds on step",
        "step_opened only: active seconds on this step over all visits.",
        units="seconds",
        allowed=">= 0",
    ),
)

FREE_TEXT_COLUMN = Column(
    "free_text",
    "text",
    "Free text",
    "ONLY in exports an administrator made for an approved purpose: mood note, message "
    "body, or exercise entry (JSON). May identify people.",
)


def event_columns(*, include_free_text: bool = False) -> tuple[Column, ...]:
    return EVENT_COLUMNS + ((FREE_TEXT_COLUMN,) if include_free_text else ())


SCORE_COLUMNS: tuple[Column, ...] = (
    PARTICIPANT_ID,
    SERVICE_CODE,
    Column(
        "instrument", "categorical", "Questionnaire", "Questionnaire code.", allowed=INSTRUMENTS
    ),
    Column("time_point", "categorical", "Time point", "Protocol time point.", allowed=TIME_POINTS),
    Column(
        "respondent",
        "categorical",
        "Respondent",
        f"Who answered: {RESPONDENT_WORDS}",
        allowed=RESPONDENTS,
    ),
    Column(
        "completed_at",
        "datetime",
        "Completed at",
        "When the respondent finished (UTC).",
    ),
    Column(
        "definition_version",
        "string",
        "Definition version",
        "Version of the instrument definition used to score.",
    ),
    Column(
        "wording_version",
        "string",
        "Wording version",
        "Version of licensed wording shown (WAI-SF-C, WAI-SF-T); empty otherwise.",
    ),
    Column(
        "score_type",
        "categorical",
        "Row type",
        "item = one answer; total = the total score; subscale = a subscale total.",
        allowed="item; total; subscale",
    ),
    Column("item_number", "integer", "Item", "Item number (item rows).", allowed="1-12"),
    Column("link_id", "string", "Link ID", "Item link ID as in the FHIR output (item rows)."),
    Column(
        "subscale",
        "categorical",
        "Subscale",
        "Subscale name (subscale rows; WAI-SF-C and WAI-SF-T).",
        allowed="task; bond; goal",
    ),
    Column(
        "value",
        "integer",
        "Value",
        "Item rows: the answer's value (PHQ-9/GAD-7 0-3, WAI-SF-C/WAI-SF-T 1-5). Total rows: the "
        "total (prorated when items were missing; empty when not scorable). Subscale rows: "
        "the subscale total.",
        units="score",
    ),
    Column(
        "loinc_code",
        "string",
        "LOINC code",
        "LOINC code of the item or of the total (empty for the WAI-SF-C and WAI-SF-T, which "
        "have none).",
    ),
    Column(
        "answer_code",
        "string",
        "Answer code",
        "LOINC answer code of the chosen option (item rows; PHQ-9 and GAD-7).",
    ),
    Column("band", "categorical", "Band", "Severity band key of the total (total rows)."),
    Column(
        "valid",
        "boolean",
        "Scorable",
        "Total rows: 1 if scorable under the missing-items policy.",
        allowed="0; 1",
    ),
    Column(
        "prorated",
        "boolean",
        "Prorated",
        "Total rows: 1 if the total was prorated for missing items.",
        allowed="0; 1",
    ),
    Column(
        "raw_sum", "integer", "Raw sum", "Total rows: sum of the answered scored items.", "score"
    ),
    Column(
        "n_answered", "integer", "Items answered", "Total rows: scored items answered.", "items"
    ),
)

# --------------------------------------------------------------------------- analysis
#
# The analysis file: one row per participant with the trial's outcomes, the
# alliance, sessions, modules, time online and early-warning flags, ready for
# R or Stata. Definitions in `apps/trials/analysis.py` (and docs/adherence.md
# for the adherence measures it shares with the participants file).

NEVER_MISSING = "never missing"
DAY_NOTE = "day 0 = start_date; in the service's time zone"
PHQ9_BANDS = "minimal; mild; moderate; moderately_severe; severe"
END_TIME_POINTS = "end_of_treatment; followup_3m; followup_6m; followup_12m"
RELIABLE_CHANGE = "reliable_improvement; no_reliable_change; reliable_deterioration"

# (column infix, time point, words)
PHQ9_TIME_POINTS = (
    ("baseline", "baseline", "at baseline"),
    ("end", "end_of_treatment", "at the end of treatment"),
    ("fu3m", "followup_3m", "at the 3-month follow-up"),
    ("fu6m", "followup_6m", "at the 6-month follow-up"),
    ("fu12m", "followup_12m", "at the 12-month follow-up"),
)


def _never(column: Column) -> Column:
    return replace(column, missing=NEVER_MISSING)


def _phq9_at(infix: str, time_point: str, words: str) -> tuple[Column, ...]:
    missing = f"no PHQ-9 completed {words}, or it was not scorable (3 or more items missing)"
    return (
        Column(
            f"phq9_{infix}_total",
            "integer",
            f"PHQ-9 total {words}",
            f"Total of the PHQ-9 completed at time point {time_point} (sum of items 1-9, "
            "prorated when 1 or 2 items are missing; scoring engine).",
            units="score",
            allowed="0-27",
            missing=missing,
        ),
        Column(
            f"phq9_{infix}_band",
            "categorical",
            f"PHQ-9 band {words}",
            f"Severity band of phq9_{infix}_total: 0-4 minimal, 5-9 mild, 10-14 moderate, "
            "15-19 moderately_severe, 20-27 severe.",
            allowed=PHQ9_BANDS,
            missing=missing,
        ),
        Column(
            f"phq9_{infix}_day",
            "integer",
            f"PHQ-9 {words}: study day",
            f"Days from start_date to the day that PHQ-9 was completed ({DAY_NOTE}).",
            units="days",
            missing=missing,
        ),
    )


def _wai(prefix: str, short: str, who: str, when: str, note: str = "") -> tuple[Column, ...]:
    if when == "early":
        words, rule = (
            "early in treatment",
            "completed at time point early_alliance (after the face-to-face session the "
            "service's protocol names, session 2 by default)",
        )
    else:
        words, rule = (
            "at the end",
            "completed at end_of_treatment; without one, the first completed at a "
            "follow-up (3, then 6, then 12 months: E-COMPARED measured the alliance at 3 "
            "months, or 6 when treatment ran longer)",
        )
    missing = f"no {short} {words}, or an item was missing (the WAI is never prorated)"
    name = f"{prefix}_{when}"
    cols = [
        Column(
            f"{name}_total",
            "integer",
            f"{short} total {words}",
            f"{who} working alliance: total of the 12 items (1-5 each) of the {short} {rule}."
            + note,
            units="score",
            allowed="12-60",
            missing=missing,
        )
    ]
    items = {"bond": "3, 5, 7, 9", "goal": "4, 6, 8, 11", "task": "1, 2, 10, 12"}
    for subscale, numbers in items.items():
        cols.append(
            Column(
                f"{name}_{subscale}",
                "integer",
                f"{short} {subscale} {words}",
                f"{subscale.capitalize()} subscale of the same {short}: sum of items {numbers}.",
                units="score",
                allowed="4-20",
                missing=missing,
            )
        )
    cols.append(
        Column(
            f"{name}_day",
            "integer",
            f"{short} {words}: study day",
            f"Days from start_date to the day that {short} was completed ({DAY_NOTE}).",
            units="days",
            missing=missing,
        )
    )
    if when == "end":
        cols.append(
            Column(
                f"{name}_time_point",
                "categorical",
                f"{short} {words}: time point",
                f"Time point of the {short} in {name}_total.",
                allowed=END_TIME_POINTS,
                missing=missing,
            )
        )
    return tuple(cols)


WAI_T_NOTE = (
    " Answered by the participant's PWP (respondent practitioner in the scores file), "
    "not by the participant."
)


def _flag(rule: str) -> Column:
    return Column(
        f"flag_{rule}",
        "integer",
        f"Warnings: {RULE_LABELS[rule]}",
        f"Weekly checkpoints (of flag_checkpoints) at which the early-warning rule "
        f"'{rule}' fired for this participant (docs/early-warning.md).",
        units="checkpoints",
        allowed=">= 0",
        missing=NEVER_MISSING,
    )


_ANALYSIS: tuple[Column, ...] = (
    _never(PARTICIPANT_ID),
    _never(SERVICE_CODE),
    Column(
        "treatment_status",
        "categorical",
        "Treatment status",
        "Status of the treatment when the file was made.",
        allowed=_choices(TreatmentStatus.values),
        missing=NEVER_MISSING,
    ),
    Column(
        "end_reason",
        "categorical",
        "How treatment ended",
        "The outcome of the lifecycle step that closed the treatment from invited or in "
        "treatment (discharge: completed; dropout: dropped_out; trial withdrawal: "
        "withdrawn); the latest such step if it was re-opened; for a treatment closed "
        "without a recorded step, its status. A withdrawal after the end shows in "
        "treatment_status only.",
        allowed="completed; dropped_out; withdrawn",
        missing="treatment not ended (invited or in treatment)",
    ),
    Column(
        "start_date",
        "date",
        "Start date",
        "Planned first day of treatment: day 0 of every column ending in _day.",
        missing=NEVER_MISSING,
    ),
    Column(
        "end_day",
        "integer",
        "End: study day",
        f"Days from start_date to the day the treatment was closed ({DAY_NOTE}).",
        units="days",
        missing="treatment not ended",
    ),
    *(c for infix, tp, words in PHQ9_TIME_POINTS for c in _phq9_at(infix, tp, words)),
    Column(
        "phq9_last_total",
        "integer",
        "Last PHQ-9 total",
        "Total of the latest completed, scorable PHQ-9 at any time point other than "
        "baseline (before a session, end of treatment, follow-up, extra): the last score "
        "of the clinical reference's first-vs-last outcome.",
        units="score",
        allowed="0-27",
        missing="no scorable PHQ-9 after baseline",
    ),
    Column(
        "phq9_last_band",
        "categorical",
        "Last PHQ-9 band",
        "Severity band of phq9_last_total (as phq9_baseline_band).",
        allowed=PHQ9_BANDS,
        missing="no scorable PHQ-9 after baseline",
    ),
    Column(
        "phq9_last_day",
        "integer",
        "Last PHQ-9: study day",
        f"Days from start_date to the day the last PHQ-9 was completed ({DAY_NOTE}).",
        units="days",
        missing="no scorable PHQ-9 after baseline",
    ),
    Column(
        "phq9_last_time_point",
        "categorical",
        "Last PHQ-9: time point",
        "Time point of the PHQ-9 in phq9_last_total.",
        allowed=TIME_POINTS.removeprefix("baseline; "),
        missing="no scorable PHQ-9 after baseline",
    ),
    Column(
        "phq9_change",
        "integer",
        "PHQ-9 change",
        "phq9_last_total minus phq9_baseline_total (negative = improvement).",
        units="score points",
        allowed="-27 to 27",
        missing="phq9_baseline_total or phq9_last_total empty",
    ),
    Column(
        "phq9_reliable_change",
        "categorical",
        "PHQ-9 reliable change",
        "NHS Talking Therapies rule on the PHQ-9 alone (clinical reference: with one "
        "measure, apply the rules to it alone): a fall of 6 or more is reliable "
        "improvement, a rise of 6 or more reliable deterioration; 5 points is not "
        "reliable. From the scoring engine (scoring.change).",
        allowed=RELIABLE_CHANGE,
        missing="phq9_change empty",
    ),
    Column(
        "phq9_caseness_baseline",
        "boolean",
        "PHQ-9 caseness at baseline",
        "1 if phq9_baseline_total is 10 or more (caseness).",
        allowed="0; 1",
        missing="phq9_baseline_total empty",
    ),
    Column(
        "phq9_recovery",
        "boolean",
        "PHQ-9 recovery",
        "At caseness at baseline (10 or more) and below it (9 or less) at the last score: "
        "1; still at caseness: 0.",
        allowed="0; 1",
        missing="phq9_change empty; or not applicable: not at caseness at baseline "
        "(phq9_caseness_baseline = 0)",
    ),
    Column(
        "phq9_reliable_recovery",
        "boolean",
        "PHQ-9 reliable recovery",
        "1 if phq9_recovery is 1 and the change is a reliable improvement; else 0.",
        allowed="0; 1",
        missing="as phq9_recovery",
    ),
    *_wai("wai_c", "WAI-SF-C", "Client's", "early"),
    *_wai("wai_c", "WAI-SF-C", "Client's", "end"),
    *_wai("wai_t", "WAI-SF-T", "Practitioner's", "early", WAI_T_NOTE),
    *_wai("wai_t", "WAI-SF-T", "Practitioner's", "end", WAI_T_NOTE),
    _count("sessions_attended", "Sessions attended", "Face-to-face sessions attended."),
    _count(
        "sessions_did_not_attend",
        "Sessions not attended",
        "Face-to-face sessions the client did not attend (DNA); sessions cancelled by "
        "either side are not counted.",
    ),
    _count(
        "mandatory_modules_completed",
        "Mandatory modules completed",
        "Mandatory modules completed (0-4).",
    ),
    _count(
        "optional_modules_completed",
        "Optional modules completed",
        "Active optional modules (physical exercise, problem solving) with every step done.",
    ),
    Column(
        "course_completed",
        "boolean",
        "Completed course",
        "1 if all four mandatory modules were completed (the study's adherence definition).",
        allowed="0; 1",
    ),
    _count("logins", "Logins", "Sign-ins between enrolment and the end of treatment."),
    _count(
        "weeks_active",
        "Weeks active",
        "Distinct weeks (Monday-Sunday, service time zone) with any client activity on "
        "the platform (as in the participants file).",
        units="weeks",
    ),
    _count(
        "seconds_on_platform",
        "Time on programme steps",
        "Active seconds on programme step pages (heartbeat-measured, each gap capped at "
        "120 s and each visit at 30 min; as in the participants file).",
        units="seconds",
    ),
    _count(
        "flag_checkpoints",
        "Warning checkpoints",
        "Weekly checkpoints at which the treatment was open (activated, not yet ended): "
        "every 7 days from the first activation in the trial, the same checkpoints as the "
        "early-warning report. Each replays the rules with the data that existed then.",
        units="checkpoints",
    ),
    *(_flag(rule) for rule in PRIORITY),
)
# Counts and yes/no columns without their own note are never missing (0 when
# nothing happened).
ANALYSIS_COLUMNS: tuple[Column, ...] = tuple(c if c.missing else _never(c) for c in _ANALYSIS)

CODEBOOK_COLUMNS: tuple[Column, ...] = (
    Column(
        "dataset",
        "categorical",
        "File",
        "Which file the column is in.",
        allowed="participants; events; scores; analysis",
    ),
    Column("column", "string", "Column", "Column name, as in the header row."),
    Column(
        "type",
        "categorical",
        "Type",
        "Data type.",
        allowed="string; integer; boolean; date; datetime; categorical; text",
    ),
    Column("label", "string", "Label", "Short label (for variable labels in Stata/SPSS)."),
    Column("units", "string", "Units", "Units of measurement, if any."),
    Column("allowed_values", "string", "Allowed values", "Allowed values or range."),
    Column("description", "string", "Description", "What the column means."),
    Column(
        "missing_value",
        "string",
        "Missing",
        "When the cell is empty, the one missing-value code (analysis file); empty for the "
        "other files, whose descriptions say it.",
    ),
)


def codebook_rows(modules, *, include_free_text: bool = False):
    """One row per column of every dataset, in file order."""
    datasets = (
        ("participants", participant_columns(modules)),
        ("events", event_columns(include_free_text=include_free_text)),
        ("scores", SCORE_COLUMNS),
        ("analysis", ANALYSIS_COLUMNS),
    )
    for dataset, columns in datasets:
        for c in columns:
            yield (dataset, c.name, c.type, c.label, c.units, c.allowed, c.description, c.missing)


def codebook_markdown() -> str:
    """docs/codebook.md, generated from the column definitions above.

    Module columns depend on the installed content, so the document shows
    their pattern; the codebook downloaded with an export lists each one.
    """
    pattern = Column(
        "module_<slug>",
        "categorical",
        "Module: <title>",
        "One column per active module (slug with '-' as '_'): progress in that module.",
        allowed=MODULE_STATUS_ALLOWED,
    )
    out = [
        "# Codebook",
        "",
        "Generated by `manage.py trials_codebook` from `apps/trials/columns.py` — the same",
        "definitions the exporters use. Do not edit by hand. Definitions of the adherence",
        "measures: docs/adherence.md.",
        "",
        "Conventions: one header row; UTF-8; dates ISO 8601 (`2025-03-01`); times ISO 8601",
        "UTC (`2025-03-01T09:30:00Z`); yes/no as 1/0; a missing value is an empty cell.",
        "Participants appear only by participant ID.",
        "",
        "Consent: a participant who withdrew their data from research (consent to the use",
        "of their data for research withdrawn, recorded on the client's record) is left out",
        "of every dataset and the research API from the moment it is recorded: exports made",
        "afterwards do not contain them, including their earlier rows. Files exported before",
        "the withdrawal are not recalled by the platform. Withdrawing from treatment or from",
        "follow-up contact alone keeps the participant in the exports (their status shows",
        "in `treatment_status`).",
    ]
    datasets = (
        (
            "participants",
            "Participants (one row per participant)",
            PARTICIPANT_COLUMNS + (pattern,),
        ),
        ("events", "Events (one row per event)", event_columns(include_free_text=True)),
        ("scores", "Questionnaire scores (one row per item, total or subscale)", SCORE_COLUMNS),
    )
    for _key, title, columns in datasets:
        out += ["", f"## {title}", "", "| Column | Type | Units | Allowed values | Description |",
                "|---|---|---|---|---|"]  # fmt: skip
        for c in columns:
            cells = [f"`{c.name}`", c.type, c.units, c.allowed, f"**{c.label}.** {c.description}"]
            out.append(_md_row(cells))
    out += ANALYSIS_INTRO
    out += ["| Column | Type | Units | Allowed values | Missing (empty cell) when | Derivation |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for c in ANALYSIS_COLUMNS:
        cells = [
            f"`{c.name}`",
            c.type,
            c.units,
            c.allowed,
            c.missing,
            f"**{c.label}.** {c.description}",
        ]
        out.append(_md_row(cells))
    return "\n".join(out) + "\n"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |"


ANALYSIS_INTRO = [
    "",
    "## Analysis file (one row per participant)",
    "",
    "The trial's outcomes, the working alliance, sessions, modules, time online and",
    "early-warning flags, one row per participant, for R or Stata. Computed by",
    "`apps/trials/analysis.py`; the adherence measures are those of the participants file",
    "(docs/adherence.md).",
    "",
    "- Names are lower case with underscores, at most 32 characters; one header row.",
    "- **Missing values: one code, the empty cell, in every column** (never `NA`, `-99` or",
    "  0). The table says when each column is empty. Counts are never missing (0 when",
    "  nothing happened). Only the recovery columns can be empty for 'not applicable' (not",
    "  at caseness at baseline); `phq9_caseness_baseline` = 0 tells those apart.",
    "- Time: `start_date` is the only date; every other moment is a **study day**, whole",
    "  days from `start_date` (day 0) to the day it happened in the service's time zone.",
    "- Scores are those stored when the questionnaire was completed; a questionnaire not",
    "  scorable under the missing-items policy (docs/scoring.md) counts as missing.",
    "- No allocation arm: the platform records none (everyone on it receives blended",
    "  care). Merge the arm from the trial's randomisation list by `participant_id`.",
    '- Reading it: R `read.csv(file, na.strings = "")`; Stata',
    "  `import delimited using file, varnames(1) clear` (empty numbers become `.`).",
    "",
]
