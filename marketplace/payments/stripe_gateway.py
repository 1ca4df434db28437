"""The one module that talks to Stripe: Checkout Sessions, PaymentIntents, refunds and signed webhook events.

Everything else in the code base sees plain values: whole Rupiah, our own ids, and the small frozen records below.
IDR is a two-decimal currency in Stripe's API, so Rp 1.250.000 travels as 125000000: the conversion (× 100 out,
÷ 100 back) happens here and nowhere else. Stripe's errors come out as GatewayError, a bad webhook as InvalidEvent.

Calls are made by a StripeClient built from the app's configuration (STRIPE_API_BASE points it at localstripe in
the tests). None of them may run inside an open database transaction: the callers commit first (stripe_payments.py).
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import stripe
from flask import current_app

CURRENCY = "idr"
# Where Stripe Checkout's hosted pages live: the payment page's form may lead there (its CSP names it).
CHECKOUT_ORIGIN = "https://checkout.stripe.com"
MINOR_UNITS = 100  # Rupiah × 100: Stripe's unit for IDR
# Stripe lets a Checkout Session live from 30 minutes to 24 hours after it is created.
SESSION_MIN_LIFETIME = timedelta(minutes=30)
SESSION_MAX_LIFETIME = timedelta(hours=24)
# A buyer waits on the page that opens a session: give up long before the library's 80 s default.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
_CLIENT_KEY = "marketplace.stripe_client"
_ERROR_CODE = re.compile(r"[a-z0-9_]{1,40}")


class GatewayError(Exception):
    """Stripe refused a call, or could not be reached. `temporary` says that trying again later may work."""

    def __init__(self, message, code=None, http_status=None, temporary=False):
        super().__init__(message)
        self.message = message
        self.code = code or "stripe_error"
        self.http_status = http_status
        self.temporary = temporary


class InvalidEvent(Exception):
    """A webhook whose signature is missing or wrong, whose timestamp is stale, or whose body is not an event."""


@dataclass(frozen=True)
class SessionLine:
    name: str
    amount_idr: int


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str | None  # open | complete | expired
    payment_status: str | None  # paid | unpaid | no_payment_required
    amount_total_idr: int | None
    payment_intent_id: str | None
    expires_at: int | None
    # Ours, from client_reference_id and metadata (None when absent or not a number).
    checkout_id: int | None
    payment_id: int | None
    reference: str | None


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    status: str | None  # succeeded | processing | requires_payment_method | canceled | …
    amount_idr: int | None
    amount_received_idr: int | None
    failure_code: str | None  # Stripe's code of the last failed attempt (card_declined, …)
    checkout_id: int | None
    payment_id: int | None
    reference: str | None

    @property
    def failed(self):
        """The attempt ended without money: declined (a new payment method is needed) or cancelled."""
        return self.status == "canceled" or (self.status == "requires_payment_method" and self.failure_code is not None)


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str | None  # succeeded | pending | requires_action | failed | canceled
    amount_idr: int | None
    failure_code: str | None


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    created: int | None
    session: CheckoutSession | None  # for checkout.session.* events
    payment_intent: PaymentIntent | None  # for payment_intent.* events


# --- configuration ----------------------------------------------------------------------------------------------


def enabled():
    """Stripe is offered only when both the secret key and the webhook signing secret are set."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def _client():
    config = current_app.config
    settings = (
        config.get("STRIPE_SECRET_KEY") or "",
        config.get("STRIPE_API_BASE") or "",
        int(config["STRIPE_MAX_NETWORK_RETRIES"]),  # the tests set 0
    )
    # One client per app and settings: it keeps its HTTP connections (per thread) between calls.
    cached = current_app.extensions.get(_CLIENT_KEY)
    if cached is not None and cached[0] == settings:
        return cached[1]
    api_key, api_base, retries = settings
    if not api_key:
        raise GatewayError("Stripe is not configured (STRIPE_SECRET_KEY)", code="not_configured")
    client = stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)),
    )
    current_app.extensions[_CLIENT_KEY] = (settings, client)
    return client


