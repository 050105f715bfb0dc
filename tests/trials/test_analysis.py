"""The analysis file (one row per participant), checked against rows computed by hand.

Four participants built here through the real services, at fixed times (UTC; the
services keep Europe/London, which moves to summer time on 30 March 2025):

A  R1-0001  starts Mon 3 March. Signs in every Monday 10:00 from 3 March to 12 May
            (11 sign-ins) and does every module, optional problem solving included,
            on 10 March. Sessions 1 and 2 attended, session 3 (Thu 20 March) missed.
            PHQ-9: baseline 12 (3 March), end of treatment 8 (13 May), 3-month
            follow-up 5 (3 June). WAI-SF-C early on 14 March: bond 10, goal 14,
            task 16 (40); no end-of-treatment WAI-SF-C but one at 3 months (50).
            WAI-SF-T early on Sunday 30 March 23:30 UTC, which is Monday 31 March in
            London (48); at the end of treatment 36. Discharged Mon 19 May 12:00
            (day 77), then withdrawn from the trial on 10 June: ended as completed.
B  R1-0002  starts 4 March, one sign-in. PHQ-9 8 at baseline (not at caseness),
            14 before session 1 (11 March): reliable deterioration; recovery is
            not applicable. Session 1 attended. Dropped out on 27 March without a
            lifecycle step (`treatment_end`): the end reason is its status.
C  R1-0003  invited on 5 March, never signs in: everything empty or 0.
D  R1-0004  starts 10 March (activated 12:05), never signs in. Baseline PHQ-9
            missed (20 March); 11 before session 1 (17 March); before session 2
            (31 March) 3 items unanswered: not scorable, so missing. Session 1
            (Mon 24 March) not attended. Still in treatment.

Warnings (as of Mon 16 June 12:00): checkpoints every 7 days from A's activation
(3 March 09:05), i.e. Mondays 09:05 from 10 March.
A  open at 10 March .. 19 May: 11. Missed session 3 (20 March) is recent (14 days)
   on 24 and 31 March: 2. Bond 10 is 4 below goal and task from 17 March: 10.
   Never 7 days without activity (a sign-in every Monday 10:00).
B  open at 10, 17, 24 March: 3. PHQ-9 up 6 from 17 March: 2. No activity since
   4 March 10:00: 12 and 19 days on 17 and 24 March: 2.
D  open at 17 March .. 16 June: 14. No activity since activation: 13 days on
   24 March, then every checkpoint: 13. Missed questionnaire (20 March) on 24 and
   31 March: 2. Missed session (24 March 10:00) on 31 March and 7 April: 2.
"""

import csv
import datetime
import io
import re
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from apps.care.lifecycle import treatment_discharge, treatment_withdraw_from_trial
from apps.care.models import AppointmentStatus, Treatment, TreatmentStatus
from apps.earlywarning.report import dropout_report
from apps.earlywarning.rules import PRIORITY
from apps.questionnaires.models import Administration, AdministrationStatus
from apps.questionnaires.services import administration_complete
from apps.trials import analysis, exporters
from apps.trials.adherence import Scope
from apps.trials.columns import ANALYSIS_COLUMNS
from apps.trials.models import AccessAction, DataAccessLog, ExportJob
from apps.trials.services import export_job_create
from tests.accounts.token_helpers import make_token
from tests.factories import ClientFactory, ServiceFactory, StaffFactory, UserFactory
from tests.questionnaires.factories import AdministrationFactory, answer_all
from tests.trials.factories import (
    _complete,
    _end,
    _enrol,
    _login,
    _missed,
    _open,
    _questionnaire,
    _session,
    _submit,
    at,
    build_programme,
    t,
)

AS_OF = t(6, 16, 12)
SECRETS = ["Annika", "Bellweather", "annika@example.org", "Bruno", "Caspian", "bruno@example.org",
           "Cordelia", "Dunmore", "cordelia@example.org", "Dorian", "Ellery",
           "dorian@example.org", "Prudence", "Whitlock", "pwp.r@example.org"]  # fmt: skip

