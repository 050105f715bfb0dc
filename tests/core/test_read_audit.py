"""Every read of identifiable data is audited, found from the URL conf itself.

Each named URL is either requested by a signed-in persona allowed to see it
(URL arguments filled from the access-matrix `world`) and must write an
`AccessEvent` naming the victim client, or is listed in `EXEMPT` with the
reason it shows no one's identifiable data. A URL added without a decision
fails `test_every_url_is_classified`. Django admin pages are generated from
the admin site's registry the same way.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.accounts.models import LoginEvent
from apps.core.models import AccessEvent, AccessSubject
from apps.earlywarning.models import WarningReview
from apps.notifications.models import NotificationPreference
from apps.programme.models import Module, StepProgress
from apps.questionnaires import links
from apps.tracking.models import MoodRating
from tests.test_access_audit import world  # noqa: F401  (the fixture)

OWN = "the client's own data: a person reading their own record is not audited"

EXEMPT: dict[str, str] = {
    "workspace:home": "sends each role to its home page",
    "safety:help": "static help text",
    "core:privacy": "the privacy notice and the client's own access history",
    "core:accessibility": "static text",
    "core:manifest": "the web app manifest",
    "core:session_extend": "keeps the session alive; returns no data",
    "core:healthz": "service health",
    "workspace:admin_home": "links to admin tools; no client data",
    "core:components": "design-system examples with made-up data",
    "accounts:login": "sign-in form",
    "accounts:logout": "signs out",
    "accounts:password_reset": "form",
    "accounts:password_reset_done": "static text",
    "accounts:password_reset_confirm": "form keyed on a token; the user's own account",
    "accounts:password_reset_complete": "static text",
    "accounts:invitation_accept": "the invitee's own invitation",
    "accounts:otp_setup": "the signed-in person's own second factor",
    "accounts:otp_verify": "form",
    "accounts:otp_recovery": "form",
    "accounts:otp_recovery_codes": "the signed-in person's own codes",
    "accounts:otp_manage": "the signed-in person's own second factor",
    "care:enrol": "a form; shows no existing client",
    "care:my_sessions": OWN,
    "care:my_tasks": OWN,
    "care:task_done": OWN,
    "programme:home": OWN,
    "programme:modules": OWN,
    "programme:module": OWN,
    "programme:step": OWN,
    "programme:step_part": OWN,
    "programme:step_check": OWN,
    "programme:autosave": OWN,
    "programme:step_ping": OWN,
    "programme:entry_confirm": OWN,
    "tracking:mood": OWN,
    "tracking:goals": OWN,
    "tracking:goal_create": OWN,
    "tracking:goal_detail": OWN,
    "tracking:goal_edit": OWN,
    "tracking:goal_rate": OWN,
    "tracking:goal_status": OWN,
    "questionnaires:list": OWN,
    "questionnaires:start": OWN,
    "questionnaires:item": OWN,
    "questionnaires:all": OWN,
    "questionnaires:check": OWN,
    "questionnaires:result": OWN,
    "notifications:preferences": "the signed-in person's own settings",
    "notifications:staff_preferences": "the signed-in person's own settings",
    "trials:overview": "pseudonymised research data; reads are in trials.DataAccessLog",
    "trials:exports": "pseudonymised research data; reads are in trials.DataAccessLog",
    "trials:export_check": "pseudonymised research data; reads are in trials.DataAccessLog",
    "trials:export_confirm": "pseudonymised research data; reads are in trials.DataAccessLog",
    "trials:export_job": "pseudonymised research data; reads are in trials.DataAccessLog",
    "trials:export_download": "pseudonymised research data; reads are in trials.DataAccessLog",
    "accounts:api_tokens": "the signed-in trial manager's own tokens",
    "accounts:api_token_revoke": "the signed-in trial manager's own token",
    "accounts:language": "the signed-in person's own language",
    "accounts:otp_setup_link": "the signed-in person's own second factor, from an emailed link",
    "accounts:password_change": "the signed-in person's own password",
    "care:treatment_accept": OWN,
    "programme:translation_status": "course content and its translations",
    "care:profile": "the signed-in practitioner's own profile",
    "care:staff_services": "staff accounts: no client data",
    "care:staff_list": "staff accounts: no client data",
    "care:staff_invite": "staff accounts: no client data",
    "care:staff_member": "staff accounts: no client data",
    "programme:feedback_reply": OWN,
    "programme:preview_index": "course content",
    "programme:preview_step": "course content shown as a client sees it, with no client data",
    "tracking:goal_comment": OWN,
    "workspace:service_settings_index": "a service's settings: no client data",
    "workspace:service_settings": "a service's settings: no client data",
    "workspace:consent_set": "POST only: records a consent, then shows workspace:lifecycle",
    "workspace:consent_withdrawal": "POST only: records a withdrawal, then workspace:lifecycle",
    "workspace:handover_list": "lists practitioners; their clients are on workspace:handover",
    "trials:warning_report": "pseudonymised research data; reads are in trials.DataAccessLog",
    "trials:export_approve": "pseudonymised research data; reads are in trials.DataAccessLog",
    "privacy:my_data": OWN,
    "api-schema": "the API's description",
    "api-docs": "the API's description",
}
# Whole namespaces: the research API is pseudonymised and logs every read in
# trials.DataAccessLog; the admin is generated from its registry below.
EXEMPT_NAMESPACES = {"api": "research API, logged in trials.DataAccessLog", "admin": "below"}

# URL name -> (persona, extra query string). URL arguments come from ARGS.
AUDITED: dict[str, tuple[str, str]] = {
    "workspace:caseload": ("pwp", ""),
    "workspace:service_overview": ("supervisor", ""),
    "workspace:client_detail": ("pwp", ""),
    "workspace:review": ("pwp", ""),
    "workspace:review_print": ("supervisor", ""),
    "workspace:entry_feedback": ("pwp", ""),
    "workspace:note_add": ("pwp", ""),
    "workspace:plan": ("pwp", ""),
    "workspace:welcome_set": ("pwp", ""),
    "workspace:module_action": ("pwp", ""),
    "workspace:task_add": ("pwp", ""),
    "workspace:task_withdraw": ("pwp", ""),
    "care:sessions": ("supervisor", ""),
    "care:session_schedule": ("pwp", ""),
    "care:sessions_plan": ("pwp", ""),
    "care:session_reschedule": ("pwp", ""),
    "care:session_cancel": ("pwp", ""),
    "care:session_attendance": ("pwp", ""),
    "care:session_ics": ("pwp", ""),
    "programme:entry": ("pwp", ""),
    "questionnaires:treatment_scores": ("supervisor", ""),
    "questionnaires:treatment_ask": ("pwp", ""),
    "questionnaires:alliance": ("supervisor", ""),
    "questionnaires:practitioner_start": ("pwp", ""),
    "questionnaires:practitioner_item": ("pwp", ""),
    "questionnaires:practitioner_all": ("pwp", ""),
    "questionnaires:practitioner_check": ("pwp", ""),
    "questionnaires:practitioner_result": ("pwp", ""),
    "questionnaires:link": ("anonymous", ""),
    "safety:alerts": ("pwp", ""),
    "workspace:alert_detail": ("supervisor", ""),
    "messaging:inbox": ("pwp", ""),
    "messaging:thread": ("pwp", ""),
    "workspace:lifecycle": ("pwp", ""),
    "workspace:diary": ("pwp", ""),
    "workspace:handover": ("supervisor", ""),
    "workspace:warnings_seen": ("pwp", ""),
    "workspace:goal": ("pwp", ""),
    "workspace:goal_new": ("pwp", ""),
    "workspace:session_record": ("pwp", ""),
    "privacy:requests": ("supervisor", ""),
    "privacy:client": ("supervisor", ""),
    "privacy:copy_request": ("supervisor", ""),
    "privacy:copy_download": ("supervisor", ""),
    "privacy:copy_release": ("supervisor", ""),
    "privacy:erasure_new": ("admin_user", ""),
    "privacy:erasure": ("admin_user", ""),
}

POST_DATA = {
    "privacy:copy_release": lambda w: {f"c{w['copy'].pk.hex[:12]}-decision": "release"},
    "workspace:module_action": lambda w: {
        "action": "add",
        "module": Module.objects.get(slug="physical-exercise").pk,
    },
}

ARGS = {
    "treatment_id": lambda w: w["treatment"].pk,
    "appointment_id": lambda w: w["appointment"].pk,
    "task_id": lambda w: w["task"].pk,
    "entry_id": lambda w: w["entry"].pk,
    "alert_id": lambda w: w["alert"].pk,
    "goal_id": lambda w: w["goal"].pk,
    "administration_id": lambda w: w["open_administration"].pk,
    "practitioner_administration_id": lambda w: w["practitioner_administration"].pk,
    "step_id": lambda w: w["step"].pk,
    "module_slug": lambda w: w["step"].module.slug,
    "step_slug": lambda w: w["step"].slug,
    "job_id": lambda w: w["export_job"].pk,
    "n": lambda w: 1,
    "pwp_id": lambda w: w["personas"]["pwp"].pk,
    "token": lambda w: links.link_token_for(w["open_administration"]),
    "client_id": lambda w: w["client"].pk,
    "request_id": lambda w: w["copy"].pk,
    "erasure_id": lambda w: w["erasure_request"].pk,
}


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> dict[str, list[str]]:
    """Every named URL in the URL conf: {namespaced name: [argument names]}."""
    resolver = resolver or get_resolver()
    found: dict[str, list[str]] = {}
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found.update(_url_names(entry, namespace))
        elif isinstance(entry, URLPattern) and entry.name:
            found[f"{prefix}{entry.name}"] = list(entry.pattern.converters)
    return found


def _in_exempt_namespace(name: str) -> bool:
    return name.split(":")[0] in EXEMPT_NAMESPACES and ":" in name


def test_every_url_is_classified():
    names = {n for n in _url_names() if not _in_exempt_namespace(n)}
    unclassified = sorted(names - EXEMPT.keys() - AUDITED.keys())
    assert not unclassified, f"Audited or exempt (with a reason)? {unclassified}"
    stale = sorted((EXEMPT.keys() | AUDITED.keys()) - names)
    assert not stale, f"No longer in the URL conf: {stale}"


def _login(client, w, persona: str) -> None:
    user = w["personas"][persona]
    if user is not None:
        client.force_login(user)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(AUDITED))
def test_every_identifiable_url_writes_an_audit_row(client, world, name):  # noqa: F811
    w = world
    persona, query = AUDITED[name]
    kwargs = {arg: ARGS[arg](w) for arg in _url_names()[name]}
    _login(client, w, persona)
    before = AccessEvent.objects.count()
    response = client.get(reverse(name, kwargs=kwargs) + query)
    assert response.status_code < 400 or response.status_code == 405, response.status_code
    if response.status_code == 405:  # POST-only: the audited read is the POST
        data = POST_DATA.get(name, lambda w: {})(w)
        response = client.post(reverse(name, kwargs=kwargs), data)
        assert response.status_code < 400, response.status_code
    events = AccessEvent.objects.filter(pk__gt=0).order_by("-pk")
    assert AccessEvent.objects.count() == before + 1, f"{name} wrote no audit row"
    event = events.first()
    assert event.actor == w["personas"][persona]
    assert event.view == name
    assert AccessSubject.objects.filter(event=event, client_id=w["treatment"].client_id).exists()


ADMIN_EXEMPT = {
    "care.service": "services: no client data",
    "programme.programme": "course content",
    "programme.module": "course content",
    "programme.step": "course content",
    "programme.steprevision": "course content (local edits of a step)",
    "questionnaires.questionnaireprotocol": "a service's schedule",
    "safety.servicesafetypolicy": "a service's crisis contacts",
    "trials.exportjob": "pseudonymised research exports",
    "earlywarning.warningthresholds": "a service's early-warning thresholds",
    "trials.dataaccesslog": "the research audit itself",
    "accounts.apitoken": "trial managers' API tokens (hashed): no client data",
}
ADMIN_EXEMPT_APPS = {
    "auth": "groups: no client data",
    "axes": "sign-in attempts (email and address): the security log",
    "otp_totp": "second-factor devices: staff only",
    "otp_static": "recovery codes: staff only",
    "auditlog": "the change audit itself",
}


def _admin_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label_lower)


@pytest.mark.django_db
def test_every_identifiable_admin_page_writes_an_audit_row(client, world):  # noqa: F811
    w = world
    NotificationPreference.objects.get_or_create(user=w["personas"]["client_user"])
    StepProgress.objects.get_or_create(treatment=w["treatment"], step=w["step"])
    MoodRating.objects.create(
        client=w["personas"]["client_user"],
        treatment=w["treatment"],
        value=5,
        rated_on=datetime.date(2026, 1, 5),
    )
    WarningReview.objects.create(
        treatment=w["treatment"], reviewed_by=w["personas"]["pwp"], note="Plan made"
    )
    client.force_login(w["personas"]["admin_user"])
    silent = []
    for model in _admin_models():
        label = model._meta.label_lower
        app, name = model._meta.app_label, model._meta.model_name
        if label in ADMIN_EXEMPT or app in ADMIN_EXEMPT_APPS:
            continue
        # The victim's own rows where a model also holds staff rows.
        obj = {
            "accounts.user": w["personas"]["client_user"],
            "accounts.loginevent": LoginEvent.objects.create(user=w["personas"]["client_user"]),
        }.get(label) or model._default_manager.order_by("pk").first()
        assert obj is not None, f"the world has no {label}: add one"
        pages = [
            reverse(f"admin:{app}_{name}_changelist"),
            reverse(f"admin:{app}_{name}_change", args=[obj.pk]),
        ]
        for url in pages:
            before = AccessEvent.objects.count()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            if AccessEvent.objects.count() != before + 1:
                silent.append(url)
    assert not silent, f"admin pages that read client data without an audit row: {silent}"
