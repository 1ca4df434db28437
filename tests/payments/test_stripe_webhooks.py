"""Stripe's webhook: signed events mark a checkout paid once, whatever their order or how often they come; unsigned,
wrongly signed, stale or tampered deliveries change nothing; unknown checkouts and other event types are answered
200; an amount that is not the checkout's total is flagged for the coordinator; an expired session lets the
checkout's deadline do its work. Last, localstripe's own signed deliveries, to the app running as a server."""

import json
import threading
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from marketplace.catalog.models import Listing
from marketplace.core.models import OutboxMessage
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders.models import Checkout, Order
from marketplace.payments.models import LedgerEntry, Payment, StripeEvent
from tests.helpers import table_counts
from tests.payments.conftest import order_in
from tests.payments.stripe_fixtures import (
    event_body,
    intent_object,
    latest_stripe_payment,
    open_stripe_page,
    pay_at_stripe,
    post_event,
    session_object,
    signature_header,
    wait_for,
)

pytest_plugins = ["tests.payments.stripe_fixtures"]


def completed(w, **changes):
    return event_body("checkout.session.completed", session_object(w.payment, **changes))


def state(w):
    """The checkout's and the payment's status, read again."""
    db.session.expire_all()
    return db.session.get(Checkout, w.checkout.id).status, db.session.get(Payment, w.payment.id).status


def received_entries(w):
    return db.session.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.checkout_id == w.checkout.id)
    )


