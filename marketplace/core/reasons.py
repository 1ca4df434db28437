"""A reason people must give (a rejection, a suspension, a price change): at least 5 characters, checked by the
service whatever the client, and by the form first so the message appears beside the field."""

from flask_babel import lazy_gettext as _l

from marketplace.core.errors import DomainError

MIN_REASON_LENGTH = 5
REASON_TOO_SHORT = _l("Give a reason of at least 5 characters.")


class ReasonTooShort(DomainError):
    field = "reason"


def long_enough(text):
    return len((text or "").strip()) >= MIN_REASON_LENGTH


def require_reason(text, field="reason"):
    """The reason without surrounding space; refused when shorter than 5 characters."""
    if not long_enough(text):
        raise ReasonTooShort(REASON_TOO_SHORT, field=field)
    return text.strip()
