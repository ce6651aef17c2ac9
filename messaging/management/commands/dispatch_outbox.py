"""Run the outbox dispatcher in this process: ``manage.py dispatch_outbox [--once] [--until-idle]``.

The task cluster's schedule does the same every minute; this command serves tests (several
dispatcher processes at once), benchmarks and operators who want a dedicated sender.
"""

import time

from django.core.management.base import BaseCommand

from messaging.outbox.dispatch import dispatch_due, leases_recover


class Command(BaseCommand):
    help = "Send due outbox notifications (expired leases are recovered first)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--until-idle", action="store_true", help="exit when nothing is due")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between passes when idle")
        parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this long")

    def handle(self, *args, **options):
        deadline = time.monotonic() + options["max_seconds"]
        total = 0
        while time.monotonic() < deadline:
            leases_recover()
            processed = dispatch_due(batch_size=options["batch_size"])
            total += processed
            if options["once"] or (options["until_idle"] and processed == 0):
                break
            if processed == 0:
                time.sleep(options["poll"])  # idle polling between passes, not a retry
        self.stdout.write(f"dispatched {total}")
