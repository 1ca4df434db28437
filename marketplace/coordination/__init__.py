"""The coordinator's dashboard: approvals now; prices, disputes and impact reports later."""

from flask import Blueprint

bp = Blueprint("coordination", __name__)

from marketplace.coordination import views  # noqa: E402,F401