PHQ9_12 = {1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0, 10: 1}
PHQ9_8 = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0, 10: 0}
PHQ9_5 = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 0, 7: 0, 8: 0, 9: 0}
PHQ9_14 = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 1, 8: 1, 9: 0}
PHQ9_11 = {1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 0, 9: 0}
PHQ9_3_MISSING = {4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0}
# WAI items: task 1, 2, 10, 12; bond 3, 5, 7, 9; goal 4, 6, 8, 11.
WAI_C_EARLY = {1: 4, 2: 4, 10: 4, 12: 4, 3: 3, 5: 3, 7: 2, 9: 2, 4: 4, 6: 4, 8: 3, 11: 3}
WAI_C_3M = {**dict.fromkeys(range(1, 13), 4), 1: 5, 2: 5}  # task 18, bond 16, goal 16
WAI_ALL = {n: 4 for n in range(1, 13)}  # 48
WAI_3S = {n: 3 for n in range(1, 13)}  # 36


def _answer(treatment, code, time_point, answers, completed_at):
    """Complete the questionnaire at `time_point`, the one already planned if any."""
    planned = Administration.objects.filter(
        treatment=treatment, instrument=code, time_point=time_point
    ).first()
    if planned is None:
        return _questionnaire(treatment, code, time_point, completed_at - datetime.timedelta(
            days=1), answers, completed_at)  # fmt: skip
    Administration.objects.filter(pk=planned.pk).update(
        status=AdministrationStatus.OPEN,
        due_from=completed_at - datetime.timedelta(days=1),
        due_until=completed_at + datetime.timedelta(days=13),
    )
    planned.refresh_from_db()
    with at(completed_at):
        answer_all(planned, answers)
        return administration_complete(administration=planned)


def _mondays(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=7)


@pytest.fixture
def cohort(db):
    admin = UserFactory(is_staff=True, is_superuser=True, email="boss.r@example.org")
    service = ServiceFactory(code="R1", name="Research Talking Therapies")
    pwp = StaffFactory(
        pwp_in=service, email="pwp.r@example.org", first_name="Prudence", last_name="Whitlock"
    )
    _modules, s = build_programme()

    a = _enrol(actor=admin, service=service, pwp=pwp, email="annika@example.org",
               first="Annika", last="Bellweather", when=t(3, 3, 9))  # fmt: skip
    for monday in _mondays(datetime.date(2025, 3, 3), datetime.date(2025, 5, 12)):
        _login(a.client, t(monday.month, monday.day, 10))
    for k, slug in enumerate(["m1-read", "m1-ex", "m2-read", "m2-ex", "m3-read", "m4-read",
                              "m5-read"]):  # fmt: skip
        _open(a, s[slug], t(3, 10, 10, 5 + 2 * k))
        if slug.endswith("-ex"):
            _submit(a, s[slug], t(3, 10, 10, 6 + 2 * k))
        else:
            _complete(a, s[slug], t(3, 10, 10, 6 + 2 * k))
    _session(pwp, a, 1, t(3, 6, 10), AppointmentStatus.ATTENDED)
    _session(pwp, a, 2, t(3, 13, 10), AppointmentStatus.ATTENDED)
    _session(pwp, a, 3, t(3, 20, 10), AppointmentStatus.DID_NOT_ATTEND)
    _questionnaire(a, "phq9", "baseline", t(3, 3, 9), PHQ9_12, t(3, 3, 10, 30))
    _questionnaire(a, "wai_sf_c", "early_alliance", t(3, 13, 11), WAI_C_EARLY, t(3, 14, 10))
    _questionnaire(a, "wai_sf_t", "early_alliance", t(3, 30, 9), WAI_ALL, t(3, 30, 23, 30))
    _questionnaire(a, "phq9", "end_of_treatment", t(5, 12, 0), PHQ9_8, t(5, 13, 9))
    _questionnaire(a, "wai_sf_t", "end_of_treatment", t(5, 12, 0), WAI_3S, t(5, 13, 13))
    with at(t(5, 19, 12)):
        treatment_discharge(actor=pwp, treatment=a)
    _answer(a, "phq9", "followup_3m", PHQ9_5, t(6, 3, 10))
    _answer(a, "wai_sf_c", "followup_3m", WAI_C_3M, t(6, 3, 10, 5))
    with at(t(6, 10, 9)):
        treatment_withdraw_from_trial(actor=pwp, treatment=a, reason="Moved away")

    b = _enrol(actor=admin, service=service, pwp=pwp, email="bruno@example.org",
               first="Bruno", last="Caspian", when=t(3, 4, 9))  # fmt: skip
    _login(b.client, t(3, 4, 10))
    _session(pwp, b, 1, t(3, 7, 10), AppointmentStatus.ATTENDED)
    _questionnaire(b, "phq9", "baseline", t(3, 4, 9), PHQ9_8, t(3, 4, 10, 30))
    _questionnaire(b, "phq9", "pre_session_1", t(3, 10, 9), PHQ9_14, t(3, 11, 10))
    _end(pwp, b, TreatmentStatus.DROPPED_OUT, t(3, 27, 9))

    c = _enrol(actor=admin, service=service, pwp=pwp, email="cordelia@example.org",
               first="Cordelia", last="Dunmore", when=t(3, 5, 9), activate=False)  # fmt: skip

    d = _enrol(actor=admin, service=service, pwp=pwp, email="dorian@example.org",
               first="Dorian", last="Ellery", when=t(3, 10, 12))  # fmt: skip
    _missed(d, "phq9", "baseline", t(3, 10, 12), t(3, 20, 9))
    _questionnaire(d, "phq9", "pre_session_1", t(3, 16, 9), PHQ9_11, t(3, 17, 10))
    _session(pwp, d, 1, t(3, 24, 10), AppointmentStatus.DID_NOT_ATTEND)
    _questionnaire(d, "phq9", "pre_session_2", t(3, 30, 9), PHQ9_3_MISSING, t(3, 31, 10))
    return SimpleNamespace(a=a, b=b, c=c, d=d, pwp=pwp, admin=admin, service=service)


