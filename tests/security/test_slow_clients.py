"""The production server shape (gunicorn.conf.py: gthread) keeps answering while slow clients hold connections."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_slow_clients_do_not_block_the_one_worker_behind_them(tmp_path):
    port = free_port()
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "8",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "INBOUND_SPOOL_DIR": str(tmp_path / "spool")}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "djobea.wsgi"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    slow = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/health/live/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)  # gunicorn binding, bounded by the deadline
        for _ in range(4):  # slowloris: request heads that never finish
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"POST /webhooks/twilio/messages/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
            slow.append(sock)
        started = time.monotonic()
        response = requests.get(f"http://127.0.0.1:{port}/health/live/", timeout=5)
        assert response.status_code == 200
        assert time.monotonic() - started < 2
    finally:
        for sock in slow:
            sock.close()
        server.terminate()
        server.wait(timeout=10)
