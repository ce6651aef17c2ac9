"""Djobea's speed and scale-out benchmarks, every figure beside its baseline, in one bounded run.

    scripts/bench                 # PostgreSQL + Redis, then SQLite (a few minutes)
    scripts/bench --quick         # CI-size smoke (about a minute and a half)
    scripts/bench --only webhook,claim --skip-sqlite

Scenarios (benchmarks/dispatch.py, first_reply.py, webhook.py, claim.py): outbox dispatch against a
raw twilio-client loop (fake answering at once and after 200 ms; 1, 2 and 3 task nodes), first
reply for steady traffic and a burst against a bare inline-reply view, the webhook at 50/100/200 req/s
and flat out against a bare view, and the claim query at 10k/100k/1M rows. PostgreSQL runs in a
scratch database (``--pg``, dropped at the end) with Redis as broker and cache (``--redis``: one
database, emptied); SQLite runs on a throwaway file with the ORM broker. Everything is on 127.0.0.1.
Targets are the issue's (#9), measured with DEBUG off; the end prints which are met.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("dispatch", "first_reply", "webhook", "claim")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and short loads (CI smoke)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {SCENARIOS}")
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL",
                                                       "postgres://postgres@127.0.0.1:5432/djobea_bench"),
                        help="scratch PostgreSQL database (dropped and created again)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
                        help="Redis database for the PostgreSQL run (emptied)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (path printed)")
    return parser.parse_args()


def _configurations(args, scratch: Path) -> list[tuple[str, str, str]]:
    configurations = []
    if not args.skip_postgres:
        configurations.append(("PostgreSQL + Redis", args.pg, args.redis))
    if not args.skip_sqlite:
        configurations.append(("SQLite (ORM broker)", f"sqlite:///{scratch / 'bench.sqlite3'}", ""))
    return configurations


def _run_configuration(label: str, database_url: str, redis_url: str, args, scratch: Path):
    from benchmarks.report import Report
    from benchmarks.stack import Stack

    only = set(args.only.split(","))
    stack = Stack(database_url=database_url, redis_url=redis_url, log_dir=scratch)
    os.environ.update({k: v for k, v in stack.env.items() if k not in ("DEBUG",)})
    stack.prepare_database()
    _django_setup(stack.env)
    report = Report(label)
    try:
        stack.start_web(workers=2, threads=8)
        _scenarios(stack, report, only=only, quick=args.quick, postgres=bool(redis_url))
    finally:
        stack.close()
        from django.db import connections

        connections.close_all()
    return report


def _scenarios(stack, report, *, only: set[str], quick: bool, postgres: bool) -> None:
    from benchmarks import claim, dispatch, first_reply, webhook

    if "webhook" in only:
        webhook.run(stack, quick=quick, report=report)
    if "first_reply" in only:
        first_reply.run(stack, quick=quick, nodes=1, report=report)
    if "dispatch" in only:
        dispatch.run(stack, quick=quick, node_counts=[1] if quick or not postgres else [1, 2, 3], report=report)
    if "claim" in only:
        claim.run(quick=quick, report=report)


def _django_setup(env: dict) -> None:
    """This process reads the stack's database; settings are read once, so each configuration re-execs."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    os.environ["DJANGO_SETTINGS_MODULE"] = "djobea.settings"
    django.setup()


def main() -> None:
    args = _arguments()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="djobea-bench-") as scratch:
        configurations = _configurations(args, Path(scratch))
        if len(configurations) > 1:
            _each_in_its_own_process(configurations, args)
            return
        report = _run_configuration(*configurations[0], args, Path(scratch))
        if args.pg and configurations[0][1].startswith("postgres"):
            from benchmarks.stack import drop_postgres_database

            drop_postgres_database(args.pg)
        if args.keep_logs:
            kept = Path(tempfile.mkdtemp(prefix="djobea-bench-logs-"))
            for log in Path(scratch).glob("*.log"):
                log.rename(kept / log.name)
            print(f"logs: {kept}")
    print(f"\n{report.label}: {sum(met for _n, met in report.targets)}/{len(report.targets)} targets met "
          f"in {time.monotonic() - started:.0f} s")
    for name, met in report.targets:
        print(f"  {'met    ' if met else 'NOT met'}  {name}")


def _each_in_its_own_process(configurations, args) -> None:
    """Django's settings are read once per process: each configuration runs in a child of this command."""
    import subprocess

    forwarded = [a for a in sys.argv[1:] if a not in ("--skip-sqlite", "--skip-postgres")]
    for label, _db, _redis in configurations:
        skip = "--skip-sqlite" if label.startswith("PostgreSQL") else "--skip-postgres"
        subprocess.run([sys.executable, "-m", "benchmarks.run", *forwarded, skip], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
