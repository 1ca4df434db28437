"""Set pricing: reference prices and bands per sentra and product type (harga acuan)."""

from flask import Blueprint

bp = Blueprint("pricing", __name__)

from marketplace.pricing import views  # noqa: E402,F401
