"""Check the audit hash chain: exits 1 and names the first broken row."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.audit import chain_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; report the first broken row."

    def handle(self, *args, **options) -> None:
        checked, problem = chain_verify()
        if problem:
            raise CommandError(f"Audit chain broken after {checked} good links: {problem}")
        self.stdout.write(f"Audit chain intact: {checked} links.")
