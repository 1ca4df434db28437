"""Users, organizations (company accounts), sentras and authentication."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from marketplace.accounts import admin_views, views  # noqa: E402,F401
