"""The stack a benchmark runs against: a scratch database, one Redis database, the fake Twilio, gunicorn, task nodes.

Everything listens on 127.0.0.1. The benchmark process itself is a Django process on the same
database (it reads the outcome and runs the claim query), so ``prepare_environment`` must run
before ``django.setup()``.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests import processes
from tests.fakes.twilio_server import FakeTwilio

WHATSAPP_FROM = "whatsapp:+14155238886"
SMS_FROM = "+15005550006"


def create_postgres_database(url: str) -> None:
    """(Re)create the scratch database named in ``url`` through the server's ``postgres`` database."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


class Stack:
    """Start and stop the processes of one benchmark configuration (database + optional Redis)."""

    def __init__(self, *, database_url: str, redis_url: str, log_dir: Path):
        self.fake = FakeTwilio().start()
        self.log_dir = log_dir
        self.web_port = processes.free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "false", "SECRET_KEY": "benchmark-only-" + "x" * 40, "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false", "LOG_LEVEL": "WARNING",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.web_port}",
            "MESSAGING_BACKEND": "twilio", "TWILIO_API_BASE_URL": self.fake.url,
            "TWILIO_ACCOUNT_SID": self.fake.account_sid, "TWILIO_AUTH_TOKEN": self.fake.auth_token,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM, "TWILIO_SMS_FROM": SMS_FROM, "TWILIO_TIMEOUT_SECONDS": "10",
            # The pipeline's own capacity is under test, not Twilio's per-sender ceiling.
            "WHATSAPP_MAX_PER_SECOND": "10000", "SMS_MAX_PER_SECOND": "10000",
        }
        self.env.pop("Q_CLUSTER_NAME", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        else:
            self.env.pop("REDIS_URL", None)
        self.web: subprocess.Popen | None = None
        self.node_processes: list[subprocess.Popen] = []

    @property
    def base_url(self) -> str:
        return self.env["PUBLIC_BASE_URL"]

    def prepare_database(self) -> None:
        url = self.env["DATABASE_URL"]
        if url.startswith("postgres"):
            create_postgres_database(url.split("?")[0])
        for args in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
            env = {**self.env, "DJOBEA_ADMIN_PASSWORD": "benchmark-admin-pass"}
            subprocess.run([sys.executable, "manage.py", *args], cwd=processes.BASE_DIR, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        if self.env.get("REDIS_URL"):
            processes.flush_redis(self.env["REDIS_URL"])

    def start_web(self, *, workers: int = 2, threads: int = 1) -> None:
        env = {**self.env, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
        self.web = processes.start_gunicorn(env, port=self.web_port, workers=workers, threads=threads,
                                           log=self.log_dir / "web.log")

    def start_nodes(self, count: int) -> None:
        for n in range(len(self.node_processes) // 3, count):
            self.node_processes += processes.start_node(self.env, log_dir=self.log_dir, tag=f"node{n + 1}")

    def stop_nodes(self) -> None:
        processes.stop(self.node_processes)
        self.node_processes = []

    def shell(self, code: str) -> dict:
        """Run ``code`` in ``manage.py shell`` on the stack's settings; its last output line is JSON."""
        out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=processes.BASE_DIR,
                             env=self.env, check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def reset(self) -> None:
        """Forget the previous scenario: its messages at the fake, its queued work, its rows."""
        self.fake.messages.clear()
        self.fake.requests.clear()
        self.shell("import json; from django_q.models import OrmQ; from messaging.models import InboundMessage, "
                   "Notification; OrmQ.objects.all().delete(); InboundMessage.objects.all().delete(); "
                   "Notification.objects.all().delete(); print(json.dumps({}))")
        if self.env.get("REDIS_URL"):
            processes.flush_redis(self.env["REDIS_URL"])

    def close(self) -> None:
        processes.stop(self.node_processes + ([self.web] if self.web else []))
        self.fake.stop()


def wait_for(condition, *, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
