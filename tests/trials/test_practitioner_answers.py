"""The PWP's own questionnaire (WAI-SF-T) in the trial data: never client activity,
always said to be the practitioner's.

The known trial (tests/trials/factories.py) is measured, then the PWPs answer
WAI-SF-Ts about three participants, signed in as themselves (``answered_by`` =
the PWP), in weeks in which those participants did nothing, and one WAI-SF-T
closes unanswered:

- AAA-0001 (PWP A): early alliance on Saturday 29 March (ISO week 13; the
  client was active in weeks 10, 11, 12 and 20), end of treatment on Monday
  5 May (week 19);
- AAA-0002 (PWP A): early alliance on Friday 14 March (week 11; the client was
  active in week 10 only, and dropped out on 20 March);
- BBB-0001 (PWP B): early alliance missed on 25 March, after the client's last
  activity (16 March).

Every figure about the client's engagement is then the same as before; the
events and scores files list the new rows with respondent "practitioner"; the
analysis file's WAI-SF-T columns read them.
"""

import csv
import datetime
import io

import pytest

from apps.care.models import Treatment
from apps.earlywarning.report import dropout_report
from apps.earlywarning.selectors import facts_for, reasons_for
from apps.questionnaires.models import TimePoint
from apps.questionnaires.services import administration_answer, administration_complete
from apps.trials import adherence, exporters
from apps.trials.adherence import Scope
from tests.questionnaires.factories import AdministrationFactory
from tests.trials.factories import SECRETS, _missed, at, practitioner_answers, t

AS_OF = t(6, 16, 12)
# Every 3 days from the first enrolment to after the last end: the early-warning
# facts as the caseload would have seen them on each of those days.
MOMENTS = [t(3, 3, 12) + datetime.timedelta(days=3 * k) for k in range(34)]
WAI_T_EARLY = {1: 4, 2: 4, 3: 5, 4: 4, 5: 5, 6: 4, 7: 5, 8: 4, 9: 5, 10: 4, 11: 4, 12: 4}
WAI_T_END = dict.fromkeys(range(1, 13), 3)


def _by_practitioner(treatment, time_point, answers, completed_at):
    done = practitioner_answers(treatment, time_point, answers, completed_at)
    assert done.answered_by == treatment.pwp
    return done


def _csv(dataset):
    export = exporters.build_export(dataset, Scope(), as_of=AS_OF)
    header, *rows = csv.reader(io.StringIO("".join(exporters.csv_chunks(export))))
    return [dict(zip(header, r, strict=True)) for r in rows]


def _figures():
    """Everything the trial and the early-warning list say about client engagement."""
    treatments = list(Treatment.objects.order_by("participant_id"))
    analysis = [
        {k: v for k, v in row.items() if not k.startswith("wai_t_")} for row in _csv("analysis")
    ]
    facts = {moment: facts_for(treatments, at=moment) for moment in MOMENTS}
    report = dropout_report(treatments, now=AS_OF)
    return {
        "participants": _csv("participants"),
        "analysis": analysis,
        "weeks_active": adherence.weeks_active([t.pk for t in treatments]),
        "summary": adherence.adherence_summary(adherence.participant_adherence(Scope()))[
            0
        ].as_dict(),
        "facts": facts,
        "reasons": {m: reasons_for(treatments, f) for m, f in facts.items()},
        "report": (report.events, [vars(r) for r in report.rules], [vars(r) for r in report.rows]),
    }


@pytest.fixture
def answered(trial):
    """The known trial, measured, then the PWPs' WAI-SF-Ts added."""
    before = _figures()
    p1, p2, p4 = (trial.treatments[k] for k in ("AAA-0001", "AAA-0002", "BBB-0001"))
    _by_practitioner(p1, TimePoint.EARLY_ALLIANCE, WAI_T_EARLY, t(3, 29, 11))
    _by_practitioner(p1, TimePoint.END_OF_TREATMENT, WAI_T_END, t(5, 5, 16))
    _by_practitioner(p2, TimePoint.EARLY_ALLIANCE, WAI_T_END, t(3, 14, 17))
    missed = _missed(p4, "wai_sf_t", TimePoint.EARLY_ALLIANCE, t(3, 18, 9), t(3, 25, 9))
    missed.answered_by = p4.pwp
    missed.save()
    return before


def test_a_practitioners_questionnaire_changes_no_engagement_figure(answered):
    after = _figures()
    for name, figures in answered.items():
        assert after[name] == figures, name


