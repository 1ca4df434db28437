"""Payments: bank transfer and Stripe Checkout, signed idempotent webhooks, refunds, the escrow ledger and payouts."""

from flask import Blueprint

bp = Blueprint("payments", __name__)

from marketplace.payments import views, webhooks  # noqa: E402,F401
