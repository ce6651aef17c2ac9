"""The chaos benchmark's small run (benchmarks/chaos.py --small) holds issue 10's targets.

Real processes on a private PostgreSQL cluster and Redis: gunicorn, two task-cluster nodes, outbox
workers; Twilio faults of every kind; nodes SIGKILLed mid-burst; the database connections terminated.
"""

import pytest

from tests.harness.run import run_chaos

pytestmark = [pytest.mark.postgres]


def test_small_chaos_run_loses_nothing_and_dead_letters_only_permanent_failures(tmp_path):
    result = run_chaos(tmp_path, "--small")
    figures = result["figures"]
    assert figures["notifications"] >= 300 and figures["inbound_posted"] >= 90
    assert result["twilio"]["creates"] > figures["notifications"]  # faults were answered, then retried
    assert figures["lost"] == 0, figures["examples"]
    assert figures["stuck"] == 0, (result["left_unsettled"], figures["examples"])
    assert figures["dead"] == figures["dead_expected"] > 0, figures["examples"]
    assert figures["unexpected"] == 0, figures["examples"]
    assert figures["duplicated"] <= result["kills"], figures["examples"]
    assert result["settle_seconds"] is not None
