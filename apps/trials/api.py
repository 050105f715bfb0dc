"""REST API for trial managers (/api/v1/): pseudonymised, read-only, plus export jobs.

Authentication: a token (`Authorization: Token tdm_…`) or the browser session.
A trial manager makes their own tokens on the "API tokens" page (hashed at
rest, named, expiring, revocable, scoped; never for admins or clients: see
apps.accounts.api_tokens). A read-only token (the default) may only read; a
token may never ask for free text. Only trial managers and admins get data:
anyone else gets 403 from `IsResearcher`, and every `get_queryset` goes
through `apps.trials.access` as well.

Every read is written to the data access log (who, when, which endpoint, the
filters used and how many rows were returned). Serializer fields are generated
from the export column definitions, so the API, the files and the codebook say
the same thing.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Sequence

from django.db.models import Q
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from apps.accounts.models import ApiToken, ApiTokenScope
from apps.care.models import Service
from apps.core.errors import DomainError
from apps.questionnaires.models import Administration, AdministrationStatus
from apps.trials import adherence, exporters, fhir
from apps.trials.access import (
    export_job_get_for_user,
    export_jobs_visible_to,
    is_researcher,
    research_treatments,
)
from apps.trials.adherence import EventType, Scope
from apps.trials.columns import EVENT_COLUMNS, PARTICIPANT_COLUMNS, SCORE_COLUMNS, Column
from apps.trials.models import AccessAction, Dataset, ExportJob, FileFormat
from apps.trials.services import data_access_record, export_job_create, export_job_file


class IsResearcher(BasePermission):
    """Trial managers and admins only; clients, PWPs and supervisors get 403."""

    message = "Only trial managers and administrators can read research data."

    def has_permission(self, request, view) -> bool:
        return is_researcher(request.user)


class TokenScopeAllows(BasePermission):
    """A read-only token (the default scope) may only read."""

    message = "This token is read-only. Create a token that may request exports."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return token.scope == ApiTokenScope.RESEARCH_EXPORT


# --------------------------------------------------------------------------- filters

SCOPE_PARAMETERS = [
    OpenApiParameter(
        "service", str, description="Service code(s), comma-separated (e.g. AAA,BBB)."
    ),
    OpenApiParameter(
        "enrolled_from", OpenApiTypes.DATE, description="Treatment start date on or after."
    ),
    OpenApiParameter(
        "enrolled_to", OpenApiTypes.DATE, description="Treatment start date on or before."
    ),
    OpenApiParameter("participant", str, description="One participant ID."),
]


# Filters outside these dates are refused with a 400 (not an overflow and a 500).
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2999, 12, 31)


def _date(request, name: str) -> datetime.date | None:
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError({name: "Give one date."})
    try:
        day = datetime.date.fromisoformat(values[0])
    except ValueError:
        raise ValidationError({name: "Use a date like 2025-03-01."}) from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            {name: f"Use a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."}
        )
    return day


def scope_from_request(request) -> Scope:
    codes = [c.strip() for c in request.query_params.get("service", "").split(",") if c.strip()]
    service_ids: tuple[int, ...] = ()
    if codes:
        found = dict(Service.objects.filter(code__in=codes).values_list("code", "pk"))
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise ValidationError({"service": f"Unknown service code(s): {', '.join(unknown)}."})
        service_ids = tuple(sorted(found.values()))
    scope = Scope(
        service_ids=service_ids,
        date_from=_date(request, "enrolled_from"),
        date_to=_date(request, "enrolled_to"),
    )
    if scope.date_from and scope.date_to and scope.date_to < scope.date_from:
        raise ValidationError({"enrolled_to": "Must be on or after enrolled_from."})
    return scope


def scoped_treatments(request):
    """Treatments the user may read (access helper), narrowed by the filters."""
    scope = scope_from_request(request)
    qs = research_treatments(request.user)
    selected = adherence.treatments_in_scope(scope)
    qs = qs.filter(pk__in=selected.order_by().values("pk"))
    participant = request.query_params.get("participant")
    if participant:
        qs = qs.filter(participant_id=participant)
    return qs.order_by("participant_id")


def _record(request, resource: str, rows: int | None) -> None:
    data_access_record(
        user=request.user,
        action=AccessAction.API_READ,
        resource=resource,
        scope={k: request.query_params.getlist(k) for k in sorted(request.query_params)},
        row_count=rows,
        via_token=isinstance(request.auth, ApiToken),
    )


# --------------------------------------------------------------------------- serializers

_FIELD_BY_TYPE = {
    "integer": serializers.IntegerField,
    "boolean": serializers.BooleanField,
    "date": serializers.DateField,
    "datetime": serializers.DateTimeField,
}


def _serializer_for(name: str, columns: tuple[Column, ...], extra: dict | None = None):
    """A read-only serializer whose fields and help texts are the export columns."""
    attrs = {}
    for c in columns:
        field_class = _FIELD_BY_TYPE.get(c.type, serializers.CharField)
        help_text = c.description + (f" Allowed: {c.allowed}." if c.allowed else "")
        if c.units:
            help_text += f" Units: {c.units}."
        attrs[c.name] = field_class(read_only=True, allow_null=True, help_text=help_text)
    attrs.update(extra or {})
    return type(name, (serializers.Serializer,), attrs)


ParticipantSerializer = _serializer_for(
    "ParticipantAdherenceSerializer",
    PARTICIPANT_COLUMNS,
    {
        "modules": serializers.DictField(
            child=serializers.CharField(),
            read_only=True,
            help_text="Module slug → not_started, started or completed.",
        )
    },
)
EventSerializer = _serializer_for("EventSerializer", EVENT_COLUMNS)


class ScoreItemSerializer(serializers.Serializer):
    item_number = serializers.IntegerField(help_text="Item number.")
    link_id = serializers.CharField(help_text="Item link ID (as in FHIR).")
    value = serializers.IntegerField(help_text="Value of the chosen option.")
    loinc_code = serializers.CharField(allow_null=True, help_text="LOINC code of the item.")
    answer_code = serializers.CharField(allow_null=True, help_text="LOINC answer code.")


class ScoreSerializer(serializers.Serializer):
    """One completed questionnaire: items, total and subscales."""

    participant_id = serializers.CharField()
    service_code = serializers.CharField()
    instrument = serializers.CharField(help_text="phq9, gad7, wai_sf_c or wai_sf_t.")
    time_point = serializers.CharField(help_text="Protocol time point, e.g. baseline.")
    respondent = serializers.ChoiceField(
        choices=adherence.Respondent.ALL,
        help_text=next(c.description for c in SCORE_COLUMNS if c.name == "respondent"),
    )
    completed_at = serializers.DateTimeField()
    definition_version = serializers.CharField()
    wording_version = serializers.CharField(allow_blank=True)
    total = serializers.IntegerField(allow_null=True, help_text="Empty when not scorable.")
    total_loinc_code = serializers.CharField(allow_null=True)
    band = serializers.CharField(allow_blank=True)
    valid = serializers.BooleanField(allow_null=True)
    prorated = serializers.BooleanField(allow_null=True)
    raw_sum = serializers.IntegerField(allow_null=True)
    n_answered = serializers.IntegerField(allow_null=True)
    subscales = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    items = ScoreItemSerializer(many=True)


class ExportJobSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "dataset",
            "file_format",
            "service_codes",
            "date_from",
            "date_to",
            "include_free_text",
            "status",
            "row_count",
            "file_size",
            "created_at",
            "finished_at",
            "expires_at",
            "status_url",
            "download_url",
        ]
        read_only_fields = fields

    def _url(self, name, obj):
        request = self.context.get("request")
        url = reverse(name, kwargs={"pk": obj.pk})
        return request.build_absolute_uri(url) if request else url

    def get_status_url(self, obj) -> str:
        return self._url("api:export-job-detail", obj)

    def get_download_url(self, obj) -> str | None:
        return self._url("api:export-job-download", obj) if obj.is_ready else None


class ExportJobCreateSerializer(serializers.Serializer):
    dataset = serializers.ChoiceField(choices=Dataset.choices)
    file_format = serializers.ChoiceField(choices=FileFormat.choices, default=FileFormat.CSV)
    services = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Service codes; empty = all."
    )
    enrolled_from = serializers.DateField(required=False, allow_null=True)
    enrolled_to = serializers.DateField(required=False, allow_null=True)

    def _in_range(self, value):
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise serializers.ValidationError(
                f"Use a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."
            )
        return value

    validate_enrolled_from = _in_range
    validate_enrolled_to = _in_range

    include_free_text = serializers.BooleanField(
        default=False, help_text="Admins only, with `purpose`: adds free text to events."
    )
    purpose = serializers.CharField(required=False, allow_blank=True)


# --------------------------------------------------------------------------- viewsets


def _whole_number(request, name: str) -> None:
    """A paging parameter, when given, must be a whole number (400, not ignored)."""
    values = request.query_params.getlist(name)
    if not values:
        return
    if len(values) > 1 or not values[0].isdigit() or len(values[0]) > 9:
        raise ValidationError({name: "Use one whole number, for example 100."})


class Pagination(LimitOffsetPagination):
    """Participants, FHIR and export jobs: `limit` and `offset`, with a `count`."""

    default_limit = 100
    max_limit = 1000

    def get_limit(self, request):
        _whole_number(request, self.limit_query_param)
        return super().get_limit(request)

    def get_offset(self, request):
        _whole_number(request, self.offset_query_param)
        return super().get_offset(request)


def keyset_filter(fields: Sequence[str], key: Sequence, *, reverse: bool) -> Q:
    """Rows strictly after `key` in `fields` order (before it when `reverse`):
    the row comparison (a, b, c) > (x, y, z) spelt out for the ORM, led by
    `a >= x` on its own so the database can range-scan an index on `a`."""
    op = "lt" if reverse else "gt"
    q = Q(**{f"{fields[-1]}__{op}": key[-1]})
    for name, value in zip(reversed(fields[:-1]), reversed(key[:-1]), strict=True):
        q = Q(**{f"{name}__{op}": value}) | (Q(**{name: value}) & q)
    return Q(**{f"{fields[0]}__{op}e": key[0]}) & q


class KeysetCursorPagination(CursorPagination):
    """DRF cursor pagination on a composite unique key (`ordering`).

    DRF's own class positions the cursor on the first ordering field and steps
    over ties with an offset. Here the whole key is the position (JSON in the
    opaque cursor), so every page, however deep, is one `WHERE key > position
    ORDER BY key LIMIT n + 1`: no COUNT and no OFFSET. The key must be unique
    and must not change while a client pages (see each subclass). Responses
    have `next` and `previous` links and no `count`.
    """

    page_size = 100
    max_page_size = 1000
    page_size_query_param = "limit"
    page_size_query_description = "Rows per page (default 100, at most 1,000)."
    cursor_query_description = (
        "Opaque position, taken from the `next` or `previous` link of the page before."
    )
    ordering: tuple[str, ...] = ()
    # How to read each key part back from the cursor's JSON.
    key_types: tuple = ()

    def get_page_size(self, request):
        _whole_number(request, self.page_size_query_param)
        return super().get_page_size(request)

    def key_of(self, row) -> tuple:
        raise NotImplementedError

    def keyed(self, source, where: Q | None, ordering: list[str]):
        """`source` filtered by `where` (None on the first page) and ordered."""
        if where is not None:
            source = source.filter(where)
        return source.order_by(*ordering)

    def _get_position_from_instance(self, instance, ordering) -> str:
        return json.dumps(
            [
                v.isoformat() if isinstance(v, datetime.datetime) else v
                for v in self.key_of(instance)
            ]
        )

    def _key_from_position(self, position: str) -> tuple:
        try:
            values = json.loads(position)
            if not isinstance(values, list) or len(values) != len(self.key_types):
                raise ValueError
            return tuple(parse(v) for parse, v in zip(self.key_types, values, strict=True))
        except (TypeError, ValueError):
            raise NotFound(self.invalid_cursor_message) from None

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's algorithm with the composite position; link building is DRF's.
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        offset, reverse, position = self.cursor or (0, False, None)
        where = None
        if position is not None:
            where = keyset_filter(self.ordering, self._key_from_position(position), reverse=reverse)
        ordering = [f"-{name}" if reverse else name for name in self.ordering]
        results = list(self.keyed(queryset, where, ordering)[offset : offset + self.page_size + 1])
        self.page = results[: self.page_size]
        following = (
            self._get_position_from_instance(results[-1], self.ordering)
            if len(results) > len(self.page)
            else None
        )
        if reverse:
            self.page.reverse()
            self.has_next = position is not None or offset > 0
            self.has_previous = following is not None
            self.next_position, self.previous_position = position, following
        else:
            self.has_next = following is not None
            self.has_previous = position is not None or offset > 0
            self.next_position, self.previous_position = following, position
        self.display_page_controls = self.has_previous or self.has_next
        return self.page


def _aware(value: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:  # positions are written with their offset
        raise ValueError(value)
    return moment


class EventCursorPagination(KeysetCursorPagination):
    """Events by (time, source, treatment, source row): `adherence.EVENT_KEY`.

    The "queryset" is a function building the UNION ALL query (a union cannot
    be filtered after it is built): `events_queryset` applies the position to
    every source. Event times only move when a session is rescheduled.
    """

    ordering = adherence.EVENT_KEY
    key_types = (_aware, str, int, int)
    _AT = adherence.EVENT_FIELDS.index("ev_at")

    def key_of(self, row) -> tuple:
        # events_queryset appends ev_source, ev_tid, ev_pk to keyed rows.
        return (exporters._as_utc(row[self._AT]), *row[-3:])

    def keyed(self, source, where, ordering):
        return source(where=where, key_order=ordering)


class ScoreCursorPagination(KeysetCursorPagination):
    """Completed questionnaires by (completion time, id); neither changes."""

    ordering = ("completed_at", "pk")
    key_types = (_aware, int)

    def key_of(self, row) -> tuple:
        return (row.completed_at, row.pk)


class ResearchViewSet(viewsets.GenericViewSet):
    permission_classes = [IsResearcher, TokenScopeAllows]
    pagination_class = Pagination


class ParticipantViewSet(ResearchViewSet):
    """Adherence per participant (one object per treatment, by participant ID)."""

    serializer_class = ParticipantSerializer
    lookup_field = "participant_id"
    lookup_value_regex = r"[A-Z0-9]+-[0-9]+"

    def get_queryset(self):
        return scoped_treatments(self.request)

    def _rows(self, treatments) -> list[dict]:
        modules = adherence.active_modules()
        names = [c.name for c in PARTICIPANT_COLUMNS]
        out = []
        for row in exporters.participant_rows(treatments, modules):
            item = dict(zip(names, row[: len(names)], strict=True))
            item["modules"] = {
                m.slug: status for m, status in zip(modules, row[len(names) :], strict=True)
            }
            out.append(item)
        return out

    @extend_schema(parameters=SCOPE_PARAMETERS)
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        rows = self._rows(self.get_queryset().filter(pk__in=[t.pk for t in page]))
        _record(request, "participants", len(rows))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, participant_id=None):
        qs = self.get_queryset().filter(participant_id=participant_id)
        rows = self._rows(qs)
        if not rows:
            raise Http404
        _record(request, "participants", 1)
        return Response(self.get_serializer(rows[0]).data)


class EventViewSet(ResearchViewSet):
    """Events, one per row (login, step, exercise, mood, message, session, questionnaire),
    in time order. Cursor pagination: follow `next` until it is null."""

    serializer_class = EventSerializer
    pagination_class = EventCursorPagination

    def get_queryset(self):
        """A function of (where, key_order) building the events query: see
        `EventCursorPagination`."""
        params = self.request.query_params
        types = [t for t in params.get("event_type", "").split(",") if t]
        if unknown := set(types) - set(EventType.ALL):
            raise ValidationError({"event_type": f"Unknown: {', '.join(sorted(unknown))}."})
        since = _date(self.request, "occurred_from")
        until = _date(self.request, "occurred_to")
        return functools.partial(
            adherence.events_queryset,
            scoped_treatments(self.request),
            since=datetime.datetime.combine(since, datetime.time(), datetime.UTC)
            if since
            else None,
            until=(
                datetime.datetime.combine(
                    until + datetime.timedelta(days=1), datetime.time(), datetime.UTC
                )  # fmt: skip
                if until
                else None
            ),
            event_types=types or None,
        )

    @extend_schema(
        parameters=[
            *SCOPE_PARAMETERS,
            OpenApiParameter("event_type", str, description="Event type(s), comma-separated."),
            OpenApiParameter("occurred_from", OpenApiTypes.DATE, description="On or after (UTC)."),
            OpenApiParameter("occurred_to", OpenApiTypes.DATE, description="On or before (UTC)."),
        ]
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        names = [c.name for c in EVENT_COLUMNS]
        width = len(adherence.EVENT_FIELDS)  # without the key columns
        zones = exporters.service_zones()
        rows = [
            dict(zip(names, exporters.event_row(r[:width], zones=zones), strict=True)) for r in page
        ]
        _record(request, "events", len(rows))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


def _administrations(request):
    qs = (
        Administration.objects.filter(
            treatment__in=scoped_treatments(request).order_by().values("pk"),
            status=AdministrationStatus.COMPLETED,
        )
        .select_related("treatment__service")
        .prefetch_related("answers")
        .order_by("treatment__participant_id", "completed_at", "pk")
    )
    if instrument := request.query_params.get("instrument"):
        qs = qs.filter(instrument=instrument)
    if time_point := request.query_params.get("time_point"):
        qs = qs.filter(time_point=time_point)
    return qs


SCORE_PARAMETERS = [
    *SCOPE_PARAMETERS,
    OpenApiParameter("instrument", str, description="phq9, gad7, wai_sf_c or wai_sf_t."),
    OpenApiParameter("time_point", str, description="e.g. baseline, end_of_treatment."),
]


class ScoreViewSet(ResearchViewSet):
    """Completed questionnaires with item answers, totals and subscales, in order of
    completion. Cursor pagination: follow `next` until it is null."""

    serializer_class = ScoreSerializer
    pagination_class = ScoreCursorPagination

    def get_queryset(self):
        return _administrations(self.request)

    @staticmethod
    def _row(adm) -> dict:
        definitions = exporters._Definitions()
        definition = definitions[adm.instrument]
        items = []
        for answer in adm.answers.all():
            item = loinc = code = None
            if definition is not None:
                try:
                    item = definition.item(answer.item)
                except KeyError:
                    item = None
            if item is not None:
                loinc = item.loinc
                option = next((o for o in item.options if o.value == answer.value), None)
                code = option.loinc_answer if option else None
            items.append(
                {
                    "item_number": answer.item,
                    "link_id": item.link_id if item else "",
                    "value": answer.value,
                    "loinc_code": loinc,
                    "answer_code": code,
                }
            )
        return {
            "participant_id": adm.treatment.participant_id,
            "service_code": adm.treatment.service.code,
            "instrument": adm.instrument,
            "time_point": adm.time_point,
            "respondent": adherence.respondent_of(adm.instrument),
            "completed_at": adm.completed_at,
            "definition_version": adm.definition_version,
            "wording_version": adm.wording_version,
            "total": adm.total,
            "total_loinc_code": definition.total.loinc if definition else None,
            "band": adm.band,
            "valid": adm.valid,
            "prorated": adm.prorated,
            "raw_sum": adm.raw_sum,
            "n_answered": adm.n_answered,
            "subscales": adm.subscales or {},
            "items": items,
        }

    @extend_schema(parameters=SCORE_PARAMETERS)
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        rows = [self._row(a) for a in page]
        _record(request, "scores", len(rows))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class FhirQuestionnaireResponseViewSet(ResearchViewSet):
    """FHIR R4 searchset Bundle of QuestionnaireResponses (+ total Observations and
    Questionnaires), for one participant (`participant=`) or a filtered set."""

    def get_queryset(self):
        return _administrations(self.request)

    @extend_schema(
        parameters=SCORE_PARAMETERS,
        responses={
            (200, "application/fhir+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="FHIR R4 Bundle"
            )
        },
    )
    def list(self, request):
        qs = self.get_queryset()
        paginator = self.paginator
        page = paginator.paginate_queryset(qs, request, view=self)
        data = fhir.bundle(
            page,
            total=paginator.count,
            links={
                "self": request.build_absolute_uri(),
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
            },
        )
        _record(request, "fhir", len(page))
        return Response(data, content_type="application/fhir+json")


class AdherenceSummaryViewSet(ResearchViewSet):
    """Adherence added up overall and per service, with the funnel."""

    pagination_class = None

    def get_queryset(self):
        return scoped_treatments(self.request)

    @extend_schema(
        parameters=SCOPE_PARAMETERS[:3],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="Summaries")},
    )
    def list(self, request):
        overall, per_service = adherence.adherence_summary(
            adherence.participant_adherence(self.get_queryset())
        )
        _record(request, "adherence_summary", overall.enrolled)
        return Response(
            {
                "overall": overall.as_dict(),
                "services": [s.as_dict() for s in per_service.values()],
            }
        )


class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ResearchViewSet):
    """Export jobs. POST answers 202 with a status URL; the file is at
    `download/` once ready; 410 when the job failed or the file expired."""

    serializer_class = ExportJobSerializer

    def get_queryset(self):
        return export_jobs_visible_to(self.request.user)

    def get_object(self):
        return export_job_get_for_user(user=self.request.user, job_id=self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        _record(request, "export_jobs", len(response.data.get("results", [])))
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        _record(request, "export_jobs", 1)
        return response

    @extend_schema(
        request=ExportJobCreateSerializer,
        responses={202: ExportJobSerializer},
    )
    def create(self, request):
        form = ExportJobCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data["include_free_text"] and isinstance(request.auth, ApiToken):
            raise ValidationError(
                {
                    "include_free_text": "Free text is never available with a token. Request it "
                    "on the Exports page; a second person must approve it."
                }
            )
        codes = data.get("services") or []
        found = dict(Service.objects.filter(code__in=codes).values_list("code", "pk"))
        if unknown := sorted(set(codes) - set(found)):
            raise ValidationError({"services": f"Unknown service code(s): {', '.join(unknown)}."})
        scope = Scope(
            service_ids=tuple(found.values()),
            date_from=data.get("enrolled_from"),
            date_to=data.get("enrolled_to"),
            include_free_text=data["include_free_text"],
        )
        try:
            job = export_job_create(
                user=request.user,
                dataset=data["dataset"],
                file_format=data["file_format"],
                scope=scope,
                purpose=data.get("purpose", ""),
                via_token=isinstance(request.auth, ApiToken),
            )
        except DomainError as exc:
            raise ValidationError({exc.field or "non_field_errors": str(exc)}) from None
        body = self.get_serializer(job).data
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]}
        )

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file"
            ),
            202: ExportJobSerializer,
            410: inline_serializer("ExportGone", {"detail": serializers.CharField()}),
        }
    )
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request, pk=None):
        job = self.get_object()
        if job.is_gone:
            return Response(
                {"detail": f"This export is {job.status}. Request a new one."},
                status=status.HTTP_410_GONE,
            )
        if not job.is_ready:
            return Response(
                self.get_serializer(job).data,
                status=status.HTTP_202_ACCEPTED,
                headers={"Retry-After": "5"},
            )
        stream = export_job_file(
            user=request.user, job=job, via_token=isinstance(request.auth, ApiToken)
        )
        response = FileResponse(stream, as_attachment=True, filename=job.download_name())
        if job.file_size is not None:
            response["Content-Length"] = job.file_size
        return response


# --------------------------------------------------------------------------- schema

_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A 400 names each field at fault: {"field": ["message", …]} (nested for lists).
_FIELD_ERRORS = {"type": "object", "additionalProperties": True}


def add_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: document the errors every
    operation can answer, so the schema matches every response (checked by
    schemathesis in tests/trials/test_schemathesis.py)."""

    def response(description, schema):
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", response("Bad input, by field", _FIELD_ERRORS))
            responses.setdefault("401", response("No, or an expired or revoked, token", _ERROR))
            responses.setdefault("403", response("Not allowed for this user or token", _ERROR))
            cursor = any(p.get("name") == "cursor" for p in operation.get("parameters", []))
            if "{" in path or cursor:
                responses.setdefault(
                    "404", response("No such object, or an invalid cursor", _ERROR)
                )
    return result


def register(router) -> None:
    """Called from config/api_router.py."""
    router.register("participants", ParticipantViewSet, basename="participant")
    router.register("events", EventViewSet, basename="event")
    router.register("scores", ScoreViewSet, basename="score")
    router.register(
        "fhir/questionnaire-responses",
        FhirQuestionnaireResponseViewSet,
        basename="fhir-questionnaire-response",
    )
    router.register("adherence-summary", AdherenceSummaryViewSet, basename="adherence-summary")
    router.register("exports", ExportJobViewSet, basename="export-job")
