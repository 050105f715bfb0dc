"""Build a synthetic trial at scale for benchmarks and load tests.

    manage.py generate_trial --clients 5000 --history-rows 500000

See apps/trials/generate.py for what it builds. Needs PostgreSQL and the
programme content (manage.py load_content). Idempotent.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.trials.generate import GenerateError, generate


class Command(BaseCommand):
    help = "Build a synthetic multi-service trial (no real-looking personal data)."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, required=True, help="1,000 to 50,000")
        parser.add_argument(
            "--history-rows", type=int, required=True, help="about how many rows of history"
        )
        parser.add_argument("--prefix", default="GT", help="service code prefix (default GT)")

    def handle(self, *args, clients, history_rows, prefix, **options):
        if clients < 1 or history_rows < 0:
            raise CommandError("--clients must be at least 1 and --history-rows at least 0.")
        try:
            result = generate(
                clients=clients,
                history_rows=history_rows,
                prefix=prefix,
                log=lambda line: self.stdout.write(line),
            )
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Built" if result.created else "Already there:"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.clients:,} clients in {result.services} services "
                f"({result.pwps} PWPs), {result.history_rows:,} rows of history, "
                f"in {result.seconds:.1f} s."
            )
        )
