"""Write the reliability report of one hour (default: the last full hour). The same hour twice is one report."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reliability.monitoring.reports import HOUR, hour_start, report_write


def _parse_hour(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--hour: not an ISO-8601 date and time: {value!r}") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Write the ReliabilityReport of one hour (default: the last full hour); running it again rewrites it."

    def add_arguments(self, parser):
        parser.add_argument("--hour", help="any moment in the hour, ISO-8601 (e.g. 2026-11-29T14:00+01:00); "
                                           "without a time zone, Africa/Douala")

    def handle(self, *args, hour=None, **options):
        moment = _parse_hour(hour) if hour else hour_start(timezone.now()) - HOUR
        report = report_write(hour=moment)
        delivery = report.figures["delivery"]
        self.stdout.write(f"report {report.hour.isoformat()}: {delivery['total']} messages, "
                          f"{delivery['success_rate'] if delivery['success_rate'] is not None else '—'} % delivered, "
                          f"{report.dead_letters_created} dead letters")
