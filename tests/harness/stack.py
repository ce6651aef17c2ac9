"""Djobea as an operator runs it, in separate processes, against the fake Twilio of this process.

gunicorn serves the webhooks; task-cluster nodes (``manage.py qcluster``) and outbox workers
(``manage.py outbox_worker`` when the command exists) send. Each runs in its own process group,
so a SIGKILL takes the node with its workers, as when a machine dies.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.fakes.twilio_server import FakeTwilio
from tests.harness.services import PrivatePostgres, PrivateRedis, free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DATABASE = "djobea_chaos"
WHATSAPP_FROM = "whatsapp:+14155238886"
SMS_FROM = "+15005550006"


def _command_exists(name: str) -> bool:
    probe = subprocess.run([PYTHON, "manage.py", "help", name], cwd=ROOT, capture_output=True,
                           env={**os.environ, "DATABASE_URL": "sqlite:///:memory:"})
    return probe.returncode == 0


@dataclass
class Process:
    name: str
    command: list[str]
    log: Path
    popen: subprocess.Popen | None = None
    kills: int = 0

    def start(self, env: dict) -> "Process":
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL the whole process group (a qcluster's workers die with it, as on a lost machine)."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)

    @property
    def alive(self) -> bool:
        return bool(self.popen) and self.popen.poll() is None


@dataclass
class Stack:
    """One run's world. ``env`` adds to the processes' environment (settings from the environment)."""

    env: dict = field(default_factory=dict)
    nodes: int = 2
    outbox_workers: int = 2
    web_workers: int = 2
    fake: FakeTwilio = field(default_factory=FakeTwilio)

    def __post_init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="djobea-chaos-"))
        self.web_port = free_port()
        self.postgres: PrivatePostgres | None = None
        self.redis: PrivateRedis | None = None
        self.processes: dict[str, Process] = {}
        self.outbox_command = next((c for c in ("outbox_worker", "dispatch_outbox") if _command_exists(c)), None)

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "Stack":
        self.fake.start()
        self.postgres = PrivatePostgres().init()
        self.postgres.create_database(DATABASE)
        self.redis = PrivateRedis()
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.process_env(), check=True)
        self._configure_this_process()
        self.processes["web"] = Process("web", [
            PYTHON, "-m", "gunicorn", "djobea.wsgi", "-b", f"127.0.0.1:{self.web_port}", "-w",
            str(self.web_workers), "--log-level", "warning", "--timeout", "30"], self.dir / "web.log")
        for n in range(1, self.nodes + 1):
            self.processes[f"node{n}"] = Process(f"node{n}", [PYTHON, "manage.py", "qcluster"],
                                                 self.dir / f"node{n}.log")
        if self.outbox_command:
            for n in range(1, self.outbox_workers + 1):
                self.processes[f"outbox{n}"] = Process(f"outbox{n}", [PYTHON, "manage.py", self.outbox_command],
                                                       self.dir / f"outbox{n}.log")
        for process in self.processes.values():
            process.start(self.process_env())
        self._wait_for_web()
        return self

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()
        if self.postgres and os.environ.get("DATABASE_URL") == self.postgres.url(DATABASE):
            from django.db import connections

            connections.close_all()
        if self.redis:
            self.redis.destroy()
        if self.postgres:
            self.postgres.destroy()
        self.fake.stop()

    def process_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "djobea.settings",
            "DATABASE_URL": self.postgres.url(DATABASE),
            "REDIS_URL": self.redis.url if self.redis else "",
            "PUBLIC_BASE_URL": self.base_url,
            "MESSAGING_BACKEND": "twilio",
            "TWILIO_API_BASE_URL": self.fake.url,
            "TWILIO_ACCOUNT_SID": self.fake.account_sid,
            "TWILIO_AUTH_TOKEN": self.fake.auth_token,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "TWILIO_SMS_FROM": SMS_FROM,
            "TWILIO_TIMEOUT_SECONDS": "2",
            "TWILIO_WHATSAPP_TEMPLATE_SID": "",
            "MESSAGING_INBOUND_HANDLER": "tests.harness.handlers.reply_once",
            "MESSAGING_INBOUND_PREPARE": "",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.env)
        return env

    def _configure_this_process(self) -> None:
        """This process reads and enqueues through the ORM, on the run's database."""
        os.environ.update({k: v for k, v in self.process_env().items() if k not in ("LOG_LEVEL",)})
        os.environ["LOG_LEVEL"] = "ERROR"
        import django

        django.setup()

    def _wait_for_web(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base_url}/health/live/", timeout=3).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)  # gunicorn is still binding or loading, bounded by the deadline
        raise RuntimeError(f"gunicorn did not answer within 60 s (log: {self.dir / 'web.log'})")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    # --- faults on processes ------------------------------------------------------------------

    def senders(self) -> list[str]:
        """Processes that send to Twilio: task-cluster nodes and outbox workers."""
        return [name for name in self.processes if name != "web"]

    def kill(self, name: str) -> None:
        self.processes[name].kill()

    def restart(self, name: str) -> None:
        self.processes[name].start(self.process_env())

    def crashed(self) -> list[str]:
        """Processes that exited although nothing stopped them (a lost connection must not end one)."""
        return [name for name, process in self.processes.items() if not process.alive]

    def kills(self) -> int:
        return sum(process.kills for process in self.processes.values())

    def terminate_connections(self) -> int:
        return self.postgres.terminate_connections(DATABASE)

    def stop_database(self) -> None:
        self.postgres.stop()

    def start_database(self) -> None:
        self.postgres.start()

    def logs_tail(self, lines: int = 30) -> str:
        parts = []
        for process in self.processes.values():
            text = process.log.read_text(errors="replace").splitlines() if process.log.exists() else []
            parts.append(f"--- {process.name} ({'alive' if process.alive else 'dead'})\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)
