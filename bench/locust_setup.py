"""Prepare the database for the load test (bench/scaleout.sh) and write the
accounts the locust scenario signs in with to a JSON file.

    python bench/locust_setup.py --out /tmp/locust_users.json

Builds (or reuses) a generated trial, gives a known password to some active
clients (each with an open PHQ-9 to fill in), to PWPs of those clients and to a
trial manager. Synthetic accounts only; loopback only.
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.worker_settings")
PASSWORD = "load-test-only-password"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--history-rows", type=int, default=150_000)
    parser.add_argument("--accounts", type=int, default=60)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.care.models import Treatment
    from apps.programme.models import Step
    from apps.questionnaires.catalogue import scoring_definition
    from apps.questionnaires.models import Administration, AdministrationStatus
    from apps.trials.generate import generate

    call_command("migrate", verbosity=0)
    if not Step.objects.exists():
        call_command("load_content", verbosity=0)
    generate(clients=args.clients, history_rows=args.history_rows, prefix="LT", log=print)
    password = make_password(PASSWORD)
    treatments = list(
        Treatment.objects.filter(service__code__startswith="LT", status="active")
        .select_related("client", "pwp")
        .order_by("pk")[: args.accounts]
    )
    now = timezone.now()
    version = scoring_definition("phq9").version
    Administration.objects.filter(treatment__in=treatments, time_point="ad_hoc").delete()
    Administration.objects.bulk_create(
        Administration(
            treatment=t,
            instrument="phq9",
            definition_version=version,
            time_point="ad_hoc",
            due_from=now - datetime.timedelta(days=1),
            due_until=now + datetime.timedelta(days=7),
            status=AdministrationStatus.OPEN,
            opened_at=now,
        )
        for t in treatments
    )
    manager, _ = User.objects.get_or_create(
        email="trial-manager@lt.invalid", defaults={"is_trial_manager": True}
    )
    ids = {t.client_id for t in treatments} | {t.pwp_id for t in treatments} | {manager.pk}
    User.objects.filter(pk__in=ids).update(password=password)
    pwps: dict[str, list[int]] = {}
    for t in treatments:
        pwps.setdefault(t.pwp.email, []).append(t.pk)
    Path(args.out).write_text(
        json.dumps(
            {
                "password": PASSWORD,
                "clients": [t.client.email for t in treatments],
                "pwps": pwps,
                "manager": manager.email,
            }
        )
    )
    print(f"{len(treatments)} clients, {len(pwps)} PWPs and a trial manager ready.")


if __name__ == "__main__":
    main()
