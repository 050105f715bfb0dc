"""Every page of every role runs under the Content-Security-Policy with no violation.

For each persona (and a visitor), every GET page in the URL conf that the
persona may open (URL arguments from the access-matrix `world`; the admin from
its registry) is loaded in Debian chromium; a `securitypolicyviolation` event or
a console message about the policy fails the test. The page must also have
started govuk-frontend and htmx, and htmx must not have injected its own style.
"""

import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.core.test_read_audit import ARGS, _url_names
from tests.test_access_audit import world  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not pages: they end the session, answer with data, or are POST-only.
SKIP = {
    "accounts:logout",
    "core:manifest",
    "core:healthz",
    "core:session_extend",
    "api-schema",
    "care:session_ics",
}
# Swagger UI's template has one inline <style>: its page alone allows inline
# styles (docs/security-headers.md); checked apart.
LOOSE = {"api-docs"}

MORE_ARGS = {
    "part": lambda w: 1,
    "feedback_id": lambda w: w["feedback"].pk,
    "service_id": lambda w: w["service"].pk,
    "token_id": lambda w: w["api_token"].pk,
    "user_id": lambda w: w["colleague_pwp"].pk,
}

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(
    `${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _pages(w) -> list[str]:
    urls = []
    for name, args in sorted(_url_names().items()):
        if name in SKIP or name in LOOSE or name.startswith(("admin:", "api:")):
            continue
        if "uidb64" in args:  # account links: a real token for the client
            user = w["personas"]["client_user"]
            kwargs = {
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            }
            urls.append(reverse(name, kwargs=kwargs))
            continue
        try:
            urls.append(reverse(name, kwargs={a: {**ARGS, **MORE_ARGS}[a](w) for a in args}))
        except KeyError:  # an argument no fixture fills: the test must learn it
            pytest.fail(f"{name}: no fixture for {args}")
    return urls


def _admin_pages(w) -> list[str]:
    urls = [reverse("admin:index")]
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label_lower):
        app, name = model._meta.app_label, model._meta.model_name
        urls.append(reverse(f"admin:{app}_{name}_changelist"))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{app}_{name}_change", args=[obj.pk]))
    return urls


def _context(browser, live_server, user):
    # Downloads (an export, a copy of a client's data, a codebook) are refused at once: a
    # download left in flight made closing the context wait forever in chromium.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=False)
    context.add_init_script(RECORD_VIOLATIONS)
    if user is not None:
        django_client = Client()
        django_client.force_login(user)
        cookie = django_client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    return context


def _visit_all(browser, live_server, user, urls, check=None) -> tuple[list[str], int]:
    context = _context(browser, live_server, user)
    console: list[str] = []

    def new_page():
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on(
            "console",
            lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        return page

    page = new_page()
    problems, opened = [], 0
    for url in urls:
        console.clear()
        try:
            response = page.goto(live_server.url + url)
        except PlaywrightError:  # an empty error body (405 to a GET): not a page
            # Chromium is now on its own error page: a fresh tab, so that the next address
            # is not "interrupted by another navigation" (and the one after it, and so on).
            page.close()
            page = new_page()
            continue
        if response is None or response.status >= 400 or "sign-in" in page.url and user:
            continue  # not this persona's page
        page.wait_for_load_state("load")
        opened += 1
        if "text/html" in (response.headers.get("content-type") or "") and not url.startswith(
            ("/admin/", "/api/")
        ):
            expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
            assert page.evaluate("typeof window.htmx") == "object", url
            expect(page.locator("head style, body style")).to_have_count(0)
        if check is not None:
            check(page)
        violations = page.evaluate("window.__csp || []")
        problems += [f"{url}: {v}" for v in violations + console]
    page.close()
    context.close()
    return problems, opened


@pytest.mark.parametrize(
    "persona",
    ["anonymous", "client_user", "pwp", "supervisor", "trial_manager", "admin_user"],
)
def test_every_page_of_each_role_runs_without_a_csp_violation(
    browser,
    live_server,
    world,  # noqa: F811
    persona,
):
    user = world["personas"][persona]
    urls = _pages(world)
    if persona == "admin_user":
        urls += _admin_pages(world)
    problems, opened = _visit_all(browser, live_server, user, urls)
    assert opened >= 5, f"{persona} opened only {opened} pages"
    assert not problems, "\n".join(problems)


def test_every_response_carries_the_policy_and_the_permissions_policy(client, pwp):
    client.force_login(pwp)
    response = client.get(reverse("workspace:caseload"))
    policy = response["Content-Security-Policy"]
    # A nonce appears only when a page uses one; today none does.
    assert re.search(r"script-src 'self'( 'nonce-[^']+')?(;|$)", policy), policy
    assert re.search(r"style-src 'self'(;|$)", policy), policy
    assert "'unsafe-inline'" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_api_docs_start_under_their_policy(browser, live_server, admin_user):
    def started(page):  # Swagger UI drew the API's title: its code ran
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tandem")

    problems, opened = _visit_all(
        browser, live_server, admin_user, [reverse("api-docs")], check=started
    )
    assert opened == 1
    assert not problems, "\n".join(problems)
