"""Djobea as an operator runs it, in separate processes, against the fake Twilio of this process.

gunicorn serves the webhooks with the production configuration (gunicorn.conf.py); each worker node
runs every process of the Procfile but ``web`` (the task clusters, the outbox worker: whatever the
Procfile says a deployment runs), each in its own process group, so a SIGKILL of a node takes its
processes and their children, as when a machine dies.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.twilio_server import FakeTwilio
from tests.harness.services import PrivatePostgres, PrivateRedis
from tests.processes import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DATABASE = "djobea_chaos"
WHATSAPP_FROM = "whatsapp:+14155238886"
SMS_FROM = "+15005550006"


def procfile() -> dict[str, str]:
    """The Procfile's processes: name → the shell command a Procfile runner (honcho) would run."""
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if ":" in line and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):  # a process that ended while we read
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


@dataclass
class Process:
    name: str
    command: list[str]
    log: Path
    env: dict = field(default_factory=dict)
    popen: subprocess.Popen | None = None

    def start(self, env: dict) -> "Process":
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(self.command, cwd=ROOT, env={**env, **self.env}, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL the process and every descendant at once, as a lost machine (the Procfile's scripts may
        start their program in a session of its own, so the process group is not enough)."""
        if self.popen and self.popen.poll() is None:
            for pid in [self.popen.pid, *_descendants(self.popen.pid)]:
                with contextlib.suppress(ProcessLookupError):  # already gone: that is what we want
                    os.kill(pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (the Procfile's scripts forward it), then SIGKILL whatever of the tree is left after 10 s."""
        if self.popen and self.popen.poll() is None:
            tree = [self.popen.pid, *_descendants(self.popen.pid)]
            os.killpg(self.popen.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):  # then it is killed below
                self.popen.wait(timeout=10)
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    @property
    def alive(self) -> bool:
        return bool(self.popen) and self.popen.poll() is None


@dataclass
class Stack:
    """One run's world. ``env`` adds to the processes' environment (settings from the environment)."""

    env: dict = field(default_factory=dict)
    nodes: int = 2
    web_workers: int = 2
    fake: FakeTwilio = field(default_factory=FakeTwilio)

    def __post_init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="djobea-chaos-"))
        self.web_port = free_port()
        self.postgres: PrivatePostgres | None = None
        self.redis: PrivateRedis | None = None
        self.processes: dict[str, Process] = {}
        self.node_processes = {name: entry for name, entry in procfile().items() if name != "web"}
        self.node_kills = 0

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "Stack":
        self.fake.start()
        self.postgres = PrivatePostgres().init()
        self.postgres.create_database(DATABASE)
        self.redis = PrivateRedis()
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.process_env(), check=True)
        self._configure_this_process()
        self.processes["web"] = Process("web", [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "djobea.wsgi"],
                                        self.dir / "web.log", {"GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
                                                               "GUNICORN_WORKERS": str(self.web_workers)})
        for n in range(1, self.nodes + 1):
            for name, command in self.node_processes.items():
                label = f"node{n}-{name}"
                self.processes[label] = Process(label, ["/bin/sh", "-c", command], self.dir / f"{label}.log")
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
            "INBOUND_SPOOL_DIR": str(self.dir / "inbound-spool"),  # this run's own, never the checkout's
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
        try:
            wait_http(f"{self.base_url}/health/live/", process=self.processes["web"].popen, timeout=60)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc} (log: {self.dir / 'web.log'})") from exc

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    # --- faults on processes ------------------------------------------------------------------

    def node(self, node: str) -> list[Process]:
        return [process for name, process in self.processes.items() if name.startswith(f"{node}-")]

    def kill(self, node: str) -> None:
        """SIGKILL every process of a worker node at once."""
        for process in self.node(node):
            process.kill()
        self.node_kills += 1

    def restart(self, node: str) -> None:
        for process in self.node(node):
            process.start(self.process_env())

    def crashed(self) -> list[str]:
        """Processes that exited although nothing stopped them (a lost connection must not end one)."""
        return [name for name, process in self.processes.items() if not process.alive]

    def kills(self) -> int:
        return self.node_kills

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