def _row(**values):
    """A row with every column empty, counts 0, then `values` (as CSV text)."""
    row = {c.name: "" for c in ANALYSIS_COLUMNS}
    zero = [
        "sessions_attended",
        "sessions_did_not_attend",
        "mandatory_modules_completed",
        "optional_modules_completed",
        "course_completed",
        "logins",
        "weeks_active",
        "seconds_on_platform",
        "flag_checkpoints",
        *(f"flag_{r}" for r in PRIORITY),
    ]
    row.update(dict.fromkeys(zero, "0"))
    row.update({k: str(v) for k, v in values.items()})
    return row


EXPECTED = {
    "R1-0001": _row(
        participant_id="R1-0001",
        service_code="R1",
        treatment_status="withdrawn",
        end_reason="completed",
        start_date="2025-03-03",
        end_day=77,
        phq9_baseline_total=12,
        phq9_baseline_band="moderate",
        phq9_baseline_day=0,
        phq9_end_total=8,
        phq9_end_band="mild",
        phq9_end_day=71,
        phq9_fu3m_total=5,
        phq9_fu3m_band="mild",
        phq9_fu3m_day=92,
        phq9_last_total=5,
        phq9_last_band="mild",
        phq9_last_day=92,
        phq9_last_time_point="followup_3m",
        phq9_change=-7,
        phq9_reliable_change="reliable_improvement",
        phq9_caseness_baseline=1,
        phq9_recovery=1,
        phq9_reliable_recovery=1,
        wai_c_early_total=40,
        wai_c_early_bond=10,
        wai_c_early_goal=14,
        wai_c_early_task=16,
        wai_c_early_day=11,
        wai_c_end_total=50,
        wai_c_end_bond=16,
        wai_c_end_goal=16,
        wai_c_end_task=18,
        wai_c_end_day=92,
        wai_c_end_time_point="followup_3m",
        wai_t_early_total=48,
        wai_t_early_bond=16,
        wai_t_early_goal=16,
        wai_t_early_task=16,
        wai_t_early_day=28,  # 30 March 23:30 UTC is 31 March in London
        wai_t_end_total=36,
        wai_t_end_bond=12,
        wai_t_end_goal=12,
        wai_t_end_task=12,
        wai_t_end_day=71,
        wai_t_end_time_point="end_of_treatment",
        sessions_attended=2,
        sessions_did_not_attend=1,
        mandatory_modules_completed=4,
        optional_modules_completed=1,
        course_completed=1,
        logins=11,
        # ISO weeks 10-20 (a sign-in each Monday) and 23 (3-month follow-up).
        weeks_active=12,
        seconds_on_platform=420,  # 7 steps, 60 s each
        flag_checkpoints=11,
        flag_missed_session=2,
        flag_low_alliance=10,
    ),
    "R1-0002": _row(
        participant_id="R1-0002",
        service_code="R1",
        treatment_status="dropped_out",
        end_reason="dropped_out",
        start_date="2025-03-04",
        end_day=23,
        phq9_baseline_total=8,
        phq9_baseline_band="mild",
        phq9_baseline_day=0,
        phq9_last_total=14,
        phq9_last_band="moderate",
        phq9_last_day=7,
        phq9_last_time_point="pre_session_1",
        phq9_change=6,
        phq9_reliable_change="reliable_deterioration",
        phq9_caseness_baseline=0,
        # Recovery: not applicable (not at caseness at baseline), so empty.
        sessions_attended=1,
        logins=1,
        weeks_active=2,
        flag_checkpoints=3,
        flag_phq9_worse=2,
        flag_inactive=2,
    ),
    "R1-0003": _row(
        participant_id="R1-0003",
        service_code="R1",
        treatment_status="invited",
        start_date="2025-03-05",
    ),
    "R1-0004": _row(
        participant_id="R1-0004",
        service_code="R1",
        treatment_status="active",
        start_date="2025-03-10",
        phq9_last_total=11,
        phq9_last_band="moderate",
        phq9_last_day=7,
        phq9_last_time_point="pre_session_1",
        sessions_did_not_attend=1,
        weeks_active=2,  # the questionnaires of 17 and 31 March
        flag_checkpoints=14,
        flag_missed_session=2,
        flag_questionnaire_missed=2,
        flag_inactive=13,
    ),
}


