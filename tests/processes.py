"""Start Djobea's real processes (gunicorn, task clusters, outbox workers) for tests and benchmarks.

Plain functions, no pytest: ``benchmarks/`` and ``scripts/multinode`` start the same stack the
multi-process tests do. Every process runs ``manage.py`` from the repository with the environment
it is given, so a test decides the database, the broker (``REDIS_URL``) and the channel settings.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[1]
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url(settings_dict: dict) -> str:
    """A DATABASE_URL for ``settings_dict`` (a connection's), with asynchronous commit: durability is
    not under test, and the fsyncs would only add noise on a shared machine."""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return (f"postgres://{settings_dict['USER']}{password}@{host}:{port}/{settings_dict['NAME']}"
            "?options=-c%20synchronous_commit%3Doff")


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def flush_redis(url: str) -> None:
    """Empty the one Redis database of ``url`` (its number is ours alone), never the server."""
    import redis

    redis.Redis.from_url(url, socket_timeout=2).flushdb()


@cache
def outbox_worker_available() -> bool:
    """Whether ``manage.py outbox_worker`` (the long-running sender) exists in this checkout."""
    result = subprocess.run([sys.executable, "manage.py", "help", "outbox_worker"], cwd=BASE_DIR,
                            capture_output=True, timeout=60, check=False, env={**os.environ, "LOG_LEVEL": "ERROR"})
    return result.returncode == 0


def manage(env: dict, *args: str, log: Path | None = None) -> subprocess.Popen:
    """``manage.py <args>`` as a child process in its own process group (so a stop reaches its children)."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child owns the file)
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def start_qcluster(env: dict, *, cluster: str | None = None, workers: int | None = None,
                   log: Path | None = None) -> subprocess.Popen:
    """A task cluster: the default one (conversations) or a named one (``cluster="ops"``: schedules)."""
    env = dict(env)
    if cluster:
        env["Q_CLUSTER_NAME"] = cluster
    if workers:
        env["Q_OPS_WORKERS" if cluster else "Q_WORKERS"] = str(workers)
    return manage(env, "qcluster", log=log)


def start_node(env: dict, *, log_dir: Path | None = None, tag: str = "node") -> list[subprocess.Popen]:
    """One task node: the conversation cluster, the ops cluster and, once it exists, an outbox worker."""
    log = (lambda name: log_dir / f"{tag}-{name}.log") if log_dir else (lambda name: None)
    processes = [start_qcluster(env, log=log("djobea")), start_qcluster(env, cluster="ops", log=log("ops"))]
    if outbox_worker_available():
        processes.append(manage(env, "outbox_worker", log=log("outbox")))
    return processes


def start_gunicorn(env: dict, *, port: int, workers: int = 2, threads: int = 1, wsgi: str = "djobea.wsgi",
                   log: Path | None = None) -> subprocess.Popen:
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child owns the file)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", wsgi, "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--threads", str(threads), "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health/live/", process=server)
    except RuntimeError:
        stop([server])
        raise
    return server


def wait_http(url: str, *, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or still starting its workers: the deadline bounds the wait
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def wait_until(condition, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll ``condition()`` until it returns something truthy (returned) or ``timeout`` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def stop(processes: list[subprocess.Popen], *, timeout: float = 20) -> None:
    """SIGTERM each process group (qcluster stops its workers itself), then SIGKILL what is left."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
