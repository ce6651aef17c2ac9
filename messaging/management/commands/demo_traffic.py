"""Create demo traffic: ``manage.py demo_traffic [--count N]`` puts N messages in the outbox.

Each message goes through ``messaging.outbox.enqueue`` (the default WhatsApp → SMS chain), so the
task cluster sends it exactly as it sends a reply to a client; the dashboard, the alerts and
``/metrics`` then see the outcomes. The made-up recipients "wrote" just now (their conversation's
last inbound time is set), so WhatsApp's 24-hour window is open and WhatsApp is tried first, as for a
client who just asked for help. Console backend only.
"""

import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from messaging.models import Conversation
from messaging.outbox import enqueue

DEMO_PHONE_PREFIX = "+23769900"  # + 4 digits: made-up Cameroonian mobile numbers


class Command(BaseCommand):
    help = "Put N demo messages in the outbox (console backend only); the task cluster sends them."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=20, help="how many messages (1-1000)")

    def handle(self, *args, **options):
        count = options["count"]
        if not 1 <= count <= 1000:
            raise CommandError("--count must be between 1 and 1000")
        if settings.MESSAGING_BACKEND != "console":
            raise CommandError("demo_traffic sends to made-up numbers: it runs with MESSAGING_BACKEND=console only")
        run = uuid.uuid4().hex[:8]
        phones = [f"{DEMO_PHONE_PREFIX}{i:04d}" for i in range(count)]
        now = timezone.now()
        with transaction.atomic():
            for phone in phones:  # inside the WhatsApp window, as after a client's message
                Conversation.objects.update_or_create(phone=phone, defaults={"last_inbound_at": now})
            for i, phone in enumerate(phones):
                enqueue(key=f"demo-traffic:{run}:{i}", phone=phone,
                        body=f"Djobea demo message {i + 1}/{count} ({run})", subject="demo")
        self.stdout.write(f"{count} demo messages queued (run {run}); the task cluster sends them.")
