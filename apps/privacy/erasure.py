"""Anonymising and erasing a client's data (and the text parts the retention
schedule removes).

Three building blocks, used by the two-person workflow (`services`) and by
the retention schedule (`retention`):

- `clinical_text_remove`: every free-text field about a client (theirs and
  what staff wrote about them) is replaced, for one client or for some
  treatments. Rows, dates and numbers stay, so research counts keyed by
  participant ID still add up. Written with `QuerySet.update()`: the change
  log (django-auditlog) then never receives the old words; the step is
  recorded as a `PrivacyEvent` with counts instead.
- `account_anonymise`: names, email, password, phone number and language go,
  the account is closed, django-axes' sign-in records for the email are
  deleted. The user row itself stays as an empty shell because the
  append-only audit tables refer to it by ID (docs/audit.md).
- `client_erase`: deletes the client's records, keeping only the research
  data the trial exports read (with its text removed) when the research
  exemption applies.

`DISPOSITION` says, for every model holding a client's data, what each
operation does with it; tests/privacy checks it against the model registry.
"""

from __future__ import annotations

import functools
import operator
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models
from django.db.models import Q

from apps.accounts.models import LoginEvent, User
from apps.care.consent import has_consent
from apps.care.models import (
    Appointment,
    BespokeTask,
    Consent,
    ConsentKind,
    SessionNote,
    SessionRecord,
    Treatment,
    TreatmentTransition,
)
from apps.earlywarning.models import WarningReview
from apps.messaging.models import Message
from apps.notifications.models import Notification, NotificationPreference
from apps.programme.models import (
    EntryFeedback,
    EntryStatus,
    ExerciseEntry,
    FeedbackReply,
)
from apps.questionnaires.models import Administration, AnswerChange
from apps.safety.models import RiskAlert
from apps.tracking.models import Goal, GoalComment, GoalRating, MoodRating

#: What replaces text that may not be empty (a message, a note, a title).
REMOVED = "[removed]"
ANONYMISED_DOMAIN = "anonymised.invalid"  # .invalid never resolves (RFC 2606)


@dataclass(frozen=True)
class TextSpec:
    """Free-text fields of one model: `fields` maps a field to (replacement, empty value)."""

    key: str
    model: type[models.Model]
    treatment: str  # lookup from the model to the treatment's ID
    client: str  # lookup from the model to the client
    fields: dict[str, tuple[Any, Any]]

    def needs_change(self) -> Q:
        return functools.reduce(
            operator.or_,
            (~Q(**{f: new}) & ~Q(**{f: empty}) for f, (new, empty) in self.fields.items()),
        )

    def replacements(self) -> dict[str, Any]:
        return {f: new for f, (new, _empty) in self.fields.items()}


_TEXT = ("", "")
_GONE = (REMOVED, "")

TEXT_SPECS: tuple[TextSpec, ...] = (
    TextSpec("treatments", Treatment, "pk", "client", {"welcome_message": _TEXT}),
    TextSpec(
        "treatment_history",
        TreatmentTransition,
        "treatment",
        "treatment__client",
        {"reason": _TEXT},
    ),
    TextSpec("sessions", Appointment, "treatment", "treatment__client", {"location": _TEXT}),
    TextSpec(
        "session_records",
        SessionRecord,
        "treatment",
        "treatment__client",
        {"agreed": _TEXT, "goal_changes": _TEXT},
    ),
    TextSpec("session_notes", SessionNote, "treatment", "treatment__client", {"text": _GONE}),
    TextSpec(
        "tasks",
        BespokeTask,
        "treatment",
        "treatment__client",
        {"title": _GONE, "instructions": _TEXT, "client_note": _TEXT},
    ),
    TextSpec("exercises", ExerciseEntry, "treatment", "treatment__client", {"data": ({}, {})}),
    TextSpec(
        "feedback", EntryFeedback, "entry__treatment", "entry__treatment__client", {"text": _GONE}
    ),
    TextSpec("feedback_replies", FeedbackReply, "treatment", "treatment__client", {"text": _GONE}),
    TextSpec("mood", MoodRating, "treatment", "client", {"note": _TEXT, "tags": ([], [])}),
    TextSpec(
        "goals",
        Goal,
        "treatment",
        "client",
        {"title": _GONE, "why_it_matters": _TEXT, "how_ill_know": _TEXT},
    ),
    TextSpec("goal_ratings", GoalRating, "goal__treatment", "goal__client", {"note": _TEXT}),
    TextSpec("goal_comments", GoalComment, "goal__treatment", "goal__client", {"text": _GONE}),
    TextSpec("messages", Message, "treatment", "treatment__client", {"body": _GONE}),
    TextSpec(
        "risk_alerts",
        RiskAlert,
        "treatment",
        "treatment__client",
        {"acknowledgement_note": _GONE},
    ),
    TextSpec(
        "warning_reviews",
        WarningReview,
        "treatment",
        "treatment__client",
        {"note": _GONE, "reasons": ([], [])},
    ),
)
TEXT_KEYS = frozenset(spec.key for spec in TEXT_SPECS)


