"""Log filter that masks phone numbers in every record, whatever the caller passed."""

import logging

from core.phones import PHONE_IN_TEXT, mask_phones_in_text

PHONE_PATTERN = PHONE_IN_TEXT


def mask_text(text: str) -> str:
    return mask_phones_in_text(text)


def mask_data(value):
    """A copy of ``value`` (str, dict, list, tuple, nested) with every phone number masked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_data(item) for item in value)
    return value


class MaskPhonesFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # Format the traceback here so the phone numbers in exception messages are masked too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
            record.exc_info = None  # formatters (the JSON one too) then print the masked exc_text
        for key, value in list(vars(record).items()):
            if key in ("msg", "args", "exc_info", "exc_text"):
                continue
            if isinstance(value, str) and PHONE_PATTERN.search(value):
                setattr(record, key, mask_text(value))
            elif isinstance(value, dict | list | tuple) and PHONE_PATTERN.search(repr(value)):
                setattr(record, key, mask_data(value))
        return True
