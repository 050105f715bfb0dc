"""Adherence: the one place where every definition lives.

Everything the trial overview, the exports and the API report about what a
participant did is computed here, from the rows the other apps write. The
prose version of each definition is in docs/adherence.md; keep them together.

Unit of analysis: one **participant** = one `care.Treatment` (an episode of
care), named only by its `participant_id`. A returning client has a new
treatment and a new participant ID.

Definitions (all counts are whole numbers, 0 when nothing happened):

- **Enrolled**: every treatment in scope, whatever its status.
- **Started (the programme)**: at least one step opened (`StepProgress` row).
- **Completed course**: every active mandatory module completed
  (`ModulePlan.completed_at` set) — the study's adherence definition, the same
  rule as `apps.programme.selectors.course_completed`.
- **Modules started / completed**: `ModulePlan` rows with `started_at` /
  `completed_at` set (any module, mandatory or optional). The programme's step
  services write both.
- **Steps opened / completed**: `StepProgress` rows / those with `completed_at`.
- **Exercises submitted**: `ExerciseEntry` rows sent to the practitioner
  (status submitted) on exercise steps; quizzes and drafts are not counted.
- **Time on the platform (seconds)**: the sum of `StepProgress.seconds_spent`,
  the active time on step pages measured by the programme (heartbeats while
  the page is visible; each gap capped at 120 s and each visit at 30 min).
  Time on other pages (mood, messages, questionnaires) is not measured.
- **Logins**: `LoginEvent` rows of the client from the moment the treatment
  was created (enrolment) until it ended (`ended_at`), or until now while open.
- **Mood ratings**: `MoodRating` rows linked to the treatment (made while it
  was open; one per client per day).
- **Face-to-face sessions**: `Appointment` rows by status: attended, did not
  attend, cancelled by the client, cancelled by the service, still scheduled.
- **Messages**: `Message` rows, split by side (`from_client`).
- **Questionnaires due**: the client's administrations whose window has
  opened (`due_from` at or before the time of the export) and that were not
  cancelled; **completed** and **missed** by status. The practitioner's own
  questionnaires (WAI-SF-T: `"respondent": "practitioner"` in the definition)
  are not the client's to answer and count in none of these.
- **Weeks active**: distinct ISO weeks (Monday 00:00 to Sunday 24:00 in the
  participant's service time zone, `Service.time_zone`, Europe/London by
  default; a blank or unknown zone name counts as Europe/London) in which the
  client did anything on the platform: a login, a step opened or completed, an
  exercise submitted, a mood rating, a message sent, a questionnaire
  completed (the client's; never the practitioner's WAI-SF-T). Face-to-face
  sessions are not platform activity. Local weeks, so
  the numbers match the diaries kept at the site: Sunday 23:30 UTC in summer
  is Monday 00:30 in London and counts in the new week.
- **PHQ-9 first / last**: totals of the earliest and the latest completed,
  scorable PHQ-9 of the treatment (by completion time); `last` is empty when
  there is only one. **Change** = last − first; its category comes from the
  scoring engine (`scoring.change`: reliable change is 6 points).
- **GAD-7 first / last**: the same for the GAD-7.
- **WAI-SF-C total**: the earliest completed, scorable WAI-SF-C total.
- **Respondent** (events and scores): who answers a questionnaire, `client`
  or `practitioner`, from its definition (`respondent`). Not from
  `Administration.answered_by`: that is set for a client who answers signed in
  too, and empty for one who answers through a signed link.

Efficiency: per-participant numbers are correlated subqueries on one treatment
query (one query per chunk of `CHUNK_SIZE` participants), weeks active is one
grouped query per event source per chunk (the week is truncated in the
database, per row in its service's zone). No query per participant and none
per service or time zone.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncWeek
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.care.models import (
    Appointment,
    AppointmentStatus,
    ConsentKind,
    Treatment,
    clients_without_consent,
)
from apps.messaging.models import Message
from apps.programme.models import (
    EntryStatus,
    ExerciseEntry,
    Module,
    ModulePlan,
    StepKind,
    StepProgress,
)
from apps.questionnaires.catalogue import practitioner_instruments, scoring_definition
from apps.questionnaires.models import Administration, AdministrationStatus
from apps.questionnaires.scoring import change
from apps.tracking.models import MoodRating

CHUNK_SIZE = 1000
UTC = datetime.UTC
# Far enough in the future to stand for "still open" in a comparison.
_OPEN_END = datetime.datetime(9999, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """Which participants: services (empty = every service) and an enrolment
    date range on `Treatment.start_date` (inclusive; None = open-ended).

    `include_free_text` adds client- and practitioner-written text to the
    events export (admins only, with a recorded purpose).
    """

    service_ids: tuple[int, ...] = ()
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    include_free_text: bool = False

    def as_dict(self) -> dict:
        return {
            "service_ids": list(self.service_ids),
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "include_free_text": self.include_free_text,
        }


def treatments_in_scope(scope: Scope) -> QuerySet[Treatment]:
    """Treatments (participants) selected by `scope`, in participant ID order.

    Never a participant who withdrew their data from research (docs/codebook.md).
    """
    qs = Treatment.objects.exclude(client_id__in=clients_without_consent(ConsentKind.RESEARCH_DATA))
    if scope.service_ids:
        qs = qs.filter(service_id__in=scope.service_ids)
    if scope.date_from:
        qs = qs.filter(start_date__gte=scope.date_from)
    if scope.date_to:
        qs = qs.filter(start_date__lte=scope.date_to)
    return qs.order_by("participant_id")


# --------------------------------------------------------------------------- respondent


class Respondent:
    """Who answers a questionnaire (the events' and scores' `respondent` column)."""

    CLIENT = "client"
    PRACTITIONER = "practitioner"
    ALL = (CLIENT, PRACTITIONER)


def client_administrations(qs: QuerySet[Administration] | None = None) -> QuerySet:
    """The administrations the client answers: every one but the practitioner's
    own questionnaires (WAI-SF-T), which are never client activity.

    Decided by the instrument's definition, never by `answered_by` (set for a
    client who answers signed in, empty for one who answers through a link).
    """
    qs = Administration.objects.all() if qs is None else qs
    return qs.exclude(instrument__in=practitioner_instruments())


def respondent_of(instrument: str) -> str:
    return (
        Respondent.PRACTITIONER if instrument in practitioner_instruments() else Respondent.CLIENT
    )


def respondent_expression(instrument: str = "instrument") -> Case:
    """SQL for `respondent_of` over the `instrument` column."""
    return Case(
        When(
            **{f"{instrument}__in": practitioner_instruments()},
            then=Value(Respondent.PRACTITIONER),
        ),
        default=Value(Respondent.CLIENT),
        output_field=CharField(),
    )


# --------------------------------------------------------------------------- events


class EventType:
    LOGIN = "login"
    STEP_OPENED = "step_opened"
    STEP_COMPLETED = "step_completed"
    EXERCISE_SUBMITTED = "exercise_submitted"
    MOOD_RATED = "mood_rated"
    MESSAGE_FROM_CLIENT = "message_from_client"
    MESSAGE_FROM_PRACTITIONER = "message_from_practitioner"
    SESSION_PREFIX = "session_"  # + appointment status, e.g. session_attended
    QUESTIONNAIRE_COMPLETED = "questionnaire_completed"
    QUESTIONNAIRE_MISSED = "questionnaire_missed"

    SESSION_TYPES = tuple(f"session_{s}" for s in AppointmentStatus.values)
    ALL = (
        LOGIN,
        STEP_OPENED,
        STEP_COMPLETED,
        EXERCISE_SUBMITTED,
        MOOD_RATED,
        MESSAGE_FROM_CLIENT,
        MESSAGE_FROM_PRACTITIONER,
        *SESSION_TYPES,
        QUESTIONNAIRE_COMPLETED,
        QUESTIONNAIRE_MISSED,
    )
    # Platform activity by the client: what "weeks active" counts (questionnaire
    # events only where the client is the respondent).
    CLIENT_ACTIVITY = (
        LOGIN,
        STEP_OPENED,
        STEP_COMPLETED,
        EXERCISE_SUBMITTED,
        MOOD_RATED,
        MESSAGE_FROM_CLIENT,
        QUESTIONNAIRE_COMPLETED,
    )


# Columns every event source selects, in this order (the union needs one shape).
EVENT_FIELDS = (
    "ev_participant",
    "ev_service",
    "ev_start",
    "ev_type",
    "ev_at",
    "ev_module",
    "ev_step",
    "ev_instrument",
    "ev_time_point",
    "ev_respondent",
    "ev_session",
    "ev_value",
    "ev_seconds",
)


def _null(field_class):
    return Cast(Value(None), output_field=field_class())


def _shape(qs: QuerySet, prefix: str, *, type_, at, pk="pk", free_text=None, **cols) -> QuerySet:
    """Annotate a source queryset with the common event columns.

    `prefix` is the path from the source model to its Treatment ("" when the
    source is the treatment itself, e.g. "treatment__"); `pk` the path to the
    source row's primary key. Besides the exported columns, every source
    carries `ev_tid` (treatment id), `ev_tz` (the service's time zone name)
    and `ev_pk` (the source row's id), used by weeks active and the API's
    cursor.
    """
    defaults = {
        "ev_module": _null(CharField),
        "ev_step": _null(CharField),
        "ev_instrument": _null(CharField),
        "ev_time_point": _null(CharField),
        "ev_respondent": _null(CharField),
        "ev_session": _null(IntegerField),
        "ev_value": _null(IntegerField),
        "ev_seconds": _null(IntegerField),
    }
    defaults.update(cols)
    annotations = {
        "ev_participant": F(f"{prefix}participant_id"),
        "ev_service": F(f"{prefix}service__code"),
        "ev_start": F(f"{prefix}start_date"),
        "ev_type": type_ if not isinstance(type_, str) else Value(type_, output_field=CharField()),
        "ev_at": Cast(at, output_field=DateTimeField()) if isinstance(at, str) else at,
        "ev_tid": F(f"{prefix}id"),
        "ev_tz": F(f"{prefix}service__time_zone"),
        "ev_pk": F(pk),
        **defaults,
        "ev_text": free_text if free_text is not None else _null(TextField),
    }
    return qs.annotate(**annotations)


def _login_events(treatments: QuerySet[Treatment]) -> QuerySet:
    """Logins inside each treatment's window. Built from Treatment so that a
    client with two treatments has each login counted in the right one."""
    qs = treatments.order_by().filter(
        client__login_events__at__gte=F("created_at"),
        client__login_events__at__lte=Coalesce("ended_at", Value(_OPEN_END)),
    )
    return _shape(
        qs,
        "",
        type_=EventType.LOGIN,
        at=F("client__login_events__at"),
        pk="client__login_events__id",
    )


def event_sources(treatments: QuerySet[Treatment]) -> dict[str, QuerySet]:
    """Every event source for `treatments`, keyed by event type (sessions share
    one key), each annotated with the common event columns."""
    tids = treatments.order_by().values("pk")
    steps = StepProgress.objects.filter(treatment__in=tids)
    sources = {
        EventType.LOGIN: _login_events(treatments),
        EventType.STEP_OPENED: _shape(
            steps,
            "treatment__",
            type_=EventType.STEP_OPENED,
            at=F("opened_at"),
            ev_module=F("step__module__slug"),
            ev_step=F("step__slug"),
            ev_seconds=F("seconds_spent"),
        ),
        EventType.STEP_COMPLETED: _shape(
            steps.filter(completed_at__isnull=False),
            "treatment__",
            type_=EventType.STEP_COMPLETED,
            at=F("completed_at"),
            ev_module=F("step__module__slug"),
            ev_step=F("step__slug"),
        ),
        EventType.EXERCISE_SUBMITTED: _shape(
            ExerciseEntry.objects.filter(
                treatment__in=tids, status=EntryStatus.SUBMITTED, step__kind=StepKind.EXERCISE
            ),
            "treatment__",
            type_=EventType.EXERCISE_SUBMITTED,
            at=F("submitted_at"),
            ev_module=F("step__module__slug"),
            ev_step=F("step__slug"),
            free_text=Cast("data", output_field=TextField()),
        ),
        EventType.MOOD_RATED: _shape(
            MoodRating.objects.filter(treatment__in=tids),
            "treatment__",
            type_=EventType.MOOD_RATED,
            at=F("created_at"),
            ev_value=F("value"),
            free_text=Cast("note", output_field=TextField()),
        ),
        "message": _shape(
            Message.objects.filter(treatment__in=tids),
            "treatment__",
            type_=Case(
                When(from_client=True, then=Value(EventType.MESSAGE_FROM_CLIENT)),
                default=Value(EventType.MESSAGE_FROM_PRACTITIONER),
                output_field=CharField(),
            ),
            at=F("created_at"),
            free_text=Cast("body", output_field=TextField()),
        ),
        "session": _shape(
            Appointment.objects.filter(treatment__in=tids),
            "treatment__",
            type_=Concat(Value(EventType.SESSION_PREFIX), F("status"), output_field=CharField()),
            at=F("starts_at"),
            ev_session=F("number"),
        ),
        EventType.QUESTIONNAIRE_COMPLETED: _shape(
            Administration.objects.filter(
                treatment__in=tids, status=AdministrationStatus.COMPLETED
            ),
            "treatment__",
            type_=EventType.QUESTIONNAIRE_COMPLETED,
            at=F("completed_at"),
            ev_instrument=F("instrument"),
            ev_time_point=F("time_point"),
            ev_respondent=respondent_expression(),
            ev_value=F("total"),
        ),
        EventType.QUESTIONNAIRE_MISSED: _shape(
            Administration.objects.filter(treatment__in=tids, status=AdministrationStatus.MISSED),
            "treatment__",
            type_=EventType.QUESTIONNAIRE_MISSED,
            at=F("missed_at"),
            ev_instrument=F("instrument"),
            ev_time_point=F("time_point"),
            ev_respondent=respondent_expression(),
        ),
    }
    # The source name is part of the events' stable key: unlike the event type,
    # it never changes (a session's type follows its status).
    return {
        key: qs.annotate(ev_source=Value(key, output_field=CharField()))
        for key, qs in sources.items()
    }


# A unique key that does not change as rows are updated: event time, source,
# treatment (a login inside two treatments' windows is an event of each) and the
# source row. Every event time is NOT NULL (database constraints), so the key
# always orders. The API's cursor pagination walks it.
EVENT_KEY = ("ev_at", "ev_source", "ev_tid", "ev_pk")


def events_queryset(
    treatments: QuerySet[Treatment],
    *,
    include_free_text: bool = False,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    event_types: Iterable[str] | None = None,
    where: Q | None = None,
    key_order: Sequence[str] | None = None,
):
    """All events of `treatments` as one UNION ALL query of tuples in
    `EVENT_FIELDS` order (+ free text last when asked), ordered by participant,
    time and type. Stream it with `.iterator(chunk_size=...)`.

    `since`/`until` filter on the event time (inclusive / exclusive).
    `where` (a Q over the `ev_*` annotations) is applied to every source before
    the union, since a union cannot be filtered afterwards. With `key_order`
    (the names in `EVENT_KEY`, each optionally prefixed "-"), every tuple ends
    with the key columns `ev_source`, `ev_tid`, `ev_pk` and the union is
    ordered by them instead: the API's cursor pagination.
    """
    fields = [*EVENT_FIELDS, "ev_text"] if include_free_text else list(EVENT_FIELDS)
    if key_order is not None:
        fields += [name for name in EVENT_KEY if name not in fields]
    wanted = set(event_types) if event_types else None
    parts = []
    for key, qs in event_sources(treatments).items():
        if wanted is not None:
            if key == "message":
                types = {EventType.MESSAGE_FROM_CLIENT, EventType.MESSAGE_FROM_PRACTITIONER}
            elif key == "session":
                types = set(EventType.SESSION_TYPES)
            else:
                types = {key}
            if not types & wanted:
                continue
            if key in ("message", "session"):
                qs = qs.filter(ev_type__in=types & wanted)
        if since is not None:
            qs = qs.filter(ev_at__gte=since)
        if until is not None:
            qs = qs.filter(ev_at__lt=until)
        if where is not None:
            qs = qs.filter(where)
        parts.append(qs.order_by().values_list(*fields))
    if not parts:
        return Treatment.objects.none().values_list(*[Value(None)] * len(fields))
    first, *rest = parts
    union = first.union(*rest, all=True) if rest else first
    if key_order is not None:
        return union.order_by(*key_order)
    return union.order_by("ev_participant", "ev_at", "ev_type")


DEFAULT_TIME_ZONE = "Europe/London"


def service_zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone called `name`; a blank or unknown name is Europe/London (the
    default of `Service.time_zone`), so one bad site setting cannot stop an
    export."""
    try:
        return zoneinfo.ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


def _local_week(zone_names: Iterable[str]):
    """The start of the event's week in its service's time zone, as an SQL
    expression: one TruncWeek per zone, picked per row by `ev_tz` (a CASE when
    the participants span several zones). The query count stays the same
    whatever the number of services or zones."""
    by_zone: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(zone_names)):
        by_zone[str(service_zone(name))].append(name)
    if len(by_zone) == 1:
        return TruncWeek("ev_at", tzinfo=zoneinfo.ZoneInfo(next(iter(by_zone))))
    return Case(
        *(
            When(ev_tz__in=names, then=TruncWeek("ev_at", tzinfo=zoneinfo.ZoneInfo(zone)))
            for zone, names in by_zone.items()
        ),
        output_field=DateTimeField(),
    )


def weeks_active(treatment_zones: Mapping[int, str] | Iterable[int]) -> dict[int, int]:
    """Distinct ISO weeks (Monday to Sunday, in the service's local time) with
    client platform activity, per treatment id.

    `treatment_zones` maps treatment id to its service's time zone name (as
    `participant_adherence` reads it with the ids); given bare ids, the zones
    are read in one more query. One grouped query per event source; rows
    returned are at most participants x weeks, never one per event.
    """
    if not isinstance(treatment_zones, Mapping):
        treatment_zones = dict(
            Treatment.objects.filter(pk__in=list(treatment_zones)).values_list(
                "pk", "service__time_zone"
            )
        )
    ids = list(treatment_zones)
    if not ids:
        return {}
    week = _local_week(treatment_zones.values())
    treatments = Treatment.objects.filter(pk__in=ids)
    weeks: dict[int, set] = defaultdict(set)
    for key, qs in event_sources(treatments).items():
        if key == "session":
            continue
        if key == "message":
            qs = qs.filter(from_client=True)
        elif key not in EventType.CLIENT_ACTIVITY:
            continue
        elif key == EventType.QUESTIONNAIRE_COMPLETED:
            qs = client_administrations(qs)
        rows = qs.annotate(ev_week=week).values_list("ev_tid", "ev_week").distinct().order_by()
        for tid, start in rows:
            # A local midnight: its date is the Monday, whatever the driver's
            # time zone handling (aware in the zone, or naive local).
            weeks[tid].add(start.date() if isinstance(start, datetime.datetime) else start)
    return {tid: len(weeks.get(tid, ())) for tid in ids}


# --------------------------------------------------------------------------- participants


def _count(qs: QuerySet, *, link: str = "treatment") -> Coalesce:
    sub = (
        qs.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def _first_total(instrument: str, *, last: bool = False) -> Subquery:
    order = "-completed_at" if last else "completed_at"
    return Subquery(
        Administration.objects.filter(
            treatment=OuterRef("pk"),
            instrument=instrument,
            status=AdministrationStatus.COMPLETED,
            valid=True,
        )
        .order_by(order, "-pk" if last else "pk")
        .values("total")[:1],
        output_field=IntegerField(),
    )


def _n_valid(instrument: str) -> Coalesce:
    return _count(
        Administration.objects.filter(
            instrument=instrument, status=AdministrationStatus.COMPLETED, valid=True
        )
    )


def active_modules() -> list[Module]:
    return list(Module.objects.filter(is_active=True).order_by("order", "pk"))


def annotate_adherence(qs: QuerySet[Treatment], *, as_of: datetime.datetime) -> QuerySet:
    """Add every per-participant count to a Treatment queryset (one query)."""
    seconds = (
        StepProgress.objects.filter(treatment=OuterRef("pk"))
        .order_by()
        .values("treatment")
        .annotate(s=Sum("seconds_spent"))
        .values("s")
    )
    logins = (
        LoginEvent.objects.filter(
            user=OuterRef("client_id"),
            at__gte=OuterRef("created_at"),
            at__lte=OuterRef("window_end"),
        )
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    plans = ModulePlan.objects.all()
    appts = Appointment.objects.all()
    adms = client_administrations()
    module_status = {
        f"adh_mod_{m.pk}": Coalesce(
            Subquery(
                ModulePlan.objects.filter(treatment=OuterRef("pk"), module_id=m.pk)
                .annotate(
                    st=Case(
                        When(completed_at__isnull=False, then=Value("completed")),
                        When(started_at__isnull=False, then=Value("started")),
                        default=Value("not_started"),
                        output_field=CharField(),
                    )
                )
                .values("st")[:1],
                output_field=CharField(),
            ),
            Value("not_started"),
        )
        for m in active_modules()
    }
    return (
        qs.select_related(None)
        .annotate(window_end=Coalesce("ended_at", Value(_OPEN_END)))
        .annotate(
            adh_service_code=F("service__code"),
            adh_modules_started=_count(plans.filter(started_at__isnull=False)),
            adh_modules_completed=_count(plans.filter(completed_at__isnull=False)),
            adh_mandatory_modules_completed=_count(
                plans.filter(
                    completed_at__isnull=False, module__mandatory=True, module__is_active=True
                )
            ),
            adh_steps_opened=_count(StepProgress.objects.all()),
            adh_steps_completed=_count(StepProgress.objects.filter(completed_at__isnull=False)),
            adh_exercises_submitted=_count(
                ExerciseEntry.objects.filter(
                    status=EntryStatus.SUBMITTED, step__kind=StepKind.EXERCISE
                )
            ),
            adh_seconds_on_platform=Coalesce(Subquery(seconds, output_field=IntegerField()), 0),
            adh_logins=Coalesce(Subquery(logins, output_field=IntegerField()), 0),
            adh_mood_ratings=_count(MoodRating.objects.all()),
            adh_sessions_attended=_count(appts.filter(status=AppointmentStatus.ATTENDED)),
            adh_sessions_did_not_attend=_count(
                appts.filter(status=AppointmentStatus.DID_NOT_ATTEND)
            ),
            adh_sessions_cancelled_by_client=_count(
                appts.filter(status=AppointmentStatus.CANCELLED_BY_CLIENT)
            ),
            adh_sessions_cancelled_by_service=_count(
                appts.filter(status=AppointmentStatus.CANCELLED_BY_SERVICE)
            ),
            adh_sessions_scheduled=_count(appts.filter(status=AppointmentStatus.SCHEDULED)),
            adh_messages_from_client=_count(Message.objects.filter(from_client=True)),
            adh_messages_from_practitioner=_count(Message.objects.filter(from_client=False)),
            adh_questionnaires_due=_count(
                adms.filter(due_from__lte=as_of).exclude(status=AdministrationStatus.CANCELLED)
            ),
            adh_questionnaires_completed=_count(adms.filter(status=AdministrationStatus.COMPLETED)),
            adh_questionnaires_missed=_count(adms.filter(status=AdministrationStatus.MISSED)),
            adh_phq9_first_total=_first_total("phq9"),
            adh_phq9_last_total=_first_total("phq9", last=True),
            adh_phq9_n=_n_valid("phq9"),
            adh_gad7_first_total=_first_total("gad7"),
            adh_gad7_last_total=_first_total("gad7", last=True),
            adh_gad7_n=_n_valid("gad7"),
            adh_wai_sf_c_total=_first_total("wai_sf_c"),
            **module_status,
        )
    )


@dataclass
class ParticipantAdherence:
    """Every adherence number of one participant (see the module docstring)."""

    treatment_id: int
    participant_id: str
    service_code: str
    status: str
    start_date: datetime.date
    planned_end_date: datetime.date
    enrolled_at: datetime.datetime
    activated_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    modules_started: int
    modules_completed: int
    mandatory_modules_completed: int
    course_completed: bool
    started_programme: bool
    steps_opened: int
    steps_completed: int
    exercises_submitted: int
    seconds_on_platform: int
    logins: int
    mood_ratings: int
    sessions_attended: int
    sessions_did_not_attend: int
    sessions_cancelled_by_client: int
    sessions_cancelled_by_service: int
    sessions_scheduled: int
    messages_from_client: int
    messages_from_practitioner: int
    questionnaires_due: int
    questionnaires_completed: int
    questionnaires_missed: int
    weeks_active: int
    phq9_first_total: int | None
    phq9_last_total: int | None
    phq9_change: int | None
    phq9_change_category: str
    gad7_first_total: int | None
    gad7_last_total: int | None
    wai_sf_c_total: int | None
    module_status: dict[str, str] = field(default_factory=dict)


def _phq9_change(first: int | None, last: int | None) -> tuple[int | None, str]:
    if first is None or last is None:
        return None, "not_classifiable"
    result = change(definition=scoring_definition("phq9"), first=first, last=last)
    return result.delta, result.category


def participant_adherence(
    scope_or_treatments: Scope | QuerySet[Treatment],
    *,
    as_of: datetime.datetime | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[ParticipantAdherence]:
    """Adherence of every participant in scope, in participant ID order.

    Streams: participants are read `chunk_size` at a time (a fixed number of
    queries per chunk), so memory does not grow with the trial.
    """
    as_of = as_of or timezone.now()
    treatments = (
        treatments_in_scope(scope_or_treatments)
        if isinstance(scope_or_treatments, Scope)
        else scope_or_treatments.order_by("participant_id")
    )
    modules = active_modules()
    n_mandatory = sum(1 for m in modules if m.mandatory)
    # Each id comes with its service's time zone, for weeks active.
    ids_iter = treatments.values_list("pk", "service__time_zone").iterator(chunk_size=chunk_size)
    while True:
        chunk_zones: dict[int, str] = {}
        for pk, zone in ids_iter:
            chunk_zones[pk] = zone
            if len(chunk_zones) >= chunk_size:
                break
        if not chunk_zones:
            return
        chunk = list(chunk_zones)
        weeks = weeks_active(chunk_zones)
        rows = annotate_adherence(Treatment.objects.filter(pk__in=chunk), as_of=as_of).order_by(
            "participant_id"
        )
        for t in rows:
            change_value, category = _phq9_change(
                t.adh_phq9_first_total, t.adh_phq9_last_total if t.adh_phq9_n > 1 else None
            )
            yield ParticipantAdherence(
                treatment_id=t.pk,
                participant_id=t.participant_id,
                service_code=t.adh_service_code,
                status=t.status,
                start_date=t.start_date,
                planned_end_date=t.planned_end_date,
                enrolled_at=t.created_at,
                activated_at=t.activated_at,
                ended_at=t.ended_at,
                modules_started=t.adh_modules_started,
                modules_completed=t.adh_modules_completed,
                mandatory_modules_completed=t.adh_mandatory_modules_completed,
                course_completed=n_mandatory > 0
                and t.adh_mandatory_modules_completed >= n_mandatory,
                started_programme=t.adh_steps_opened > 0,
                steps_opened=t.adh_steps_opened,
                steps_completed=t.adh_steps_completed,
                exercises_submitted=t.adh_exercises_submitted,
                seconds_on_platform=t.adh_seconds_on_platform,
                logins=t.adh_logins,
                mood_ratings=t.adh_mood_ratings,
                sessions_attended=t.adh_sessions_attended,
                sessions_did_not_attend=t.adh_sessions_did_not_attend,
                sessions_cancelled_by_client=t.adh_sessions_cancelled_by_client,
                sessions_cancelled_by_service=t.adh_sessions_cancelled_by_service,
                sessions_scheduled=t.adh_sessions_scheduled,
                messages_from_client=t.adh_messages_from_client,
                messages_from_practitioner=t.adh_messages_from_practitioner,
                questionnaires_due=t.adh_questionnaires_due,
                questionnaires_completed=t.adh_questionnaires_completed,
                questionnaires_missed=t.adh_questionnaires_missed,
                weeks_active=weeks.get(t.pk, 0),
                phq9_first_total=t.adh_phq9_first_total,
                phq9_last_total=t.adh_phq9_last_total if t.adh_phq9_n > 1 else None,
                phq9_change=change_value,
                phq9_change_category=category,
                gad7_first_total=t.adh_gad7_first_total,
                gad7_last_total=t.adh_gad7_last_total if t.adh_gad7_n > 1 else None,
                wai_sf_c_total=t.adh_wai_sf_c_total,
                module_status={m.slug: getattr(t, f"adh_mod_{m.pk}") for m in modules},
            )
        if len(chunk) < chunk_size:
            return


# --------------------------------------------------------------------------- aggregates

SUMMED = (
    "modules_started",
    "modules_completed",
    "steps_opened",
    "steps_completed",
    "exercises_submitted",
    "seconds_on_platform",
    "logins",
    "mood_ratings",
    "sessions_attended",
    "sessions_did_not_attend",
    "sessions_cancelled_by_client",
    "sessions_cancelled_by_service",
    "messages_from_client",
    "messages_from_practitioner",
    "questionnaires_due",
    "questionnaires_completed",
    "questionnaires_missed",
    "weeks_active",
)


@dataclass
class AdherenceSummary:
    """Adherence added up over a group of participants (a service, or everyone).

    Funnel: enrolled → started (≥1 step opened) → completed course. Totals are
    sums over participants; means are per enrolled participant.
    """

    label: str
    enrolled: int = 0
    started: int = 0
    completed_course: int = 0
    totals: Counter = field(default_factory=Counter)
    module_completed: Counter = field(default_factory=Counter)
    module_started: Counter = field(default_factory=Counter)

    def add(self, p: ParticipantAdherence) -> None:
        self.enrolled += 1
        self.started += int(p.started_programme)
        self.completed_course += int(p.course_completed)
        for name in SUMMED:
            self.totals[name] += getattr(p, name)
        for slug, status in p.module_status.items():
            self.module_completed[slug] += int(status == "completed")
            self.module_started[slug] += int(status in ("started", "completed"))

    def mean(self, name: str) -> float | None:
        return self.totals[name] / self.enrolled if self.enrolled else None

    @property
    def funnel(self) -> list[tuple[str, int]]:
        return [
            ("enrolled", self.enrolled),
            ("started", self.started),
            ("completed_course", self.completed_course),
        ]

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "enrolled": self.enrolled,
            "started": self.started,
            "completed_course": self.completed_course,
            "totals": {name: self.totals[name] for name in SUMMED},
            "means": {
                name: (round(m, 2) if (m := self.mean(name)) is not None else None)
                for name in SUMMED
            },
            "modules": {
                slug: {"started": self.module_started[slug], "completed": n}
                for slug, n in self.module_completed.items()
            },
        }


def adherence_summary(
    participants: Iterable[ParticipantAdherence],
) -> tuple[AdherenceSummary, dict[str, AdherenceSummary]]:
    """(overall, per service code) summaries, in one pass over the stream."""
    overall = AdherenceSummary(label="overall")
    per_service: dict[str, AdherenceSummary] = {}
    for p in participants:
        overall.add(p)
        per_service.setdefault(p.service_code, AdherenceSummary(label=p.service_code)).add(p)
    return overall, dict(sorted(per_service.items()))
