from django.core.management.base import BaseCommand, CommandError

from apps.safety.screen import corpus_report, languages


class Command(BaseCommand):
    help = (
        "Run the risk screen over its test corpus (apps/safety/corpus/) and print, per "
        "language, recall on the positive sentences and the false-alarm rate on the "
        "negative ones. Exits with an error when recall is below 100%."
    )

    def add_arguments(self, parser):
        parser.add_argument("--language", action="append", help="Only this language (repeat).")
        parser.add_argument(
            "--verbose-list", action="store_true", help="List misses, false alarms."
        )

    def handle(self, *args, language=None, verbose_list=False, **options):
        codes = language or languages()
        unknown = set(codes) - set(languages())
        if unknown:
            raise CommandError(f"No risk phrase list for: {', '.join(sorted(unknown))}")
        incomplete = []
        for code in codes:
            report = corpus_report(code)
            self.stdout.write(
                f"{code}: recall {report.recall:.1%} "
                f"({report.positives - len(report.missed)}/{report.positives} positive sentences); "
                f"false alarms {report.false_alarm_rate:.1%} "
                f"({len(report.false_alarms)}/{report.negatives} negative sentences); "
                f"negations alerting by policy {report.negations_alerting}/{report.negations}"
            )
            if verbose_list or report.missed:
                for sentence in report.missed:
                    self.stdout.write(f"  MISSED: {sentence!r}")
            if verbose_list:
                for sentence in report.false_alarms:
                    self.stdout.write(f"  false alarm: {sentence!r}")
            if report.missed:
                incomplete.append(code)
        if incomplete:
            raise CommandError(f"Recall below 100% for: {', '.join(incomplete)}")
