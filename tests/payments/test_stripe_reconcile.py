"""When Stripe's events are lost: `reconcile` asks Stripe about Stripe payments still open after a few minutes and
applies what it says (paid, expired, declined, still open); and refunds of orders paid by Stripe, made at localstripe
once the change that owes them is saved, tried again by `reconcile` without ever refunding twice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.catalog.models import Listing
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders import services as orders
from marketplace.orders.models import Checkout, Order
from marketplace.orders.services import DeliveryChoice
from marketplace.payments.cli import payments_group
from marketplace.payments.models import Payment, PaymentMethod, Refund
from marketplace.payments.stripe_payments import reconcile
from tests import factories
from tests.orders.test_checkout_rules import add_ikm
from tests.payments.stripe_fixtures import (
    decline_at_stripe,
    event_body,
    free_port,
    intent_object,
    open_stripe_page,
    pay_at_stripe,
    post_event,
    stripe_client,
    stripe_metadata,
)

pytest_plugins = ["tests.payments.stripe_fixtures"]


def later(minutes=10):
    return utcnow() + timedelta(minutes=minutes)


def state(w):
    db.session.expire_all()
    return db.session.get(Checkout, w.checkout.id).status, db.session.get(Payment, w.payment.id).status


# --- payments -----------------------------------------------------------------------------------------------------


def test_a_session_paid_at_stripe_whose_events_were_lost_marks_the_checkout_paid(paying):
    paying.fake.set_session(paying.payment.stripe_session_id, status="complete", payment_status="paid")

    reconcile(moment=later())

    assert state(paying) == ("paid", "succeeded")


def test_reconcile_counts_what_it_asked_about_and_changed(paying):
    paying.fake.set_session(paying.payment.stripe_session_id, status="complete", payment_status="paid")

    counts = reconcile(moment=later())

    assert counts == {
        "payments_checked": 1,
        "payments_changed": 1,
        "refunds_checked": 0,
        "refunds_succeeded": 0,
        "errors": 0,
    }


def test_a_session_expired_at_stripe_fails_its_payment(paying):
    paying.fake.set_session(paying.payment.stripe_session_id, status="expired")

    reconcile(moment=later())

    assert state(paying) == ("awaiting_payment", "failed")


def test_a_session_expired_at_stripe_of_an_overdue_checkout_returns_its_stock(paying):
    paying.fake.set_session(paying.payment.stripe_session_id, status="expired")
    stock_before = db.session.get(Listing, paying.listing.id).stock
    past_deadline = db.session.get(Checkout, paying.checkout.id).pay_by + timedelta(minutes=1)

    reconcile(moment=past_deadline)

    db.session.expire_all()
    assert (state(paying)[0], db.session.get(Listing, paying.listing.id).stock) == (
        "expired",
        stock_before + Decimal(10),
    )


def test_a_session_still_open_at_stripe_is_left_open(paying):
    reconcile(moment=later())

    assert state(paying) == ("awaiting_payment", "pending")


def test_a_payment_opened_less_than_the_cutoff_ago_is_not_asked_about(paying):
    reconcile(older_than_minutes=5)

    assert paying.fake.sent("GET", r"/v1/checkout/sessions/.*") == []


def test_a_completed_session_whose_payment_intent_succeeded_at_localstripe_is_paid(paying, localstripe):
    intent = pay_at_stripe(localstripe, paying.payment)
    paying.fake.set_session(
        paying.payment.stripe_session_id, status="complete", payment_status="unpaid", payment_intent=intent.id
    )

    reconcile(moment=later())

    assert (state(paying), db.session.get(Payment, paying.payment.id).stripe_payment_intent_id) == (
        ("paid", "succeeded"),
        intent.id,
    )


def test_a_completed_session_whose_payment_was_declined_at_localstripe_fails(paying, localstripe):
    intent = decline_at_stripe(localstripe, paying.payment.amount_idr, stripe_metadata(paying.payment))
    paying.fake.set_session(
        paying.payment.stripe_session_id, status="complete", payment_status="unpaid", payment_intent=intent.id
    )

    reconcile(moment=later())

    assert db.session.get(Payment, paying.payment.id).status_note == "stripe.declined?code=card_declined"


def test_an_unreachable_stripe_is_counted_as_an_error_and_changes_nothing(paying, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")

    counts = reconcile(moment=later())

    assert (counts["errors"], state(paying)) == (1, ("awaiting_payment", "pending"))


def test_an_attempt_whose_session_was_never_recorded_fails(shop, stripe_on):
    order = factories.make_order(shop.buyer, shop.listing, status="awaiting_payment", seller=shop.seller)
    checkout = order.checkout
    # What a request cut off between its two operations leaves: an attempt without a session.
    payment = Payment(
        checkout_id=checkout.id,
        sentra_id=order.sentra_id,
        method=PaymentMethod.STRIPE,
        attempt=1,
        status="pending",
        amount_idr=checkout.total_idr,
        reference=f"{checkout.number}-S1",
    )
    db.session.add(payment)
    db.session.commit()

    reconcile(moment=later())

    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status_note == "stripe.not_opened?code=not_recorded"


# --- refunds ------------------------------------------------------------------------------------------------------


def paid_at_stripe(client, w, localstripe):
    """The buyer pays w.payment at localstripe; Stripe's signed event says so."""
    intent = pay_at_stripe(localstripe, w.payment)
    post_event(client, event_body("payment_intent.succeeded", intent_object(w.payment, intent_id=intent.id)))
    return intent


