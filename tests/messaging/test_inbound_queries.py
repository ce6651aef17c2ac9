"""The inbound path stays light: the database statements of one webhook post and of processing one message.

Counted with CaptureQueriesContext over the real view and the real handler (demo data loaded),
savepoints left out of the bounds (they are transaction bookkeeping, not work) but counted on their own
for the webhook, whose store is one transaction. The bounds are today's counts: a change that adds a
query to the hot path has to raise them here, on purpose.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.inbound.processing import inbound_process
from messaging.models import InboundMessage, InboundStatus
from tests.messaging.inbound_support import signed_post, twilio_params

pytestmark = pytest.mark.django_db

# In this order and nothing else: the message (INSERT … ON CONFLICT (provider_sid) DO NOTHING RETURNING id), the
# 24-hour window (one upsert), then on commit the processing queued (the tests' ORM broker; Redis in production).
WEBHOOK_STATEMENTS = ('INSERT INTO "messaging_inboundmessage"', 'INSERT INTO "messaging_conversation"',
                      'INSERT INTO "django_q_ormq"')
# claim, handler (client, conversation, parser data, reply into the outbox and, on PostgreSQL, its NOTIFY: sent
# inside the transaction now, where it was a transaction of its own after the commit), done
PROCESSING_MAX_STATEMENTS = 19


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def _savepoints(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]


@pytest.fixture
def webhook_settings(settings, demo_data):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.PUBLIC_BASE_URL = "https://djobea.example"


def test_the_webhook_post_stores_one_message_row_and_queues_its_processing(client, webhook_settings,
                                                                           django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        assert signed_post(client, twilio_params()).status_code == 200
    statements = _statements(ctx)
    assert [sql.split(" (")[0] for sql in statements] == list(WEBHOOK_STATEMENTS), statements
    # One transaction (a savepoint only because the test runs inside its own; BEGIN/COMMIT when served).
    assert len(_savepoints(ctx)) == 1, _savepoints(ctx)
    assert InboundMessage.objects.get().status == InboundStatus.RECEIVED  # nothing processed in the request


def test_a_replayed_message_sid_costs_one_insert_that_does_nothing(client, webhook_settings,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, twilio_params())
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert signed_post(client, twilio_params()).status_code == 200
    statements = _statements(ctx)
    assert [sql.split(" (")[0] for sql in statements] == [WEBHOOK_STATEMENTS[0]], statements
    assert InboundMessage.objects.count() == 1
    assert callbacks == []  # nothing queued again


def test_processing_one_inbound_message_is_one_short_pass_over_the_database(client, webhook_settings,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, twilio_params(Body="J'ai une fuite d'eau à Bonamoussadi"))
    message = InboundMessage.objects.get()
    with CaptureQueriesContext(connection) as ctx:
        assert inbound_process(message_id=message.pk) == "processed"
    statements = _statements(ctx)
    assert len(statements) <= PROCESSING_MAX_STATEMENTS, "\n".join(statements)
    assert any(sql.startswith('INSERT INTO "messaging_notification"') for sql in statements), "the reply is queued"
