"""Log filter that masks phone numbers in every record, whatever the caller passed."""

import logging
import re

from djobea.phones import mask_phone

PHONE_PATTERN = re.compile(r"\+\d{8,15}")


def mask_text(text: str) -> str:
    return PHONE_PATTERN.sub(lambda match: mask_phone(match.group(0)), text)


class MaskPhonesFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        for key, value in vars(record).items():
            if key not in ("msg", "args") and isinstance(value, str) and PHONE_PATTERN.search(value):
                setattr(record, key, mask_text(value))
        return True
