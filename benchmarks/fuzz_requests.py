"""Property-based fuzzing at scale: generated hostile requests to the webhooks, the API and the admin search.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/djobea_fuzz .venv/bin/python benchmarks/fuzz_requests.py
    .venv/bin/python benchmarks/fuzz_requests.py --examples 500      # quicker, SQLite

Runs tests/security/test_fuzz.py (hypothesis) with ``--examples`` generated cases per target (five
targets: signed inbound forms, raw inbound bodies, signed status callbacks, the monitoring API, every
admin search), checking on each request: no server error, nothing half-stored, nothing valid lost.
Prints the requests sent per target and status code, the total, and the server errors (target 0).
Run it on PostgreSQL: SQLite accepts NUL characters and ignores column lengths.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2100, help="generated cases per target (default 2100)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "counts.json"
        env = dict(os.environ, FUZZ_EXAMPLES=str(args.examples), FUZZ_REPORT=str(report))
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/security/test_fuzz.py", "-q", "-p", "no:cacheprovider",
             "-p", "no:logging", "--show-capture=no"], cwd=ROOT, env=env,
        )
        elapsed = time.monotonic() - started
        counts = json.loads(report.read_text()) if report.exists() else []
    by_target: dict[str, dict[int, int]] = defaultdict(dict)
    for target, status, count in counts:
        by_target[target][status] = count
    database = os.environ.get("DATABASE_URL", "sqlite (test database)").split("@")[-1]
    print(f"\ndatabase: {database}   examples per target: {args.examples}   time: {elapsed:.0f} s")
    for target, statuses in sorted(by_target.items()):
        detail = "  ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        print(f"{target:14} {sum(statuses.values()):6}   {detail}")
    total = sum(count for _, _, count in counts)
    errors = sum(count for _, status, count in counts if status >= 500)
    verdict = "none" if result.returncode == 0 else "see above"
    print(f"total requests: {total}   server errors: {errors}   property failures: {verdict}")
    return 0 if result.returncode == 0 and errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
