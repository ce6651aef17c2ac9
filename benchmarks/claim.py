"""Claim cost: the dispatcher's claim query at 10k, 100k and 1M outbox rows (PostgreSQL, EXPLAIN ANALYZE).

The table grows the way an outbox does: settled history (sent, delivered, dead) piles up while the
work waiting stays about the same (500 rows due now, 2,000 waiting for a retry). The query is the
one ``messaging.outbox.dispatch.claim_due`` runs (due statuses, due time, priority order, SKIP
LOCKED, a batch of 50), timed inside a transaction that is rolled back, so nothing is claimed.
"""

import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from messaging.models import DUE_STATUSES, Notification

BATCH = 50
DUE, WAITING = 500, 2000
COLUMNS = ("idempotency_key, recipient_phone, recipient_email, language, body, template_sid, template_variables, "
           "channels, channel, priority, status, attempts, total_attempts, next_attempt_at, provider_sid, "
           "last_error_code, last_error_category, last_error, support_code, subject, created_at, updated_at")
# Row i of the generated history: every 1000th is dead, the rest delivered; spread over 30 days.
HISTORY = f"""
INSERT INTO messaging_notification ({COLUMNS})
SELECT 'bench-' || i, '+2376' || lpad(mod(i, 100000000)::text, 8, '0'), '', 'fr', 'Votre demande DJB-' || i, '',
       '{{}}'::jsonb, '["whatsapp", "sms"]'::jsonb, 'whatsapp', (ARRAY[10, 50, 90])[1 + mod(i, 3)],
       CASE WHEN mod(i, 1000) = 0 THEN 'dead' ELSE 'delivered' END, 1, 1,
       now() - mod(i, 2592000) * interval '1 second', 'SM' || md5(i::text), '', '', '', '', 'request:' || i,
       now() - mod(i, 2592000) * interval '1 second', now()
FROM generate_series(%s, %s) AS i
"""
WORK = f"""
INSERT INTO messaging_notification ({COLUMNS})
SELECT 'work-' || i, '+2376' || lpad(i::text, 8, '0'), '', 'fr', 'Work ' || i, '', '{{}}'::jsonb, '["sms"]'::jsonb,
       'sms', (ARRAY[10, 50, 90])[1 + mod(i, 3)], CASE WHEN mod(i, 5) = 0 THEN 'failed' ELSE 'pending' END, 0, 0,
       CASE WHEN i <= {DUE} THEN now() - interval '1 minute' ELSE now() + interval '10 minutes' END,
       '', '', '', '', '', '', now(), now()
FROM generate_series(1, {DUE + WAITING}) AS i
"""

TRUNCATE = "TRUNCATE messaging_notification CASCADE"  # a scratch database: attempts and receipts go too


def _claim_queryset():
    return (Notification.objects.select_for_update(skip_locked=True)
            .filter(status__in=DUE_STATUSES, next_attempt_at__lte=timezone.now())
            .order_by("-priority", "next_attempt_at")[:BATCH])


def _time_claim(repeats: int, warm_up: int = 5) -> float:
    timings = []
    for _ in range(warm_up + repeats):
        with transaction.atomic():
            started = time.perf_counter()
            rows = list(_claim_queryset().values_list("pk", flat=True))
            timings.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    assert len(rows) == BATCH, f"the claim found {len(rows)} rows, expected {BATCH}"
    return statistics.median(timings[warm_up:])


def _plan() -> str:
    with transaction.atomic():
        sql, params = _claim_queryset().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    scans = [line.strip() for line in lines if "Scan" in line]
    return "; ".join(scans[:2]) + f"  [{lines[-1].strip()}]"


def run(*, quick: bool, report) -> None:
    if connection.vendor != "postgresql":
        report.note("claim cost: PostgreSQL only (EXPLAIN ANALYZE, SKIP LOCKED): skipped on SQLite")
        return
    with connection.cursor() as cursor:
        cursor.execute(TRUNCATE)
        cursor.execute(WORK)
    filled = DUE + WAITING
    for total in ((10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)):
        with connection.cursor() as cursor:
            cursor.execute(HISTORY, [filled + 1, total])
            cursor.execute("ANALYZE messaging_notification")
        filled = total
        report.claim(rows=total, seconds=_time_claim(repeats=30), plan=_plan())
    with connection.cursor() as cursor:
        cursor.execute(TRUNCATE)
