"""System checks for rules that are easy to break by editing settings (ARCHITECTURE §6)."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from reliability.breakers import DEFAULT_CONFIG


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


# Breaker settings: resilience4j's CircuitBreakerConfig refuses the same values at build time.
BREAKER_RATES = ("failure_rate", "slow_call_rate")
BREAKER_WAITS = ("slow_call_seconds", "open_seconds", "permit_ttl_seconds")
BREAKER_COUNTS = ("window_size", "minimum_calls", "half_open_permits")


@register()
def breaker_rules(app_configs=None, **kwargs):
    return breaker_errors(settings.BREAKERS)


def breaker_errors(breakers: dict) -> list[CheckMessage]:
    messages = []
    for name, overrides in breakers.items():
        unknown = sorted(set(overrides) - set(DEFAULT_CONFIG))
        if unknown:
            messages.append(Error(
                f"BREAKERS[{name!r}] has unknown keys {unknown}: they would be ignored.",
                hint=f"Known keys: {', '.join(DEFAULT_CONFIG)}.", id="djobea.E010",
            ))
        config = {**DEFAULT_CONFIG, **overrides}
        not_numbers = [key for key in DEFAULT_CONFIG if not _is_number(config[key])]
        if not_numbers:
            messages.append(Error(f"BREAKERS[{name!r}]: {not_numbers} must be numbers.", id="djobea.E011"))
            continue
        messages += _breaker_value_errors(name, config)
    return messages


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _breaker_value_errors(name: str, config: dict) -> list[CheckMessage]:
    messages = []
    for key in BREAKER_RATES:
        if not 0 < config[key] <= 100:
            messages.append(Error(
                f"BREAKERS[{name!r}][{key!r}] is {config[key]}: a rate is a percentage above 0 and at most 100.",
                id="djobea.E012",
            ))
    for key in BREAKER_WAITS:
        if config[key] <= 0:
            messages.append(Error(
                f"BREAKERS[{name!r}][{key!r}] is {config[key]}: a duration must be positive.", id="djobea.E013",
            ))
    for key in BREAKER_COUNTS:
        if config[key] < 1 or int(config[key]) != config[key]:
            messages.append(Error(
                f"BREAKERS[{name!r}][{key!r}] is {config[key]}: it must be a whole number of at least 1.",
                id="djobea.E014",
            ))
    if config["minimum_calls"] > config["window_size"] >= 1:
        messages.append(Warning(
            f"BREAKERS[{name!r}]: minimum_calls ({config['minimum_calls']}) is larger than window_size "
            f"({config['window_size']}); the breaker uses {config['window_size']}.",
            hint="Lower minimum_calls or widen the window.", id="djobea.W010",
        ))
    return messages


@register()
def channel_rules(app_configs=None, **kwargs):
    return channel_errors(settings.MESSAGING_CHANNELS, backend=settings.MESSAGING_BACKEND)


CHANNEL_KEYS = {"address", "backends", "retry", "breaker", "daily_limit", "max_per_second", "concurrency"}


def channel_errors(channels: dict, *, backend: str) -> list[Error]:
    """Each channel declared once and whole: the stored names (messaging.models.Channel), every key, a
    backend for MESSAGING_BACKEND, a known address kind, at least one concurrent send."""
    from messaging.models import Channel

    errors = []
    if set(channels) != set(Channel.values):
        errors.append(Error(f"MESSAGING_CHANNELS declares {sorted(channels)}; the stored channels are "
                            f"{sorted(Channel.values)}.", id="djobea.E020"))
    for kind, spec in channels.items():
        missing = CHANNEL_KEYS - set(spec)
        if missing:
            errors.append(Error(f"MESSAGING_CHANNELS[{kind!r}] lacks {sorted(missing)}.", id="djobea.E021"))
            continue
        if backend not in spec["backends"]:
            errors.append(Error(f"MESSAGING_CHANNELS[{kind!r}] has no backend for MESSAGING_BACKEND={backend!r}.",
                                id="djobea.E022"))
        if spec["address"] not in ("phone", "email") or int(spec["concurrency"]) < 1:
            errors.append(Error(f"MESSAGING_CHANNELS[{kind!r}]: address must be phone or email and concurrency "
                                ">= 1.", id="djobea.E023"))
    return errors
