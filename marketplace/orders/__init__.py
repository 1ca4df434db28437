"""Cart, checkout, orders and their state machine, delivery, documents, reviews and notifications."""

from flask import Blueprint

bp = Blueprint("orders", __name__)

from marketplace.orders import delivery_views, document_views, sentra_order_views, views  # noqa: E402,F401
