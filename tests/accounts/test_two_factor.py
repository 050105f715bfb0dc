"""Two-step verification for staff (django-otp): setup, sign-in codes, recovery
codes, what an unverified session can reach, clients never asked, API tokens
and the admin site."""

import datetime
import re

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from apps.notifications.models import Notification
from tests.accounts.factories import RecoveryDeviceFactory, TOTPDeviceFactory
from tests.accounts.otp_helpers import (
    device_code,
    key_from_page,
    open_setup_link,
    setup_link,
    sign_in,
    totp_code,
)
from tests.accounts.token_helpers import make_token

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")
RECOVERY = reverse("accounts:otp_recovery")
CODES = reverse("accounts:otp_recovery_codes")
CASELOAD = reverse("workspace:caseload")


@pytest.fixture(autouse=True)
def two_step_on(settings):
    settings.STAFF_2FA_REQUIRED = True


def _secret_from(response) -> bytes:
    match = re.search(r'id="otp-secret-key">([^<]+)<', response.content.decode())
    assert match, "the setup page shows the key to type"
    return key_from_page(match.group(1))


def _set_up(client, user) -> list[str]:
    """Sign in and complete setup; return the recovery codes shown."""
    sign_in(client, user)
    open_setup_link(client, user)
    key = _secret_from(client.get(SETUP))
    response = client.post(SETUP, {"otp_token": totp_code(key)})
    assert response.status_code == 302
    page = client.get(CODES).content.decode()
    return re.findall(r"<code>([a-z0-9]+)</code>", page)


# --- Forced setup and what an unverified session can reach ------------------