def _export(dataset="analysis", scope=None, as_of=AS_OF):
    return exporters.build_export(dataset, scope or Scope(), as_of=as_of)


def _csv(**kwargs):
    return list(csv.reader(io.StringIO("".join(exporters.csv_chunks(_export(**kwargs))))))


def test_rows_match_the_hand_computed_ones(cohort):
    header, *rows = _csv()
    assert header == [c.name for c in ANALYSIS_COLUMNS]
    got = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert list(got) == list(EXPECTED)
    for pid, expected in EXPECTED.items():
        differences = {k: (got[pid][k], v) for k, v in expected.items() if got[pid][k] != v}
        assert differences == {}, pid
    assert exporters.count_rows("analysis", Scope()) == 4


def test_the_not_scorable_phq9_stays_in_the_scores_but_not_in_the_analysis(cohort):
    adm = Administration.objects.get(treatment=cohort.d, time_point="pre_session_2")
    assert adm.status == AdministrationStatus.COMPLETED and adm.valid is False


def test_scope_selects_participants(cohort):
    rows = _csv(scope=Scope(date_from=datetime.date(2025, 3, 5)))
    assert [r[0] for r in rows[1:]] == ["R1-0003", "R1-0004"]
    other = ServiceFactory(code="R2")
    assert _csv(scope=Scope(service_ids=(other.pk,)))[1:] == []


