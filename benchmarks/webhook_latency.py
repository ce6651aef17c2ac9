"""Inbound webhook latency over real HTTP: gunicorn serving Djobea, signed Twilio posts from this process.

    .venv/bin/python benchmarks/webhook_latency.py [--requests 500] [--workers 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/djobea_bench .venv/bin/python benchmarks/webhook_latency.py

Without DATABASE_URL a throwaway SQLite file is used; with it, that database is migrated and its inbound
rows grow (use a scratch database). Every post is a new MessageSid, then each is replayed once (the
duplicate path). Prints p50/p95/p99/max in milliseconds, the ratio of p99 to Twilio's 15-second limit,
and checks that exactly one InboundMessage row exists per MessageSid.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import requests
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
PATH = "/webhooks/twilio/messages/"
TOKEN = "benchmark-auth-token"
TWILIO_LIMIT_MS = 15_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(port: int, scratch: Path) -> dict:
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", LOG_LEVEL="WARNING")
    env.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'webhook-bench.sqlite3'}")
    return env


def _start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "djobea.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers), "--log-level",
         "warning"], cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health/live/", timeout=1).status_code == 200:
                return server
        except requests.ConnectionError:
            time.sleep(0.2)  # waiting for gunicorn to bind, bounded by the deadline
    server.kill()
    raise SystemExit("gunicorn did not start within 30 s")


def _post(session: requests.Session, base: str, sid: str, n: int) -> float:
    params = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": f"whatsapp:+2376770{n % 100000:05d}",
              "To": "whatsapp:+14155238886", "Body": "J'ai une fuite d'eau à Bonamoussadi 💧", "NumMedia": "0"}
    signature = RequestValidator(TOKEN).compute_signature(base + PATH, params)
    started = time.perf_counter()
    response = session.post(base + PATH, data=urlencode(params), timeout=15,
                            headers={"X-Twilio-Signature": signature,
                                     "Content-Type": "application/x-www-form-urlencoded"})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"post {n}: HTTP {response.status_code} {response.text[:200]}")
    return elapsed


def _report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    print(f"{label:<22} n={len(ordered):>5}  p50 {statistics.median(ordered):7.1f}  p95 {p(0.95):7.1f}  "
          f"p99 {p(0.99):7.1f}  max {ordered[-1]:7.1f} ms   p99 / Twilio's 15 s = {p(0.99) / TWILIO_LIMIT_MS:.4f}")


def _rows(env: dict, sids: list[str]) -> int:
    code = ("import django, sys; django.setup(); from messaging.models import InboundMessage; "
            "print(InboundMessage.objects.filter(provider_sid__in=sys.argv[1:]).count())")
    out = subprocess.run([sys.executable, "-c", code, *sids], cwd=ROOT, check=True, capture_output=True, text=True,
                         env=dict(env, DJANGO_SETTINGS_MODULE="djobea.settings"))
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = _environment(port, Path(scratch))
        server = _start_server(env, port, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            sids = [f"SM{uuid.uuid4().hex}" for _ in range(args.requests)]
            with requests.Session() as session:
                fresh = [_post(session, base, sid, n) for n, sid in enumerate(sids)]
                replays = [_post(session, base, sid, n) for n, sid in enumerate(sids)]
            stored = _rows(env, sids)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}   gunicorn workers: {args.workers}")
    _report("new MessageSid", fresh)
    _report("replayed MessageSid", replays)
    print(f"rows stored: {stored} for {len(sids)} distinct MessageSids (replays stored nothing)")
    if stored != len(sids):
        raise SystemExit("FAILED: rows stored differ from distinct MessageSids")


if __name__ == "__main__":
    main()