def _call(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


def _gateway_error(error):
    status = getattr(error, "http_status", None)
    temporary = isinstance(error, stripe.APIConnectionError | stripe.RateLimitError) or (status or 0) >= 500
    # 409: the same idempotency key is in use by a request still running: the answer will be there shortly.
    temporary = temporary or status == 409
    # Stripe's own code (card_declined, resource_missing, …), else the kind of failure (api_connection_error).
    code = _code(getattr(error, "code", None) or _snake(type(error).__name__))
    message = str(getattr(error, "user_message", None) or error)
    return GatewayError(message, code=code, http_status=status, temporary=temporary)


# --- money ------------------------------------------------------------------------------------------------------


def to_stripe_amount(amount_idr):
    """Whole Rupiah to Stripe's IDR amount (× 100)."""
    if isinstance(amount_idr, bool) or not isinstance(amount_idr, int) or amount_idr < 0:
        raise ValueError(f"amounts are whole non-negative Rupiah, not {amount_idr!r}")
    return amount_idr * MINOR_UNITS


def from_stripe_amount(amount):
    """Stripe's IDR amount to whole Rupiah; a fraction of a Rupiah is dropped (never credited)."""
    if amount is None:
        return None
    return int(amount) // MINOR_UNITS


# --- Checkout Sessions ------------------------------------------------------------------------------------------


def session_idempotency_key(checkout_id, attempt):
    return f"checkout-{checkout_id}-attempt-{attempt}"


def create_checkout_session(*, checkout_id, payment_id, attempt, reference, lines, expires_at, success_url, cancel_url):
    """Open a hosted Checkout Session in IDR, one line per order; the same attempt asked twice gives the same one.

    `expires_at` is a timezone-aware datetime 30 minutes to 24 hours ahead (the caller makes sure of it). No
    payment_method_types: Checkout offers what the sentra's Stripe account has switched on (cards, QRIS, …)."""
    ours = {"checkout_id": str(checkout_id), "payment_id": str(payment_id), "reference": reference}
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": CURRENCY,
                    "unit_amount": to_stripe_amount(line.amount_idr),
                    "product_data": {"name": line.name},
                },
            }
            for line in lines
        ],
        "client_reference_id": str(checkout_id),
        "metadata": ours,
        "payment_intent_data": {"metadata": ours},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int(expires_at.timestamp()),
    }
    options = {"idempotency_key": session_idempotency_key(checkout_id, attempt)}
    return _session(_call(_client().v1.checkout.sessions.create, params, options))


def retrieve_checkout_session(session_id):
    """The session as Stripe has it now."""
    return _session(_call(_client().v1.checkout.sessions.retrieve, session_id))


def expire_checkout_session(session_id):
    """Close a session nobody should pay any more (an attempt that another replaced)."""
    return _session(_call(_client().v1.checkout.sessions.expire, session_id))


# --- PaymentIntents and refunds ---------------------------------------------------------------------------------


def retrieve_payment_intent(payment_intent_id):
    """The PaymentIntent as Stripe has it now."""
    return _payment_intent(_call(_client().v1.payment_intents.retrieve, payment_intent_id))


def refund_idempotency_key(refund_id):
    return f"refund-{refund_id}"


def refund(payment_intent_id, amount_idr, idempotency_key, metadata=None):
    """Give back `amount_idr` of a PaymentIntent (all of it or part); the same key asked twice refunds once."""
    params = {"payment_intent": payment_intent_id, "amount": to_stripe_amount(amount_idr)}
    if metadata:
        params["metadata"] = {key: str(value) for key, value in metadata.items()}
    return _refund(_call(_client().v1.refunds.create, params, {"idempotency_key": idempotency_key}))


