"""Demo data for the trials app: an API token for the demo trial manager.

Called by `manage.py demo` with its context. Idempotent (`get_or_create`), and
silent: the key is never printed; an admin reads it in the admin (Auth Token ›
Tokens).
"""

from rest_framework.authtoken.models import Token

DEMO_TRIAL_MANAGER = "trials@example.org"


def populate(context: dict) -> None:
    manager = context["staff"].get(DEMO_TRIAL_MANAGER)
    if manager is None:
        return
    Token.objects.get_or_create(user=manager)
