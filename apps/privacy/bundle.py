"""The copy of everything held about one client (subject access, UK GDPR Article 15).

`SECTIONS` lists every kind of data the platform holds about a client, one
section per data type, each with the models it reads (tests/privacy checks
that every model holding a client's data is in a section or named in
`NOT_IN_THE_COPY` with a reason). `bundle_write` puts them in one ZIP:

- ``index.html``: a plain, self-contained page to read (no scripts, no
  styles, nothing fetched), in the client's language and time zone;
- ``data/<section>.json``: each section as a list of objects (exact values,
  times in UTC ISO 8601, fixed English keys);
- ``data/<section>.csv``: the same as a table (a cell that a spreadsheet
  would read as a formula starts with an apostrophe; the JSON has the exact text);
- ``manifest.json``: when it was made, and the sections with their row counts.

Every query filters on the client (their user row, their treatments, or a
row of theirs), so nothing of another client can enter.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import LoginEvent, User
from apps.care.models import (
    Appointment,
    BespokeTask,
    Consent,
    SessionNote,
    SessionRecord,
    Treatment,
    TreatmentTransition,
)
from apps.core.models import AccessEvent
from apps.core.selectors import record_opened_by
from apps.core.time import user_zone
from apps.earlywarning.models import WarningReview
from apps.messaging.models import Message
from apps.notifications.models import Notification, NotificationPreference
from apps.privacy.models import ErasureRequest, SubjectAccessRequest
from apps.programme.models import (
    EntryFeedback,
    ExerciseEntry,
    FeedbackReply,
    ModulePlan,
    StepProgress,
)
from apps.questionnaires.models import Administration, Answer, AnswerChange
from apps.safety.models import RiskAlert, RiskAlertNotice
from apps.tracking.models import Goal, GoalComment, GoalRating, MoodRating

Row = dict[str, Any]


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    about: Promise
    models: tuple[type[models.Model], ...]
    columns: tuple[tuple[str, Promise], ...]
    rows: Callable[[User], Iterable[Row]]


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _pid(treatment: Treatment | None) -> str:
    return treatment.participant_id if treatment is not None else ""


# --- Rows, one function per section -------------------------------------------


def _account(c: User) -> Iterable[Row]:
    yield {
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "preferred_name": c.preferred_name,
        "language": c.language,
        "time_zone": c.time_zone,
        "date_joined": c.date_joined,
        "last_login": c.last_login,
        "is_active": c.is_active,
    }


def _consents(c: User) -> Iterable[Row]:
    for x in Consent.objects.filter(client=c).order_by("kind"):
        yield {
            "kind": x.get_kind_display(),
            "given": x.given,
            "version": x.version,
            "decided_on": x.decided_on,
            "recorded_at": x.recorded_at,
        }


def _treatments(c: User) -> Iterable[Row]:
    qs = Treatment.objects.filter(client=c).select_related("service", "pwp")
    for t in qs.order_by("start_date", "pk"):
        yield {
            "participant_id": t.participant_id,
            "service": t.service.name,
            "practitioner": _name(t.pwp),
            "status": t.get_status_display(),
            "start_date": t.start_date,
            "planned_end_date": t.planned_end_date,
            "invited_at": t.invited_at,
            "activated_at": t.activated_at,
            "ended_at": t.ended_at,
            "welcome_message": t.welcome_message,
        }


def _treatment_history(c: User) -> Iterable[Row]:
    qs = TreatmentTransition.objects.filter(treatment__client=c).select_related(
        "treatment", "actor", "from_pwp", "to_pwp"
    )
    for x in qs.order_by("created_at", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "at": x.created_at,
            "what": x.get_kind_display(),
            "from_status": x.get_from_status_display(),
            "to_status": x.get_to_status_display(),
            "from_practitioner": _name(x.from_pwp),
            "to_practitioner": _name(x.to_pwp),
            "by": _name(x.actor),
            "reason": x.reason,
        }


def _sessions(c: User) -> Iterable[Row]:
    qs = Appointment.objects.filter(treatment__client=c).select_related("treatment")
    for x in qs.order_by("starts_at", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "number": x.number,
            "starts_at": x.starts_at,
            "minutes": x.duration_minutes,
            "location": x.location,
            "status": x.get_status_display(),
        }


def _session_records(c: User) -> Iterable[Row]:
    qs = SessionRecord.objects.filter(treatment__client=c).select_related(
        "treatment", "appointment", "next_module", "created_by"
    )
    for x in qs.order_by("appointment__starts_at", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "session": x.appointment.number,
            "agreed": x.agreed,
            "goal_changes": x.goal_changes,
            "next_module": x.next_module.title if x.next_module else "",
            "by": _name(x.created_by),
            "created_at": x.created_at,
        }


def _session_notes(c: User) -> Iterable[Row]:
    qs = SessionNote.objects.filter(treatment__client=c).select_related(
        "treatment", "appointment", "author"
    )
    for x in qs.order_by("created_at", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "created_at": x.created_at,
            "session": x.appointment.number if x.appointment else None,
            "by": _name(x.author),
            "text": x.text,
        }


def _tasks(c: User) -> Iterable[Row]:
    qs = BespokeTask.objects.filter(treatment__client=c).select_related("treatment", "step")
    for x in qs.order_by("created_at", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "title": x.title,
            "instructions": x.instructions,
            "exercise": x.step.title if x.step else "",
            "due_date": x.due_date,
            "done_at": x.done_at,
            "client_note": x.client_note,
            "created_at": x.created_at,
        }


def _modules(c: User) -> Iterable[Row]:
    qs = ModulePlan.objects.filter(treatment__client=c).select_related("treatment", "module")
    for x in qs.order_by("treatment_id", "module__order", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "module": x.module.title,
            "opened_by_practitioner": x.unlocked,
            "assigned_at": x.assigned_at,
            "started_at": x.started_at,
            "completed_at": x.completed_at,
        }


def _steps(c: User) -> Iterable[Row]:
    qs = StepProgress.objects.filter(treatment__client=c).select_related(
        "treatment", "step__module"
    )
    for x in qs.order_by("opened_at", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "module": x.step.module.title,
            "step": x.step.title,
            "opened_at": x.opened_at,
            "last_opened_at": x.last_opened_at,
            "completed_at": x.completed_at,
            "visits": x.visits,
            "seconds_spent": x.seconds_spent,
        }


def _exercise_entries(c: User) -> Iterable[Row]:
    qs = ExerciseEntry.objects.filter(treatment__client=c).select_related("treatment", "step")
    for x in qs.order_by("created_at", "pk"):
        yield {
            "entry": x.pk,
            "participant_id": _pid(x.treatment),
            "exercise": x.step.title,
            "exercise_type": x.exercise_type,
            "status": x.get_status_display(),
            "created_at": x.created_at,
            "submitted_at": x.submitted_at,
            "content": x.data,
        }


def _feedback(c: User) -> Iterable[Row]:
    qs = EntryFeedback.objects.filter(entry__treatment__client=c).select_related("author")
    for x in qs.order_by("created_at", "pk"):
        yield {
            "feedback": x.pk,
            "entry": x.entry_id,
            "created_at": x.created_at,
            "by": _name(x.author),
            "text": x.text,
            "read_at": x.read_at,
        }


def _feedback_replies(c: User) -> Iterable[Row]:
    for x in FeedbackReply.objects.filter(treatment__client=c).order_by("created_at", "pk"):
        yield {
            "feedback": x.feedback_id,
            "created_at": x.created_at,
            "text": x.text,
            "read_at": x.read_at,
        }


def _mood(c: User) -> Iterable[Row]:
    for x in MoodRating.objects.filter(client=c).select_related("treatment").order_by("rated_on"):
        yield {
            "day": x.rated_on,
            "mood": x.value,
            "note": x.note,
            "about": x.tag_labels(),
            "participant_id": _pid(x.treatment),
            "created_at": x.created_at,
        }


def _goals(c: User) -> Iterable[Row]:
    qs = Goal.objects.filter(client=c).select_related("treatment", "created_by")
    for x in qs.order_by("created_at", "pk"):
        yield {
            "goal": x.pk,
            "title": x.title,
            "why_it_matters": x.why_it_matters,
            "how_ill_know": x.how_ill_know,
            "target_date": x.target_date,
            "status": x.get_status_display(),
            "set_by": _name(x.created_by),
            "created_at": x.created_at,
            "status_changed_at": x.status_changed_at,
            "participant_id": _pid(x.treatment),
        }


def _goal_ratings(c: User) -> Iterable[Row]:
    qs = GoalRating.objects.filter(goal__client=c).select_related("rated_by")
    for x in qs.order_by("rated_at", "pk"):
        yield {
            "goal": x.goal_id,
            "rated_at": x.rated_at,
            "value": x.value,
            "note": x.note,
            "by": _name(x.rated_by),
        }


def _goal_comments(c: User) -> Iterable[Row]:
    qs = GoalComment.objects.filter(goal__client=c).select_related("author")
    for x in qs.order_by("created_at", "pk"):
        yield {"goal": x.goal_id, "created_at": x.created_at, "by": _name(x.author), "text": x.text}


def _questionnaires(c: User) -> Iterable[Row]:
    qs = Administration.objects.filter(treatment__client=c).select_related("treatment")
    for x in qs.order_by("due_from", "pk"):
        yield {
            "questionnaire": x.pk,
            "participant_id": _pid(x.treatment),
            "instrument": x.instrument,
            "time_point": str(x.time_point_label),
            "opens": x.due_from,
            "closes": x.due_until,
            "status": x.get_status_display(),
            "completed_at": x.completed_at,
            "total": x.total,
            "band": x.band,
        }


def _answers(c: User) -> Iterable[Row]:
    qs = Answer.objects.filter(administration__treatment__client=c).select_related("administration")
    for x in qs.order_by("administration_id", "item"):
        yield {
            "questionnaire": x.administration_id,
            "instrument": x.administration.instrument,
            "item": x.item,
            "answer": x.value,
            "answered_at": x.answered_at,
        }


def _answer_changes(c: User) -> Iterable[Row]:
    qs = AnswerChange.objects.filter(administration__treatment__client=c)
    for x in qs.order_by("changed_at", "pk"):
        yield {
            "questionnaire": x.administration_id,
            "item": x.item,
            "old_answer": x.old_value,
            "new_answer": x.new_value,
            "changed_at": x.changed_at,
        }


def _messages(c: User) -> Iterable[Row]:
    qs = Message.objects.filter(treatment__client=c).select_related("treatment", "sender")
    for x in qs.order_by("created_at", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "sent_at": x.created_at,
            "from": gettext("You") if x.from_client else _name(x.sender),
            "text": x.body,
            "seen_at": x.read_at,
        }


def _risk_alerts(c: User) -> Iterable[Row]:
    qs = RiskAlert.objects.filter(treatment__client=c).select_related(
        "treatment", "acknowledged_by"
    )
    for x in qs.order_by("raised_at", "pk"):
        yield {
            "alert": x.pk,
            "participant_id": _pid(x.treatment),
            "raised_at": x.raised_at,
            "reason": x.get_source_display(),
            "status": x.get_status_display(),
            "acknowledged_at": x.acknowledged_at,
            "acknowledged_by": _name(x.acknowledged_by),
            "note": x.acknowledgement_note,
        }


def _alert_notices(c: User) -> Iterable[Row]:
    qs = RiskAlertNotice.objects.filter(alert__treatment__client=c).select_related("recipient")
    for x in qs.order_by("notified_at", "pk"):
        yield {
            "alert": x.alert_id,
            "told_at": x.notified_at,
            "who": _name(x.recipient),
            "step": x.get_step_display(),
        }


def _warning_reviews(c: User) -> Iterable[Row]:
    qs = WarningReview.objects.filter(treatment__client=c).select_related(
        "treatment", "reviewed_by"
    )
    for x in qs.order_by("created_at", "pk"):
        yield {
            "participant_id": _pid(x.treatment),
            "at": x.created_at,
            "by": _name(x.reviewed_by),
            "reasons": x.reasons,
            "plan": x.note,
        }


def _notifications(c: User) -> Iterable[Row]:
    for x in Notification.objects.filter(recipient=c).order_by("due_at", "pk"):
        yield {
            "kind": x.kind_label,
            "channel": x.get_channel_display(),
            "status": x.get_status_display(),
            "due_at": x.due_at,
            "sent_at": x.sent_at,
            "why_not_sent": x.get_suppressed_reason_display() if x.suppressed_reason else "",
        }


def _preferences(c: User) -> Iterable[Row]:
    for x in NotificationPreference.objects.filter(user=c):
        yield {
            "by_email": x.email_enabled,
            "by_text_message": x.sms_enabled,
            "mobile_number": x.phone_number,
            "session_reminders": x.session_reminders,
            "questionnaire_reminders": x.questionnaire_reminders,
            "message_alerts": x.message_emails,
            "inactivity_nudges": x.inactivity_nudges,
            "mood_reminder": x.mood_reminder_enabled,
            "mood_reminder_time": x.mood_reminder_time,
            "quiet_from": x.quiet_hours_start,
            "quiet_until": x.quiet_hours_end,
        }


def _sign_ins(c: User) -> Iterable[Row]:
    for at in LoginEvent.objects.filter(user=c).order_by("at").values_list("at", flat=True):
        yield {"at": at}


def _sign_in_records(c: User) -> Iterable[Row]:
    rows: list[Row] = []
    for model, outcome in (
        (AccessLog, gettext("Signed in")),
        (AccessFailureLog, gettext("Failed")),
    ):
        for x in model.objects.filter(username__iexact=c.email):
            rows.append(
                {
                    "at": x.attempt_time,
                    "outcome": outcome,
                    "ip_address": x.ip_address,
                    "browser": x.user_agent,
                }
            )
    return sorted(rows, key=lambda r: r["at"])


def _record_opened(c: User) -> Iterable[Row]:
    for x in record_opened_by(client=c).order_by("at", "pk"):
        yield {"at": x.at, "who": _name(x.actor), "role": str(x.role_name), "page": x.view}


def _changes_made(c: User) -> Iterable[Row]:
    qs = LogEntry.objects.filter(actor=c).select_related("content_type")
    for x in qs.order_by("timestamp", "pk"):
        model = x.content_type.model_class()
        yield {
            "at": x.timestamp,
            "record": str(model._meta.verbose_name) if model else x.content_type.model,
            "record_id": x.object_pk,
            "action": x.get_action_display(),
            "ip_address": x.remote_addr,
        }


def _copies(c: User) -> Iterable[Row]:
    qs = SubjectAccessRequest.objects.filter(client=c).select_related("requested_by")
    for x in qs.order_by("created_at"):
        yield {
            "requested_at": x.created_at,
            "requested_by": gettext("You") if x.by_client else _name(x.requested_by),
            "status": x.get_status_display(),
            "release": x.get_release_state_display() if x.by_client else "",
        }


def _erasure_requests(c: User) -> Iterable[Row]:
    for x in ErasureRequest.objects.filter(client=c).order_by("requested_at", "pk"):
        yield {
            "requested_at": x.requested_at,
            "what": x.get_kind_display(),
            "reason": x.reason,
            "status": x.get_status_display(),
            "decided_at": x.decided_at,
        }


AT = _("When")
PID = ("participant_id", _("Participant ID"))
BY = ("by", _("By"))

SECTIONS: tuple[Section, ...] = (
    Section(
        "account",
        _("Your account"),
        _("The details you sign in with and how we address you."),
        (User,),
        (
            ("email", _("Email address")),
            ("first_name", _("First name")),
            ("last_name", _("Last name")),
            ("preferred_name", _("Preferred name")),
            ("language", _("Language")),
            ("time_zone", _("Time zone")),
            ("date_joined", _("Account made")),
            ("last_login", _("Last signed in")),
            ("is_active", _("Account open")),
        ),
        _account,
    ),
    Section(
        "consent",
        _("Consent"),
        _("What you agreed to, and when."),
        (Consent,),
        (
            ("kind", _("Consent to")),
            ("given", _("Given")),
            ("version", _("Information sheet version")),
            ("decided_on", _("Date")),
            ("recorded_at", _("Recorded")),
        ),
        _consents,
    ),
    Section(
        "treatments",
        _("Your treatments"),
        _("Each episode of care, with the code researchers see instead of your name."),
        (Treatment,),
        (
            PID,
            ("service", _("Service")),
            ("practitioner", _("Practitioner")),
            ("status", _("Status")),
            ("start_date", _("Start date")),
            ("planned_end_date", _("Planned end date")),
            ("invited_at", _("Invited")),
            ("activated_at", _("Started")),
            ("ended_at", _("Ended")),
            ("welcome_message", _("Welcome message")),
        ),
        _treatments,
    ),
    Section(
        "treatment_history",
        _("Changes to your treatments"),
        _("Discharges, transfers and other steps, with the reason given."),
        (TreatmentTransition,),
        (
            PID,
            ("at", AT),
            ("what", _("What happened")),
            ("from_status", _("From")),
            ("to_status", _("To")),
            ("from_practitioner", _("From practitioner")),
            ("to_practitioner", _("To practitioner")),
            BY,
            ("reason", _("Reason")),
        ),
        _treatment_history,
    ),
    Section(
        "sessions",
        _("Sessions"),
        _("Face-to-face sessions with your practitioner."),
        (Appointment,),
        (
            PID,
            ("number", _("Session")),
            ("starts_at", AT),
            ("minutes", _("Minutes")),
            ("location", _("Where")),
            ("status", _("Status")),
        ),
        _sessions,
    ),
    Section(
        "session_records",
        _("What you agreed in sessions"),
        _("The summary your practitioner wrote for you after a session."),
        (SessionRecord,),
        (
            PID,
            ("session", _("Session")),
            ("agreed", _("What you agreed")),
            ("goal_changes", _("Changes to goals")),
            ("next_module", _("Module to do next")),
            BY,
            ("created_at", _("Written")),
        ),
        _session_records,
    ),
    Section(
        "session_notes",
        _("Practitioners' session notes"),
        _("Notes your practitioner wrote about your sessions."),
        (SessionNote,),
        (
            PID,
            ("created_at", _("Written")),
            ("session", _("Session")),
            BY,
            ("text", _("Note")),
        ),
        _session_notes,
    ),
    Section(
        "tasks",
        _("Tasks"),
        _("Things your practitioner asked you to do between sessions."),
        (BespokeTask,),
        (
            PID,
            ("title", _("Task")),
            ("instructions", _("Instructions")),
            ("exercise", _("Exercise")),
            ("due_date", _("Do by")),
            ("done_at", _("Done")),
            ("client_note", _("Your note")),
            ("created_at", _("Set")),
        ),
        _tasks,
    ),
    Section(
        "modules",
        _("Modules"),
        _("The modules in your plan and how far you got."),
        (ModulePlan,),
        (
            PID,
            ("module", _("Module")),
            ("opened_by_practitioner", _("Opened by your practitioner")),
            ("assigned_at", _("Opened")),
            ("started_at", _("Started")),
            ("completed_at", _("Completed")),
        ),
        _modules,
    ),
    Section(
        "steps",
        _("Steps opened"),
        _("Each page of a module you opened, and the time you spent on it."),
        (StepProgress,),
        (
            PID,
            ("module", _("Module")),
            ("step", _("Step")),
            ("opened_at", _("First opened")),
            ("last_opened_at", _("Last opened")),
            ("completed_at", _("Completed")),
            ("visits", _("Visits")),
            ("seconds_spent", _("Seconds spent")),
        ),
        _steps,
    ),
    Section(
        "exercises",
        _("Exercises"),
        _("What you wrote in exercises, sent or not yet sent."),
        (ExerciseEntry,),
        (
            ("entry", _("Entry")),
            PID,
            ("exercise", _("Exercise")),
            ("exercise_type", _("Type")),
            ("status", _("Status")),
            ("created_at", _("Started")),
            ("submitted_at", _("Sent")),
            ("content", _("What you wrote")),
        ),
        _exercise_entries,
    ),
    Section(
        "feedback",
        _("Feedback on your exercises"),
        _("What your practitioner wrote about your exercises."),
        (EntryFeedback,),
        (
            ("feedback", _("Feedback")),
            ("entry", _("Entry")),
            ("created_at", _("Written")),
            BY,
            ("text", _("Feedback")),
            ("read_at", _("Read")),
        ),
        _feedback,
    ),
    Section(
        "feedback_replies",
        _("Your replies to feedback"),
        _("What you wrote back."),
        (FeedbackReply,),
        (
            ("feedback", _("Feedback")),
            ("created_at", _("Written")),
            ("text", _("Reply")),
            ("read_at", _("Read")),
        ),
        _feedback_replies,
    ),
    Section(
        "mood",
        _("Mood ratings"),
        _("How you rated your mood each day, from 1 to 10."),
        (MoodRating,),
        (
            ("day", _("Day")),
            ("mood", _("Mood")),
            ("note", _("Note")),
            ("about", _("What it was about")),
            PID,
            ("created_at", _("Saved")),
        ),
        _mood,
    ),
    Section(
        "goals",
        _("Goals"),
        _("Your goals, set alone or with your practitioner."),
        (Goal,),
        (
            ("goal", _("Goal")),
            ("title", _("What I will do")),
            ("why_it_matters", _("Why it matters to me")),
            ("how_ill_know", _("How I will know I have done it")),
            ("target_date", _("By when")),
            ("status", _("Status")),
            ("set_by", _("Set by")),
            ("created_at", _("Set")),
            ("status_changed_at", _("Status changed")),
            PID,
        ),
        _goals,
    ),
    Section(
        "goal_ratings",
        _("Goal ratings"),
        _("How close you were to each goal, from 0 to 10."),
        (GoalRating,),
        (
            ("goal", _("Goal")),
            ("rated_at", AT),
            ("value", _("How close")),
            ("note", _("Note")),
            BY,
        ),
        _goal_ratings,
    ),
    Section(
        "goal_comments",
        _("Comments on goals"),
        _("Comments you and your practitioner wrote on your goals."),
        (GoalComment,),
        (("goal", _("Goal")), ("created_at", AT), BY, ("text", _("Comment"))),
        _goal_comments,
    ),
    Section(
        "questionnaires",
        _("Questionnaires"),
        _("Each questionnaire you were asked to fill in, and its score."),
        (Administration,),
        (
            ("questionnaire", _("Questionnaire")),
            PID,
            ("instrument", _("Name")),
            ("time_point", _("When in treatment")),
            ("opens", _("Opens")),
            ("closes", _("Closes")),
            ("status", _("Status")),
            ("completed_at", _("Completed")),
            ("total", _("Score")),
            ("band", _("Band")),
        ),
        _questionnaires,
    ),
    Section(
        "questionnaire_answers",
        _("Questionnaire answers"),
        _("Your answer to each question."),
        (Answer,),
        (
            ("questionnaire", _("Questionnaire")),
            ("instrument", _("Name")),
            ("item", _("Question")),
            ("answer", _("Answer")),
            ("answered_at", _("Answered")),
        ),
        _answers,
    ),
    Section(
        "answer_changes",
        _("Changed answers about safety"),
        _("Each time an answer about your safety was saved or changed."),
        (AnswerChange,),
        (
            ("questionnaire", _("Questionnaire")),
            ("item", _("Question")),
            ("old_answer", _("Before")),
            ("new_answer", _("After")),
            ("changed_at", AT),
        ),
        _answer_changes,
    ),
    Section(
        "messages",
        _("Messages"),
        _("Messages between you and your practitioner."),
        (Message,),
        (
            PID,
            ("sent_at", _("Sent")),
            ("from", _("From")),
            ("text", _("Message")),
            ("seen_at", _("Seen")),
        ),
        _messages,
    ),
    Section(
        "risk_alerts",
        _("Safety alerts"),
        _("Times something you wrote or answered asked a clinician to check on you."),
        (RiskAlert,),
        (
            ("alert", _("Alert")),
            PID,
            ("raised_at", AT),
            ("reason", _("Reason")),
            ("status", _("Status")),
            ("acknowledged_at", _("Checked")),
            ("acknowledged_by", _("Checked by")),
            ("note", _("Note")),
        ),
        _risk_alerts,
    ),
    Section(
        "alert_notices",
        _("Who was told about safety alerts"),
        _("The staff told about each alert, and when."),
        (RiskAlertNotice,),
        (("alert", _("Alert")), ("told_at", AT), ("who", _("Who")), ("step", _("Why them"))),
        _alert_notices,
    ),
    Section(
        "warning_reviews",
        _("Early-warning reviews"),
        _("Times your practitioner looked at signs that treatment was getting harder."),
        (WarningReview,),
        (PID, ("at", AT), BY, ("reasons", _("Signs")), ("plan", _("Plan"))),
        _warning_reviews,
    ),
    Section(
        "notifications",
        _("Emails and text messages"),
        _("Messages we sent or planned to send you (not their words)."),
        (Notification,),
        (
            ("kind", _("Message")),
            ("channel", _("Sent by")),
            ("status", _("Status")),
            ("due_at", _("Due")),
            ("sent_at", _("Sent")),
            ("why_not_sent", _("Why not sent")),
        ),
        _notifications,
    ),
    Section(
        "preferences",
        _("Reminder settings"),
        _("How and when you chose to hear from us."),
        (NotificationPreference,),
        (
            ("by_email", _("By email")),
            ("by_text_message", _("By text message")),
            ("mobile_number", _("Mobile number")),
            ("session_reminders", _("Session reminders")),
            ("questionnaire_reminders", _("Questionnaire reminders")),
            ("message_alerts", _("New message alerts")),
            ("inactivity_nudges", _("Nudges")),
            ("mood_reminder", _("Daily mood reminder")),
            ("mood_reminder_time", _("Mood reminder time")),
            ("quiet_from", _("Quiet from")),
            ("quiet_until", _("Quiet until")),
        ),
        _preferences,
    ),
    Section(
        "sign_ins",
        _("Sign-ins"),
        _("When you signed in."),
        (LoginEvent,),
        (("at", AT),),
        _sign_ins,
    ),
    Section(
        "sign_in_records",
        _("Sign-in security records"),
        _("Sign-ins and failed attempts with your email address, kept for security."),
        (AccessLog, AccessFailureLog),
        (
            ("at", AT),
            ("outcome", _("Outcome")),
            ("ip_address", _("Internet address")),
            ("browser", _("Browser")),
        ),
        _sign_in_records,
    ),
    Section(
        "record_opened",
        _("Who opened your record"),
        _("Each time a member of staff opened your information."),
        (AccessEvent,),
        (("at", AT), ("who", _("Who")), ("role", _("Role")), ("page", _("Page"))),
        _record_opened,
    ),
    Section(
        "changes_made",
        _("Changes you made"),
        _("Records you added, changed or deleted (which record, not what it said)."),
        (LogEntry,),
        (
            ("at", AT),
            ("record", _("Record")),
            ("record_id", _("Record number")),
            ("action", _("Action")),
            ("ip_address", _("Internet address")),
        ),
        _changes_made,
    ),
    Section(
        "copies",
        _("Copies of your data"),
        _("Each time a copy like this one was asked for."),
        (SubjectAccessRequest,),
        (
            ("requested_at", _("Asked for")),
            ("requested_by", _("By")),
            ("status", _("Status")),
            ("release", _("Release")),
        ),
        _copies,
    ),
    Section(
        "erasure_requests",
        _("Requests to erase or anonymise your data"),
        _("Each request, why it was made and what was decided."),
        (ErasureRequest,),
        (
            ("requested_at", _("Asked for")),
            ("what", _("What")),
            ("reason", _("Reason")),
            ("status", _("Status")),
            ("decided_at", _("Decided")),
        ),
        _erasure_requests,
    ),
)

#: Models that hold rows pointing at a person or a treatment but are not about
#: a client (or are told in another section), with the reason.
NOT_IN_THE_COPY: dict[str, str] = {
    "accounts.apitoken": "trial managers' API keys; clients hold none",
    "care.staffmembership": "staff places in services",
    "care.practitionerprofile": "a practitioner's own introduction",
    "programme.steprevision": "course content versions (the editor)",
    "safety.servicesafetypolicy": "a service's crisis contacts and duty staff",
    "safety.servicesafetypolicy_duty_contacts": "a service's duty staff",
    "trials.exportjob": "pseudonymised research exports (no one person)",
    "trials.dataaccesslog": "reads of pseudonymised research data (no one person)",
    "core.accesssubject": "told in 'Who opened your record' (record_opened)",
    "privacy.privacyevent": "the audit of requests; told in 'Copies' and 'Erasure requests'",
    "admin.logentry": "the Django admin's own log of staff edits",
    "otp_totp.totpdevice": "staff second-factor devices; clients hold none",
    "otp_static.staticdevice": "staff recovery codes; clients hold none",
    "otp_static.statictoken": "staff recovery codes; clients hold none",
    "accounts.user_groups": "groups: not used for clients",
    "accounts.user_user_permissions": "permissions: not used for clients",
}


# --- Formats --------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One CSV cell: exact text, except that text a spreadsheet would run as a
    formula starts with an apostrophe (OWASP's advice for CSV files)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def _display(value: Any, zone) -> str:
    """A value as a person reads it, in their language and time zone."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value, zone), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, datetime.time):
        return formats.time_format(value, "TIME_FORMAT")
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_display(v, zone)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_display(v, zone) for v in value)
    return str(value)