def overdue(w):
    db.session.execute(
        update(Checkout).where(Checkout.id == w.checkout.id).values(pay_by=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()


# --- paid ---------------------------------------------------------------------------------------------------------


def test_a_signed_completed_and_paid_session_marks_the_checkout_paid(client, paying):
    response = post_event(client, completed(paying))

    assert (response.status_code, state(paying)) == (200, ("paid", "succeeded"))


def test_the_paid_session_records_the_amount_and_the_payment_intent(client, paying):
    post_event(client, completed(paying, intent_id="pi_test_recorded"))

    payment = db.session.get(Payment, paying.payment.id)
    assert (payment.paid_amount_idr, payment.stripe_payment_intent_id) == (
        paying.checkout.total_idr,
        "pi_test_recorded",
    )


def test_the_event_is_recorded_with_its_outcome(client, paying):
    body = completed(paying)

    post_event(client, body)

    recorded = db.session.scalar(select(StripeEvent).where(StripeEvent.event_id == body["id"]))
    assert (recorded.type, recorded.outcome) == ("checkout.session.completed", "succeeded")


def test_the_same_event_delivered_twice_has_one_effect(client, paying):
    body = completed(paying)
    post_event(client, body)
    before = table_counts()

    again = post_event(client, body)

    assert (again.status_code, again.get_json()["outcome"], table_counts()) == (200, "duplicate", before)


def test_payment_intent_succeeded_before_the_session_completed_ends_the_same(client, paying):
    post_event(client, event_body("payment_intent.succeeded", intent_object(paying.payment)))
    later = post_event(client, completed(paying))

    assert (later.status_code, state(paying), received_entries(paying)) == (200, ("paid", "succeeded"), 1)


def test_a_session_completed_before_its_payment_is_in_waits_for_the_async_success(client, paying):
    post_event(client, completed(paying, payment_status="unpaid"))
    waiting = state(paying)

    post_event(client, event_body("checkout.session.async_payment_succeeded", session_object(paying.payment)))

    assert (waiting, state(paying)) == (("awaiting_payment", "submitted"), ("paid", "succeeded"))


def test_an_async_success_before_the_unpaid_completion_ends_the_same(client, paying):
    post_event(client, event_body("checkout.session.async_payment_succeeded", session_object(paying.payment)))
    post_event(client, completed(paying, payment_status="unpaid"))

    assert state(paying) == ("paid", "succeeded")


def test_a_payment_on_its_way_holds_the_deadline(client, paying):
    post_event(client, completed(paying, payment_status="unpaid"))

    assert db.session.get(Checkout, paying.checkout.id).payment_check_since is not None


def test_an_async_failure_fails_the_payment_and_the_deadline_applies_again(client, paying):
    post_event(client, completed(paying, payment_status="unpaid"))

    post_event(client, event_body("checkout.session.async_payment_failed", session_object(paying.payment)))

    checkout = db.session.get(Checkout, paying.checkout.id)
    assert (state(paying), checkout.payment_check_since) == (("awaiting_payment", "failed"), None)


def test_a_declined_card_then_a_success_in_the_same_session_ends_paid(client, paying):
    declined = intent_object(paying.payment, status="requires_payment_method", failure_code="card_declined")
    post_event(client, event_body("payment_intent.payment_failed", declined))

    post_event(client, event_body("payment_intent.succeeded", intent_object(paying.payment)))

    assert state(paying) == ("paid", "succeeded")


def test_a_failure_arriving_after_the_success_changes_nothing(client, paying):
    post_event(client, completed(paying))
    declined = intent_object(paying.payment, status="requires_payment_method", failure_code="card_declined")

    post_event(client, event_body("payment_intent.payment_failed", declined))

    assert state(paying) == ("paid", "succeeded")


# --- refused deliveries -------------------------------------------------------------------------------------------


def test_an_event_signed_with_another_secret_is_refused_and_changes_nothing(client, paying):
    before = table_counts()

    response = post_event(client, completed(paying), secret="whsec_someone_else")

    assert (response.status_code, table_counts()) == (400, before)


def test_a_stale_signature_is_refused_and_changes_nothing(client, paying):
    before = table_counts()

    response = post_event(client, completed(paying), timestamp=int(time.time()) - 6 * 60)

    assert (response.status_code, table_counts()) == (400, before)


def test_a_tampered_body_is_refused_and_changes_nothing(client, paying):
    body = completed(paying)
    signed = json.dumps(body).encode()
    body["data"]["object"]["amount_total"] = 100
    before = table_counts()

    response = post_event(client, body, header=signature_header(signed))

    assert (response.status_code, table_counts()) == (400, before)


def test_a_delivery_without_signature_is_refused_and_changes_nothing(client, paying):
    before = table_counts()

    response = post_event(client, completed(paying), header="")

    assert (response.status_code, table_counts()) == (400, before)


def test_without_stripe_configured_the_webhook_does_not_exist(client, paying, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "")

    response = post_event(client, completed(paying))

    assert (response.status_code, state(paying)) == (404, ("awaiting_payment", "pending"))


# --- what is not ours, or not right -------------------------------------------------------------------------------


def test_an_event_of_an_unknown_checkout_is_recorded_and_answered_200(client, paying):
    obj = session_object(paying.payment)
    obj.update(id="cs_test_elsewhere", metadata={"checkout_id": "999999", "payment_id": "999999", "reference": "X"})

    response = post_event(client, event_body("checkout.session.completed", obj))

    assert (response.status_code, response.get_json()["outcome"], state(paying)) == (
        200,
        "unknown",
        ("awaiting_payment", "pending"),
    )


def test_metadata_naming_our_payment_for_another_checkout_is_not_trusted(client, paying):
    obj = intent_object(paying.payment, intent_id="pi_test_staging")
    obj["metadata"]["checkout_id"] = str(paying.checkout.id + 1)

    response = post_event(client, event_body("payment_intent.succeeded", obj))

    assert (response.get_json()["outcome"], state(paying)) == ("unknown", ("awaiting_payment", "pending"))


def test_other_event_types_are_ignored_with_200(client, paying):
    response = post_event(client, event_body("customer.created", {"id": "cus_1", "object": "customer"}))

    assert (response.status_code, response.get_json()["outcome"]) == (200, "ignored")


def test_an_amount_other_than_the_checkout_total_flags_the_payment_instead_of_paying(client, paying):
    post_event(client, completed(paying, amount_idr=paying.checkout.total_idr - 1000))

    assert state(paying) == ("awaiting_payment", "flagged")


def test_a_flagged_payment_is_brought_to_the_coordinators_attention(client, paying):
    post_event(client, completed(paying, amount_idr=paying.checkout.total_idr - 1000))

    to_coordinator = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == paying.coordinator.email)
    )
    assert to_coordinator == 1


