import pytest
from django.urls import reverse

from apps.notifications.selectors import preference_for


@pytest.mark.django_db
def test_pwp_can_turn_off_client_message_emails(client, pwp):
    client.force_login(pwp)
    page = client.get(reverse("notifications:staff_preferences"))
    assert "Risk alerts and escalations are always emailed" in page.content.decode()
    response = client.post(reverse("notifications:staff_preferences"), {})
    assert response.status_code == 302, response.context["form"].errors
    assert preference_for(pwp).message_emails is False


@pytest.mark.django_db
def test_clients_and_trial_managers_cannot_use_staff_email_settings(
    client, client_user, trial_manager
):
    for user in (client_user, trial_manager):
        client.force_login(user)
        assert client.get(reverse("notifications:staff_preferences")).status_code == 403
