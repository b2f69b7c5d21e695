"""The log format's safety net: a formatter that masks email addresses and mainland mobile
numbers in the written line (message and traceback), whatever logged them.

The code logs ids, never personal data (tests/test_log_privacy.py checks it); this catches what a
library or an exception message lets through. Only the written line is masked: the record itself
is left as it is for other handlers.
"""

import logging
import re

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# 11 digits starting 1[3-9], optionally +86 / 86 and spaces or dashes between groups.
MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")


def mask(text: str) -> str:
    return MOBILE.sub("[phone]", EMAIL.sub("[email]", text))


class PersonalDataFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))
