"""The PWP changes the order of a client's modules; the client's pages follow it."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from apps.care.models import TreatmentStatus
from apps.core.errors import DomainError
from apps.programme import services
from apps.programme.models import ModulePlan
from apps.programme.selectors import module_plan_for
from apps.programme.services import module_reorder


def _order(treatment) -> list[str]:
    return [s.module.slug for s in module_plan_for(treatment)]


def _complete(treatment, module) -> None:
    for step in module.steps.filter(is_active=True):
        services.step_complete(treatment=treatment, step=step)


def _move(client, treatment, module, action, **extra):
    return client.post(
        reverse("workspace:module_action", args=[treatment.pk]),
        {"module": module.pk, "action": action},
        **extra,
    )


DEFAULT = [
    "psychoeducation",
    "behavioural-activation",
    "cognitive-restructuring",
    "relapse-prevention",
    "physical-exercise",
    "problem-solving",
]


@pytest.mark.django_db
def test_reorder_moves_one_module_and_touches_only_the_rows_that_move(pwp, treatment, content):
    assert _order(treatment) == DEFAULT
    module_reorder(
        actor=pwp, treatment=treatment, module=content["cognitive-restructuring"], position=1
    )
    assert _order(treatment) == [
        "psychoeducation",
        "cognitive-restructuring",
        "behavioural-activation",
        "relapse-prevention",
        "physical-exercise",
        "problem-solving",
    ]
    assert ModulePlan.objects.filter(treatment=treatment).count() == 2
    # Each changed row is audit-logged.
    assert LogEntry.objects.get_for_model(ModulePlan).count() == 2

    module_reorder(actor=pwp, treatment=treatment, module=content["problem-solving"], position=0)
    assert _order(treatment)[0] == "problem-solving"
    # Out of range positions are clamped.
    module_reorder(actor=pwp, treatment=treatment, module=content["problem-solving"], position=99)
    assert _order(treatment)[-1] == "problem-solving"


@pytest.mark.django_db
def test_reorder_is_refused_for_other_pwps_and_ended_treatments(
    pwp, other_pwp, colleague_pwp, treatment, content
):
    from django.http import Http404

    for intruder in (other_pwp, colleague_pwp):
        with pytest.raises(Http404):
            module_reorder(
                actor=intruder,
                treatment=treatment,
                module=content["relapse-prevention"],
                position=0,
            )
    treatment.status = TreatmentStatus.COMPLETED
    treatment.save()
    with pytest.raises(DomainError):
        module_reorder(
            actor=pwp, treatment=treatment, module=content["relapse-prevention"], position=0
        )
    assert _order(treatment) == DEFAULT


@pytest.mark.django_db
def test_client_sees_the_new_order_on_modules_page_and_home(
    client, pwp, treatment, client_user, content
):
    _complete(treatment, content["psychoeducation"])
    client.force_login(pwp)
    response = _move(client, treatment, content["cognitive-restructuring"], "up")
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("workspace:plan", args=[treatment.pk]) + "#modules"
    )
    page = client.get(response["Location"]).content.decode()
    assert "is now number 2 of 6" in page

    client.force_login(client_user)
    modules = client.get(reverse("programme:modules")).content.decode()
    assert modules.index("Working with your thoughts") < modules.index("Getting going again")
    home = client.get(reverse("programme:home")).content.decode()
    # "What to do next" follows the new order: the thoughts module, not activation.
    assert "Next in “Working with your thoughts”" in home
    assert "Getting going again" not in home


@pytest.mark.django_db
def test_move_down_with_htmx_returns_the_modules_table_and_announces_it(
    client, pwp, treatment, content
):
    client.force_login(pwp)
    response = _move(client, treatment, content["psychoeducation"], "down", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="modules-region">')
    assert "<html" not in body
    assert 'id="app-live" hx-swap-oob="innerHTML"' in body
    assert body.index('data-module="behavioural-activation"') < body.index(
        'data-module="psychoeducation"'
    )
    assert _order(treatment)[:2] == ["behavioural-activation", "psychoeducation"]


@pytest.mark.django_db
def test_plan_page_offers_move_buttons_that_work_without_javascript(
    client, pwp, treatment, content
):
    client.force_login(pwp)
    page = client.get(reverse("workspace:plan", args=[treatment.pk])).content.decode()
    assert "not available yet" not in page
    action = reverse("workspace:module_action", args=[treatment.pk])
    assert f'method="post" action="{action}" hx-post="{action}"' in page
    # The first module cannot move up and the last cannot move down.
    assert f'id="module-{content["psychoeducation"].pk}-up"' not in page
    assert f'id="module-{content["psychoeducation"].pk}-down"' in page
    assert f'id="module-{content["problem-solving"].pk}-down"' not in page


@pytest.mark.django_db
def test_another_pwp_gets_404_and_nothing_changes(
    client, other_pwp, colleague_pwp, supervisor, treatment, content
):
    for intruder in (other_pwp, colleague_pwp):
        client.force_login(intruder)
        response = _move(client, treatment, content["relapse-prevention"], "up")
        assert response.status_code == 404
    # A supervisor reads the record but does not change the plan.
    client.force_login(supervisor)
    assert _move(client, treatment, content["relapse-prevention"], "up").status_code in (403, 404)
    assert _order(treatment) == DEFAULT
    assert not ModulePlan.objects.filter(treatment=treatment).exists()


@pytest.mark.django_db
def test_reorder_on_an_ended_treatment_explains_why(client, pwp, treatment, content):
    treatment.status = TreatmentStatus.COMPLETED
    treatment.save()
    client.force_login(pwp)
    response = _move(client, treatment, content["relapse-prevention"], "up", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].endswith("#modules")
    page = client.get(reverse("workspace:plan", args=[treatment.pk])).content.decode()
    assert "This treatment has ended, so its modules cannot be reordered." in page
    assert _order(treatment) == DEFAULT
