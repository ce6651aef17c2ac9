"""What PostgreSQL refuses, taken out of what Twilio (or an attacker) posts before it is stored.

PostgreSQL rejects U+0000 in text and JSONB and enforces ``max_length``; SQLite accepts both
silently. Everything posted to a webhook goes through here, so a NUL in a location label or an
over-long status can never turn an insert into a 500 (and a lost message) on PostgreSQL.
"""

NUL = "\x00"


def nul_free(value):
    """A copy of ``value`` (str, dict, list, nested) with every NUL removed, keys included."""
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, dict):
        return {nul_free(str(key)): nul_free(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [nul_free(item) for item in value]
    return value


def nul_free_params(data) -> dict[str, list[str]]:
    """Posted fields (a dict or a ``MultiValueDict``) as ``{name: [values]}``, NUL-free."""
    lists = data.lists() if hasattr(data, "lists") else ((key, [value]) for key, value in dict(data).items())
    cleaned: dict[str, list[str]] = {}
    for key, values in lists:
        cleaned.setdefault(nul_free(str(key)), []).extend(nul_free(str(v)) for v in values)
    return cleaned


def fit(value: str, model, field: str) -> str:
    """``value`` without NUL, cut to the model column's ``max_length``."""
    return nul_free(value or "")[: model._meta.get_field(field).max_length]
