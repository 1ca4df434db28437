"""Paying a checkout by Stripe Checkout: the buyer is sent to a session opened for a new attempt (or to the one still
open), refused in time when the deadline is too near; Stripe's refusal fails the attempt and tells the buyer; the
page the buyer comes back to only reads what Stripe's events have recorded."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders.models import Checkout
from marketplace.payments import services
from marketplace.payments.models import Payment
from marketplace.payments.stripe_payments import StripePaymentRefused
from tests.conftest import login
from tests.helpers import table_counts
from tests.orders.test_checkout_rules import english
from tests.payments.conftest import order_in
from tests.payments.stripe_fixtures import (
    event_body,
    intent_object,
    latest_stripe_payment,
    open_stripe_page,
    post_event,
    session_object,
)

pytest_plugins = ["tests.payments.stripe_fixtures"]


@pytest.fixture
def awaiting(shop, stripe_on):
    """An order awaiting payment (w.order) and its checkout (w.checkout); Stripe is configured."""
    shop.order = order_in(shop, "awaiting_payment")
    shop.checkout = shop.order.checkout
    shop.fake = stripe_on
    return shop


def start(client, w):
    return client.post(f"/payments/checkouts/{w.checkout.id}/stripe")


def pay_by(w, delta):
    db.session.execute(update(Checkout).where(Checkout.id == w.checkout.id).values(pay_by=utcnow() + delta))
    db.session.commit()


def sessions_sent(w):
    return w.fake.sent("POST", "/v1/checkout/sessions")


def payment_count(w):
    return db.session.scalar(select(func.count()).select_from(Payment).where(Payment.checkout_id == w.checkout.id))


def flashes(client):
    with client.session_transaction() as session:
        return [category for category, _ in session.get("_flashes", [])]


# --- opening Stripe's page ----------------------------------------------------------------------------------------


def test_paying_online_sends_the_buyer_to_the_stripe_page_of_a_new_attempt(client, awaiting, login_as):
    login_as("buyer")

    response = start(client, awaiting)

    payment = latest_stripe_payment(awaiting.checkout.id)
    assert (response.status_code, response.headers["Location"]) == (303, payment.stripe_session_url)


def test_the_attempt_asks_for_the_checkout_total_under_a_reference_of_its_own(client, awaiting, login_as):
    login_as("buyer")

    start(client, awaiting)

    payment = latest_stripe_payment(awaiting.checkout.id)
    assert (payment.attempt, payment.reference, payment.amount_idr, payment.status) == (
        1,
        f"{awaiting.checkout.number}-S1",
        awaiting.checkout.total_idr,
        "pending",
    )


def test_the_session_is_asked_for_in_rupiah_times_100_with_the_attempts_idempotency_key(client, awaiting, login_as):
    login_as("buyer")

    start(client, awaiting)

    (sent,) = sessions_sent(awaiting)
    assert (sent.field("line_items[0][price_data][unit_amount]"), sent.headers["Idempotency-Key"]) == (
        str(awaiting.order.total_idr * 100),
        f"checkout-{awaiting.checkout.id}-attempt-1",
    )


def test_the_session_ends_at_the_payment_deadline(client, awaiting, login_as):
    pay_by(awaiting, timedelta(hours=3))
    login_as("buyer")

    start(client, awaiting)

    (sent,) = sessions_sent(awaiting)
    deadline = db.session.get(Checkout, awaiting.checkout.id).pay_by
    assert sent.field("expires_at") == str(int(deadline.timestamp()))


def test_a_deadline_further_than_stripes_24_hours_ends_the_session_within_them(awaiting):
    pay_by(awaiting, timedelta(hours=40))
    now = utcnow()

    open_stripe_page(awaiting, awaiting.checkout, moment=now)

    (sent,) = sessions_sent(awaiting)
    assert int(sent.field("expires_at")) <= int((now + timedelta(hours=24)).timestamp())


def test_a_second_click_sends_the_buyer_to_the_same_open_session(client, awaiting, login_as):
    login_as("buyer")
    first = start(client, awaiting)

    second = start(client, awaiting)

    assert (second.headers["Location"], payment_count(awaiting), len(sessions_sent(awaiting))) == (
        first.headers["Location"],
        1,
        1,
    )


def test_a_session_about_to_reach_stripes_limit_is_replaced_and_closed_at_stripe(awaiting):
    pay_by(awaiting, timedelta(hours=40))
    old = open_stripe_page(awaiting, awaiting.checkout, moment=utcnow() - timedelta(hours=23, minutes=55))

    new = open_stripe_page(awaiting, awaiting.checkout)

    db.session.expire_all()
    expired_at_stripe = awaiting.fake.sent("POST", f"/v1/checkout/sessions/{old.stripe_session_id}/expire")
    assert (db.session.get(Payment, old.id).status, new.attempt, len(expired_at_stripe)) == ("cancelled", 2, 1)


def test_after_a_failed_attempt_the_next_one_has_the_next_number_and_key(awaiting):
    first = open_stripe_page(awaiting, awaiting.checkout)
    services.payment_failed(first.id, "declined")

    second = open_stripe_page(awaiting, awaiting.checkout)

    assert (second.reference, sessions_sent(awaiting)[-1].headers["Idempotency-Key"]) == (
        f"{awaiting.checkout.number}-S2",
        f"checkout-{awaiting.checkout.id}-attempt-2",
    )


def test_two_clicks_at_the_same_moment_open_one_attempt_and_send_both_to_its_page(awaiting, second_app):
    clients = [login(second_app.test_client(), awaiting.buyer) for _ in range(2)]
    url = f"/payments/checkouts/{awaiting.checkout.id}/stripe"
    barrier = threading.Barrier(2)
    answers = [None, None]

    def click(index):
        barrier.wait()
        response = clients[index].post(url)
        answers[index] = (response.status_code, response.headers.get("Location"))

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    db.session.rollback()
    payment = latest_stripe_payment(awaiting.checkout.id)
    assert (answers, payment_count(awaiting)) == ([(303, payment.stripe_session_url)] * 2, 1)


def test_a_new_attempt_after_a_declined_card_closes_the_old_session_at_stripe(client, awaiting):
    first = open_stripe_page(awaiting, awaiting.checkout)
    declined = intent_object(first, status="requires_payment_method", failure_code="card_declined")
    post_event(client, event_body("payment_intent.payment_failed", declined))

    open_stripe_page(awaiting, awaiting.checkout)

    assert len(awaiting.fake.sent("POST", f"/v1/checkout/sessions/{first.stripe_session_id}/expire")) == 1


# --- refused ------------------------------------------------------------------------------------------------------


def test_less_than_30_minutes_before_the_deadline_is_refused(awaiting):
    pay_by(awaiting, timedelta(minutes=25))

    with pytest.raises(StripePaymentRefused) as refused:
        open_stripe_page(awaiting, awaiting.checkout)

    assert "bank transfer" in english(refused.value.message)


def test_a_refused_start_sends_the_buyer_back_with_a_message_and_stores_nothing(client, awaiting, login_as):
    pay_by(awaiting, timedelta(minutes=25))
    login_as("buyer")
    before = table_counts()

    response = start(client, awaiting)

    assert (response.headers["Location"], flashes(client), table_counts(), sessions_sent(awaiting)) == (
        f"/payments/checkouts/{awaiting.checkout.id}",
        ["danger"],
        before,
        [],
    )


def test_an_overdue_checkout_is_refused(awaiting):
    pay_by(awaiting, -timedelta(minutes=1))

    with pytest.raises(StripePaymentRefused):
        open_stripe_page(awaiting, awaiting.checkout)


def test_a_paid_checkout_is_refused(awaiting):
    paid = order_in(awaiting, "paid")

    with pytest.raises(StripePaymentRefused):
        open_stripe_page(awaiting, paid.checkout)


def test_a_checkout_whose_payment_is_on_its_way_is_refused(client, awaiting):
    payment = open_stripe_page(awaiting, awaiting.checkout)
    post_event(client, event_body("checkout.session.completed", session_object(payment, payment_status="unpaid")))

    with pytest.raises(StripePaymentRefused):
        open_stripe_page(awaiting, awaiting.checkout)


def test_without_stripe_configured_nothing_is_opened(awaiting, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")

    with pytest.raises(StripePaymentRefused):
        open_stripe_page(awaiting, awaiting.checkout)


def test_another_companys_checkout_is_not_found(client, awaiting, login_as):
    login_as("other_buyer")

    response = start(client, awaiting)

    assert (response.status_code, payment_count(awaiting)) == (404, 0)


def test_a_session_stripe_refuses_fails_the_attempt_and_tells_the_buyer(client, awaiting, login_as):
    awaiting.fake.refuse_sessions = True
    login_as("buyer")

    response = start(client, awaiting)

    payment = latest_stripe_payment(awaiting.checkout.id)
    assert (response.headers["Location"], flashes(client), payment.status, payment.status_note) == (
        f"/payments/checkouts/{awaiting.checkout.id}",
        ["danger"],
        "failed",
        "stripe.not_opened?code=parameter_invalid",
    )


# --- back from Stripe ---------------------------------------------------------------------------------------------


def back_from_stripe(client, w):
    return client.get(f"/payments/checkouts/{w.checkout.id}/stripe/return")


def shown_state(response):
    page = response.get_data(as_text=True)
    return page.split('data-testid="stripe-return" data-state="', 1)[1].split('"', 1)[0]


def test_back_from_stripe_before_its_event_the_page_says_processing_and_looks_again(client, awaiting, login_as):
    open_stripe_page(awaiting, awaiting.checkout)
    login_as("buyer")

    response = back_from_stripe(client, awaiting)

    assert (response.status_code, shown_state(response), response.headers.get("Refresh")) == (200, "processing", "5")


def test_back_from_stripe_after_its_event_the_page_says_received(client, awaiting, login_as):
    payment = open_stripe_page(awaiting, awaiting.checkout)
    post_event(client, event_body("checkout.session.completed", session_object(payment)))
    login_as("buyer")

    response = back_from_stripe(client, awaiting)

    assert (shown_state(response), response.headers.get("Refresh")) == ("paid", None)


def test_back_from_stripe_after_a_failure_the_page_offers_to_try_again(client, awaiting, login_as):
    payment = open_stripe_page(awaiting, awaiting.checkout)
    services.payment_failed(payment.id, "declined")
    login_as("buyer")

    response = back_from_stripe(client, awaiting)

    assert (
        shown_state(response),
        f"/payments/checkouts/{awaiting.checkout.id}" in response.get_data(as_text=True),
    ) == (
        "failed",
        True,
    )


def test_another_companys_return_page_is_not_found(client, awaiting, login_as):
    login_as("other_buyer")

    assert back_from_stripe(client, awaiting).status_code == 404
