"""Risk alerts from sent exercise entries: raised on send, never from drafts, once per entry."""

import datetime
import uuid

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.notifications.models import Notification
from apps.programme import services
from apps.programme.content import content_load
from apps.programme.models import EntryStatus, ExerciseEntry, Module, Step
from apps.safety.models import RiskAlert, RiskAlertStatus, RiskSource
from apps.safety.services import risk_alert_raise_for_entry, risk_alerts_escalate
from tests.factories import PASSWORD
from tests.programme.factories import ExerciseEntryFactory
from tests.questionnaires.factories import PHQ9_LOW_ITEM9, AdministrationFactory, answer_all

pytestmark = pytest.mark.django_db

RISKY = "I want to end my life"
RECORD = {
    "day": "2026-03-03",
    "time": "14:00",
    "situation": "Alone in the flat after the phone call",
    "feeling": "Sad",
    "feeling_before": "90",
    "thought": RISKY,
    "belief_before": "80",
    "feeling_after": "85",
}
SOURCE_LABEL = "Exercise mentions self-harm or suicide"


@pytest.fixture
def content(db):
    content_load(directory=settings.CONTENT_DIR)
    return {m.slug: m for m in Module.objects.all()}


def _step(module_slug: str, step_slug: str) -> Step:
    return Step.objects.select_related("module").get(module__slug=module_slug, slug=step_slug)


@pytest.fixture
def thought_record(treatment, content) -> Step:
    """The thought record step, open for the client (the first two modules done)."""
    for slug in ("psychoeducation", "behavioural-activation"):
        for s in content[slug].steps.all():
            services.step_complete(treatment=treatment, step=s)
    return _step("cognitive-restructuring", "thought-record")


@pytest.fixture
def signed_in(client, client_user):
    client.login(email=client_user.email, password=PASSWORD)
    return client


def step_url(step: Step) -> str:
    return reverse("programme:step", args=[step.module.slug, step.slug])


def submit(client, step, data, request_id=None, **kwargs):
    form = {**data, "client_request_id": str(request_id or uuid.uuid4()), "action": "submit"}
    return client.post(step_url(step), form, **kwargs)


def _submit_directly(treatment, step, data, request_id=None):
    """Send an already clean entry through the programme's submit service."""
    return services.exercise_submit(
        treatment=treatment, step=step, client_request_id=request_id or uuid.uuid4(), data=data
    )


# --- Raised on send ---------------------------------------------------------------------


