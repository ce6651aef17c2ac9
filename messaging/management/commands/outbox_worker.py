"""``manage.py outbox_worker [--until-idle] [--max-seconds N] [--batch-size N]``: the outbox sender.

Run one or more per node beside the task cluster (the Procfile does). SIGTERM or Ctrl-C finishes the
batch in flight, then exits; whatever it had not started is released by its lease.
"""

import signal

from django.core.management.base import BaseCommand

from messaging.outbox.worker import OutboxWorker


class Command(BaseCommand):
    help = "Send due outbox notifications concurrently, woken at once by new work."

    def add_arguments(self, parser):
        parser.add_argument("--until-idle", action="store_true", help="exit when nothing is due")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--max-seconds", type=float, default=None, help="stop after this long")

    def handle(self, *args, **options):
        worker = OutboxWorker(batch_size=options["batch_size"])
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: worker.stop())
        processed = worker.run(until_idle=options["until_idle"], max_seconds=options["max_seconds"])
        self.stdout.write(f"dispatched {processed}")
