"""Access audit: every object-scoped URL, tried by every persona that must not reach it.

One matrix (`CASES`): for each URL name, which personas may use it; every other
persona gets 403 or 404 (anonymous: sent to sign in, or 401/403 from the API),
the response names nothing of the victim (name, email, participant ID, notes,
messages, exercise text), and a refused POST changes nothing. Each case also
checks that one allowed persona does get through, so a URL that 404s for
everyone cannot pass.

Below the matrix: the rules that are not "wrong object" (drafts, signed links,
open redirects, CSRF, trial manager pages and the API, supervisors' writes).
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Callable

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiToken, User
from apps.care.models import Appointment, BespokeTask, Consent, SessionNote, SessionRecord
from apps.messaging.models import Message
from apps.privacy.models import ErasureRequest, ReleaseState, SubjectAccessRequest
from apps.programme.content import content_load
from apps.programme.models import (
    EntryFeedback,
    EntryStatus,
    ExerciseEntry,
    FeedbackReply,
    Module,
    ModulePlan,
    Step,
)
from apps.questionnaires import links
from apps.questionnaires.models import Administration, Answer
from apps.safety.models import RiskAlert
from apps.tracking.models import Goal, GoalComment, GoalRating
from apps.trials.models import ExportJob
from tests.accounts.token_helpers import make_token
from tests.care.factories import (
    PHQ9_ITEM9,
    AppointmentFactory,
    BespokeTaskFactory,
    MessageFactory,
    SessionNoteFactory,
    phq9_completed,
    thought_record,
)
from tests.factories import StaffFactory, UserFactory
from tests.questionnaires.factories import AdministrationFactory
from tests.tracking.factories import GoalFactory

PERSONAS = (
    "anonymous",
    "client_user",
    "other_client",
    "pwp",
    "colleague_pwp",
    "other_pwp",
    "supervisor",
    "other_supervisor",
    "trial_manager",
    "other_trial_manager",
    "admin_user",
)
STAFF_READERS = frozenset({"pwp", "supervisor", "admin_user"})
PWP_WRITERS = frozenset({"pwp", "admin_user"})
OWN_CLIENT = frozenset({"client_user"})
RESEARCHERS = frozenset({"trial_manager", "admin_user"})
LEADS = frozenset({"supervisor", "admin_user"})

# The client persona's own name and email (they are the client whose data is guarded).
OWN_IDENTITY = ("Ceridwen", "Quillfeather", "client@example.org")

SECRETS = (
    "Ceridwen",
    "Quillfeather",
    "client@example.org",
    "Secret task title",
    "Secret note text",
    "Secret message body",
    "Nobody wants me around",  # the sent thought record
    "SECRET-DRAFT-THOUGHT",  # the unsent draft
    "Secret goal about Zelda",
)


@pytest.fixture
def world(
    db,
    client_user,
    treatment,
    other_client,
    other_treatment,
    pwp,
    colleague_pwp,
    other_pwp,
    supervisor,
    other_service,
    trial_manager,
    admin_user,
):
    """`treatment` (the victim, on `pwp`'s caseload) with one of everything."""
    content_load(directory=settings.CONTENT_DIR)
    step = Step.objects.select_related("module").get(exercise_type="thought_record")
    for t in (treatment, other_treatment):
        ModulePlan.objects.update_or_create(
            treatment=t, module=step.module, defaults={"unlocked": True}
        )
    entry = thought_record(treatment, step)
    draft = ExerciseEntry.objects.create(
        treatment=treatment,
        step=step,
        exercise_type=step.entry_type,
        data={"situation": "x", "thought": "SECRET-DRAFT-THOUGHT"},
        status=EntryStatus.DRAFT,
    )
    completed = phq9_completed(treatment, PHQ9_ITEM9)  # raises a risk alert
    return {
        "treatment": treatment,
        "client": client_user,
        "service": treatment.service,
        "colleague_pwp": colleague_pwp,
        "participant_id": treatment.participant_id,
        "step": step,
        "entry": entry,
        "feedback": EntryFeedback.objects.create(
            entry=entry, author=pwp, text="Secret feedback text"
        ),
        "draft": draft,
        "appointment": AppointmentFactory(
            treatment=treatment, number=1, starts_at=timezone.now() - datetime.timedelta(hours=2)
        ),
        "task": BespokeTaskFactory(treatment=treatment, title="Secret task title"),
        "note": SessionNoteFactory(treatment=treatment, text="Secret note text"),
        "message": MessageFactory(treatment=treatment, body="Secret message body"),
        "goal": GoalFactory(
            client=client_user, treatment=treatment, title="Secret goal about Zelda"
        ),
        "open_administration": AdministrationFactory(treatment=treatment, time_point="ad_hoc"),
        # The PWP's own view of the alliance (WAI-SF-T): only `pwp` answers it.
        "practitioner_administration": AdministrationFactory(
            treatment=treatment, instrument="wai_sf_t", time_point="early_alliance"
        ),
        "completed_administration": completed,
        "alert": RiskAlert.objects.get(treatment=treatment),
        "export_job": ExportJob.objects.create(
            requested_by=trial_manager, dataset="events", file_format="csv"
        ),
        "api_token": _api_token(trial_manager),
        # The client asked for a copy of their data (not made yet: no worker ran).
        "copy": SubjectAccessRequest.objects.create(
            client=client_user,
            requested_by=client_user,
            due_by=timezone.localdate(),
            release_state=ReleaseState.AWAITING,
        ),
        "erasure_request": ErasureRequest.objects.create(
            client=client_user,
            kind="anonymise",
            reason="The client asked by letter.",
            requested_by=admin_user,
        ),
        "personas": {
            "anonymous": None,
            "client_user": client_user,
            "other_client": other_client,
            "pwp": pwp,
            "colleague_pwp": colleague_pwp,
            "other_pwp": other_pwp,
            "supervisor": supervisor,
            "other_supervisor": StaffFactory(
                supervisor_of=other_service, email="supervisor@south.example"
            ),
            "trial_manager": trial_manager,
            "other_trial_manager": UserFactory(is_trial_manager=True, email="trials2@example.org"),
            "admin_user": admin_user,
        },
    }


def _api_token(user) -> ApiToken:
    make_token(user, name="Analysis laptop")
    return ApiToken.objects.get(user=user)


def _state(w) -> tuple:
    """Everything a refused request could have changed, as plain values."""
    t = w["treatment"]
    t.refresh_from_db()
    return (
        t.welcome_message,
        t.status,
        t.pwp_id,
        SessionNote.objects.count(),
        SessionRecord.objects.count(),
        EntryFeedback.objects.count(),
        FeedbackReply.objects.count(),
        Message.objects.count(),
        list(BespokeTask.objects.order_by("pk").values_list("pk", "done_at", "title")),
        list(Appointment.objects.order_by("pk").values_list("pk", "status", "starts_at")),
        list(ModulePlan.objects.order_by("pk").values_list("pk", "unlocked", "order_override")),
        list(Goal.objects.order_by("pk").values_list("pk", "title", "status")),
        GoalRating.objects.count(),
        GoalComment.objects.count(),
        list(Administration.objects.order_by("pk").values_list("pk", "status")),
        Answer.objects.count(),
        list(RiskAlert.objects.order_by("pk").values_list("pk", "status")),
        ExportJob.objects.count(),
        list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(ExerciseEntry.objects.order_by("pk").values_list("pk", "status", "data")),
        list(User.objects.order_by("pk").values_list("pk", "is_active", "is_pwp", "is_supervisor")),
        list(Consent.objects.order_by("pk").values_list("pk", "kind", "given")),
        list(SubjectAccessRequest.objects.order_by("pk").values_list("pk", "release_state")),
        list(ErasureRequest.objects.order_by("pk").values_list("pk", "status")),
    )


@dataclasses.dataclass(frozen=True)
class Case:
    name: str  # the URL name (test id)
    method: str
    url: Callable[[dict], str]
    allowed: frozenset[str]
    data: Callable[[dict], dict] = lambda w: {}
    ok: tuple[int, ...] = (200,)  # what an allowed persona gets
    api: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def _day() -> str:
    return (timezone.localdate() + datetime.timedelta(days=3)).isoformat()


def _t(name: str, *extra: str) -> Callable[[dict], str]:
    return lambda w: reverse(name, args=[w["treatment"].pk, *(w[k].pk for k in extra)])


def _o(name: str, key: str, *more) -> Callable[[dict], str]:
    return lambda w: reverse(name, args=[w[key].pk, *more])


CASES = [
    # --- care: staff of a service (its supervisors and admins) ----------------------
    Case("care:staff_list", "GET", _o("care:staff_list", "service"), frozenset(LEADS)),
    Case("care:staff_invite", "GET", _o("care:staff_invite", "service"), frozenset(LEADS)),
    Case(
        "care:staff_member",
        "GET",
        lambda w: reverse("care:staff_member", args=[w["service"].pk, w["colleague_pwp"].pk]),
        frozenset(LEADS),
    ),
    Case(
        "care:staff_member",
        "POST",
        lambda w: reverse("care:staff_member", args=[w["service"].pk, w["colleague_pwp"].pk]),
        frozenset(LEADS),
        data=lambda w: {"action": "deactivate"},
        ok=(302,),
    ),
    Case(
        "workspace:service_settings",
        "GET",
        _o("workspace:service_settings", "service"),
        frozenset(LEADS),
    ),
    # --- care: reads (PWP, supervisor of the service, admin) -----------------------
    Case("workspace:review", "GET", _t("workspace:review"), frozenset(STAFF_READERS)),
    Case("workspace:client_detail", "GET", _t("workspace:client_detail"), frozenset(STAFF_READERS)),
    Case("workspace:review_print", "GET", _t("workspace:review_print"), frozenset(STAFF_READERS)),
    Case("care:sessions", "GET", _t("care:sessions"), frozenset(STAFF_READERS)),
    Case(
        "questionnaires:treatment_scores",
        "GET",
        _t("questionnaires:treatment_scores"),
        frozenset(STAFF_READERS),
    ),
    Case(
        "care:session_ics",
        "GET",
        _o("care:session_ics", "appointment"),
        frozenset(STAFF_READERS | OWN_CLIENT),
    ),
    # --- care: the client's own PWP (and admins) only ------------------------------
    Case("workspace:plan", "GET", _t("workspace:plan"), frozenset(PWP_WRITERS)),
    Case("workspace:session_record", "GET", _t("workspace:session_record"), PWP_WRITERS),
    Case(
        "workspace:session_record",
        "POST",
        _t("workspace:session_record"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"appointment": w["appointment"].pk, "agreed": "Walk each morning"},
        ok=(302,),
    ),
    # The lifecycle: the client's PWP, a supervisor of the service, an admin.
    Case("workspace:lifecycle", "GET", _t("workspace:lifecycle"), frozenset(STAFF_READERS)),
    Case(
        "workspace:lifecycle",
        "POST",
        _t("workspace:lifecycle"),
        frozenset(STAFF_READERS),
        data=lambda w: {"kind": "discharge", "reason": "hijack"},
        ok=(302,),
    ),
    # Handover: a supervisor of the PWP's service, or an admin.
    Case(
        "workspace:handover",
        "GET",
        lambda w: reverse("workspace:handover", args=[w["personas"]["pwp"].pk]),
        frozenset({"supervisor", "admin_user"}),
    ),
    Case(
        "workspace:handover",
        "POST",
        lambda w: reverse("workspace:handover", args=[w["personas"]["pwp"].pk]),
        frozenset({"supervisor", "admin_user"}),
        data=lambda w: {f"to_{w['treatment'].pk}": w["personas"]["colleague_pwp"].pk},
        ok=(302,),
    ),
    Case(
        "workspace:consent_withdrawal",
        "POST",
        _t("workspace:consent_withdrawal"),
        frozenset(STAFF_READERS),
        data=lambda w: {"withdrawal": "stop_follow_up"},
        ok=(302,),
    ),
    Case(
        "workspace:consent_set",
        "POST",
        _t("workspace:consent_set"),
        frozenset(STAFF_READERS),
        data=lambda w: {
            "kind": "trial",
            "given": "no",
            "version": "9",
            "decided_on": timezone.localdate().isoformat(),
        },
        ok=(302,),
    ),
    Case("care:sessions_plan", "GET", _t("care:sessions_plan"), frozenset(PWP_WRITERS)),
    Case(
        "care:session_reschedule",
        "GET",
        _t("care:session_reschedule", "appointment"),
        frozenset(PWP_WRITERS),
    ),
    Case(
        "workspace:entry_feedback",
        "POST",
        _t("workspace:entry_feedback", "entry"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"text": "hijack"},
        ok=(302,),
    ),
    Case(
        "workspace:note_add",
        "POST",
        _t("workspace:note_add"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"text": "hijack"},
        ok=(302,),
    ),
    Case(
        "questionnaires:treatment_ask",
        "POST",
        _t("questionnaires:treatment_ask"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"instrument": "gad7"},
        ok=(302,),
    ),
    Case(
        "workspace:welcome_set",
        "POST",
        _t("workspace:welcome_set"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"welcome_message": "hijack"},
        ok=(302,),
    ),
    Case(
        "workspace:module_action",
        "POST",
        _t("workspace:module_action"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"action": "add", "module": Module.objects.get(slug="physical-exercise").pk},
        ok=(302,),
    ),
    Case(
        "workspace:task_add",
        "POST",
        _t("workspace:task_add"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"title": "hijack", "due_date": _day()},
        ok=(302,),
    ),
    Case(
        "workspace:warnings_seen",
        "POST",
        _t("workspace:warnings_seen"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"note": "Call on Monday"},
        ok=(302,),
    ),
    Case(
        "workspace:task_withdraw",
        "POST",
        _t("workspace:task_withdraw", "task"),
        frozenset(PWP_WRITERS),
        ok=(302,),
    ),
    Case(
        "care:session_schedule",
        "POST",
        _t("care:session_schedule"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"number": 2, "date": _day(), "time": "10:00"},
        ok=(302,),
    ),
    Case(
        "care:sessions_plan",
        "POST",
        _t("care:sessions_plan"),
        frozenset(PWP_WRITERS),
        data=lambda w: {},
        ok=(200, 302),
    ),
    Case(
        "care:session_reschedule",
        "POST",
        _t("care:session_reschedule", "appointment"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"date": _day(), "time": "10:00"},
        ok=(302,),
    ),
    Case(
        "care:session_cancel",
        "POST",
        _t("care:session_cancel", "appointment"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"by": "service"},
        ok=(302,),
    ),
    Case(
        "care:session_attendance",
        "POST",
        _t("care:session_attendance", "appointment"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"status": "attended"},
        ok=(302,),
    ),
    # --- care: the client's own pages ----------------------------------------------
    Case(
        "care:task_done",
        "POST",
        _o("care:task_done", "task"),
        frozenset(OWN_CLIENT),
        ok=(302,),
    ),
    # --- messaging: the two people in the conversation write; staff readers read -----
    Case(
        "messaging:thread",
        "GET",
        _t("messaging:thread"),
        frozenset(STAFF_READERS | OWN_CLIENT),
    ),
    Case(
        "messaging:thread",
        "POST",
        _t("messaging:thread"),
        frozenset({"client_user", "pwp"}),
        data=lambda w: {"body": "hijack", "idempotency_key": str(uuid.uuid4())},
        ok=(302,),
    ),
    # --- programme: sent entries for staff readers, drafts for the client only -------
    Case(
        "programme:entry",
        "GET",
        _o("programme:entry", "entry"),
        frozenset(STAFF_READERS | OWN_CLIENT),
    ),
    Case("programme:entry (draft)", "GET", _o("programme:entry", "draft"), frozenset(OWN_CLIENT)),
    Case("programme:entry_confirm", "GET", _o("programme:entry_confirm", "entry"), OWN_CLIENT),
    Case(
        "programme:step ?entry=",
        "GET",
        lambda w: (
            reverse("programme:step", args=[w["step"].module.slug, w["step"].slug])
            + f"?entry={w['draft'].pk}"
        ),
        frozenset(OWN_CLIENT),
        ok=(302,),  # a multi-part exercise: on to the part to resume
    ),
    Case(
        "programme:feedback_reply",
        "POST",
        lambda w: reverse("programme:feedback_reply", args=[w["entry"].pk, w["feedback"].pk]),
        frozenset(OWN_CLIENT),
        data=lambda w: {"text": "A reply from someone"},
        ok=(302,),
    ),
    # --- shared goals: the client's own PWP (and admins) from the record ------------
    Case("workspace:goal_new", "GET", _t("workspace:goal_new"), frozenset(PWP_WRITERS)),
    Case(
        "workspace:goal_new",
        "POST",
        _t("workspace:goal_new"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"title": "A goal from someone"},
        ok=(302,),
    ),
    Case("workspace:goal", "GET", _t("workspace:goal", "goal"), frozenset(PWP_WRITERS)),
    Case(
        "workspace:goal",
        "POST",
        _t("workspace:goal", "goal"),
        frozenset(PWP_WRITERS),
        data=lambda w: {"action": "comment", "text": "A comment from someone"},
        ok=(302,),
    ),
    Case(
        "tracking:goal_comment",
        "POST",
        _o("tracking:goal_comment", "goal"),
        frozenset(OWN_CLIENT),
        data=lambda w: {"text": "A comment from someone"},
        ok=(302,),
    ),
    # --- tracking: the client's own goals ------------------------------------------
    Case("tracking:goal_detail", "GET", _o("tracking:goal_detail", "goal"), OWN_CLIENT),
    Case("tracking:goal_edit", "GET", _o("tracking:goal_edit", "goal"), OWN_CLIENT),
    Case(
        "tracking:goal_edit",
        "POST",
        _o("tracking:goal_edit", "goal"),
        frozenset(OWN_CLIENT),
        data=lambda w: {"title": "hijack the goal", "vague_ok": "True"},
        ok=(302,),
    ),
    Case(
        "tracking:goal_rate",
        "POST",
        _o("tracking:goal_rate", "goal"),
        frozenset(OWN_CLIENT),
        data=lambda w: {"value": 7},
        ok=(302,),
    ),
    Case(
        "tracking:goal_status",
        "POST",
        _o("tracking:goal_status", "goal"),
        frozenset(OWN_CLIENT),
        data=lambda w: {"status": "dropped"},
        ok=(302,),
    ),
    # --- questionnaires: the client's own (signed links: see below) ------------------
    Case(
        "questionnaires:start",
        "GET",
        _o("questionnaires:start", "open_administration"),
        frozenset(OWN_CLIENT),
    ),
    Case(
        "questionnaires:item",
        "GET",
        _o("questionnaires:item", "open_administration", 1),
        frozenset(OWN_CLIENT),
    ),
    Case(
        "questionnaires:item",
        "POST",
        _o("questionnaires:item", "open_administration", 1),
        frozenset(OWN_CLIENT),
        data=lambda w: {"answer": "3"},
        ok=(302,),
    ),
    Case(
        "questionnaires:all",
        "GET",
        _o("questionnaires:all", "open_administration"),
        frozenset(OWN_CLIENT),
    ),
    Case(
        "questionnaires:all",
        "POST",
        _o("questionnaires:all", "open_administration"),
        frozenset(OWN_CLIENT),
        data=lambda w: {f"item_{n}": "3" for n in range(1, 11)},
        ok=(200, 302),
    ),
    Case(
        "questionnaires:check",
        "GET",
        _o("questionnaires:check", "open_administration"),
        frozenset(OWN_CLIENT),
    ),
    Case(
        "questionnaires:check",
        "POST",
        _o("questionnaires:check", "open_administration"),
        frozenset(OWN_CLIENT),
        data=lambda w: {"confirm": "1"},
        ok=(200, 302),
    ),
    Case(
        "questionnaires:result",
        "GET",
        _o("questionnaires:result", "completed_administration"),
        frozenset(OWN_CLIENT),
    ),
    # --- questionnaires: the PWP's own view of the alliance (WAI-SF-T) ----------------
    # Only the client's own PWP: not a colleague, a supervisor, an admin or the client.
    Case(
        "questionnaires:practitioner_start",
        "GET",
        _o("questionnaires:practitioner_start", "practitioner_administration"),
        frozenset({"pwp"}),
    ),
    Case(
        "questionnaires:practitioner_item",
        "GET",
        _o("questionnaires:practitioner_item", "practitioner_administration", 1),
        frozenset({"pwp"}),
    ),
    Case(
        "questionnaires:practitioner_item",
        "POST",
        _o("questionnaires:practitioner_item", "practitioner_administration", 1),
        frozenset({"pwp"}),
        data=lambda w: {"answer": "3"},
        ok=(302,),
    ),
    Case(
        "questionnaires:practitioner_all",
        "GET",
        _o("questionnaires:practitioner_all", "practitioner_administration"),
        frozenset({"pwp"}),
    ),
    Case(
        "questionnaires:practitioner_all",
        "POST",
        _o("questionnaires:practitioner_all", "practitioner_administration"),
        frozenset({"pwp"}),
        data=lambda w: {f"item_{n}": "3" for n in range(1, 13)},
        ok=(302,),
    ),
    Case(
        "questionnaires:practitioner_check",
        "GET",
        _o("questionnaires:practitioner_check", "practitioner_administration"),
        frozenset({"pwp"}),
    ),
    Case(
        "questionnaires:practitioner_check",
        "POST",
        _o("questionnaires:practitioner_check", "practitioner_administration"),
        frozenset({"pwp"}),
        ok=(200, 302),
    ),
    Case(
        "questionnaires:practitioner_result",
        "GET",
        _o("questionnaires:practitioner_result", "practitioner_administration"),
        frozenset({"pwp"}),
        ok=(302,),  # not completed yet: back to its start page
    ),
    # The two views side by side: staff who may read the record.
    Case("questionnaires:alliance", "GET", _t("questionnaires:alliance"), frozenset(STAFF_READERS)),
    # --- safety: staff with access to the treatment (supervisors acknowledge too) ----
    Case("workspace:alert_detail", "GET", _o("workspace:alert_detail", "alert"), STAFF_READERS),
    Case(
        "workspace:alert_detail",
        "POST",
        _o("workspace:alert_detail", "alert"),
        frozenset(STAFF_READERS),
        data=lambda w: {"note": "Phoned the client, they are safe."},
        ok=(302,),
    ),
    # --- trials: the requesting trial manager (and admins) -------------------------
    Case(
        "trials:export_job",
        "GET",
        lambda w: reverse("trials:export_job", args=[w["export_job"].pk]),
        frozenset(RESEARCHERS),
    ),
    Case(
        "trials:export_download",
        "GET",
        lambda w: reverse("trials:export_download", args=[w["export_job"].pk]),
        frozenset(RESEARCHERS),
        ok=(302,),  # not ready yet: back to the job page
    ),
    Case(
        "trials:export_approve",
        "POST",
        lambda w: reverse("trials:export_approve", args=[w["export_job"].pk]),
        frozenset({"admin_user"}),  # a second administrator
        ok=(302,),
    ),
    Case(
        "api:export-job-detail",
        "GET",
        lambda w: reverse("api:export-job-detail", args=[w["export_job"].pk]),
        frozenset(RESEARCHERS),
        api=True,
    ),
    Case(
        "api:export-job-download",
        "GET",
        lambda w: reverse("api:export-job-download", args=[w["export_job"].pk]),
        frozenset(RESEARCHERS),
        ok=(202,),
        api=True,
    ),
    # --- accounts: a person's own API tokens ---------------------------------------
    Case(
        "accounts:api_token_revoke",
        "POST",
        _o("accounts:api_token_revoke", "api_token"),
        frozenset({"trial_manager"}),  # the owner only; admins hold no tokens
        ok=(302,),
    ),
    # --- privacy: data-protection requests (admins; supervisors of the service) ----
    Case("privacy:client", "GET", _o("privacy:client", "client"), frozenset(LEADS)),
    Case(
        "privacy:copy_request",
        "POST",
        _o("privacy:copy_request", "client"),
        frozenset(LEADS),
        ok=(302,),
    ),
    Case(
        "privacy:copy_download",
        "GET",
        _o("privacy:copy_download", "copy"),
        frozenset(LEADS | OWN_CLIENT),
        ok=(302,),  # not made yet: back to the page
    ),
    Case(
        "privacy:copy_release",
        "POST",
        _o("privacy:copy_release", "copy"),
        frozenset(LEADS),
        data=lambda w: {f"c{w['copy'].pk.hex[:12]}-decision": "release"},
        ok=(302,),  # not made yet: refused with a message
    ),
    Case(
        "privacy:erasure_new", "GET", _o("privacy:erasure_new", "client"), frozenset({"admin_user"})
    ),
    Case(
        "privacy:erasure_new",
        "POST",
        _o("privacy:erasure_new", "client"),
        frozenset({"admin_user"}),
        data=lambda w: {"kind": "erase", "reason": "A reason from someone"},
        ok=(400,),  # the treatment is still open
    ),
    Case(
        "privacy:erasure",
        "GET",
        _o("privacy:erasure", "erasure_request"),
        frozenset({"admin_user"}),
    ),
    Case(
        "privacy:erasure",
        "POST",
        _o("privacy:erasure", "erasure_request"),
        frozenset({"admin_user"}),
        data=lambda w: {"decision": "approve"},
        ok=(400,),  # they asked for it themself: a different administrator decides
    ),
    Case(
        "api:participant-detail",
        "GET",
        lambda w: reverse("api:participant-detail", args=[w["participant_id"]]),
        frozenset(RESEARCHERS | {"other_trial_manager"}),  # research data: the whole trial
        api=True,
    ),
]


def _request(client, case: Case, w: dict):
    url = case.url(w)
    if case.method == "GET":
        return client.get(url)
    return client.post(url, case.data(w))


def _assert_refused(response, case: Case, persona: str) -> None:
    where = f"{case} as {persona}"
    if persona == "anonymous":
        if case.api:
            assert response.status_code in (401, 403), where
        else:
            assert response.status_code == 302, where
            assert response["Location"].startswith(reverse("accounts:login")), where
        return
    assert response.status_code in (403, 404), f"{where}: {response.status_code}"


def _assert_no_secrets(response, w: dict, case: Case, persona: str) -> None:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    # A refusal page shows the signed-in person their own name in the header.
    own = OWN_IDENTITY if persona == "client_user" else ()
    for secret in (*SECRETS, w["participant_id"]):
        if secret in own:
            continue
        assert secret not in body, f"{case} as {persona}: response contains {secret!r}"


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=str)
def test_wrong_persona_is_refused_and_learns_nothing(client, world, case):
    w = world
    before = _state(w)
    for persona in PERSONAS:
        if persona in case.allowed:
            continue
        client.logout()
        user = w["personas"][persona]
        if user is not None:
            client.force_login(user)
        response = _request(client, case, w)
        _assert_refused(response, case, persona)
        _assert_no_secrets(response, w, case, persona)
        assert _state(w) == before, f"{case} as {persona} changed data"
    # The URL does work for someone allowed (so a blanket 404 cannot pass); not
    # an admin where anyone else is allowed, since admins pass every check.
    allowed = next(p for p in (*PERSONAS[1:-1], "admin_user") if p in case.allowed)
    client.logout()
    client.force_login(w["personas"][allowed])
    response = _request(client, case, w)
    assert response.status_code in case.ok, f"{case} as {allowed}: {response.status_code}"


