"""Phone numbers: E.164 normalisation (Cameroon by default) and masking for logs."""

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
