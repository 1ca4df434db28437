"""Flash messages are plain text, always escaped where they are shown.

A flask-babel lazy string has `__html__`, so Flask's session serializer would store it as
`Markup` and Jinja would print it raw, with whatever a user typed into an interpolated value
(a colleague's name, a company's name, a product type's name). Every flash of the code base goes
through `flash` here, which stores a plain `str`; templates print messages through `flashed()`,
which drops any `Markup` that reached the session some other way (Flask-Login's own message).
"""

from flask import flash as _flask_flash
from flask import get_flashed_messages

CATEGORIES = ("success", "info", "warning", "danger")


def flash(message, category="info"):
    """Queue a message for the next page, as plain text (never markup)."""
    _flask_flash(str(message), category if category in CATEGORIES else "info")


def flashed():
    """(category, text) pairs for the page; the text is a plain str, so Jinja escapes it."""
    return [(str(category), str(message)) for category, message in get_flashed_messages(with_categories=True)]


def init_flashing(app):
    app.jinja_env.globals["flashed_messages"] = flashed