# --- expiry -------------------------------------------------------------------------------------------------------


def expired(w):
    return event_body(
        "checkout.session.expired",
        session_object(w.payment, payment_status="unpaid", status="expired", intent_id=None),
    )


def test_an_expired_session_fails_its_payment_and_leaves_the_checkout_to_its_deadline(client, paying):
    response = post_event(client, expired(paying))

    assert (response.status_code, state(paying)) == (200, ("awaiting_payment", "failed"))


def test_an_expired_session_of_an_overdue_checkout_returns_its_stock(client, paying):
    overdue(paying)
    stock_before = db.session.get(Listing, paying.listing.id).stock

    post_event(client, expired(paying))

    db.session.expire_all()
    listing = db.session.get(Listing, paying.listing.id)
    order = db.session.get(Order, paying.order.id)
    assert (state(paying)[0], order.status, listing.stock) == ("expired", "cancelled", stock_before + Decimal(10))


# --- deliveries at the same moment (the app as a server, each request on its own connection) ------------------------


def deliver_at_once(server, bodies):
    """POST each signed body to the server's webhook from its own thread, all released together: their answers."""
    barrier = threading.Barrier(len(bodies))
    answers = [None] * len(bodies)

    def deliver(index, body):
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Stripe-Signature": signature_header(payload)}
        url = f"{server}/payments/stripe/webhook"
        request = urllib.request.Request(url, data=payload, headers=headers)  # noqa: S310 (our test server)
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our test server)
            answers[index] = (response.status, json.load(response)["outcome"])

    threads = [threading.Thread(target=deliver, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_the_same_event_delivered_twice_at_once_has_one_effect(paying, webhook_server):
    body = completed(paying)

    answers = deliver_at_once(webhook_server, [body, body])

    db.session.rollback()
    assert (sorted(answers), received_entries(paying)) == ([(200, "duplicate"), (200, "succeeded")], 1)


def test_the_session_and_its_payment_intent_succeeding_at_once_pay_the_checkout_once(paying, webhook_server):
    bodies = [completed(paying), event_body("payment_intent.succeeded", intent_object(paying.payment))]

    answers = deliver_at_once(webhook_server, bodies)

    db.session.rollback()
    assert (answers, state(paying), received_entries(paying)) == (
        [(200, "succeeded"), (200, "succeeded")],
        ("paid", "succeeded"),
        1,
    )


# --- localstripe's own signed deliveries --------------------------------------------------------------------------


@pytest.fixture
def two_checkouts(shop, stripe_on):
    """Two checkouts of the buyer awaiting payment, each with Stripe's page opened (commits for real)."""
    checkouts = []
    for quantity in (10, 12):
        order = order_in(shop, "awaiting_payment", quantity=quantity)
        checkouts.append((order.checkout, open_stripe_page(shop, order.checkout)))
    return checkouts


def checkout_status(checkout_id):
    return db.session.get(Checkout, checkout_id).status


def test_localstripes_signed_payment_intent_succeeded_marks_the_right_checkout_paid(
    two_checkouts, localstripe_webhooks, localstripe
):
    (first, _), (second, second_payment) = two_checkouts

    pay_at_stripe(localstripe, second_payment)

    assert wait_for(lambda: checkout_status(second.id), "paid") == "paid"
    assert checkout_status(first.id) == "awaiting_payment"


def test_localstripes_signed_payment_failed_fails_the_payment(two_checkouts, localstripe_webhooks, localstripe):
    (checkout, payment), _ = two_checkouts

    with pytest.raises(Exception, match="declined"):
        pay_at_stripe(localstripe, payment, card="pm_card_chargeCustomerFail")

    assert wait_for(lambda: latest_stripe_payment(checkout.id).status, "failed") == "failed"
