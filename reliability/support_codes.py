"""Support codes: short references such as ``DJB-7K3Q9X`` that a client can read out over the phone.

The alphabet leaves out 0/O and 1/I/L, which are confused when spoken or handwritten. A code is
random (``secrets``), carries no personal data, and is made unique by the unique constraint on
``ErrorEvent.support_code`` (reliability.errors draws again on a collision).
"""

import re
import secrets

PREFIX = "DJB-"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
SUPPORT_CODE_RE = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{LENGTH}}}$")


def new_support_code() -> str:
    """A fresh random code: ``DJB-`` + 6 characters (31**6 ≈ 887 million possibilities)."""
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def is_support_code(value: str) -> bool:
    return bool(SUPPORT_CODE_RE.match(value or ""))


def normalize_support_code(value: str) -> str:
    """What a person typed or heard (``djb 7k3q9x``, ``DJB7K3Q9X``, ``7k3-q9x``) → ``DJB-7K3Q9X``.

    The one normalisation of the admin search, the dashboard's box and the API. Spaces, dashes and
    dots go; the ``DJB`` prefix is optional. Text that is not a code comes back stripped and upper-cased.
    """
    compact = re.sub(r"[^0-9A-Z]", "", (value or "").upper())
    for body in (compact, compact.removeprefix(PREFIX[:-1])):
        if is_support_code(PREFIX + body):
            return PREFIX + body
    return (value or "").strip().upper()
