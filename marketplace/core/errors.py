"""Domain errors: services raise them, views turn them into messages."""

import re

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule of the domain refused an operation.

    `message` is translatable and shown to the user; `code` is stable, for programs (a REST API, tests);
    `field` names the input it concerns, if any, so that one helper (core.forms.show_error) puts it
    beside that field, or flashes it. Subclasses set `code` and `field` as class attributes; `code`
    defaults to the class name in snake_case.
    """

    code = "domain_error"
    field = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    def __init__(self, message=None, *, code=None, field=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field


class InvalidTransition(DomainError):
    """A status may only move along its transition table (core/states.py)."""

    def __init__(self, kind, from_status, to_status):
        # Shown to people: the status changed under them (or the page was old); the details are for logs.
        super().__init__(_l("That does not fit the current status any more: look at it again."))
        self.kind = kind
        self.from_status = from_status
        self.to_status = to_status

    def __str__(self):
        return f"{self.kind}: {self.from_status} -> {self.to_status} is not allowed"


class SlugTaken(DomainError):
    """Another row of the same kind already uses this short name for links."""

    field = "slug"