def reject(w, order, seller=None):
    orders.act_on_order(seller or w.seller, order, "reject", reason="Stok habis di gudang")
    db.session.expire_all()
    return db.session.scalar(select(Refund).where(Refund.order_id == order.id))


def refunds_at_stripe(localstripe, intent):
    return [r.amount for r in stripe_client(localstripe).v1.refunds.list({"payment_intent": intent.id}).data]


def test_a_rejected_order_paid_by_stripe_is_refunded_at_stripe_once_the_rejection_is_saved(client, paying, localstripe):
    intent = paid_at_stripe(client, paying, localstripe)

    refund = reject(paying, paying.order)

    assert (refund.status, refunds_at_stripe(localstripe, intent)) == ("succeeded", [paying.order.total_idr * 100])


def test_the_refund_records_stripes_id_and_was_asked_for_with_its_idempotency_key(client, paying, localstripe):
    paid_at_stripe(client, paying, localstripe)

    refund = reject(paying, paying.order)

    (sent,) = paying.fake.sent("POST", "/v1/refunds")
    assert (sent.headers["Idempotency-Key"], refund.stripe_refund_id.startswith("re_")) == (
        f"refund-{refund.id}",
        True,
    )


@pytest.fixture
def two_orders(shop, stripe_on):
    """A checkout of two orders (UD Approved's and a neighbour's, both in Jombang), its buyer on Stripe's page."""
    neighbour, neighbour_seller = add_ikm(shop.jombang, "UD Tetangga Kedua")
    listing = factories.make_listing(
        neighbour, shop.product_type, price_idr=90_000, stock=Decimal("500"), min_order=Decimal("1"), index=False
    )
    orders.put_in_cart(shop.buyer, shop.listing, Decimal(10))
    orders.put_in_cart(shop.buyer, listing, Decimal(4))
    choices = {shop.ikm.id: DeliveryChoice("pickup"), neighbour.id: DeliveryChoice("pickup")}
    plan = orders.plan_checkout(shop.buyer, choices)
    shop.checkout = orders.place_checkout(shop.buyer, choices, "", "", plan.fingerprint, new_submission_token())
    shop.neighbour_order = next(o for o in shop.checkout.orders if o.seller_organization_id == neighbour.id)
    shop.neighbour_seller = neighbour_seller
    shop.payment = open_stripe_page(shop, shop.checkout)
    return shop


def test_a_refund_for_one_order_of_a_two_order_checkout_gives_back_only_that_order(client, two_orders, localstripe):
    intent = paid_at_stripe(client, two_orders, localstripe)

    reject(two_orders, two_orders.neighbour_order, seller=two_orders.neighbour_seller)

    assert (intent.amount, refunds_at_stripe(localstripe, intent)) == (
        two_orders.checkout.total_idr * 100,
        [two_orders.neighbour_order.total_idr * 100],
    )


@pytest.fixture
def refund_not_reached(client, paying, localstripe, app, monkeypatch):
    """An order paid by Stripe, rejected while Stripe could not be reached: its refund failed."""
    paying.intent = paid_at_stripe(client, paying, localstripe)
    with monkeypatch.context() as down:
        down.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")
        paying.refund = reject(paying, paying.order)
    return paying


def test_a_refund_stripe_could_not_be_reached_for_is_failed_and_the_rejection_stands(refund_not_reached):
    w = refund_not_reached

    assert (db.session.get(Order, w.order.id).status, w.refund.status, w.refund.status_note) == (
        "rejected",
        "failed",
        "stripe.refund_failed?code=api_connection_error",
    )


def test_reconcile_sends_a_failed_refund_again(refund_not_reached, localstripe):
    w = refund_not_reached

    reconcile(moment=later())

    db.session.expire_all()
    assert (db.session.get(Refund, w.refund.id).status, refunds_at_stripe(localstripe, w.intent)) == (
        "succeeded",
        [w.order.total_idr * 100],
    )


def test_reconcile_finds_a_refund_stripe_made_but_whose_answer_was_lost(refund_not_reached, localstripe):
    w = refund_not_reached
    made = stripe_client(localstripe).v1.refunds.create(
        {"payment_intent": w.intent.id, "amount": w.order.total_idr * 100, "metadata": {"refund_id": str(w.refund.id)}}
    )

    reconcile(moment=later())

    db.session.expire_all()
    refund = db.session.get(Refund, w.refund.id)
    assert (refund.status, refund.stripe_refund_id, len(refunds_at_stripe(localstripe, w.intent))) == (
        "succeeded",
        made.id,
        1,
    )


# --- the command --------------------------------------------------------------------------------------------------


def test_the_reconcile_command_prints_its_counts(app, paying):
    paying.fake.set_session(paying.payment.stripe_session_id, status="complete", payment_status="paid")

    result = app.test_cli_runner().invoke(payments_group, ["reconcile", "--older-than", "0"])

    assert "payments: 1 checked, 1 changed" in result.output


def test_the_reconcile_command_without_stripe_says_so_and_asks_nothing(app, paying, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")

    result = app.test_cli_runner().invoke(payments_group, ["reconcile", "--older-than", "0"])

    assert ("not configured" in result.output, paying.fake.sent("GET", r"/v1/checkout/sessions/.*")) == (True, [])
