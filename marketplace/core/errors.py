"""Domain errors: services raise them, views turn them into messages."""


class DomainError(Exception):
    """A rule of the domain refused an operation; the message is shown to the user."""

    def __init__(self, message=None):
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """A status may only move along its transition table."""

    def __init__(self, kind, from_status, to_status):
        super().__init__(f"{kind}: {from_status} -> {to_status} is not allowed")
        self.kind = kind
        self.from_status = from_status
        self.to_status = to_status


def check_transition(table, kind, from_status, to_status):
    """Raise InvalidTransition unless `table` allows from_status -> to_status."""
    if to_status not in table.get(from_status, ()):
        raise InvalidTransition(kind, from_status, to_status)
