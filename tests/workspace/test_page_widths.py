"""Staff pages at any width: no horizontal scrolling of the page itself at
360, 768 and 1280 px, for every page a PWP, a supervisor and a trial manager
reaches (DESIGN.md rule 16: a wide table scrolls inside its own labelled,
focusable region, which the page itself does not).

The page list is built from the URL conf, not written by hand: every GET
page of the staff apps, its IDs filled from the access-audit fixture, kept
when the persona gets a 200 HTML page from it.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.test_access_audit import world  # noqa: F401  the fixture with one of everything

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 768, 1280)
# The first element sticking out past the right edge (outside a table's own
# scroll region), named so a failure says where to look.
CULPRIT_JS = """() => {
  const w = window.innerWidth;
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('.app-table-scroll')) continue;
    if (el.getBoundingClientRect().right > w + 1) {
      return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' +
        (el.className && el.className.baseVal === undefined ? el.className : '');
    }
  }
  return '?';
}"""
NAMESPACES = (
    "workspace",
    "care",
    "safety",
    "messaging",
    "notifications",
    "trials",
    "programme",
    "questionnaires",
    "accounts",
    "core",
)
# Not pages: files, endpoints, the sign-out, the component gallery.
SKIP = {
    "core:manifest",
    "core:session_extend",
    "core:healthz",
    "core:components",
    "accounts:logout",
    "care:session_ics",
    "trials:export_download",
}


def _kwargs(w: dict) -> dict:
    return {
        "treatment_id": w["treatment"].pk,
        "service_id": w["service"].pk,
        "user_id": w["colleague_pwp"].pk,
        "appointment_id": w["appointment"].pk,
        "task_id": w["task"].pk,
        "entry_id": w["entry"].pk,
        "alert_id": w["alert"].pk,
        "module_slug": w["step"].module.slug,
        "step_slug": w["step"].slug,
        "administration_id": w["open_administration"].pk,
        "practitioner_administration_id": w["practitioner_administration"].pk,
        "goal_id": w["goal"].pk,
        "job_id": w["export_job"].pk,
        "token_id": w["api_token"].pk,
        "part": 1,
        "n": 1,
    }


def _names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _names(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])))
        elif isinstance(p, URLPattern) and p.name and namespace in NAMESPACES:
            yield f"{namespace}:{p.name}", list(p.pattern.converters)


def pages_for(user, w: dict) -> list[str]:
    """Every staff app page `user` gets as a 200 HTML page."""
    client = Client()
    client.force_login(user)
    kwargs = _kwargs(w)
    urls = []
    for name, params in _names(get_resolver().url_patterns):
        if name in SKIP or any(p not in kwargs for p in params):
            continue
        url = reverse(name, kwargs={p: kwargs[p] for p in params})
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            urls.append(url)
    return urls


def _overflowing(browser, live_server, user, urls: list[str]) -> list[str]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    found = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800})
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        for url in urls:
            page.goto(live_server.url + url)
            page.locator("main").wait_for()
            scroll, view = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll > view:
                culprit = page.evaluate(CULPRIT_JS)
                found.append(f"{url} at {width}px: page is {scroll}px wide ({culprit})")
        context.close()
    return found


@pytest.mark.parametrize("persona", ["pwp", "supervisor", "trial_manager"])
def test_no_staff_page_scrolls_sideways(browser, live_server, world, persona):  # noqa: F811
    user = world["personas"][persona]
    urls = pages_for(user, world)
    assert len(urls) >= 5, urls  # the list is real, not empty by mistake
    found = _overflowing(browser, live_server, user, urls)
    assert not found, "\n".join(found)
