"""Product types, listings, browse and search. For now: the home page."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from marketplace.catalog import views  # noqa: E402,F401
