"""Top navigation per role.

Items name URL patterns; an item whose URL does not exist (a feature not
installed) is left out, so apps can add pages without touching this file's
callers.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Role

NAV = {
    Role.CLIENT: [
        (_("Home"), "programme:home"),
        (_("Modules"), "programme:modules"),
        (_("Mood"), "tracking:mood"),
        (_("Goals"), "tracking:goals"),
        (_("Questionnaires"), "questionnaires:list"),
        (_("Sessions"), "care:my_sessions"),
        (_("Messages"), "messaging:inbox"),
        (_("Reminders"), "notifications:preferences"),
    ],
    Role.PWP: [
        (_("Caseload"), "workspace:caseload"),
        (_("Diary"), "workspace:diary"),
        (_("Alerts"), "safety:alerts"),
        (_("Messages"), "messaging:inbox"),
        (_("Enrol a client"), "care:enrol"),
        (_("Content"), "programme:preview_index"),
        (_("Your profile"), "care:profile"),
        (_("Email settings"), "notifications:staff_preferences"),
    ],
    Role.SUPERVISOR: [
        (_("Service overview"), "workspace:service_overview"),
        (_("Caseload handover"), "workspace:handover_list"),
        (_("Alerts"), "safety:alerts"),
        (_("Staff"), "care:staff_services"),
        (_("Service settings"), "workspace:service_settings_index"),
        (_("Data requests"), "privacy:requests"),
        (_("Email settings"), "notifications:staff_preferences"),
    ],
    Role.TRIAL_MANAGER: [
        (_("Trial overview"), "trials:overview"),
        (_("Exports"), "trials:exports"),
        (_("API"), "api-docs"),
        (_("API tokens"), "accounts:api_tokens"),
    ],
    Role.ADMIN: [
        (_("Admin home"), "workspace:admin_home"),
        (_("Alerts"), "safety:alerts"),
        (_("Enrol a client"), "care:enrol"),
        (_("Staff"), "care:staff_services"),
        (_("Service settings"), "workspace:service_settings_index"),
        (_("Data requests"), "privacy:requests"),
        (_("Admin site"), "admin:index"),
    ],
}


def nav_items_for(user, current_path: str) -> list[dict]:
    if not user.is_authenticated:
        return []
    items: list[dict] = []
    seen: set[str] = set()
    for role in user.roles:
        for label, name in NAV.get(role, []):
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            if url in seen:
                continue
            seen.add(url)
            items.append({"label": label, "url": url})
    # The longest matching prefix is the current item; "/" only matches itself.
    best = max(
        (
            i
            for i in items
            if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))
        ),
        key=lambda i: len(i["url"]),
        default=None,
    )
    for item in items:
        item["current"] = item is best
    return items
