"""The processes of scripts/run (its Procfile, under honcho): /metrics adds up the task cluster's counters,
and stopping ends the task cluster gracefully, never with SIGKILL."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
        return response.read().decode()


def _wait_for(check, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


SENT = re.compile(r'^djobea_notification_sends_total\{[^}]*outcome="sent"[^}]*\} (\S+)', re.M)


def _sends(metrics: str) -> float:
    return sum(float(value) for value in SENT.findall(metrics))


@pytest.fixture
def run_env(tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}", "PORT": str(port),
           "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "DJOBEA_ADMIN_PASSWORD": "run-test-pass-123",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"), "MESSAGING_BACKEND": "console",
           "CONSOLE_FAIL_RATE": "0", "DEBUG": "true"}
    for key in ("REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    (tmp_path / "prometheus").mkdir()
    for command in (["migrate", "--no-input", "-v", "0"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=180,
                       stdout=subprocess.DEVNULL)
    return env


def test_metrics_add_up_every_process_and_ctrl_c_stops_the_task_cluster_gracefully(run_env):
    base = f"http://127.0.0.1:{run_env['PORT']}"
    honcho = subprocess.Popen([str(VENV_BIN / "honcho"), "start", "-f", "Procfile"], cwd=ROOT, env=run_env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: _get(f"{base}/health/live/") == "ok\n", timeout=60, what="the web server answers")
        subprocess.run([sys.executable, "manage.py", "demo_traffic", "--count", "12"], cwd=ROOT, env=run_env,
                       check=True, timeout=60, stdout=subprocess.DEVNULL)
        _wait_for(lambda: _sends(_get(f"{base}/metrics")) >= 12, timeout=60,
                  what="/metrics counts the 12 sends of the task cluster")
    finally:
        honcho.send_signal(signal.SIGINT)  # what Ctrl-C does to honcho
        output = honcho.communicate(timeout=60)[0].decode()
    assert "SIGKILL" not in output, output[-3000:]
    for cluster in ("tasks", "ops"):  # both django-q2 clusters stopped by themselves
        assert re.search(rf"{cluster}\.1 *stopped \(rc=0\)", output), output[-3000:]
