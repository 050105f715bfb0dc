"""`manage.py load_content [--dir PATH]`: load the programme's content files."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.programme.content import ContentError, content_load


class Command(BaseCommand):
    help = "Create or update the programme from content files (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", default=None, help="Content folder (default: settings.CONTENT_DIR)."
        )

    def handle(self, *args, **options):
        directory = Path(options["dir"] or settings.CONTENT_DIR)
        try:
            report = content_load(directory=directory)
        except ContentError as exc:
            raise CommandError(f"Content not loaded: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded '{report.programme.slug}' from {directory}: "
                f"{report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged."
            )
        )
        for name in report.retired:
            self.stdout.write(f"  retired (client progress kept): {name}")
        for name in report.deleted:
            self.stdout.write(f"  deleted (no client progress): {name}")
        for name in report.stale_translations:
            self.stdout.write(
                self.style.WARNING(f"  translation ignored, no such step in module.yaml: {name}")
            )
