"""The Prometheus alert rules and the Grafana dashboard shipped in ops/ name only metrics that /metrics serves."""

import json
import re
from pathlib import Path

import pytest
import yaml

OPS = Path(__file__).resolve().parents[1] / "ops"
METRIC = re.compile(r"\b((?:djobea|django)_[a-z0-9_]+)")
SUFFIXES = ("_bucket", "_count", "_sum", "_created")


def _expressions() -> list[str]:
    rules = yaml.safe_load((OPS / "prometheus" / "djobea-alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((OPS / "grafana" / "djobea-dashboard.json").read_text())
    exprs += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return exprs


def _families(client) -> set[str]:
    text = client.get("/metrics").content.decode()
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


@pytest.mark.django_db
def test_every_metric_in_the_alert_rules_and_the_dashboard_exists_at_metrics(client):
    families = _families(client)
    named = {name for expr in _expressions() for name in METRIC.findall(expr)}
    assert len(named) >= 12
    missing = sorted(name for name in named
                     if name not in families and not any(name.removesuffix(s) in families for s in SUFFIXES))
    assert missing == []


def test_the_alert_rules_are_well_formed():
    rules = yaml.safe_load((OPS / "prometheus" / "djobea-alerts.yml").read_text())
    for rule in rules["groups"][0]["rules"]:
        assert rule["alert"].startswith("Djobea") and rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
