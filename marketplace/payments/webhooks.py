"""Stripe's side of the payments: the signed webhook, the buyer's way to Stripe's page and back from it.

The webhook is public and carries no CSRF token (Stripe cannot have one): its Stripe-Signature is what it is
checked by, before anything is read from its body. The return page only reads the database: whatever the
redirect from Stripe says, a checkout is paid when Stripe's event (or reconcile) has said so.
"""

import logging

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from marketplace.core.access import PUBLIC, allow, object_or_404
from marketplace.core.errors import DomainError
from marketplace.core.flashing import flash
from marketplace.core.outbox import external_url
from marketplace.core.roles import Role
from marketplace.extensions import csrf, db
from marketplace.orders.forms import EmptyForm
from marketplace.orders.models import Checkout, CheckoutStatus
from marketplace.payments import bp, stripe_gateway, stripe_payments
from marketplace.payments.models import Payment, PaymentMethod
from marketplace.payments.services import is_buyer_checkout

log = logging.getLogger(__name__)

# The return page looks again this often (seconds) until Stripe's word is in.
RETURN_PAGE_REFRESH_SECONDS = 5


@bp.post("/stripe/webhook")
@allow(PUBLIC)
def stripe_webhook():
    if not stripe_gateway.enabled():
        abort(404)
    try:
        event = stripe_gateway.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except stripe_gateway.InvalidEvent as error:
        log.warning("stripe webhook refused: %s", error)
        return jsonify(error="invalid signature"), 400
    outcome = stripe_payments.handle_event(event)
    return jsonify(received=True, outcome=outcome)


csrf.exempt(stripe_webhook)


@bp.post("/checkouts/<int:checkout_id>/stripe")
@allow(Role.BUYER)
def start_stripe_payment(checkout_id):
    checkout = object_or_404(Checkout, checkout_id, is_buyer_checkout)
    pay_page = url_for("payments.pay_checkout", checkout_id=checkout.id)
    if not EmptyForm().validate():
        return redirect(pay_page)
    try:
        url = stripe_payments.start_stripe_payment(
            current_user,
            checkout,
            # On BASE_URL, never on the Host header this request happened to carry.
            success_url=external_url("payments.stripe_return", checkout_id=checkout_id),
            cancel_url=external_url("payments.pay_checkout", checkout_id=checkout_id),
        )
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(pay_page)
    return redirect(url, code=303)


@bp.get("/checkouts/<int:checkout_id>/stripe/return")
@allow(Role.BUYER)
def stripe_return(checkout_id):
    checkout = object_or_404(Checkout, checkout_id, is_buyer_checkout)
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.checkout_id == checkout.id, Payment.method == PaymentMethod.STRIPE)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    state = _return_state(checkout, payment)
    response = render_template("payments/stripe_return.html", checkout=checkout, payment=payment, state=state)
    if state == "processing":
        # The Refresh header rather than a <meta> tag: base.html's <head> has no block for one.
        return response, 200, {"Refresh": str(RETURN_PAGE_REFRESH_SECONDS)}
    return response


def _return_state(checkout, payment):
    if checkout.status == CheckoutStatus.PAID:
        return "paid"
    if checkout.status != CheckoutStatus.AWAITING_PAYMENT:
        return "closed"
    if payment is None:
        return "none"
    # pending: Stripe's event is not in yet; submitted: a delayed method (a bank debit) is on its way.
    return {"failed": "failed", "cancelled": "failed", "flagged": "flagged", "submitted": "submitted"}.get(
        payment.status, "processing"
    )
