"""The outbox's hot path stays light: database statements per message when a batch is sent.

Counted with CaptureQueriesContext over the worker's own steps (claim a batch, plan and send each claim,
write the accepted sends in one group) run in one thread, against the fake Twilio; savepoints left out.
A change that adds a statement per message has to raise the bound here, on purpose.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging.models import Conversation, DeliveryAttempt, Notification, NotificationStatus
from messaging.outbox import enqueue
from messaging.outbox.dispatch import claim_due, process_claim, sends_record

pytestmark = pytest.mark.django_db

BATCH = 40


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def _batch_sent() -> list[str]:
    sends = []
    with CaptureQueriesContext(connection) as ctx:
        for claim in claim_due(limit=BATCH):
            assert process_claim(claim, sent_sink=sends.extend) == "sent"
        assert sends_record(sends) == BATCH
    return _statements(ctx)


def _replies(prefix: str) -> None:
    for n in range(BATCH):
        phone = f"+2376770{n:05d}"
        Conversation.objects.update_or_create(phone=phone, defaults={"last_inbound_at": timezone.now()})
        enqueue(key=f"{prefix}{n}", body=f"réponse {n}", phone=phone)


def test_a_batch_of_replies_costs_a_few_statements_per_batch_not_per_message(fake_twilio, settings):
    settings.TWILIO_TIMEOUT_SECONDS = 5  # a loaded machine must not turn a send into an unknown outcome here
    _replies("warm-up")
    _batch_sent()  # the breaker's window fills with successes (a write each until then)
    _replies("counted")
    statements = _batch_sent()
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 2 * BATCH
    assert DeliveryAttempt.objects.filter(outcome="sent").count() == 2 * BATCH
    assert fake_twilio.count() == 2 * BATCH
    # claim (2), the batch's windows and suppressions (2), the group: lock, update, attempts, callbacks (4),
    # PostgreSQL's advisory lock on the SIDs (1). Before: 5 per message (a window, a suppression, the breaker's
    # row locked and written, the guarded update each).
    assert len(statements) <= 9, statements