def find_refund(payment_intent_id, metadata_key, metadata_value):
    """The refund of a PaymentIntent whose metadata says `metadata_key` = `metadata_value`, or None: a refund asked
    for more than a day ago (when Stripe forgets idempotency keys) is found again before it is asked for twice."""
    listing = _call(_client().v1.refunds.list, {"payment_intent": payment_intent_id, "limit": 100})
    for found in listing.data:
        metadata = getattr(found, "metadata", None)
        if metadata is not None and getattr(metadata, metadata_key, None) == str(metadata_value):
            return _refund(found)
    return None


def retrieve_refund(stripe_refund_id):
    """The refund as Stripe has it now (a pending one becomes succeeded or failed later)."""
    return _refund(_call(_client().v1.refunds.retrieve, stripe_refund_id))


# --- webhooks ---------------------------------------------------------------------------------------------------


def verify_event(payload, signature_header):
    """The event of a webhook body, once its Stripe-Signature is checked with STRIPE_WEBHOOK_SECRET and found fresh."""
    config = current_app.config
    secret = config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not signature_header:
        raise InvalidEvent("no signature")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature_header, secret, tolerance=int(config.get("STRIPE_WEBHOOK_TOLERANCE", 300))
        )
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise InvalidEvent(str(error)) from error
    event_id, event_type = getattr(event, "id", None), getattr(event, "type", None)
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
        raise InvalidEvent("not an event")
    data = getattr(event, "data", None)
    obj = getattr(data, "object", None) if data is not None else None
    kind = getattr(obj, "object", None) if obj is not None else None
    return Event(
        id=event_id,
        type=event_type,
        created=_int_or_none(getattr(event, "created", None)),
        session=_session(obj) if kind == "checkout.session" else None,
        payment_intent=_payment_intent(obj) if kind == "payment_intent" else None,
    )


# --- Stripe objects to ours -------------------------------------------------------------------------------------


def _session(obj):
    metadata = getattr(obj, "metadata", None)
    return CheckoutSession(
        id=obj.id,
        url=getattr(obj, "url", None),
        status=getattr(obj, "status", None),
        payment_status=getattr(obj, "payment_status", None),
        amount_total_idr=from_stripe_amount(getattr(obj, "amount_total", None)),
        payment_intent_id=_id_of(getattr(obj, "payment_intent", None)),
        expires_at=_int_or_none(getattr(obj, "expires_at", None)),
        checkout_id=_int_or_none(getattr(metadata, "checkout_id", None) or getattr(obj, "client_reference_id", None)),
        payment_id=_int_or_none(getattr(metadata, "payment_id", None)),
        reference=getattr(metadata, "reference", None),
    )


def _payment_intent(obj):
    metadata = getattr(obj, "metadata", None)
    status = getattr(obj, "status", None)
    received = getattr(obj, "amount_received", None)
    if received is None and status == "succeeded":
        received = getattr(obj, "amount", None)  # localstripe leaves amount_received out
    error = getattr(obj, "last_payment_error", None)
    return PaymentIntent(
        id=obj.id,
        status=status,
        amount_idr=from_stripe_amount(getattr(obj, "amount", None)),
        amount_received_idr=from_stripe_amount(received),
        failure_code=_code(getattr(error, "code", None) or getattr(error, "decline_code", None)) if error else None,
        checkout_id=_int_or_none(getattr(metadata, "checkout_id", None)),
        payment_id=_int_or_none(getattr(metadata, "payment_id", None)),
        reference=getattr(metadata, "reference", None),
    )


def _refund(obj):
    return RefundResult(
        id=obj.id,
        status=getattr(obj, "status", None),
        amount_idr=from_stripe_amount(getattr(obj, "amount", None)),
        failure_code=_code(getattr(obj, "failure_reason", None)),
    )


def _id_of(value):
    """An id, whether Stripe sent the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return getattr(value, "id", None)


def _snake(name):
    """APIConnectionError -> api_connection_error."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _int_or_none(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _code(value):
    """A Stripe error code as a short code we may store in a note (anything else is 'unknown')."""
    if value is None:
        return None
    value = str(value)
    return value if _ERROR_CODE.fullmatch(value) else "unknown"