def test_xlsx_reads_back_equal_to_csv(cohort, tmp_path):
    path = tmp_path / "analysis.xlsx"
    n = exporters.write_xlsx(_export(), path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    from_csv = _csv()
    width = len(from_csv[0])
    from_xlsx = [
        ["" if v is None else str(v) for v in row] + [""] * (width - len(row))
        for row in sheet.iter_rows(values_only=True)
    ]
    assert n == 4 and from_xlsx == from_csv
    assert sheet.title == "analysis"


def test_no_name_or_email_anywhere_in_the_files(cohort, tmp_path):
    text = "".join(exporters.csv_chunks(_export()))
    path = tmp_path / "a.xlsx"
    exporters.write_xlsx(_export(), path)
    cells = [
        str(v)
        for row in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret
        assert not any(secret.lower() in c.lower() for c in cells), secret
    assert "@" not in text


def test_flags_agree_with_the_early_warning_report(cohort):
    """A participant counts as flagged by a rule in the report exactly when the
    file shows that rule at one checkpoint or more."""
    header, *rows = _csv()
    records = [dict(zip(header, r, strict=True)) for r in rows]
    report = dropout_report(list(Treatment.objects.order_by("participant_id")), now=AS_OF)
    for rule in report.rules:
        assert rule.flagged == sum(int(r[f"flag_{rule.rule}"]) > 0 for r in records), rule.rule


def _participants(service, pwp, n):
    """`n` participants with the same timeline (factories: quick), each with a
    baseline and a session-1 PHQ-9, an early WAI-SF-C, sessions and a sign-in."""
    from tests.care.factories import AppointmentFactory  # noqa: PLC0415 - why: only here
    from tests.factories import TreatmentFactory  # noqa: PLC0415 - why: only here

    start = t(3, 3, 9)
    for _ in range(n):
        tr = TreatmentFactory(service=service, pwp=pwp, start_date=start.date(),
                              activated_at=start, created_at=start)  # fmt: skip
        for tp, code, answers, when in (
            ("baseline", "phq9", PHQ9_12, t(3, 3, 10)),
            ("pre_session_1", "phq9", PHQ9_5, t(3, 10, 10)),
            ("early_alliance", "wai_sf_c", WAI_C_EARLY, t(3, 17, 10)),
        ):
            adm = AdministrationFactory(treatment=tr, instrument=code, time_point=tp,
                                        due_from=when - datetime.timedelta(hours=2),
                                        due_until=when + datetime.timedelta(days=2))  # fmt: skip
            with at(when):
                answer_all(adm, answers)
                administration_complete(administration=adm)
        AppointmentFactory(treatment=tr, number=1, status=AppointmentStatus.DID_NOT_ATTEND,
                           starts_at=t(3, 11, 10))  # fmt: skip
        _login(tr.client, t(3, 4, 10))


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_number_of_participants():
    service = ServiceFactory(code="QC")
    pwp = StaffFactory(pwp_in=service)
    build_programme()
    counts = []
    list(_export(as_of=t(4, 28, 12)).rows)  # warm the caches (definitions, content types)
    for n in (2, 6):
        _participants(service, pwp, n if not counts else n - 2)
        with CaptureQueriesContext(connection) as ctx:
            rows = list(_export(as_of=t(4, 28, 12)).rows)
        assert len(rows) == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_codebook_documents_exactly_the_columns_of_the_file(cohort):
    header = _csv()[0]
    doc = Path(settings.BASE_DIR, "docs", "codebook.md").read_text(encoding="utf-8")
    section = doc.split("## Analysis file (one row per participant)", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    documented = [re.match(r"\| `([^`]+)`", line).group(1) for line in table]
    assert documented == header
    for line in table:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        name, type_, _units, _allowed, missing, derivation = cells
        assert type_ in {"string", "integer", "boolean", "date", "categorical"}, name
        assert missing and derivation, name
    # The codebook file downloaded with an export says the same.
    book = _csv(dataset="codebook")
    cols = book[0]
    rows = [dict(zip(cols, r, strict=True)) for r in book[1:]]
    analysis_rows = [r for r in rows if r["dataset"] == "analysis"]
    assert [r["column"] for r in analysis_rows] == header
    assert all(r["missing_value"] and r["description"] for r in analysis_rows)


def test_column_names_are_safe_for_r_and_stata():
    names = [c.name for c in ANALYSIS_COLUMNS]
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,31}", name), name


# --------------------------------------------------------------------------- access


def test_a_pwp_cannot_export_it_by_page_service_or_api(cohort, client):
    client.force_login(cohort.pwp)
    data = {"dataset": "analysis", "file_format": "csv"}
    assert client.get(reverse("trials:exports")).status_code == 403
    assert client.post(reverse("trials:export_check"), data).status_code == 403
    assert client.post(reverse("trials:export_confirm"), data).status_code == 403
    with pytest.raises(PermissionDenied):
        export_job_create(user=cohort.pwp, dataset="analysis", file_format="csv", scope=Scope())
    api = APIClient()
    api.force_authenticate(cohort.pwp)
    assert api.post("/api/v1/exports/", data, format="json").status_code == 403
    assert not ExportJob.objects.exists()


def test_a_trial_manager_exports_it_from_the_page_logged_and_pseudonymised(
    cohort, client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    manager = UserFactory(is_trial_manager=True, email="tm.r@example.org")
    client.force_login(manager)
    page = client.get(reverse("trials:exports")).content.decode()
    assert 'value="analysis"' in page
    data = {"dataset": "analysis", "file_format": "xlsx"}
    check = client.post(reverse("trials:export_check"), data).content.decode()
    assert "4 rows, pseudonymised" in check
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post(reverse("trials:export_confirm"), data)
    job = ExportJob.objects.get()
    assert confirm["Location"] == reverse("trials:export_job", kwargs={"job_id": job.pk})
    assert job.dataset == "analysis" and job.status == "ready" and job.row_count == 4
    download = client.get(reverse("trials:export_download", kwargs={"job_id": job.pk}))
    path = tmp_path / "download.xlsx"
    path.write_bytes(b"".join(download.streaming_content))
    sheet = openpyxl.load_workbook(path, read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == [c.name for c in ANALYSIS_COLUMNS]
    assert [r[0] for r in rows] == list(EXPECTED)
    logged = DataAccessLog.objects.filter(user=manager, resource="analysis")
    assert sorted(logged.values_list("action", flat=True)) == [
        AccessAction.EXPORT_DOWNLOADED,
        AccessAction.EXPORT_REQUESTED,
    ]


def test_a_trial_managers_token_requests_it_through_the_api(
    cohort, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    manager = UserFactory(is_trial_manager=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {make_token(manager, scope='research_export')}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/exports/", {"dataset": "analysis", "file_format": "csv"}, format="json"
        )
    assert response.status_code == 202
    status = api.get(response["Location"]).json()
    assert status["status"] == "ready" and status["row_count"] == 4
    text = b"".join(api.get(status["download_url"]).streaming_content).decode()
    assert text.splitlines()[0].split(",") == [c.name for c in ANALYSIS_COLUMNS]
    assert DataAccessLog.objects.filter(
        user=manager, resource="analysis", via_token=True, action=AccessAction.EXPORT_REQUESTED
    ).exists()


def test_a_client_cannot_export_it(cohort):
    with pytest.raises(PermissionDenied):
        export_job_create(
            user=ClientFactory(), dataset="analysis", file_format="csv", scope=Scope()
        )


def test_study_day_counts_local_dates():
    london = analysis.service_zone("Europe/London")
    start = datetime.date(2025, 3, 3)
    assert analysis.study_day(t(3, 30, 23, 30), start, london) == 28
    assert analysis.study_day(t(3, 30, 23, 30), start, analysis.service_zone("UTC")) == 27
    assert analysis.study_day(None, start, london) is None


# --------------------------------------------------------------------------- overview


def test_overview_plots_early_alliance_against_phq9_change_with_n(cohort, client):
    client.force_login(UserFactory(is_trial_manager=True))
    response = client.get(reverse("trials:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    # Only A has an early WAI-SF-C (40) and a PHQ-9 change (12 to 5: -7).
    assert response.context["alliance"] == [("R1-0001", 40, -7)]
    scatter = response.context["scatter"]
    assert scatter["n"] == 1
    assert [(p["x_value"], p["y_value"], p["n"]) for p in scatter["points"]] == [(40, -7, 1)]
    assert "1 participant has an early WAI-SF-C total and a PHQ-9 change." in html
    assert "(n = 1)" in html and "These figures are descriptive" in html
    assert 'role="img"' in html and "Show the data as a table" in html
    assert "Too few participants for a correlation" in html
    for secret in SECRETS:
        assert secret not in html, secret


@pytest.mark.django_db
def test_overview_groups_equal_pairs_and_gives_r_from_three(client):
    service = ServiceFactory(code="QC")
    _participants(service, StaffFactory(pwp_in=service), 3)
    client.force_login(UserFactory(is_trial_manager=True))
    response = client.get(reverse("trials:overview"))
    # Three participants with the same scores: one circle standing for 3.
    points = response.context["scatter"]["points"]
    assert [(p["x_value"], p["y_value"], p["n"]) for p in points] == [(40, -7, 3)]
    assert response.context["scatter"]["n"] == 3
    assert response.context["correlation"] is None  # no spread: no coefficient
    assert "(n = 3)" in response.content.decode()


@pytest.mark.django_db
def test_the_demo_trial_shows_figures(client):
    from django.core.management import call_command  # noqa: PLC0415 - why: only here

    call_command("demo")
    client.force_login(UserFactory(is_trial_manager=True))
    response = client.get(reverse("trials:overview"))
    assert response.context["scatter"]["n"] == 4
    assert response.context["correlation"] is not None
    assert "4 participants have an early WAI-SF-C total and a PHQ-9 change." in (
        response.content.decode()
    )
    header, *rows = _csv()
    assert len(rows) == Treatment.objects.count()
    filled = {name: sum(1 for r in rows if r[i]) for i, name in enumerate(header)}
    assert filled["wai_c_early_total"] == 4 and filled["phq9_change"] >= 4


@pytest.mark.django_db
def test_overview_queries_do_not_grow_with_the_number_of_participants(client):
    service = ServiceFactory(code="QC")
    pwp = StaffFactory(pwp_in=service)
    client.force_login(UserFactory(is_trial_manager=True))
    counts = []
    for n in (2, 3):
        _participants(service, pwp, n)
        client.get(reverse("trials:overview"))  # warm the caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("trials:overview"))
        counts.append(len(ctx.captured_queries))
    assert response.context["scatter"]["n"] == 5
    assert counts[0] == counts[1], counts