def test_the_client_signed_in_still_counts_as_the_client(trial):
    """`answered_by` is set for a client who answers signed in: still their activity."""
    p4 = trial.treatments["BBB-0001"]
    adm = AdministrationFactory(
        treatment=p4,
        instrument="gad7",
        time_point="pre_session_2",
        due_from=t(3, 30, 9),
        due_until=t(4, 6, 9),
    )
    with at(t(3, 31, 9)):
        for item in range(1, 8):
            administration_answer(administration=adm, item=item, value=1, actor=p4.client)
        assert administration_complete(administration=adm).answered_by == p4.client
    (row,) = [r for r in _csv("participants") if r["participant_id"] == "BBB-0001"]
    assert (row["questionnaires_completed"], row["weeks_active"]) == ("3", "2")
    (event,) = [r for r in _csv("events") if r["time_point"] == "pre_session_2"]
    assert event["respondent"] == "client"


def test_events_say_who_answers_each_questionnaire(answered):
    rows = _csv("events")
    theirs = [
        (r["participant_id"], r["event_type"], r["time_point"], r["value"], r["treatment_week"])
        for r in rows
        if r["respondent"] == "practitioner"
    ]
    assert theirs == [
        ("AAA-0001", "questionnaire_completed", "early_alliance", "52", "4"),
        ("AAA-0001", "questionnaire_completed", "end_of_treatment", "36", "10"),
        ("AAA-0002", "questionnaire_completed", "early_alliance", "36", "2"),
        ("BBB-0001", "questionnaire_missed", "early_alliance", "", "3"),
    ]
    assert {r["instrument"] for r in rows if r["respondent"] == "practitioner"} == {"wai_sf_t"}
    questionnaires = [r for r in rows if r["event_type"].startswith("questionnaire_")]
    assert len(questionnaires) == 9 + 4
    assert {r["respondent"] for r in questionnaires if r["instrument"] != "wai_sf_t"} == {"client"}
    assert {r["respondent"] for r in rows if not r["event_type"].startswith("questionnaire_")} == {
        ""
    }


@pytest.mark.postgres
def test_copy_writes_the_respondent_as_python_does(answered, postgres):
    fast, slow = io.StringIO(), io.StringIO()
    exporters.write_csv(exporters.build_export("events", Scope()), fast)
    exporters.write_csv(exporters.build_export("events", Scope()), slow, use_copy=False)
    assert fast.getvalue() == slow.getvalue()
    assert ",early_alliance,practitioner," in fast.getvalue()


def test_scores_say_who_answered_and_never_name_the_practitioner(answered, tmp_path):
    rows = _csv("scores")
    by_respondent = {}
    for r in rows:
        by_respondent.setdefault(r["respondent"], set()).add(
            (r["participant_id"], r["instrument"], r["time_point"])
        )
    assert by_respondent["practitioner"] == {
        ("AAA-0001", "wai_sf_t", "early_alliance"),
        ("AAA-0001", "wai_sf_t", "end_of_treatment"),
        ("AAA-0002", "wai_sf_t", "early_alliance"),
    }
    assert {code for _pid, code, _tp in by_respondent["client"]} == {"phq9", "gad7", "wai_sf_c"}
    early = [
        r
        for r in rows
        if (r["respondent"], r["participant_id"], r["time_point"])
        == ("practitioner", "AAA-0001", "early_alliance")
    ]
    assert {r["subscale"]: r["value"] for r in early if r["score_type"] == "subscale"} == {
        "task": "16", "bond": "20", "goal": "16"
    }  # fmt: skip
    assert len(rows) == exporters.count_rows("scores", Scope())
    for dataset in ("events", "scores", "analysis"):
        text = "".join(
            exporters.csv_chunks(exporters.build_export(dataset, Scope(), as_of=AS_OF))
        ).lower()
        for secret in SECRETS:
            assert secret.lower() not in text, (dataset, secret)


def test_analysis_reads_the_practitioners_wai_sf_t(answered):
    rows = {r["participant_id"]: r for r in _csv("analysis")}
    p1 = {k: v for k, v in rows["AAA-0001"].items() if k.startswith("wai_t_")}
    assert p1 == {
        "wai_t_early_total": "52",  # bond 3, 5, 7, 9 answered 5; the rest 4
        "wai_t_early_bond": "20",
        "wai_t_early_goal": "16",
        "wai_t_early_task": "16",
        "wai_t_early_day": "26",  # 3 March to 29 March
        "wai_t_end_total": "36",
        "wai_t_end_bond": "12",
        "wai_t_end_goal": "12",
        "wai_t_end_task": "12",
        "wai_t_end_day": "63",  # 3 March to 5 May
        "wai_t_end_time_point": "end_of_treatment",
    }
    assert rows["AAA-0002"]["wai_t_early_total"] == "36"
    assert rows["AAA-0002"]["wai_t_end_total"] == ""
    assert rows["BBB-0001"]["wai_t_early_total"] == ""  # missed
    # The client's own columns are untouched by the practitioner's answers.
    assert rows["AAA-0001"]["wai_c_end_total"] == "48"
    assert rows["AAA-0001"]["wai_c_early_total"] == ""
