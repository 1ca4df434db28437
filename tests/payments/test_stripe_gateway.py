"""The Stripe gateway against a real Stripe peer: PaymentIntents in IDR read back in whole Rupiah, declines, full and
partial refunds at localstripe (with their idempotency keys on the wire), Checkout Session parameters as the
library sends them, Stripe's errors as GatewayError, and webhook signatures."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.payments import stripe_gateway
from marketplace.payments.stripe_gateway import GatewayError, InvalidEvent, SessionLine
from tests.payments.stripe_fixtures import (
    WEBHOOK_SECRET,
    decline_at_stripe,
    event_body,
    free_port,
    signature_header,
    stripe_client,
)

pytest_plugins = ["tests.payments.stripe_fixtures"]

METADATA = {"checkout_id": "41", "payment_id": "7", "reference": "CK-2026-000041-S1"}


def buyer_pays(localstripe, amount_idr, card="pm_card_visa"):
    """A PaymentIntent the buyer confirmed at localstripe (what Stripe's hosted page does), in Stripe's IDR unit."""
    return stripe_client(localstripe).v1.payment_intents.create(
        {"amount": amount_idr * 100, "currency": "idr", "payment_method": card, "confirm": True, "metadata": METADATA}
    )


def declined_intent(localstripe):
    return decline_at_stripe(localstripe, 500_000, METADATA)


def open_session(**changes):
    values = {
        "checkout_id": 41,
        "payment_id": 7,
        "attempt": 2,
        "reference": "CK-2026-000041-S2",
        "lines": (
            SessionLine("PS-2026-000101 · UD Approved", 1_250_000),
            SessionLine("PS-2026-000102 · UD Tetangga", 340_500),
        ),
        "expires_at": datetime(2026, 12, 2, 8, 30, tzinfo=UTC),
        "success_url": "https://pasar.example.com/payments/checkouts/41/stripe/return",
        "cancel_url": "https://pasar.example.com/payments/checkouts/41",
    }
    values.update(changes)
    return stripe_gateway.create_checkout_session(**values)


# --- PaymentIntents ---------------------------------------------------------------------------------------------


def test_a_payment_intent_is_read_back_in_whole_rupiah(stripe_on, localstripe):
    paid = buyer_pays(localstripe, 1_250_000)

    intent = stripe_gateway.retrieve_payment_intent(paid.id)

    assert (intent.status, intent.amount_idr, intent.amount_received_idr) == ("succeeded", 1_250_000, 1_250_000)


def test_a_payment_intent_names_our_checkout_and_payment_from_its_metadata(stripe_on, localstripe):
    intent = stripe_gateway.retrieve_payment_intent(buyer_pays(localstripe, 90_000).id)

    assert (intent.checkout_id, intent.payment_id, intent.reference) == (41, 7, "CK-2026-000041-S1")


def test_a_declined_card_reads_back_as_a_failed_attempt_with_stripes_code(stripe_on, localstripe):
    intent = stripe_gateway.retrieve_payment_intent(declined_intent(localstripe).id)

    assert (intent.failed, intent.failure_code, intent.amount_received_idr) == (True, "card_declined", None)


def test_an_unknown_payment_intent_is_a_gateway_error(stripe_on):
    with pytest.raises(GatewayError) as refused:
        stripe_gateway.retrieve_payment_intent("pi_doesnotexist")

    assert (refused.value.http_status, refused.value.temporary) == (404, False)


# --- refunds ----------------------------------------------------------------------------------------------------


def test_a_full_refund_gives_back_the_whole_payment(stripe_on, localstripe):
    paid = buyer_pays(localstripe, 1_250_000)

    refund = stripe_gateway.refund(paid.id, 1_250_000, "refund-9001")

    assert (refund.status, refund.amount_idr) == ("succeeded", 1_250_000)


def test_a_partial_refund_gives_back_only_the_amount_asked_for(stripe_on, localstripe):
    paid = buyer_pays(localstripe, 1_590_500)

    stripe_gateway.refund(paid.id, 340_500, "refund-9002")

    refunds = stripe_client(localstripe).v1.refunds.list({"payment_intent": paid.id}).data
    assert [r.amount for r in refunds] == [34_050_000]


def test_a_refund_goes_on_the_wire_in_stripes_unit_with_its_idempotency_key(stripe_on, localstripe):
    paid = buyer_pays(localstripe, 340_500)

    stripe_gateway.refund(paid.id, 340_500, "refund-9003", metadata={"refund_id": 9003})

    (sent,) = stripe_on.sent("POST", "/v1/refunds")
    assert (sent.headers["Idempotency-Key"], sent.field("amount"), sent.field("payment_intent")) == (
        "refund-9003",
        "34050000",
        paid.id,
    )


def test_a_refund_is_found_again_by_its_metadata(stripe_on, localstripe):
    paid = buyer_pays(localstripe, 200_000)
    made = stripe_gateway.refund(paid.id, 50_000, "refund-9004", metadata={"refund_id": 9004})

    found = stripe_gateway.find_refund(paid.id, "refund_id", 9004)

    assert found == made


def test_a_refund_of_a_declined_payment_is_a_gateway_error(stripe_on, localstripe):
    declined = declined_intent(localstripe)

    with pytest.raises(GatewayError) as refused:
        stripe_gateway.refund(declined.id, 500_000, "refund-9005")

    assert (refused.value.http_status, refused.value.temporary) == (400, False)


def test_an_unreachable_stripe_is_a_temporary_gateway_error(stripe_on, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")

    with pytest.raises(GatewayError) as refused:
        stripe_gateway.refund("pi_any", 1_000, "refund-9006")

    assert (refused.value.temporary, refused.value.code) == (True, "api_connection_error")


def test_amounts_are_whole_rupiah_only():
    with pytest.raises(ValueError, match="whole"):
        stripe_gateway.to_stripe_amount(1250.5)


# --- Checkout Sessions, at the HTTP boundary --------------------------------------------------------------------


def test_a_session_has_one_line_per_order_in_rupiah_times_100(stripe_on):
    open_session()

    (sent,) = stripe_on.sent("POST", "/v1/checkout/sessions")
    lines = [
        (
            sent.field(f"line_items[{i}][price_data][product_data][name]"),
            sent.field(f"line_items[{i}][price_data][unit_amount]"),
            sent.field(f"line_items[{i}][price_data][currency]"),
            sent.field(f"line_items[{i}][quantity]"),
        )
        for i in range(2)
    ]
    assert lines == [
        ("PS-2026-000101 · UD Approved", "125000000", "idr", "1"),
        ("PS-2026-000102 · UD Tetangga", "34050000", "idr", "1"),
    ]


def test_a_session_names_the_checkout_and_payment_for_the_session_and_its_payment_intent(stripe_on):
    open_session()

    (sent,) = stripe_on.sent("POST", "/v1/checkout/sessions")
    named = {name: value for name, value in sent.fields if "metadata" in name or name == "client_reference_id"}
    assert named == {
        "client_reference_id": "41",
        "metadata[checkout_id]": "41",
        "metadata[payment_id]": "7",
        "metadata[reference]": "CK-2026-000041-S2",
        "payment_intent_data[metadata][checkout_id]": "41",
        "payment_intent_data[metadata][payment_id]": "7",
        "payment_intent_data[metadata][reference]": "CK-2026-000041-S2",
    }


def test_a_session_is_asked_for_with_the_idempotency_key_of_its_checkout_and_attempt(stripe_on):
    open_session()

    (sent,) = stripe_on.sent("POST", "/v1/checkout/sessions")
    assert sent.headers["Idempotency-Key"] == "checkout-41-attempt-2"


def test_a_session_expires_at_the_time_asked_for_as_unix_seconds(stripe_on):
    open_session(expires_at=datetime(2026, 12, 2, 8, 30, tzinfo=UTC))

    (sent,) = stripe_on.sent("POST", "/v1/checkout/sessions")
    assert sent.field("expires_at") == str(int(datetime(2026, 12, 2, 8, 30, tzinfo=UTC).timestamp()))


def test_a_session_leaves_the_payment_methods_to_the_stripe_account(stripe_on):
    open_session()

    (sent,) = stripe_on.sent("POST", "/v1/checkout/sessions")
    assert (sent.field("mode"), [n for n in sent.names() if n.startswith("payment_method_types")]) == ("payment", [])


def test_a_session_returns_the_buyer_to_our_pages(stripe_on):
    open_session()

    (sent,) = stripe_on.sent("POST", "/v1/checkout/sessions")
    assert (sent.field("success_url"), sent.field("cancel_url")) == (
        "https://pasar.example.com/payments/checkouts/41/stripe/return",
        "https://pasar.example.com/payments/checkouts/41",
    )


def test_a_session_is_read_back_in_whole_rupiah_with_our_ids(stripe_on):
    session = open_session()

    assert (session.amount_total_idr, session.checkout_id, session.payment_id, session.status) == (
        1_590_500,
        41,
        7,
        "open",
    )


def test_a_session_stripe_refuses_is_a_gateway_error(stripe_on):
    stripe_on.refuse_sessions = True

    with pytest.raises(GatewayError) as refused:
        open_session()

    assert (refused.value.code, refused.value.temporary) == ("parameter_invalid", False)


def test_without_a_secret_key_nothing_is_sent(stripe_on, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")

    with pytest.raises(GatewayError):
        open_session()

    assert stripe_on.requests == []


# --- webhook signatures -----------------------------------------------------------------------------------------


def signed_session_event():
    body = event_body(
        "checkout.session.completed",
        {
            "id": "cs_test_sig",
            "object": "checkout.session",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": 159_050_000,
            "payment_intent": "pi_test_sig",
            "client_reference_id": "41",
            "metadata": METADATA,
        },
    )
    return json.dumps(body).encode()


def test_a_signed_event_is_read_in_whole_rupiah_with_our_ids(stripe_on):
    payload = signed_session_event()

    event = stripe_gateway.verify_event(payload, signature_header(payload))

    session = event.session
    assert (event.type, session.amount_total_idr, session.payment_intent_id, session.payment_id) == (
        "checkout.session.completed",
        1_590_500,
        "pi_test_sig",
        7,
    )


def test_an_event_signed_with_another_secret_is_invalid(stripe_on):
    payload = signed_session_event()

    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(payload, signature_header(payload, secret="whsec_someone_else"))


def test_an_event_signed_longer_ago_than_the_tolerance_is_invalid(stripe_on):
    payload = signed_session_event()
    stale = int(time.time() - timedelta(minutes=6).total_seconds())

    with pytest.raises(InvalidEvent):
        stripe_gateway.verify_event(payload, signature_header(payload, WEBHOOK_SECRET, timestamp=stale))
