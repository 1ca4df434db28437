"""Time: timezone-aware UTC in the database, WIB (Asia/Jakarta) on screen."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from sqlalchemy.types import DateTime, TypeDecorator

from marketplace.core.language import reader_locale

WIB = ZoneInfo("Asia/Jakarta")


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A DateTime that always stores and returns aware UTC (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use aware UTC")
        value = value.astimezone(UTC)
        # SQLite stores text: keep it naive UTC there so comparisons stay lexical and correct.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def format_wib(value, with_seconds=False):
    """'3 Mei 2026 09:53 WIB' (or 'May' in English) from an aware datetime, in the reader's language."""
    if value is None:
        return ""
    pattern = "d MMM yyyy HH:mm:ss" if with_seconds else "d MMM yyyy HH:mm"
    return format_datetime(value, pattern, tzinfo=WIB, locale=reader_locale()) + " WIB"


def format_day(value):
    """'3 Mei 2026' (or 'May'): a calendar date in the reader's language."""
    if value is None:
        return ""
    return format_date(value, "d MMM yyyy", locale=reader_locale())
