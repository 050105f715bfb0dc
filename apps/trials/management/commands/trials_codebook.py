from pathlib import Path

from django.core.management.base import BaseCommand

from apps.trials.columns import codebook_markdown


class Command(BaseCommand):
    help = "Write the export codebook (docs/codebook.md) from the column definitions."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write; default: print it.")

    def handle(self, *args, output=None, **options):
        text = codebook_markdown()
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
