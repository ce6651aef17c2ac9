"""The database goes away: signed webhooks are spooled to disk and answered 200, then stored once it is back.

A private PostgreSQL cluster (initdb into a temp directory, its own port) is stopped and started
under a real gunicorn serving Djobea, so the outage is real: refused connections, then a restart.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.processes import wait_http

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "outage-token"
PUBLIC = "https://djobea.example"
MESSAGES, STATUS = "/webhooks/twilio/messages/", "/webhooks/twilio/status/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateCluster:
    def __init__(self, directory: Path):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not binaries or shutil.which("runuser") is None:
            pytest.skip("needs PostgreSQL's server binaries and runuser")
        self.bin, self.dir, self.port = Path(binaries[-1]), directory, free_port()
        directory.parent.chmod(0o777)
        directory.mkdir()
        shutil.chown(directory, "postgres")
        self._as_postgres("initdb", "-D", str(directory), "-U", "postgres", "--auth=trust")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / tool), *args], check=True,
                       capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        log = str(self.dir.parent / "server.log")  # pg_ctl's server must not hold our captured pipes open
        self._as_postgres("pg_ctl", "-D", str(self.dir), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.dir), "-m", "fast", "-w", "stop")

    def rows(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture
def cluster():
    home = Path(tempfile.mkdtemp(prefix="djobea-pg-"))  # not under pytest's tmp_path: postgres must reach it
    pg = PrivateCluster(home / "data")
    pg.start()
    yield pg
    pg.stop()
    shutil.rmtree(home)


@pytest.fixture
def server(cluster, tmp_path):
    env = {**os.environ, "DATABASE_URL": cluster.url, "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": PUBLIC,
           "INBOUND_SPOOL_DIR": str(tmp_path / "spool"), "INBOUND_SPOOL_DRAIN_SECONDS": "0.5", "DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=180)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "djobea.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "-k", "gthread",
         "--threads", "4", "--log-level", "warning"], cwd=ROOT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/health/live/", timeout=30)
    yield base, tmp_path / "spool"
    process.terminate()
    process.wait(timeout=10)


def signed(base: str, path: str, params: dict) -> requests.Response:
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
    return requests.post(base + path, data=urlencode(params), timeout=10, headers={
        "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"})


def message(n: int) -> dict:
    return {"MessageSid": f"SM{n:032d}", "From": "whatsapp:+237677123456", "To": "whatsapp:+14155238886",
            "Body": f"message {n}", "NumMedia": "0"}


def wait_for(predicate, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except psycopg.OperationalError:
            pass  # the cluster is still starting
        time.sleep(0.3)
    return False


def test_webhooks_during_a_database_outage_are_spooled_answered_200_and_stored_once_back(cluster, server):
    base, spool = server
    cluster.rows("INSERT INTO reliability_heartbeat (name, last_beat_at) VALUES ('qcluster', now() + '1 hour')")
    assert signed(base, MESSAGES, message(1)).status_code == 200
    assert requests.get(base + "/health/", timeout=10).status_code == 200

    cluster.stop()
    answers = [signed(base, MESSAGES, message(n)).status_code for n in (2, 3, 2)]  # 2 twice: Twilio replay
    answers.append(signed(base, STATUS, {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}).status_code)
    assert answers == [200, 200, 200, 200]
    assert len(list(spool.glob("*.json"))) == 4
    assert requests.get(base + "/health/", timeout=10).status_code == 500
    assert requests.get(base + "/health/live/", timeout=10).status_code == 200

    cluster.start()  # the same gunicorn process, never restarted, reconnects and drains on its own
    assert wait_for(lambda: not list(spool.glob("*.json")))
    sids = [row[0] for row in cluster.rows("SELECT provider_sid FROM messaging_inboundmessage ORDER BY provider_sid")]
    assert sids == [f"SM{n:032d}" for n in (1, 2, 3)]
    assert cluster.rows("SELECT status FROM messaging_statuscallback") == [("delivered",)]
    queued = cluster.rows("SELECT count(*) FROM django_q_ormq")[0][0]
    assert queued == 3  # each stored message queued for processing exactly once
    assert signed(base, MESSAGES, message(4)).status_code == 200
    assert cluster.rows("SELECT count(*) FROM messaging_inboundmessage")[0][0] == 4
    assert requests.get(base + "/health/", timeout=10).status_code == 200
