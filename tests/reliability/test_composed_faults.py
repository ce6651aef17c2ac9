"""Composed faults through real processes on PostgreSQL (benchmarks/chaos.py --scenario …).

Each test starts a private PostgreSQL cluster and Redis, gunicorn, two task-cluster nodes and the
outbox workers, plays one operator's incident from issue 10 against the fake Twilio, and checks
what every client got, counted from Twilio's record and the database.
"""

import pytest

from tests.harness.run import run_chaos

pytestmark = [pytest.mark.postgres]


def _no_message_lost_or_doubled(result: dict) -> None:
    figures = result["figures"]
    assert figures["lost"] == 0, figures["examples"]
    assert figures["duplicated"] == 0, figures["examples"]
    assert figures["stuck"] == 0, (result["left_unsettled"], figures["examples"])
    assert figures["unexpected"] == 0, figures["examples"]


@pytest.mark.xfail(strict=False, reason="issue 10: low-priority messages held at 'moderate' keep the status "
                                        "Degraded that holds them (7 of 40 still waiting 150 s after the storm)")
def test_a_25_second_storm_of_twilio_500s_never_dead_letters_a_reply(tmp_path):
    result = run_chaos(tmp_path, "--scenario", "storm", "--fault-seconds", "25")
    figures = result["figures"]
    assert result["twilio"]["answers"].get("20500", 0) >= 20  # the storm was felt
    assert figures["dead"] == 0, figures["examples"]
    _no_message_lost_or_doubled(result)
    assert result["settle_seconds"] is not None and result["settle_seconds"] <= 120


@pytest.mark.xfail(strict=False, reason="issue 10: low-priority messages held at 'moderate' keep the status "
                                        "Degraded that holds them (7 of 30 still waiting 150 s after the fix)")
def test_whatsapp_and_sms_down_with_63007_then_fixed_every_message_goes_out_within_two_minutes(tmp_path):
    result = run_chaos(tmp_path, "--scenario", "outage", "--fault-seconds", "40")
    figures = result["figures"]
    assert result["twilio"]["answers"].get("63007", 0) >= 2  # both channels refused
    assert figures["dead"] == 0, figures["examples"]
    _no_message_lost_or_doubled(result)
    assert result["settle_seconds"] is not None and result["settle_seconds"] <= 120


@pytest.mark.xfail(strict=False, reason="issue 10: no spool yet (500 while the database is "
                                        "down: 53 of 80 lost); outbox_worker dies on a dropped connection")
def test_postgresql_stopped_and_started_during_inbound_traffic_every_message_is_processed_once(tmp_path):
    result = run_chaos(tmp_path, "--scenario", "dbdown", "--fault-seconds", "30")
    figures = result["figures"]
    assert figures["inbound_posted"] >= 80
    assert figures["inbound_statuses"] == {"processed": figures["inbound_posted"]}
    _no_message_lost_or_doubled(result)
    [probe] = result["health_during_outage"]
    assert probe["/health/live/"] == 200 and probe["/health/"] != 200


@pytest.mark.xfail(strict=False, reason="issue 10: outbox_worker dies when its LISTEN connection is terminated")
def test_every_process_survives_its_database_connections_being_terminated(tmp_path):
    result = run_chaos(tmp_path, "--scenario", "dropconn")
    assert [e["what"] for e in result["timeline"]].count("pg_terminate_backend") == 2
    assert result["crashed"] == []
    _no_message_lost_or_doubled(result)
    assert result["figures"]["dead"] == 0
