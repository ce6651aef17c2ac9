"""URLs of the admin changelists behind each dashboard figure (empty when that admin is absent)."""

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse


def changelist(app_label: str, model: str, **params) -> str:
    try:
        url = reverse(f"admin:{app_label}_{model}_changelist")
    except NoReverseMatch:
        return ""
    params = {key: _value(value) for key, value in params.items() if value not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def _value(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def notifications(**params) -> str:
    return changelist("messaging", "notification", **params)


def attempts(**params) -> str:
    return changelist("messaging", "deliveryattempt", **params)


def requests(**params) -> str:
    return changelist("marketplace", "servicerequest", **params)
