"""Composed faults through real processes on PostgreSQL (benchmarks/chaos.py --scenario …).

Each test starts a private PostgreSQL cluster and Redis, gunicorn, two task-cluster nodes and the
outbox workers, plays one operator's incident from issue 10 against the fake Twilio, and checks
what every client got, counted from Twilio's record and the database.
"""

import pytest

from tests.harness.run import run_chaos

pytestmark = [pytest.mark.postgres]


# "Within two minutes of the channel coming back": the breaker's open wait (BREAKER_OPEN_SECONDS=10 in the
# runs) and the delivery receipt come on top of the two minutes, counted from the end of the fault.
RECOVERY_BOUND_SECONDS = 150


def _no_message_lost_or_doubled(result: dict) -> None:
    figures = result["figures"]
    assert figures["lost"] == 0, figures["examples"]
    assert figures["duplicated"] == 0, figures["examples"]
    assert figures["stuck"] == 0, (result["left_unsettled"], figures["examples"])
    assert figures["unexpected"] == 0, figures["examples"]


def test_a_25_second_storm_of_twilio_500s_never_dead_letters_a_reply(tmp_path):
    result = run_chaos(tmp_path, "--scenario", "storm", "--fault-seconds", "25")
    figures = result["figures"]
    assert result["twilio"]["answers"].get("20500", 0) >= 20  # the storm was felt
    assert figures["dead"] == 0, figures["examples"]
    _no_message_lost_or_doubled(result)
    assert result["settle_seconds"] is not None and result["settle_seconds"] <= RECOVERY_BOUND_SECONDS


def test_whatsapp_and_sms_down_with_63007_then_fixed_every_message_goes_out_within_two_minutes(tmp_path):
    result = run_chaos(tmp_path, "--scenario", "outage", "--fault-seconds", "40")
    figures = result["figures"]
    assert result["twilio"]["answers"].get("63007", 0) >= 2  # both channels refused
    assert figures["dead"] == 0, figures["examples"]
    _no_message_lost_or_doubled(result)
    assert result["settle_seconds"] is not None and result["settle_seconds"] <= RECOVERY_BOUND_SECONDS


def test_postgresql_stopped_and_started_during_inbound_traffic_every_message_is_processed_once(tmp_path):
    result = run_chaos(tmp_path, "--scenario", "dbdown", "--fault-seconds", "30")
    figures = result["figures"]
    assert figures["inbound_posted"] >= 80
    assert figures["inbound_statuses"] == {"processed": figures["inbound_posted"]}
    _no_message_lost_or_doubled(result)
    [probe] = result["health_during_outage"]
    assert probe["/health/live/"] == 200 and probe["/health/"] != 200


def test_every_process_survives_its_database_connections_being_terminated(tmp_path):
    result = run_chaos(tmp_path, "--scenario", "dropconn")
    assert [e["what"] for e in result["timeline"]].count("pg_terminate_backend") == 2
    assert result["crashed"] == []
    _no_message_lost_or_doubled(result)
    assert result["figures"]["dead"] == 0