@pytest.mark.parametrize("persona", ["pwp", "supervisor", "trial_manager", "admin_user"])
def test_staff_without_a_device_are_sent_to_setup_after_the_password(client, request, persona):
    user = request.getfixturevalue(persona)
    response = sign_in(client, user)
    response = client.get(response.url, follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
    page = response.content.decode()
    # The password alone does not show the key: a one-time link is emailed.
    assert "Check your email to set up two-step verification" in page
    assert "otp-secret-key" not in page and "QR code to scan" not in page
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert Notification.objects.filter(recipient=user, kind="two_step_setup").count() == 1
    client.get(SETUP)  # a reload sends no second email
    assert Notification.objects.filter(recipient=user, kind="two_step_setup").count() == 1

    open_setup_link(client, user)
    page = client.get(SETUP).content.decode()
    assert "Set up two-step verification" in page
    assert "<svg" in page and 'role="img"' in page  # QR code inline, no image service
    assert "<img" not in page


def test_unverified_pwp_cannot_open_the_caseload_or_the_api_docs(client, pwp):
    sign_in(client, pwp)
    for url in (CASELOAD, reverse("api-docs"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{SETUP}?next={url.replace('/', '%2F')}"
    # Help, privacy and sign-out stay reachable.
    assert client.get(reverse("safety:help")).status_code == 200
    assert client.get(reverse("core:privacy")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(CASELOAD).url.startswith(reverse("accounts:login"))


def test_unverified_staff_htmx_request_gets_a_full_page_redirect(client, pwp):
    sign_in(client, pwp)
    response = client.get(CASELOAD, headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(SETUP)


def test_setup_page_keeps_the_same_key_on_reload(client, pwp):
    sign_in(client, pwp)
    open_setup_link(client, pwp)
    first = _secret_from(client.get(SETUP))
    assert _secret_from(client.get(SETUP)) == first
    assert TOTPDevice.objects.filter(user=pwp).count() == 1


def test_setup_with_a_correct_code_verifies_and_shows_ten_codes_once(client, pwp):
    sign_in(client, pwp)
    open_setup_link(client, pwp)
    key = _secret_from(client.get(f"{SETUP}?next={CASELOAD}"))
    response = client.post(SETUP, {"otp_token": totp_code(key), "next": CASELOAD})
    assert response.url == f"{CODES}?next=%2Fcare%2Fcaseload%2F"
    device = TOTPDevice.objects.get(user=pwp)
    assert device.confirmed and device.bin_key == key

    # The codes must be acknowledged before anything else.
    assert client.get(CASELOAD).url.startswith(CODES)
    page = client.get(CODES).content.decode()
    codes = re.findall(r"<code>([a-z0-9]+)</code>", page)
    assert len(set(codes)) == 10
    assert "We will not show these codes again" in page
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=pwp).values_list("token", flat=True)
    )

    unticked = client.post(CODES, {"next": CASELOAD})
    assert unticked.status_code == 200
    assert "Confirm that you have saved your recovery codes" in unticked.content.decode()
    assert "<title>Error:" in unticked.content.decode()

    done = client.post(CODES, {"saved": "on", "next": CASELOAD}, follow=True)
    assert done.redirect_chain[-1][0] == CASELOAD
    assert done.status_code == 200
    assert "Two-step verification is set up." in done.content.decode()
    # Shown once: the page no longer has them.
    again = client.get(CODES)
    assert again.status_code == 302
    assert codes[0] not in client.get(CASELOAD).content.decode()


def test_setup_with_a_wrong_code_says_so_and_keeps_the_key(client, pwp):
    sign_in(client, pwp)
    open_setup_link(client, pwp)
    key = _secret_from(client.get(SETUP))
    wrong = f"{(int(totp_code(key)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"otp_token": wrong})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error:" in page
    assert "That code did not work" in page
    assert f'value="{wrong}"' in page  # what they typed is still there
    assert _secret_from(response) == key  # no need to scan again
    assert not TOTPDevice.objects.get(user=pwp).confirmed
    assert client.get(CASELOAD).status_code == 302


def test_setup_code_format_errors_are_plain(client, pwp):
    sign_in(client, pwp)
    open_setup_link(client, pwp)
    client.get(SETUP)
    empty = client.post(SETUP, {"otp_token": ""}).content.decode()
    assert "Enter the 6-digit code from your authenticator app" in empty
    letters = client.post(SETUP, {"otp_token": "12ab56"}).content.decode()
    assert "Enter the code as 6 numbers" in letters


def test_code_inputs_allow_paste_and_autofill(client, pwp):
    sign_in(client, pwp)
    open_setup_link(client, pwp)
    page = client.get(SETUP).content.decode()
    field = re.search(r'<input[^>]*name="otp_token"[^>]*>', page).group(0)
    assert 'inputmode="numeric"' in field
    assert 'autocomplete="one-time-code"' in field
    assert "onpaste" not in page


# --- Sign-in with a device ----------------------------------------------------


def test_staff_with_a_device_enter_a_code_and_reach_the_caseload(client, pwp):
    device = TOTPDeviceFactory(user=pwp)
    sign_in(client, pwp, next_url=CASELOAD)
    response = client.get(CASELOAD)
    assert response.url == f"{VERIFY}?next=%2Fcare%2Fcaseload%2F"
    page = client.get(response.url).content.decode()
    assert "Enter the 6-digit code from your authenticator app" in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "Use a recovery code instead" in page
    assert "Set up two-step verification" not in page

    verified = client.post(VERIFY, {"otp_token": device_code(device), "next": CASELOAD})
    assert verified.url == CASELOAD
    assert client.get(CASELOAD).status_code == 200


def test_verify_with_a_wrong_code_says_so_then_makes_them_wait(client, pwp):
    device = TOTPDeviceFactory(user=pwp)
    sign_in(client, pwp)
    wrong = f"{(int(device_code(device)) + 1) % 1_000_000:06d}"
    with time_machine.travel(timezone.now(), tick=False):  # the wait is exactly 1 second
        first = client.post(VERIFY, {"otp_token": wrong}).content.decode()
        assert "That code did not work" in first
        second = client.post(VERIFY, {"otp_token": wrong}).content.decode()
        assert "Wait 1 second, then try again" in second
    assert client.get(CASELOAD).status_code == 302


def test_a_code_cannot_be_used_twice(client, pwp):
    device = TOTPDeviceFactory(user=pwp)
    code = device_code(device)
    sign_in(client, pwp)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    sign_in(client, pwp)
    reused = client.post(VERIFY, {"otp_token": code})
    assert reused.status_code == 200
    assert "That code did not work" in reused.content.decode()


def test_staff_with_a_device_cannot_replace_it_from_the_setup_page(client, pwp):
    TOTPDeviceFactory(user=pwp)
    sign_in(client, pwp)
    response = client.get(SETUP)
    assert response.url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=pwp).count() == 1


def test_next_cannot_send_people_to_another_site(client, pwp):
    device = TOTPDeviceFactory(user=pwp)
    sign_in(client, pwp)
    response = client.post(
        VERIFY, {"otp_token": device_code(device), "next": "https://evil.example/"}
    )
    assert response.url == reverse("workspace:home")


def test_verifying_gives_a_new_session_id(client, pwp):
    device = TOTPDeviceFactory(user=pwp)
    sign_in(client, pwp)
    before = client.session.session_key
    client.post(VERIFY, {"otp_token": device_code(device)})
    assert client.session.session_key != before
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


# --- Recovery codes -------------------------------------------------------------


def test_a_recovery_code_works_once(client, pwp):
    TOTPDeviceFactory(user=pwp)
    RecoveryDeviceFactory(user=pwp, codes=["abcd2345", "efgh6789"])
    sign_in(client, pwp)
    # Pasted with spaces and capitals still works.
    response = client.post(RECOVERY, {"code": " ABCD 2345 ", "next": CASELOAD}, follow=True)
    assert response.redirect_chain[-1][0] == CASELOAD
    assert "You have 1 code left." in response.content.decode()
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["efgh6789"]

    client.post(reverse("accounts:logout"))
    sign_in(client, pwp)
    again = client.post(RECOVERY, {"code": "abcd2345"})
    assert again.status_code == 200
    assert "That recovery code did not work" in again.content.decode()
    assert client.get(CASELOAD).status_code == 302


def test_codes_from_setup_sign_in_when_the_phone_is_lost(client, pwp):
    codes = _set_up(client, pwp)
    client.post(CODES, {"saved": "on"})
    client.post(reverse("accounts:logout"))
    sign_in(client, pwp)
    assert client.post(RECOVERY, {"code": codes[3]}).status_code == 302
    assert client.get(CASELOAD).status_code == 200
    assert StaticToken.objects.filter(device__user=pwp).count() == 9


# --- Clients, settings, API tokens, admin ---------------------------------------


def test_clients_are_never_asked_for_a_code(client, client_user):
    response = client.post(
        reverse("accounts:login"),
        {"username": client_user.email, "password": "correct-horse-battery"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("programme:home")
    assert response.status_code == 200
    # The two-step pages send a client home and make nothing for them.
    for url in (SETUP, VERIFY, RECOVERY, CODES):
        assert client.get(url).url == reverse("workspace:home"), url
    assert not TOTPDevice.objects.filter(user=client_user).exists()
    assert not StaticDevice.objects.filter(user=client_user).exists()


def test_with_the_setting_off_staff_sign_in_in_one_step(client, pwp, settings):
    settings.STAFF_2FA_REQUIRED = False
    sign_in(client, pwp)
    assert client.get(CASELOAD).status_code == 200


def test_api_tokens_work_without_a_second_step(trial_manager):
    # Trial managers make tokens for scripts after a code; see the middleware.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {make_token(trial_manager)}")
    assert api.get("/api/v1/").status_code == 200


def test_an_unverified_browser_session_cannot_use_the_api(client, trial_manager):
    sign_in(client, trial_manager)
    response = client.get("/api/v1/")
    assert response.status_code == 302
    assert response.url.startswith(SETUP)


def test_admin_site_requires_verification_even_without_the_middleware(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    admin_user.is_verified = lambda: False
    assert admin.site.has_permission(request) is False
    admin_user.is_verified = lambda: True
    assert admin.site.has_permission(request) is True


def test_admin_resets_a_staff_members_two_step_by_deleting_the_device(client, pwp, admin_user):
    admin_device = TOTPDeviceFactory(user=admin_user)
    TOTPDeviceFactory(user=pwp)
    RecoveryDeviceFactory(user=pwp, codes=["abcd2345"])
    sign_in(client, admin_user)
    client.post(VERIFY, {"otp_token": device_code(admin_device)})
    assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 200

    device = TOTPDevice.objects.get(user=pwp)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    static = StaticDevice.objects.get(user=pwp)
    url = reverse("admin:otp_static_staticdevice_delete", args=[static.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302

    client.post(reverse("accounts:logout"))
    sign_in(client, pwp)
    assert client.get(CASELOAD).url.startswith(SETUP)
    assert "otp-secret-key" not in client.get(SETUP).content.decode()


def test_admin_reset_action_removes_devices_and_emails_a_new_link(client, pwp, admin_user):
    admin_device = TOTPDeviceFactory(user=admin_user)
    TOTPDeviceFactory(user=pwp)
    RecoveryDeviceFactory(user=pwp, codes=["abcd2345"])
    old_link = setup_link(pwp)
    sign_in(client, admin_user)
    client.post(VERIFY, {"otp_token": device_code(admin_device)})
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_step", "_selected_action": [pwp.pk]},
        follow=True,
    )
    assert "Two-step verification reset for 1 staff member" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=pwp).exists()
    assert not StaticDevice.objects.filter(user=pwp).exists()
    (row,) = Notification.objects.filter(recipient=pwp, kind="two_step_reset")
    assert row.channel == "email"
    client.post(reverse("accounts:logout"))

    # A link made before the reset no longer works; the new one does.
    pwp.refresh_from_db()
    assert client.get(old_link).status_code == 400
    sign_in(client, pwp)
    open_setup_link(client, pwp)
    assert "otp-secret-key" in client.get(SETUP).content.decode()


def test_a_setup_link_works_once_and_enrolment_is_emailed(client, pwp):
    link = setup_link(pwp)
    sign_in(client, pwp)
    assert client.get(link).status_code == 302
    key = _secret_from(client.get(SETUP))
    assert client.post(SETUP, {"otp_token": totp_code(key)}).status_code == 302
    assert Notification.objects.filter(recipient=pwp, kind="two_step_enrolled").exists()
    client.post(reverse("accounts:logout"))
    assert client.get(link).status_code == 400  # used


def test_a_setup_link_cannot_be_used_from_another_signed_in_account(client, pwp, supervisor):
    sign_in(client, supervisor)
    assert client.get(setup_link(pwp)).status_code == 400
    assert "otp-secret-key" not in client.get(SETUP).content.decode()


def test_staff_can_ask_for_a_new_setup_link(client, pwp):
    sign_in(client, pwp)
    client.get(SETUP)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        response = client.post(SETUP, {"send_link": "1"}, follow=True)
    assert "We have sent you a new link." in response.content.decode()
    assert Notification.objects.filter(recipient=pwp, kind="two_step_setup").count() == 2


# --- Managing two-step sign-in after setup ------------------------------------

MANAGE = reverse("accounts:otp_manage")


def test_staff_make_new_recovery_codes_and_the_old_ones_stop_working(client, pwp):
    old = _set_up(client, pwp)
    client.post(CODES, {"saved": "on"})
    device = TOTPDevice.objects.get(user=pwp)
    page = client.get(MANAGE).content.decode()
    assert f'id="codes-left">{len(old)}<' in page

    # A code from the app is needed: a wrong one changes nothing.
    wrong = f"{(int(device_code(device, ahead=1)) + 1) % 1_000_000:06d}"
    refused = client.post(MANAGE, {"otp_token": wrong})
    assert "That code did not work" in refused.content.decode()
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(old)

    # After the short wait a wrong code imposes, the right code works.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2), tick=True):
        response = client.post(MANAGE, {"otp_token": device_code(device, ahead=1)})
    assert response.url.startswith(CODES)
    new = re.findall(r"<code>([a-z0-9]+)</code>", client.get(CODES).content.decode())
    assert len(new) == len(old) and not set(new) & set(old)
    done = client.post(CODES, {"saved": "on", "next": MANAGE}, follow=True).content.decode()
    assert "Your new recovery codes are ready. The old ones no longer work." in done
    assert client.get(CODES).status_code == 302  # shown once only

    client.post(reverse("accounts:logout"))
    sign_in(client, pwp)
    assert (
        "That recovery code did not work"
        in client.post(RECOVERY, {"code": old[0]}).content.decode()
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2), tick=True):
        assert client.post(RECOVERY, {"code": new[0]}).status_code == 302


def test_a_password_alone_cannot_make_new_recovery_codes(client, pwp):
    device = TOTPDeviceFactory(user=pwp)
    RecoveryDeviceFactory(user=pwp, codes=["abcd2345"])
    sign_in(client, pwp)
    assert client.get(MANAGE).url.startswith(VERIFY)
    response = client.post(MANAGE, {"otp_token": device_code(device)})
    assert response.url.startswith(VERIFY)
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["abcd2345"]


def test_staff_without_two_step_are_offered_setup(client, pwp, settings):
    settings.STAFF_2FA_REQUIRED = False
    client.force_login(pwp)
    page = client.get(MANAGE).content.decode()
    assert "Two-step sign-in is not set up" in page
    assert f"{SETUP}?next=" in page
    assert f'href="{MANAGE}"' in client.get(CASELOAD).content.decode()


def test_clients_have_no_two_step_page(client, client_user):
    client.force_login(client_user)
    assert client.get(MANAGE).status_code == 302
    assert MANAGE not in client.get(reverse("programme:home")).content.decode()
