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
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace the text of steps edited in the admin with this release's.",
        )

    def handle(self, *args, **options):
        directory = Path(options["dir"] or settings.CONTENT_DIR)
        try:
            report = content_load(directory=directory, overwrite=options["overwrite"])
        except ContentError as exc:
            raise CommandError(f"Content not loaded: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded '{report.programme.slug}' release {report.release or '(none)'} "
                f"from {directory}: "
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
        for name in report.overwritten:
            self.stdout.write(f"  edit replaced by this release (--overwrite): {name}")
        for name in report.kept_local:
            self.stdout.write(f"  edited here, kept (this release did not change it): {name}")
        if report.conflicts:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.conflicts)} conflict(s): edited here and changed in this "
                    "release. The edit was kept; compare the step's revisions in the admin, "
                    "or run again with --overwrite to take the release's text."
                )
            )
            for name in report.conflicts:
                self.stdout.write(self.style.WARNING(f"  conflict, edit kept: {name}"))
