"""The production server shape (gunicorn.conf.py): gthread workers keep answering while slow clients hold
connections, and its access log masks phone numbers in URLs."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.processes import wait_http

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("gunicorn")
    port, log = free_port(), scratch / "server.log"
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "8",
           "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}", "INBOUND_SPOOL_DIR": str(scratch / "spool")}
    with open(log, "wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "djobea.wsgi"],
                                  cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/health/live/", timeout=30)
    yield base, port, log
    server.terminate()
    server.wait(timeout=10)


def test_slow_clients_do_not_block_the_one_worker_behind_them(gunicorn):
    base, port, _log = gunicorn
    slow = []
    try:
        for _ in range(4):  # slowloris: request heads that never finish
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"POST /webhooks/twilio/messages/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
            slow.append(sock)
        started = time.monotonic()
        assert requests.get(base + "/health/live/", timeout=5).status_code == 200
        assert time.monotonic() - started < 2
    finally:
        for sock in slow:
            sock.close()


def test_the_access_log_masks_phone_numbers_in_urls(gunicorn):
    base, _port, log = gunicorn
    for query in ("q=%2B237677123456", "q=6+77+12+34+56", "q=6%2077%2012%2034%2056"):
        requests.get(f"{base}/health/live/?{query}", timeout=5)
    time.sleep(0.5)  # the access log line is written after the response

    text = log.read_text()
    assert text.count("/health/live/?q=") == 3
    assert "677123456" not in text and "77+12+34" not in text and "77%2012" not in text
