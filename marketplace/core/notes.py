"""Notes the system writes on history rows, stored as a stable key and shown in the reader's language.

A history row outlives the language of the request that wrote it, so a note the system writes (not a
person's reason) is stored as its key, with any values after it: `listing.photo_removed`, or
`pricing.price_outside_band?floor_idr=50000&ceiling_idr=150000`. The module that writes a note owns its
message: it registers {key: lazy message} once at import (`register_notes`), and `note_text` renders a
stored note in the reader's language. Values are whole numbers or short codes, never prose; a value whose
name ends in `_idr` is shown as Rupiah. A note no module registered (a person's reason, or a row written
before notes had keys) is shown as it was stored.
"""

import re
from urllib.parse import parse_qsl, urlencode

from marketplace.core.money import format_idr

_MESSAGES = {}
_KEY = re.compile(r"^[a-z_]+\.[a-z_]+$")


def register_notes(messages):
    """Make {key: lazy message} known; a key is "<domain>.<what_happened>" and belongs to one module."""
    for key, message in messages.items():
        if not _KEY.match(key):
            raise ValueError(f"a note key is <domain>.<what_happened>, not {key!r}")
        if key in _MESSAGES and _MESSAGES[key] is not message:
            raise ValueError(f"the note {key!r} is registered twice")
        _MESSAGES[key] = message


def system_note(key, **values):
    """The stored form of a registered note, with its values (whole numbers or short codes)."""
    if key not in _MESSAGES:
        raise KeyError(f"unregistered note {key!r}")
    return f"{key}?{urlencode(values)}" if values else key


def note_text(stored):
    """A stored note in the reader's language; anything unregistered as it is."""
    if not stored:
        return stored
    key, _, query = stored.partition("?")
    message = _MESSAGES.get(key)
    if message is None:
        return stored
    text = str(message)
    if not query:
        return text
    values = {name: _shown(name, value) for name, value in parse_qsl(query)}
    try:
        return text % values
    except (KeyError, TypeError, ValueError):  # values that do not fit the message: the note as stored, not a 500
        return stored


def _shown(name, value):
    if name.endswith("_idr") and re.fullmatch(r"-?\d{1,18}", value):
        return format_idr(int(value))
    return value
