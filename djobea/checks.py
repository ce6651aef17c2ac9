"""System checks for rules that are easy to break by editing settings (ARCHITECTURE §6)."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def q_cluster_rules(app_configs=None, **kwargs):
    errors = q_cluster_errors(settings.Q_CLUSTER)
    # A named cluster (Q_CLUSTER_NAME=…) runs with its ALT_CLUSTERS entry laid over Q_CLUSTER.
    for overrides in settings.Q_CLUSTER.get("ALT_CLUSTERS", {}).values():
        errors += q_cluster_errors({**settings.Q_CLUSTER, **overrides})
    return errors


def q_cluster_errors(conf: dict) -> list[Error]:
    errors = []
    timeout, retry = conf.get("timeout"), conf.get("retry")
    if timeout is None or retry is None or timeout >= retry:
        errors.append(Error(
            "Q_CLUSTER 'timeout' must be set and below 'retry', or a slow task runs twice.",
            id="djobea.E001",
        ))
    if conf.get("max_attempts") != 1:
        errors.append(Error(
            "Q_CLUSTER 'max_attempts' must be 1: retries live in Djobea's own tables.",
            id="djobea.E002",
        ))
    if conf.get("ack_failures") is not True:
        errors.append(Error(
            "Q_CLUSTER 'ack_failures' must be True, or failed tasks are redelivered forever.",
            id="djobea.E003",
        ))
    if conf.get("catch_up") is not False:
        errors.append(Error(
            "Q_CLUSTER 'catch_up' must be False, or a restart replays every missed schedule.",
            id="djobea.E004",
        ))
    return errors
