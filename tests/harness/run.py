"""Run benchmarks/chaos.py as a separate process (as an operator or CI would) and read its figures."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def needs_servers() -> None:
    """The run starts its own PostgreSQL cluster and Redis: skip where their binaries are missing."""
    for binary in ("redis-server", "runuser"):
        if not shutil.which(binary):
            pytest.skip(f"{binary} is not installed")
    if not (shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))):
        pytest.skip("PostgreSQL server binaries are not installed")


def run_chaos(tmp_path: Path, *args: str, timeout: float = 420) -> dict:
    needs_servers()
    out = tmp_path / "figures.json"
    completed = subprocess.run([sys.executable, "benchmarks/chaos.py", *args, "--json", str(out)], cwd=ROOT,
                               capture_output=True, text=True, timeout=timeout)
    print(completed.stdout[-6000:])  # shown by pytest when the test fails: the report and its examples
    print(completed.stderr[-6000:], file=sys.stderr)
    assert out.exists(), f"the chaos run ended without figures (exit {completed.returncode})"
    return json.loads(out.read_text())
