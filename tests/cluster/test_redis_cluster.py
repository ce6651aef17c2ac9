"""PostgreSQL + Redis for real: gunicorn and the task clusters as child processes, Redis as broker and cache.

A signed inbound message is posted to gunicorn, goes through the Redis queue to the conversation
cluster, and its reply reaches the fake Twilio; an outbox notification enqueued by another process
is delivered the same way. Nothing passes through django-q2's ORM broker.
"""

from urllib.parse import urlencode

import pytest
import redis
import requests
from django_q.models import OrmQ
from twilio.request_validator import RequestValidator

from messaging.models import InboundMessage, InboundStatus, Notification, NotificationStatus
from tests import processes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ENQUEUE = """
from django.db import transaction
from messaging.outbox import enqueue
with transaction.atomic():
    enqueue(key="redis-cluster-test", body="Votre plombier arrive / your plumber is on his way",
            phone="+237677000111", channels=["sms"])
"""


@pytest.fixture
def redis_stack(stack_env, redis_url, children, tmp_path):
    env = {**stack_env, "REDIS_URL": redis_url}
    children.append(processes.start_gunicorn(env, port=int(env["WEB_PORT"]), workers=1, log=tmp_path / "web.log"))
    children.extend(processes.start_node(env, log_dir=tmp_path))
    return env


def _signed_post(env: dict, params: dict) -> requests.Response:
    url = env["PUBLIC_BASE_URL"] + "/webhooks/twilio/messages/"
    signature = RequestValidator(env["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    return requests.post(url, data=urlencode(params), timeout=10, headers={
        "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"})


def test_every_manage_py_command_starts_with_redis_url(stack_env, redis_url):
    env = {**stack_env, "REDIS_URL": redis_url}
    for command in (["check"], ["showmigrations", "messaging"], ["help", "qcluster"], ["qinfo"]):
        process = processes.manage(env, *command)
        assert process.wait(timeout=120) == 0, f"manage.py {' '.join(command)} failed with REDIS_URL set"


def test_an_inbound_message_and_a_notification_go_through_the_redis_task_cluster(redis_stack, fake_twilio, redis_url):
    sender = "+237677000222"
    response = _signed_post(redis_stack, {
        "MessageSid": "SM" + "7" * 32, "AccountSid": "AC" + "0" * 32, "From": f"whatsapp:{sender}",
        "To": "whatsapp:+14155238886", "Body": "Bonjour", "NumMedia": "0", "ProfileName": "Awa"})
    assert response.status_code == 200
    processes.manage(redis_stack, "shell", "-c", ENQUEUE).wait(timeout=60)

    processes.wait_until(lambda: fake_twilio.count(f"whatsapp:{sender}") >= 1, timeout=60,
                         what="the reply to the inbound message at the fake Twilio")
    processes.wait_until(lambda: fake_twilio.count("+237677000111") == 1, timeout=60,
                         what="the notification at the fake Twilio")
    assert InboundMessage.objects.get(provider_sid="SM" + "7" * 32).status == InboundStatus.PROCESSED
    # Twilio has the message before the worker writes down its answer (grouped, every 20 ms): wait for it.
    processes.wait_until(lambda: Notification.objects.get(idempotency_key="redis-cluster-test").status
                         == NotificationStatus.SENT, timeout=10, what="the notification recorded as sent")
    assert not OrmQ.objects.exists(), "with REDIS_URL nothing may go through the ORM broker"
    assert redis.Redis.from_url(redis_url).keys("django_q:*"), "the clusters keep their queues and stats in Redis"


def test_the_cache_of_every_process_is_the_shared_redis(stack_env, redis_url, children, tmp_path):
    env = {**stack_env, "REDIS_URL": redis_url}
    children.append(processes.start_gunicorn(env, port=int(env["WEB_PORT"]), workers=1, log=tmp_path / "web.log"))
    health = requests.get(env["PUBLIC_BASE_URL"] + "/health/?format=json", timeout=10).json()
    assert health["Cache(alias='default')"] == "OK"
    processes.manage(env, "shell", "-c", "from django.core.cache import cache; cache.set('probe', 'seen', 60)").wait(60)
    assert redis.Redis.from_url(redis_url).exists(":1:probe")