def test_sent_thought_record_about_ending_life_alerts_pwp_and_supervisor(
    signed_in,
    client,
    pwp,
    supervisor,
    treatment,
    thought_record,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(signed_in, thought_record, RECORD, follow=True)

    # The client's next page: only true statements, and the care card.
    html = response.content.decode()
    assert "We have let your practitioner know." in html
    assert "They will contact you – usually within 1 working day." in html
    assert "If you might harm yourself or you are in danger now, call 999" in html
    assert "Samaritans" in html and "116123" in html

    entry = ExerciseEntry.objects.get(status=EntryStatus.SUBMITTED)
    alert = RiskAlert.objects.get()
    assert alert.exercise_entry == entry and alert.administration is None
    assert alert.source == RiskSource.EXERCISE_SAFETY_WORDS
    assert alert.status == RiskAlertStatus.OPEN and alert.treatment == treatment

    # Email through the outbox to the PWP and the supervisor: a link, nothing written.
    notified = Notification.objects.filter(kind="risk_alert")
    assert {n.recipient_id for n in notified} == {pwp.pk, supervisor.pk}
    sent = [m for m in mail.outbox if m.to[0] in (pwp.email, supervisor.email)]
    assert len(sent) == 2
    for message in sent:
        assert reverse("workspace:alert_detail", args=[alert.pk]) in message.body
        text = (message.subject + message.body).lower()
        for private in ("end my life", "alone in the flat", "thought record", "sad", "self-harm"):
            assert private not in text

    # On both dashboards at once, with where it came from.
    for user in (pwp, supervisor):
        client.login(email=user.email, password=PASSWORD)
        alerts = client.get(reverse("safety:alerts")).content.decode()
        assert treatment.participant_id in alerts
        assert SOURCE_LABEL in alerts and "From: Thought record" in alerts
        client.logout()
    client.login(email=pwp.email, password=PASSWORD)
    assert "1 open risk alert" in client.get(reverse("workspace:caseload")).content.decode()


def test_alert_page_says_where_it_came_from_and_links_to_the_entry(
    client, pwp, supervisor, treatment, thought_record
):
    entry, _first = _submit_directly(treatment, thought_record, {**RECORD, "traps": []})
    # 3 March 2026 14:02 in London (GMT).
    ExerciseEntry.objects.filter(pk=entry.pk).update(
        submitted_at=datetime.datetime(2026, 3, 3, 14, 2, tzinfo=datetime.UTC)
    )
    alert = RiskAlert.objects.get()
    entry_url = reverse("programme:entry", args=[entry.pk])
    for user in (pwp, supervisor):
        client.login(email=user.email, password=PASSWORD)
        page = client.get(reverse("workspace:alert_detail", args=[alert.pk])).content.decode()
        assert "From" in page and "Thought record, submitted 3 March 14:02" in page
        assert f'href="{entry_url}"' in page
        assert "Answers" not in page  # no questionnaire table for an exercise alert
        assert RISKY not in page  # the text is one click away, behind the entry's access rules
        entry_page = client.get(entry_url)
        assert entry_page.status_code == 200 and RISKY in entry_page.content.decode()
        client.logout()


def test_staying_well_plan_with_suicidal_thoughts_as_a_warning_sign_raises_an_alert(
    treatment, content
):
    plan = _step("relapse-prevention", "staying-well-plan")
    _submit_directly(
        treatment,
        plan,
        {
            "warning_thoughts": "Thinking about suicide again",
            "supporters": "My sister Jo: she can come round",
            "professional_contacts": "My GP",
        },
    )
    assert RiskAlert.objects.get().source == RiskSource.EXERCISE_SAFETY_WORDS


def test_alert_is_saved_in_the_same_transaction_as_the_sent_entry(
    treatment, thought_record, monkeypatch
):
    def boom(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr("apps.safety.services.notification_schedule", boom)
    request_id = uuid.uuid4()
    with pytest.raises(RuntimeError):
        _submit_directly(treatment, thought_record, {**RECORD, "traps": []}, request_id)
    # Nothing half-done: the entry is not sent without its alert.
    assert not ExerciseEntry.objects.filter(
        client_request_id=request_id, status=EntryStatus.SUBMITTED
    ).exists()
    assert not RiskAlert.objects.exists()


# --- Drafts, re-sends, other safety messages ------------------------------------------------


def test_drafts_never_raise_an_alert(signed_in, thought_record, django_capture_on_commit_callbacks):
    request_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        autosave = signed_in.post(
            reverse("programme:autosave", args=[thought_record.pk]),
            {"client_request_id": request_id, **RECORD},
            HTTP_HX_REQUEST="true",
        )
        later = signed_in.post(
            step_url(thought_record), {"client_request_id": request_id, "action": "save", **RECORD}
        )
    assert autosave.status_code == 200 and later.status_code == 302
    entry = ExerciseEntry.objects.get(client_request_id=request_id)
    assert entry.status == EntryStatus.DRAFT and entry.data["thought"] == RISKY
    assert not RiskAlert.objects.exists()
    assert not Notification.objects.filter(kind="risk_alert").exists()
    # The service refuses an unsent entry outright.
    with pytest.raises(ValueError):
        risk_alert_raise_for_entry(entry=entry, reasons=[RiskSource.EXERCISE_SAFETY_WORDS])


def test_sending_the_same_entry_again_does_not_duplicate_the_alert(
    signed_in, treatment, thought_record, content
):
    request_id = uuid.uuid4()
    submit(signed_in, thought_record, RECORD, request_id)
    submit(signed_in, thought_record, RECORD, request_id)  # double click / resent POST
    assert RiskAlert.objects.count() == 1
    assert Notification.objects.filter(kind="risk_alert").count() == 1  # the PWP only

    # A plan the client may change and send again: still one alert for that entry.
    plan = _step("relapse-prevention", "staying-well-plan")
    data = {
        "warning_thoughts": "I don't want to be here any more",
        "supporters": "Jo",
        "professional_contacts": "GP",
    }
    plan_request = uuid.uuid4()
    entry, _first = _submit_directly(treatment, plan, data, plan_request)
    _submit_directly(treatment, plan, {**data, "triggers": "Suicidal thoughts"}, plan_request)
    assert RiskAlert.objects.filter(exercise_entry=entry).count() == 1
    alert = RiskAlert.objects.get(exercise_entry=entry)
    assert risk_alert_raise_for_entry(entry=entry, reasons=[alert.source]) == []
    assert RiskAlert.objects.count() == 2


@pytest.mark.parametrize(
    "thought",
    [
        "This traffic is killing me",
        "I'm dying to see the film",
        "My boss will kill me if I'm late",
        "I want to end it with him",
        "I don't want to live in London any more",
        "I don't want to be here at this party",
    ],
)
def test_everyday_phrases_do_not_raise_an_alert(signed_in, thought_record, thought):
    response = submit(signed_in, thought_record, {**RECORD, "thought": thought}, follow=True)
    assert response.status_code == 200
    assert ExerciseEntry.objects.filter(status=EntryStatus.SUBMITTED).count() == 1
    assert not RiskAlert.objects.exists()
    html = response.content.decode()
    assert "We have let your practitioner know" not in html
    assert "will see this before your next session" in html


def test_a_reflection_that_mentions_self_harm_alerts_and_shows_the_care_card(
    signed_in, treatment, content
):
    """Every sent exercise is checked, not only those with a safety message of their own."""
    for slug in ("psychoeducation", "behavioural-activation", "cognitive-restructuring"):
        for s in content[slug].steps.all():
            services.step_complete(treatment=treatment, step=s)
    looking_back = _step("relapse-prevention", "looking-back")
    response = submit(
        signed_in,
        looking_back,
        {"answer_1": "Some weeks I still think about hurting myself."},
        follow=True,
    )
    alert = RiskAlert.objects.get()
    assert alert.exercise_entry.step == looking_back
    html = response.content.decode()
    assert "We have let your practitioner know." in html
    assert "Samaritans" in html


def test_evidence_in_a_thought_record_is_checked_too(treatment, thought_record):
    _submit_directly(
        treatment,
        thought_record,
        {
            **RECORD,
            "thought": "Nobody wants me around",
            "traps": [],
            "evidence_for": "I'd be better off dead",
        },
    )
    assert RiskAlert.objects.get().source == RiskSource.EXERCISE_SAFETY_WORDS


def test_other_safety_messages_do_not_raise_a_self_harm_alert(treatment, content):
    """The activity plan's health questions show a safety message about the GP: not an alert."""
    plan = _step("physical-exercise", "exercise-plan")
    _submit_directly(
        treatment,
        plan,
        {
            "smart_goal": "Walk 10 minutes on 3 days a week",
            "health_check": ["chest_pain"],
            "activity_type": "Walking",
            "days_times": "Mon, Wed, Fri at 9am",
            "minutes_goal": 30,
            "intensity": "light",
            "rows": [],
        },
    )
    assert not RiskAlert.objects.exists()


# --- Acknowledge, access, escalate ------------------------------------------------------------


@pytest.fixture
def entry_alert(treatment, thought_record) -> RiskAlert:
    _submit_directly(treatment, thought_record, {**RECORD, "traps": []})
    return RiskAlert.objects.get()


def test_acknowledging_needs_a_note_and_then_the_client_page_stops_promising_contact(
    client, client_user, pwp, entry_alert
):
    client.login(email=pwp.email, password=PASSWORD)
    url = reverse("workspace:alert_detail", args=[entry_alert.pk])
    response = client.post(url, {"note": "   "})
    assert response.status_code == 200
    assert "Enter a note saying what you did" in response.content.decode()
    entry_alert.refresh_from_db()
    assert entry_alert.status == RiskAlertStatus.OPEN

    assert client.post(url, {"note": "Phoned the client; safety plan agreed."}).status_code == 302
    entry_alert.refresh_from_db()
    assert entry_alert.status == RiskAlertStatus.ACKNOWLEDGED
    assert entry_alert.acknowledged_by == pwp
    recent = client.get(reverse("safety:alerts")).content.decode()
    assert "There are no open risk alerts." in recent and SOURCE_LABEL in recent

    client.login(email=client_user.email, password=PASSWORD)
    page = client.get(
        reverse("programme:entry_confirm", args=[entry_alert.exercise_entry_id])
    ).content.decode()
    assert "We have let your practitioner know" not in page
    assert "116123" in page  # the exercise's own safety message and care card remain


def test_other_pwps_cannot_see_or_acknowledge_an_exercise_alert(
    client, entry_alert, other_pwp, colleague_pwp, treatment
):
    url = reverse("workspace:alert_detail", args=[entry_alert.pk])
    for user in (other_pwp, colleague_pwp):
        client.login(email=user.email, password=PASSWORD)
        assert client.get(url).status_code == 404
        assert client.post(url, {"note": "Closing it"}).status_code == 404
        assert treatment.participant_id not in client.get(reverse("safety:alerts")).content.decode()
        entry_url = reverse("programme:entry", args=[entry_alert.exercise_entry_id])
        assert client.get(entry_url).status_code == 404
        client.logout()
    entry_alert.refresh_from_db()
    assert entry_alert.status == RiskAlertStatus.OPEN


def test_trial_manager_and_clients_cannot_open_exercise_alert_pages(
    client, entry_alert, trial_manager, client_user, other_client
):
    for user in (trial_manager, client_user, other_client):
        client.login(email=user.email, password=PASSWORD)
        assert client.get(reverse("safety:alerts")).status_code == 403
        assert (
            client.get(reverse("workspace:alert_detail", args=[entry_alert.pk])).status_code == 403
        )
        client.logout()


def test_other_client_gets_no_alert_notice_for_someone_elses_entry(
    client, other_client, entry_alert
):
    client.login(email=other_client.email, password=PASSWORD)
    url = reverse("programme:entry_confirm", args=[entry_alert.exercise_entry_id])
    response = client.get(url)
    assert response.status_code == 404
    assert b"We have let your practitioner know" not in response.content


def test_unacknowledged_exercise_alert_escalates_to_the_supervisor_once(entry_alert, supervisor):
    with time_machine.travel(entry_alert.raised_at + datetime.timedelta(hours=3, minutes=59)):
        assert risk_alerts_escalate() == 0
    with time_machine.travel(entry_alert.raised_at + datetime.timedelta(hours=4, minutes=1)):
        assert risk_alerts_escalate() == 1
        assert risk_alerts_escalate() == 0
    entry_alert.refresh_from_db()
    assert entry_alert.escalated_at is not None
    escalations = Notification.objects.filter(kind="risk_escalation")
    assert [n.recipient_id for n in escalations] == [supervisor.pk]


# --- Model rules ----------------------------------------------------------------------------


def test_an_alert_is_about_exactly_one_questionnaire_or_entry(treatment, content):
    entry = ExerciseEntryFactory(
        treatment=treatment, step=_step("psychoeducation", "my-cycle"), data={}
    )
    administration = AdministrationFactory(treatment=treatment)
    for about in ({}, {"exercise_entry": entry, "administration": administration}):
        with pytest.raises(IntegrityError), transaction.atomic():
            RiskAlert.objects.create(
                treatment=treatment, source=RiskSource.EXERCISE_SAFETY_WORDS, **about
            )
    RiskAlert.objects.create(
        treatment=treatment, source=RiskSource.EXERCISE_SAFETY_WORDS, exercise_entry=entry
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskAlert.objects.create(
            treatment=treatment, source=RiskSource.EXERCISE_SAFETY_WORDS, exercise_entry=entry
        )


def test_alerts_page_lists_questionnaire_and_exercise_alerts_together(
    client, pwp, treatment, entry_alert
):
    from apps.questionnaires.services import administration_complete

    phq9 = AdministrationFactory(treatment=treatment)
    answer_all(phq9, PHQ9_LOW_ITEM9)
    administration_complete(administration=phq9)
    client.login(email=pwp.email, password=PASSWORD)
    page = client.get(reverse("safety:alerts")).content.decode()
    assert "2 open alerts" in page
    assert "PHQ-9 item 9 answered above 0" in page and SOURCE_LABEL in page
    phq9_alert = RiskAlert.objects.get(administration=phq9)
    detail = client.get(reverse("workspace:alert_detail", args=[phq9_alert.pk])).content.decode()
    assert "Answers" in detail and "Thought record, submitted" not in detail


def test_resending_after_acknowledgement_raises_a_new_alert(entry_alert, pwp):
    """A risk flag is never lost: an acknowledged alert does not silence later sends."""
    from apps.safety.services import risk_alert_acknowledge, risk_alert_raise_for_entry

    entry = entry_alert.exercise_entry
    assert risk_alert_raise_for_entry(entry=entry, reasons=[entry_alert.source]) == []
    risk_alert_acknowledge(
        alert=entry_alert, actor=pwp, note="Called the client; safety plan reviewed."
    )
    (second,) = risk_alert_raise_for_entry(entry=entry, reasons=[entry_alert.source])
    assert second.pk != entry_alert.pk and second.is_open
    assert RiskAlert.objects.filter(exercise_entry=entry).count() == 2