def clinical_text_remove(
    *,
    client: User | None = None,
    treatment_ids: Collection[int] | None = None,
    only: Collection[str] | None = None,
) -> dict[str, int]:
    """Replace the free text about `client` (or in `treatment_ids`).

    `only`: the `TEXT_SPECS` keys to touch (default all). Returns rows changed
    per key (keys with no change are left out). Idempotent: text already
    removed is not counted again. The caller holds the transaction.
    """
    if (client is None) == (treatment_ids is None):
        raise ValueError("Give a client or treatment IDs, not both.")
    changed: dict[str, int] = {}
    for spec in TEXT_SPECS:
        if only is not None and spec.key not in only:
            continue
        if client is not None:
            qs = spec.model._default_manager.filter(**{spec.client: client})
        else:
            qs = spec.model._default_manager.filter(**{f"{spec.treatment}__in": treatment_ids})
        n = qs.filter(spec.needs_change()).update(**spec.replacements())
        if n:
            changed[spec.key] = n
    return changed


def anonymised_email(user_id: int) -> str:
    return f"removed-{user_id}@{ANONYMISED_DOMAIN}"


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@" + ANONYMISED_DOMAIN)


def account_anonymise(*, client: User) -> dict[str, int]:
    """Remove what identifies the person from their account and close it.

    The row stays (audit rows point at it) with no name, an address that
    cannot receive mail, an unusable password and no phone number. Their
    sessions end: Django refuses a closed account on its next request.
    Returns counts of what was removed.
    """
    old_email = client.email
    User.objects.filter(pk=client.pk).update(
        email=anonymised_email(client.pk),
        first_name="",
        last_name="",
        preferred_name="",
        password=make_password(None),
        is_active=False,
        language="",
        time_zone=settings.TIME_ZONE,
        last_login=None,
    )
    client.refresh_from_db()
    done = {"account": 1}
    phones = NotificationPreference.objects.filter(user=client).exclude(phone_number="")
    if n := phones.update(phone_number="", sms_enabled=False):
        done["phone_number"] = n
    records = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        records += model.objects.filter(username__iexact=old_email).delete()[0]
    if records:
        done["sign_in_records"] = records
    return done


def research_exemption_applies(client: User) -> bool:
    """The client takes part in the trial and lets their data be used for research.

    Then pseudonymised research data keyed by participant ID is kept on
    erasure. "In the trial" follows the trial exports: every treatment, unless
    consent to the trial or to research use was withdrawn (docs/lifecycle.md).
    """
    return (
        Treatment.objects.filter(client=client).exists()
        and has_consent(client, ConsentKind.TRIAL)
        and has_consent(client, ConsentKind.RESEARCH_DATA)
    )


def _delete(qs: models.QuerySet, deleted: Counter) -> None:
    _total, per_model = qs.delete()
    deleted.update({label: n for label, n in per_model.items() if n})


def client_erase(*, client: User, keep_research: bool) -> dict[str, Any]:
    """Delete the client's records; with `keep_research`, keep the research data
    (see `DISPOSITION`) with its free text removed. Then anonymise the account.

    Returns {"changed": {text key: rows}, "deleted": {model: rows}, "account": {...}}.
    The caller checks there is no open treatment or open alert, and holds the
    transaction. Each deletion is logged by django-auditlog (text masked).
    """
    deleted: Counter = Counter()
    changed: dict[str, int] = {}
    # Order matters: rows that PROTECT others go first.
    _delete(RiskAlert.objects.filter(treatment__client=client), deleted)
    _delete(Goal.objects.filter(client=client), deleted)
    _delete(Notification.objects.filter(recipient=client), deleted)
    _delete(NotificationPreference.objects.filter(user=client), deleted)
    if keep_research:
        changed = clinical_text_remove(client=client)
        _delete(MoodRating.objects.filter(client=client, treatment__isnull=True), deleted)
        _delete(AnswerChange.objects.filter(administration__treatment__client=client), deleted)
        _delete(
            ExerciseEntry.objects.filter(treatment__client=client, status=EntryStatus.DRAFT),
            deleted,
        )
        for model in (
            EntryFeedback,
            FeedbackReply,
            SessionNote,
            SessionRecord,
            BespokeTask,
            TreatmentTransition,
            WarningReview,
        ):
            path = "entry__treatment__client" if model is EntryFeedback else "treatment__client"
            _delete(model._default_manager.filter(**{path: client}), deleted)
    else:
        _delete(MoodRating.objects.filter(client=client), deleted)
        _delete(Administration.objects.filter(treatment__client=client), deleted)
        _delete(Treatment.objects.filter(client=client), deleted)
        _delete(Consent.objects.filter(client=client), deleted)
        _delete(LoginEvent.objects.filter(user=client), deleted)
    account = account_anonymise(client=client)
    return {"changed": changed, "deleted": dict(sorted(deleted.items())), "account": account}


