"""Shared pieces: money, time, access policy, base forms, audit log, mail outbox. Never imports a domain."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from marketplace.core import views  # noqa: E402,F401