def test_every_object_scoped_url_is_in_the_matrix():
    """A new URL that takes an object ID must join the matrix (or be listed here)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def names(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                yield from names(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name and p.pattern.converters:
                yield ":".join(filter(None, [namespace, p.name])), p

    covered = {c.name.split(" ")[0] for c in CASES}
    not_object_scoped = {
        # Tokens, not object IDs: tested in their own apps and below.
        "accounts:invitation_accept",
        "accounts:password_reset_confirm",
        "accounts:otp_setup_link",
        "questionnaires:link",
        # Content slugs: the client's own treatment is looked up, never taken from the URL.
        "programme:module",
        "programme:step_part",
        "programme:step_check",
        # Content slugs, staff only, no client data: tests/programme/test_preview.py.
        "programme:preview_step",
        # Steps are programme content; the treatment is the signed-in client's own.
        "programme:autosave",
        "programme:step_ping",
        # Lists with a format suffix only.
        "api:participant-list",
        "api:event-list",
        "api:score-list",
        "api:fhir-questionnaire-response-list",
        "api:adherence-summary-list",
        "api:export-job-list",
        "api:api-root",
    }
    missing = {
        name
        for name, _p in names(get_resolver().url_patterns)
        if not name.startswith("admin:") and name not in covered | not_object_scoped
    }
    assert not missing, f"object-scoped URLs without an access test: {sorted(missing)}"


# --- Pages without an object ID: lists and the client's own pages ----------------------

# URL name -> personas who may see the victim's identifiable data on it.
LIST_PAGES = {
    "workspace:home": set(),
    "safety:help": set(),
    "workspace:caseload": {"pwp"},
    "workspace:service_overview": {"supervisor", "admin_user"},
    "care:enrol": set(),
    "care:staff_services": set(),
    "workspace:service_settings_index": set(),
    "programme:preview_index": set(),
    "care:my_sessions": OWN_CLIENT,
    "care:my_tasks": OWN_CLIENT,
    "messaging:inbox": {"pwp", "supervisor", "admin_user"},
    "safety:alerts": {"pwp", "supervisor", "admin_user"},
    "questionnaires:list": OWN_CLIENT,
    "programme:home": OWN_CLIENT,
    "programme:modules": OWN_CLIENT,
    "tracking:mood": OWN_CLIENT,
    "tracking:goals": OWN_CLIENT,
    "tracking:goal_create": set(),
    "notifications:preferences": set(),
    "notifications:staff_preferences": set(),
    "trials:overview": set(),
    "trials:exports": set(),
    "workspace:admin_home": set(),
    "api:participant-list": set(),
    "api:event-list": set(),
    "api:score-list": set(),
    "api:fhir-questionnaire-response-list": set(),
    "api:adherence-summary-list": set(),
    "api:export-job-list": set(),
    "privacy:requests": {"supervisor", "admin_user"},
    "privacy:my_data": OWN_CLIENT,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(LIST_PAGES))
def test_list_pages_show_the_victim_only_to_those_allowed(client, world, name):
    """Nobody outside the rule sees the client's name, email or text on any list page;
    trial managers never see a name or email even where they see participant IDs."""
    w = world
    for persona in PERSONAS:
        # The client themself sees their own name everywhere (the header).
        if persona in LIST_PAGES[name] or persona == "client_user":
            continue
        client.logout()
        if w["personas"][persona] is not None:
            client.force_login(w["personas"][persona])
        response = client.get(reverse(name))
        body = response.content.decode(errors="replace")
        secrets = SECRETS
        if persona not in RESEARCHERS | {"other_trial_manager"}:
            secrets = (*SECRETS, w["participant_id"])
        for secret in secrets:
            assert secret not in body, f"{name} as {persona}: response contains {secret!r}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["pwp", "supervisor", "admin_user"])
def test_staff_never_see_a_draft_and_clients_never_see_notes(client, world, persona):
    w = world
    client.force_login(w["personas"][persona])
    for url in (
        reverse("workspace:review", args=[w["treatment"].pk]) + "?all=1",
        reverse("workspace:review_print", args=[w["treatment"].pk]) + "?all=1",
        reverse("programme:entry", args=[w["entry"].pk]),
        reverse("safety:alerts"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "SECRET-DRAFT-THOUGHT" not in response.content.decode(), url
    assert client.get(reverse("programme:entry", args=[w["draft"].pk])).status_code == 404

    client.force_login(w["personas"]["client_user"])
    step = w["step"]
    for url in (
        reverse("programme:home"),
        reverse("care:my_sessions"),
        reverse("care:my_tasks"),
        reverse("messaging:thread", args=[w["treatment"].pk]),
        reverse("programme:entry", args=[w["entry"].pk]),
        reverse("programme:step", args=[step.module.slug, step.slug]),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert "Secret note text" not in response.content.decode(), url


@pytest.mark.django_db
@pytest.mark.parametrize("url", [c for c in LIST_PAGES if c.startswith("api:")])
def test_api_gives_researchers_participant_ids_but_no_names(client, world, url):
    client.force_login(world["personas"]["trial_manager"])
    response = client.get(reverse(url))
    assert response.status_code == 200
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body, f"{url}: {secret!r}"


# --- Open redirects ------------------------------------------------------------------

EVIL = ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)")


@pytest.mark.django_db
@pytest.mark.parametrize("target", EVIL)
def test_next_parameters_never_leave_the_site(client, world, target):
    w = world
    client.force_login(w["personas"]["client_user"])
    response = client.post(
        reverse("care:task_done", args=[w["task"].pk]), {"next": target}, secure=True
    )
    assert response.status_code == 302 and response["Location"] == reverse("care:my_tasks")
    response = client.post(
        reverse("tracking:goal_create") + f"?next={target}",
        {"title": "Walk to the park on Saturday", "vague_ok": "True"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("tracking:goals")
    client.logout()
    response = client.post(
        reverse("accounts:login") + f"?next={target}",
        {"username": "client@example.org", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"] and "javascript" not in response["Location"]


@pytest.mark.django_db
def test_next_on_an_https_site_does_not_downgrade_to_http(client, world):
    w = world
    client.force_login(w["personas"]["client_user"])
    response = client.post(
        reverse("care:task_done", args=[w["task"].pk]),
        {"next": "http://testserver/care/sessions/"},
        secure=True,
    )
    assert response["Location"] == reverse("care:my_tasks")
    # A path on the site is kept.
    task = BespokeTaskFactory(treatment=w["treatment"], title="Another")
    response = client.post(
        reverse("care:task_done", args=[task.pk]), {"next": "/care/sessions/"}, secure=True
    )
    assert response["Location"] == "/care/sessions/"


# --- CSRF ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_posts_without_a_csrf_token_are_refused(world):
    from django.test import Client

    w = world
    browser = Client(enforce_csrf_checks=True)
    before = _state(w)
    browser.force_login(w["personas"]["pwp"])
    for url, data in (
        (reverse("workspace:note_add", args=[w["treatment"].pk]), {"text": "forged"}),
        (reverse("workspace:welcome_set", args=[w["treatment"].pk]), {"welcome_message": "forged"}),
        (
            reverse("messaging:thread", args=[w["treatment"].pk]),
            {"body": "forged", "idempotency_key": str(uuid.uuid4())},
        ),
        (reverse("workspace:alert_detail", args=[w["alert"].pk]), {"note": "forged note"}),
    ):
        assert browser.post(url, data).status_code == 403, url
    browser.force_login(w["personas"]["trial_manager"])
    response = browser.post(
        reverse("api:export-job-list"), {"dataset": "events"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert _state(w) == before


# --- Signed questionnaire links --------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_link_opens_that_one_questionnaire_and_nothing_else(client, world):
    w = world
    mine = w["open_administration"]
    sibling = AdministrationFactory(treatment=w["treatment"], time_point="followup_3m")
    response = client.get(reverse("questionnaires:link", args=[links.link_token_for(mine)]))
    assert response.status_code == 302
    assert client.get(reverse("questionnaires:start", args=[mine.pk])).status_code == 200
    for url in (
        reverse("questionnaires:start", args=[sibling.pk]),
        reverse("questionnaires:result", args=[w["completed_administration"].pk]),
        reverse("questionnaires:list"),
        reverse("programme:home"),
        reverse("messaging:thread", args=[w["treatment"].pk]),
        reverse("programme:entry", args=[w["entry"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    # The nonce binds the token to its administration: another one's nonce opens nothing.
    from django.core import signing

    forged = signing.dumps({"a": sibling.pk, "n": mine.link_nonce}, salt=links.SALT)
    response = client.get(reverse("questionnaires:link", args=[forged]))
    assert response.status_code == 410
    assert client.get(reverse("questionnaires:start", args=[sibling.pk])).status_code == 302


# --- Supervisors read their service; the writes they have are deliberate ----------------


@pytest.mark.django_db
def test_supervisor_writes_are_only_the_deliberate_ones(client, world):
    """A supervisor reads the whole record but acts on it only where the design says:
    acknowledging a risk alert (escalations go to them, docs/safety.md) and enrolling
    a client into their service. Everything in the PWP's workspace is refused (the
    matrix above); messages are only between the client and their PWP."""
    w = world
    client.force_login(w["personas"]["supervisor"])
    assert client.get(reverse("workspace:review", args=[w["treatment"].pk])).status_code == 200
    assert client.get(reverse("care:enrol")).status_code == 200
    thread = reverse("messaging:thread", args=[w["treatment"].pk])
    assert client.get(thread).status_code == 200
    assert Message.objects.get(pk=w["message"].pk).read_at is None  # no read receipt
    response = client.post(
        reverse("workspace:alert_detail", args=[w["alert"].pk]), {"note": "Called the client."}
    )
    assert response.status_code == 302
    alert = RiskAlert.objects.get(pk=w["alert"].pk)
    assert alert.status == "acknowledged" and alert.acknowledged_by == w["personas"]["supervisor"]
