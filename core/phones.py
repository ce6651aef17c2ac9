"""Phone numbers: E.164 normalisation (Cameroon by default) and masking for logs, URLs and stored text."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHANNEL_PREFIXES = ("whatsapp:", "sms:")


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Return the E.164 form of ``raw`` or raise ``ValidationError``.

    Accepts Twilio's ``whatsapp:+237…`` addresses and local Cameroonian numbers
    such as ``6 77 12 34 56``.
    """
    value = (raw or "").strip()
    for prefix in CHANNEL_PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
    try:
        parsed = phonenumbers.parse(value, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number."), params={"value": raw}) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), params={"value": raw})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """``+237677123412`` → ``+2376•••••12``: enough to tell numbers apart, not to call them."""
    if not phone:
        return phone
    digits = phone.removeprefix("whatsapp:")
    if len(digits) <= 6:
        return "•" * len(digits)
    return f"{digits[:5]}{'•' * (len(digits) - 7)}{digits[-2:]}"


MASK = "•"
# A phone number inside free text, in the spellings people and URLs use:
# - international: +237 6 77 12 34 56, %2B237677123456 (URL-encoded), 00237677123456: 8 to 15 digits;
# - Cameroonian without a prefix: 6 77 12 34 56, 677-12-34-56, 677123456, 237677123456 (a WhatsApp WaId).
# A single space, dash or dot may separate the digit groups, or in a URL "+" or "%20".
_SEP = r"(?:[ .+\-]|%20)?"
PHONE_IN_TEXT = re.compile(
    rf"(?<![\w%+])(?P<prefix>\+|%2[Bb]|00)(?P<intl>\d(?:{_SEP}\d){{7,14}})(?!\d)"
    rf"|(?<![\w%+.\-])(?P<local>(?:237{_SEP})?[26](?:{_SEP}\d){{8}})(?![\w\-]|\.\d)"
)


def mask_phones_in_text(text: str) -> str:
    """Every phone number in ``text`` masked; the rest unchanged."""
    return PHONE_IN_TEXT.sub(_mask_match, text)


def _mask_match(match: re.Match) -> str:
    if match.group("prefix"):
        digits = _digits(match.group("intl"))
        return f"{match.group('prefix')}{digits[:4]}{MASK * (len(digits) - 6)}{digits[-2:]}"
    digits = _digits(match.group("local"))
    keep = 4 if digits.startswith("237") and len(digits) == 12 else 1
    return f"{digits[:keep]}{MASK * (len(digits) - keep - 2)}{digits[-2:]}"


def _digits(spelled: str) -> str:
    return re.sub(r"%20|\D", "", spelled)