def client_anonymise(*, client: User) -> dict[str, Any]:
    """Remove every piece of free text about the client and anonymise the account;
    rows, dates and numbers stay (so research counts add up, by participant ID)."""
    changed = clinical_text_remove(client=client)
    account = account_anonymise(client=client)
    return {"changed": changed, "deleted": {}, "account": account}


#: What the operations do with each model holding a client's data
#: (label → (anonymise, erase with the research exemption, erase without it)).
#: tests/privacy/test_inventory.py checks the keys against the model registry.
KEEP = "kept"
TEXT = "text removed"
DEL = "deleted"
SHELL = "anonymised shell kept (audit rows point at it)"
AUDIT = "kept: append-only audit"
NA = "not about a client"

DISPOSITION: dict[str, tuple[str, str, str]] = {
    "accounts.user": (SHELL, SHELL, SHELL),
    "accounts.loginevent": (KEEP, KEEP, DEL),
    "accounts.apitoken": (NA, NA, NA),
    "care.treatment": (TEXT, TEXT, DEL),
    "care.appointment": (TEXT, TEXT, DEL),
    "care.bespoketask": (TEXT, DEL, DEL),
    "care.sessionnote": (TEXT, DEL, DEL),
    "care.sessionrecord": (TEXT, DEL, DEL),
    "care.treatmenttransition": (TEXT, DEL, DEL),
    "care.consent": (KEEP, KEEP, DEL),
    "care.staffmembership": (NA, NA, NA),
    "care.practitionerprofile": (NA, NA, NA),
    "programme.moduleplan": (KEEP, KEEP, DEL),
    "programme.stepprogress": (KEEP, KEEP, DEL),
    "programme.exerciseentry": (TEXT, TEXT + "; drafts deleted", DEL),
    "programme.entryfeedback": (TEXT, DEL, DEL),
    "programme.feedbackreply": (TEXT, DEL, DEL),
    "programme.steprevision": (NA, NA, NA),
    "tracking.moodrating": (TEXT, TEXT + "; outside treatment deleted", DEL),
    "tracking.goal": (TEXT, DEL, DEL),
    "tracking.goalrating": (TEXT, DEL, DEL),
    "tracking.goalcomment": (TEXT, DEL, DEL),
    "questionnaires.administration": (KEEP, KEEP, DEL),
    "questionnaires.answer": (KEEP, KEEP, DEL),
    "questionnaires.answerchange": (KEEP, DEL, DEL),
    "messaging.message": (TEXT, TEXT, DEL),
    "safety.riskalert": (TEXT, DEL, DEL),
    "safety.riskalertnotice": (KEEP, DEL, DEL),
    "safety.servicesafetypolicy": (NA, NA, NA),
    "safety.servicesafetypolicy_duty_contacts": (NA, NA, NA),
    "earlywarning.warningreview": (TEXT, DEL, DEL),
    "notifications.notification": (KEEP, DEL, DEL),
    "notifications.notificationpreference": (
        "phone number removed",
        DEL,
        DEL,
    ),
    "trials.exportjob": (NA, NA, NA),
    "trials.dataaccesslog": (AUDIT, AUDIT, AUDIT),
    "core.accessevent": (AUDIT, AUDIT, AUDIT),
    "core.accesssubject": (AUDIT, AUDIT, AUDIT),
    "auditlog.logentry": (AUDIT, AUDIT, AUDIT),
    "admin.logentry": (NA, NA, NA),
    "privacy.subjectaccessrequest": (
        "files deleted",
        "files deleted",
        "files deleted",
    ),
    "privacy.erasurerequest": (KEEP, KEEP, KEEP),
    "privacy.privacyevent": (AUDIT, AUDIT, AUDIT),
    "otp_totp.totpdevice": (NA, NA, NA),
    "otp_static.staticdevice": (NA, NA, NA),
    "otp_static.statictoken": (NA, NA, NA),
    "accounts.user_groups": (NA, NA, NA),
    "accounts.user_user_permissions": (NA, NA, NA),
}
