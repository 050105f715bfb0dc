"""A known small trial, built through the other apps' real services.

Two services (AAA, BBB), five participants with hand-chosen activity at fixed
times (UTC). Every number the trial tests expect is worked out by hand in
`EXPECTED` below, from the timeline in `build_trial`.

Timing note: the programme's step services count at most 120 seconds per gap
between activity signals, so a step opened at 10:05 and completed at 10:10
counts 120 seconds, and one completed a minute after opening counts 60.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from types import SimpleNamespace

import time_machine

from apps.accounts.services import login_event_record
from apps.care.lifecycle import (
    treatment_discharge,
    treatment_record_dropout,
    treatment_withdraw_from_trial,
)
from apps.care.models import AppointmentStatus, TreatmentStatus
from apps.care.services import (
    appointment_cancel,
    appointment_record_attendance,
    appointment_schedule,
    treatment_activate,
    treatment_enrol,
)
from apps.care.signals import treatment_status_changed
from apps.messaging.services import message_send
from apps.programme.models import Module, Programme, Step, StepKind
from apps.programme.services import exercise_submit, step_complete, step_open
from apps.questionnaires.models import AdministrationStatus
from apps.questionnaires.receivers import treatment_closed_or_reopened
from apps.questionnaires.services import administration_answer, administration_complete
from apps.tracking.services import mood_rate
from tests.factories import ServiceFactory, StaffFactory, UserFactory
from tests.questionnaires.factories import AdministrationFactory, answer_all

UTC = datetime.UTC


def t(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=UTC)


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


# Names, emails and free text that must never reach an export or API response.
SECRETS = [
    "Zelda",
    "Quimby",
    "zelda@example.org",
    "Xavier",
    "Pwllheli",
    "xavier@example.org",
    "Yolanda",
    "Vrask",
    "yolanda@example.org",
    "Wilbur",
    "Kestrel",
    "wilbur@example.org",
    "Ulrika",
    "Fenwright",
    "ulrika@example.org",
    "Petronella",
    "Quayle",
    "Octavius",
    "Thrupp",
    "pwp.a@example.org",
    "pwp.b@example.org",
    "SECRET-MOOD-NOTE",
    "SECRET-MESSAGE",
    "SECRET-EXERCISE",
]


def build_programme():
    programme = Programme.objects.create(slug="test", title="Test programme")
    modules = {}
    specs = [
        ("psychoeducation", True, ["m1-read", "m1-ex"]),
        ("behavioural-activation", True, ["m2-read", "m2-ex"]),
        ("cognitive-restructuring", True, ["m3-read"]),
        ("relapse-prevention", True, ["m4-read"]),
        ("problem-solving", False, ["m5-read"]),
    ]
    steps = {}
    for order, (slug, mandatory, step_slugs) in enumerate(specs, start=1):
        module = Module.objects.create(
            programme=programme, slug=slug, title=slug.title(), mandatory=mandatory, order=order
        )
        modules[slug] = module
        for step_order, step_slug in enumerate(step_slugs, start=1):
            exercise = step_slug.endswith("-ex")
            steps[step_slug] = Step.objects.create(
                module=module,
                slug=step_slug,
                title=step_slug,
                kind=StepKind.EXERCISE if exercise else StepKind.READING,
                exercise_type="reflection" if exercise else "",
                order=step_order,
            )
    return modules, steps


def _enrol(*, actor, service, pwp, email, first, last, when, activate=True):
    with at(when):
        treatment = treatment_enrol(
            actor=actor,
            service=service,
            pwp=pwp,
            email=email,
            first_name=first,
            last_name=last,
            start_date=when.date(),
            send_invitation=False,
        )
    if activate:
        with at(when + datetime.timedelta(minutes=5)):
            treatment_activate(treatment=treatment)
    return treatment


def _login(user, when):
    with at(when):
        login_event_record(user=user)


def _open(treatment, step, when):
    with at(when):
        step_open(treatment=treatment, step=step)


def _complete(treatment, step, when):
    with at(when):
        step_complete(treatment=treatment, step=step)


def _submit(treatment, step, when, text="SECRET-EXERCISE about Zelda"):
    with at(when):
        exercise_submit(
            treatment=treatment,
            step=step,
            client_request_id=uuid.uuid4(),
            data={"answer_1": text},
        )


def _mood(client, value, when, note="SECRET-MOOD-NOTE"):
    with at(when):
        mood_rate(client=client, value=value, note=note, now=when)


def _message(sender, treatment, when):
    with at(when):
        message_send(
            sender=sender,
            treatment=treatment,
            body="SECRET-MESSAGE from Zelda Quimby",
            idempotency_key=uuid.uuid4(),
        )


def _session(pwp, treatment, number, starts_at, outcome, *, recorded_at=None):
    with at(starts_at - datetime.timedelta(days=3)):
        appointment = appointment_schedule(
            actor=pwp, treatment=treatment, starts_at=starts_at, number=number
        )
    if outcome == AppointmentStatus.SCHEDULED:
        return appointment
    with at(recorded_at or starts_at + datetime.timedelta(hours=1)):
        if outcome == AppointmentStatus.CANCELLED_BY_CLIENT:
            appointment_cancel(actor=pwp, appointment=appointment, by_client=True)
        elif outcome == AppointmentStatus.CANCELLED_BY_SERVICE:
            appointment_cancel(actor=pwp, appointment=appointment, by_client=False)
        else:
            appointment_record_attendance(actor=pwp, appointment=appointment, status=outcome)
    return appointment


def _questionnaire(treatment, instrument, time_point, due_from, answers, completed_at):
    adm = AdministrationFactory(
        treatment=treatment,
        instrument=instrument,
        time_point=time_point,
        due_from=due_from,
        due_until=due_from + datetime.timedelta(days=14),
        status=AdministrationStatus.OPEN,
    )
    with at(completed_at):
        answer_all(adm, answers)
        return administration_complete(administration=adm)


def practitioner_answers(treatment, time_point, answers, completed_at, instrument="wai_sf_t"):
    """The treatment's PWP answers their own questionnaire about the client (the
    WAI-SF-T), signed in as themselves (``answered_by`` = the PWP)."""
    adm = AdministrationFactory(
        treatment=treatment,
        instrument=instrument,
        time_point=time_point,
        due_from=completed_at - datetime.timedelta(days=1),
        due_until=completed_at + datetime.timedelta(days=7),
        status=AdministrationStatus.OPEN,
    )
    with at(completed_at):
        for item, value in answers.items():
            administration_answer(administration=adm, item=item, value=value, actor=treatment.pwp)
        return administration_complete(administration=adm)


def _missed(treatment, instrument, time_point, due_from, missed_at):
    return AdministrationFactory(
        treatment=treatment,
        instrument=instrument,
        time_point=time_point,
        due_from=due_from,
        due_until=missed_at,
        status=AdministrationStatus.MISSED,
        missed_at=missed_at,
    )


@contextlib.contextmanager
def _questionnaires_not_replanned():
    """Every questionnaire of this small trial is listed by hand and the planner
    never runs in it; so the re-plan a closing step asks questionnaires for (its
    `treatment_status_changed` receiver) is left out too."""
    uid = "questionnaires.treatment_status_changed"
    treatment_status_changed.disconnect(dispatch_uid=uid)
    try:
        yield
    finally:
        treatment_status_changed.connect(treatment_closed_or_reopened, dispatch_uid=uid)


def _end(actor, treatment, status, when):
    """Close the treatment through the lifecycle step a PWP would use."""
    with at(when), _questionnaires_not_replanned():
        if status == TreatmentStatus.COMPLETED:
            treatment_discharge(actor=actor, treatment=treatment)
        elif status == TreatmentStatus.DROPPED_OUT:
            treatment_record_dropout(actor=actor, treatment=treatment, reason="No contact")
        else:
            treatment_withdraw_from_trial(actor=actor, treatment=treatment, reason="Asked to")


# Answers (hand-summed totals in the comments).
P1_PHQ9_BASELINE = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 1, 8: 1, 9: 1, 10: 1}  # 15
P1_GAD7_BASELINE = {1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1, 7: 2}  # 10
P1_PHQ9_END = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0, 10: 0}  # 8
P1_WAI_END = {n: 4 for n in range(1, 13)}  # 48; task/bond/goal 16 each
P2_PHQ9_BASELINE = {1: 3, 2: 3, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 2}  # 20
P4_PHQ9_BASELINE = {1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0, 10: 1}  # 12
P4_PHQ9_SESSION1 = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 0, 7: 0, 8: 0, 9: 0}  # 5


def build_trial() -> SimpleNamespace:
    admin = UserFactory(
        email="boss@example.org", is_staff=True, is_superuser=True, first_name="Admin"
    )
    aaa = ServiceFactory(code="AAA", name="Alpha Talking Therapies")
    bbb = ServiceFactory(code="BBB", name="Beta Talking Therapies")
    pwp_a = StaffFactory(
        pwp_in=aaa, email="pwp.a@example.org", first_name="Petronella", last_name="Quayle"
    )
    pwp_b = StaffFactory(
        pwp_in=bbb, email="pwp.b@example.org", first_name="Octavius", last_name="Thrupp"
    )
    modules, s = build_programme()

    # --- P1 AAA-0001: completes the course --------------------------------------
    p1 = _enrol(actor=admin, service=aaa, pwp=pwp_a, email="zelda@example.org",
                first="Zelda", last="Quimby", when=t(3, 3, 9))  # fmt: skip
    c1 = p1.client
    for day in (3, 10, 17):
        _login(c1, t(3, day, 10))
    _open(p1, s["m1-read"], t(3, 3, 10, 5))
    _complete(p1, s["m1-read"], t(3, 3, 10, 10))
    _open(p1, s["m1-ex"], t(3, 3, 10, 15))
    _submit(p1, s["m1-ex"], t(3, 3, 10, 20))
    _open(p1, s["m2-read"], t(3, 10, 10, 5))
    _complete(p1, s["m2-read"], t(3, 10, 10, 10))
    _open(p1, s["m2-ex"], t(3, 10, 10, 15))
    _submit(p1, s["m2-ex"], t(3, 10, 10, 20))
    _open(p1, s["m3-read"], t(3, 17, 10, 5))
    _complete(p1, s["m3-read"], t(3, 17, 10, 10))
    _open(p1, s["m4-read"], t(3, 17, 10, 15))
    _complete(p1, s["m4-read"], t(3, 17, 10, 20))
    _mood(c1, 4, t(3, 4, 20))
    _mood(c1, 6, t(3, 11, 20))
    _message(c1, p1, t(3, 5, 12))
    _message(pwp_a, p1, t(3, 5, 13))
    _message(c1, p1, t(3, 12, 12))
    _session(pwp_a, p1, 1, t(3, 6, 10), AppointmentStatus.ATTENDED)
    _session(pwp_a, p1, 2, t(3, 13, 10), AppointmentStatus.ATTENDED)
    _session(pwp_a, p1, 3, t(3, 20, 10), AppointmentStatus.DID_NOT_ATTEND)
    _questionnaire(p1, "phq9", "baseline", t(3, 3, 9), P1_PHQ9_BASELINE, t(3, 3, 10, 30))
    _questionnaire(p1, "gad7", "baseline", t(3, 3, 9), P1_GAD7_BASELINE, t(3, 3, 10, 35))
    _missed(p1, "gad7", "pre_session_3", t(3, 17, 0), t(3, 20, 10))
    _questionnaire(p1, "phq9", "end_of_treatment", t(5, 12, 0), P1_PHQ9_END, t(5, 13, 9))
    _questionnaire(p1, "wai_sf_c", "end_of_treatment", t(5, 12, 0), P1_WAI_END, t(5, 13, 9, 10))
    _end(pwp_a, p1, TreatmentStatus.COMPLETED, t(5, 19, 12))

    # --- P2 AAA-0002: starts, then drops out ------------------------------------
    p2 = _enrol(actor=admin, service=aaa, pwp=pwp_a, email="xavier@example.org",
                first="Xavier", last="Pwllheli", when=t(3, 4, 9))  # fmt: skip
    c2 = p2.client
    _login(c2, t(3, 4, 10))
    _open(p2, s["m1-read"], t(3, 4, 10, 5))
    _complete(p2, s["m1-read"], t(3, 4, 10, 6))
    _open(p2, s["m1-ex"], t(3, 4, 10, 10))
    _session(pwp_a, p2, 1, t(3, 7, 10), AppointmentStatus.CANCELLED_BY_CLIENT,
             recorded_at=t(3, 5, 9))  # fmt: skip
    _questionnaire(p2, "phq9", "baseline", t(3, 4, 9), P2_PHQ9_BASELINE, t(3, 4, 10, 30))
    _end(pwp_a, p2, TreatmentStatus.DROPPED_OUT, t(3, 20, 9))
    _login(c2, t(3, 25, 10))  # after the end: not counted

    # --- P3 AAA-0003: invited, never signs in ------------------------------------
    p3 = _enrol(actor=admin, service=aaa, pwp=pwp_a, email="yolanda@example.org",
                first="Yolanda", last="Vrask", when=t(3, 5, 9), activate=False)  # fmt: skip
    _missed(p3, "phq9", "baseline", t(3, 5, 9), t(3, 19, 0))

    # --- P4 BBB-0001: active, first module done ----------------------------------
    p4 = _enrol(actor=admin, service=bbb, pwp=pwp_b, email="wilbur@example.org",
                first="Wilbur", last="Kestrel", when=t(3, 10, 9))  # fmt: skip
    c4 = p4.client
    _login(c4, t(3, 10, 10))
    _login(c4, t(3, 12, 10))
    _open(p4, s["m1-read"], t(3, 10, 10, 5))
    _complete(p4, s["m1-read"], t(3, 10, 10, 6))
    _open(p4, s["m1-ex"], t(3, 10, 10, 10))
    _submit(p4, s["m1-ex"], t(3, 10, 10, 12))
    _open(p4, s["m5-read"], t(3, 12, 10, 5))
    _mood(c4, 7, t(3, 10, 20))
    _mood(c4, 5, t(3, 11, 20))
    _mood(c4, 6, t(3, 16, 20))
    _message(pwp_b, p4, t(3, 11, 9))
    _session(pwp_b, p4, 1, t(3, 14, 10), AppointmentStatus.ATTENDED)
    _session(pwp_b, p4, 2, t(3, 21, 10), AppointmentStatus.CANCELLED_BY_SERVICE,
             recorded_at=t(3, 18, 9))  # fmt: skip
    _session(pwp_b, p4, 3, t(3, 28, 10), AppointmentStatus.SCHEDULED)
    _questionnaire(p4, "phq9", "baseline", t(3, 10, 9), P4_PHQ9_BASELINE, t(3, 10, 10, 30))
    _questionnaire(p4, "phq9", "pre_session_1", t(3, 12, 9), P4_PHQ9_SESSION1, t(3, 13, 9))

    # --- P5 BBB-0002: enrolled in June (outside a March-May range), withdraws ----
    p5 = _enrol(actor=admin, service=bbb, pwp=pwp_b, email="ulrika@example.org",
                first="Ulrika", last="Fenwright", when=t(6, 2, 9))  # fmt: skip
    _login(p5.client, t(6, 2, 9, 6))
    _mood(p5.client, 3, t(6, 2, 20))
    _end(pwp_b, p5, TreatmentStatus.WITHDRAWN, t(6, 10, 9))

    return SimpleNamespace(
        admin=admin,
        services={"AAA": aaa, "BBB": bbb},
        pwps=(pwp_a, pwp_b),
        treatments={
            "AAA-0001": p1,
            "AAA-0002": p2,
            "AAA-0003": p3,
            "BBB-0001": p4,
            "BBB-0002": p5,
        },  # fmt: skip
        modules=modules,
        steps=s,
    )


def _p(**values):
    base = dict(
        modules_started=0,
        modules_completed=0,
        mandatory_modules_completed=0,
        course_completed=0,
        started_programme=0,
        steps_opened=0,
        steps_completed=0,
        exercises_submitted=0,
        seconds_on_platform=0,
        logins=0,
        mood_ratings=0,
        sessions_attended=0,
        sessions_did_not_attend=0,
        sessions_cancelled_by_client=0,
        sessions_cancelled_by_service=0,
        sessions_scheduled=0,
        messages_from_client=0,
        messages_from_practitioner=0,
        questionnaires_due=0,
        questionnaires_completed=0,
        questionnaires_missed=0,
        weeks_active=0,
        phq9_first_total=None,
        phq9_last_total=None,
        phq9_change=None,
        phq9_change_category="not_classifiable",
        gad7_first_total=None,
        gad7_last_total=None,
        wai_sf_c_total=None,
        module_psychoeducation="not_started",
        module_behavioural_activation="not_started",
        module_cognitive_restructuring="not_started",
        module_relapse_prevention="not_started",
        module_problem_solving="not_started",
    )
    base.update(values)
    return base


# Hand-computed from the timeline above.
EXPECTED_PARTICIPANTS = {
    "AAA-0001": _p(
        service_code="AAA",
        treatment_status="completed",
        start_date="2025-03-03",
        planned_end_date="2025-05-19",
        enrolled_at="2025-03-03T09:00:00Z",
        activated_at="2025-03-03T09:05:00Z",
        ended_at="2025-05-19T12:00:00Z",
        modules_started=4,
        modules_completed=4,
        mandatory_modules_completed=4,
        course_completed=1,
        started_programme=1,
        steps_opened=6,
        steps_completed=6,
        exercises_submitted=2,
        seconds_on_platform=720,  # 6 steps x 120 s (each gap capped at 120 s)
        logins=3,
        mood_ratings=2,
        sessions_attended=2,
        sessions_did_not_attend=1,
        messages_from_client=2,
        messages_from_practitioner=1,
        questionnaires_due=5,
        questionnaires_completed=4,
        questionnaires_missed=1,
        weeks_active=4,  # ISO weeks 10, 11, 12 (March) and 20 (end-of-treatment PHQ-9)
        phq9_first_total=15,
        phq9_last_total=8,
        phq9_change=-7,
        phq9_change_category="reliable_improvement",
        gad7_first_total=10,
        wai_sf_c_total=48,
        module_psychoeducation="completed",
        module_behavioural_activation="completed",
        module_cognitive_restructuring="completed",
        module_relapse_prevention="completed",
    ),
    "AAA-0002": _p(
        service_code="AAA",
        treatment_status="dropped_out",
        start_date="2025-03-04",
        planned_end_date="2025-05-20",
        enrolled_at="2025-03-04T09:00:00Z",
        activated_at="2025-03-04T09:05:00Z",
        ended_at="2025-03-20T09:00:00Z",
        modules_started=1,
        started_programme=1,
        steps_opened=2,
        steps_completed=1,
        seconds_on_platform=60,
        logins=1,  # the login after the end does not count
        sessions_cancelled_by_client=1,
        questionnaires_due=1,
        questionnaires_completed=1,
        weeks_active=1,
        phq9_first_total=20,
        module_psychoeducation="started",
    ),
    "AAA-0003": _p(
        service_code="AAA",
        treatment_status="invited",
        start_date="2025-03-05",
        planned_end_date="2025-05-21",
        enrolled_at="2025-03-05T09:00:00Z",
        activated_at="",
        ended_at="",
        questionnaires_due=1,
        questionnaires_missed=1,
    ),
    "BBB-0001": _p(
        service_code="BBB",
        treatment_status="active",
        start_date="2025-03-10",
        planned_end_date="2025-05-26",
        enrolled_at="2025-03-10T09:00:00Z",
        activated_at="2025-03-10T09:05:00Z",
        ended_at="",
        modules_started=2,
        modules_completed=1,
        mandatory_modules_completed=1,
        started_programme=1,
        steps_opened=3,
        steps_completed=2,
        exercises_submitted=1,
        seconds_on_platform=180,  # 60 + 120 + 0
        logins=2,
        mood_ratings=3,
        sessions_attended=1,
        sessions_cancelled_by_service=1,
        sessions_scheduled=1,
        messages_from_practitioner=1,
        questionnaires_due=2,
        questionnaires_completed=2,
        weeks_active=1,  # everything fell in ISO week 11
        phq9_first_total=12,
        phq9_last_total=5,
        phq9_change=-7,
        phq9_change_category="reliable_improvement",
        module_psychoeducation="completed",
        module_problem_solving="started",
    ),
    "BBB-0002": _p(
        service_code="BBB",
        treatment_status="withdrawn",
        start_date="2025-06-02",
        planned_end_date="2025-08-18",
        enrolled_at="2025-06-02T09:00:00Z",
        activated_at="2025-06-02T09:05:00Z",
        ended_at="2025-06-10T09:00:00Z",
        logins=1,
        mood_ratings=1,
        weeks_active=1,
    ),
}

EXPECTED_EVENT_COUNTS = {
    "AAA-0001": {
        "login": 3,
        "step_opened": 6,
        "step_completed": 6,
        "exercise_submitted": 2,
        "mood_rated": 2,
        "message_from_client": 2,
        "message_from_practitioner": 1,
        "session_attended": 2,
        "session_did_not_attend": 1,
        "questionnaire_completed": 4,
        "questionnaire_missed": 1,
    },
    "AAA-0002": {
        "login": 1,
        "step_opened": 2,
        "step_completed": 1,
        "session_cancelled_by_client": 1,
        "questionnaire_completed": 1,
    },
    "AAA-0003": {"questionnaire_missed": 1},
    "BBB-0001": {
        "login": 2,
        "step_opened": 3,
        "step_completed": 2,
        "exercise_submitted": 1,
        "mood_rated": 3,
        "message_from_practitioner": 1,
        "session_attended": 1,
        "session_cancelled_by_service": 1,
        "session_scheduled": 1,
        "questionnaire_completed": 2,
    },
    "BBB-0002": {"login": 1, "mood_rated": 1},
}