@dataclass
class SectionData:
    section: Section
    rows: list[Row]

    @property
    def key(self) -> str:
        return self.section.key


def bundle_collect(*, client: User) -> list[SectionData]:
    """Every section's rows for `client` (a few queries per section)."""
    return [SectionData(section, list(section.rows(client))) for section in SECTIONS]


def _csv_bytes(data: SectionData) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = [k for k, _label in data.section.columns]
    writer.writerow(keys)
    for row in data.rows:
        writer.writerow([csv_cell(_json_value(row.get(k))) for k in keys])
    return out.getvalue().encode("utf-8")


def _json_bytes(data: SectionData) -> bytes:
    rows = [{k: _json_value(v) for k, v in row.items()} for row in data.rows]
    return json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode("utf-8")


def bundle_write(*, client: User, fileobj, made_at: datetime.datetime) -> dict[str, int]:
    """Write the ZIP for `client` to the binary file object `fileobj`.

    Returns the number of rows per section. Written in the client's language
    (the HTML, and words such as a status in the data files; the data files'
    keys are fixed English names) and, on the HTML, their time zone.
    """
    zone = user_zone(client)
    with translation.override(client.language_code):
        collected = bundle_collect(client=client)
        html = render_to_string(
            "privacy/bundle/index.html",
            {
                "client": client,
                "site_name": settings.SITE_NAME,
                "made_at": _display(made_at, zone),
                "sections": [
                    {
                        "key": d.key,
                        "title": d.section.title,
                        "about": d.section.about,
                        "labels": [label for _k, label in d.section.columns],
                        "rows": [
                            [_display(_json_value(r.get(k)), zone) for k, _l in d.section.columns]
                            for r in d.rows
                        ],
                    }
                    for d in collected
                ],
            },
        )
        manifest = {
            "made_at": made_at.astimezone(datetime.UTC).isoformat(),
            "client_id": client.pk,
            "language": client.language_code,
            "sections": [
                {
                    "key": d.key,
                    "title": str(d.section.title),
                    "rows": len(d.rows),
                    "columns": [k for k, _label in d.section.columns],
                    "files": [f"data/{d.key}.json", f"data/{d.key}.csv"],
                }
                for d in collected
            ],
        }
        files = {f"data/{d.key}.json": _json_bytes(d) for d in collected}
        files.update({f"data/{d.key}.csv": _csv_bytes(d) for d in collected})
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("index.html", html)
        zf.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
        for name in sorted(files):
            zf.writestr(name, files[name])
    return {d.key: len(d.rows) for d in collected}
