"""Paying a checkout by Stripe Checkout, and what Stripe tells us afterwards.

A checkout becomes paid only on Stripe's own word: a signed webhook event (`handle_event`) or Stripe's answer
when `reconcile` asks about a payment whose events were lost; the buyer's return from Stripe only shows what the
database already knows. Stripe is never called inside an open transaction: an operation saves what we are about
to ask, it commits, Stripe is asked, and a second operation records the answer. Repeating a call is harmless:
a session is asked for with the idempotency key of its attempt, a refund with the key of its refund row.

Each event id is claimed in `stripe_event` in the transaction of its effect, so a repeated delivery changes
nothing; events arriving out of order end in the same state, because every effect is a move that a later or
earlier one either makes again (no-op) or is not allowed to undo (a succeeded payment stays succeeded).
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError
from marketplace.core.notes import register_notes, system_note
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import operation
from marketplace.extensions import db
from marketplace.orders.models import Checkout, CheckoutStatus, OrderStatus
from marketplace.orders.payment import hold_deadline
from marketplace.orders.services import catch_up_checkout
from marketplace.payments import stripe_gateway
from marketplace.payments.models import (
    PAYMENT_STATES,
    REFUND_STATES,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
    StripeEvent,
)
from marketplace.payments.services import (
    another_being_checked,
    is_buyer_checkout,
    lock_payments_of,
    locked_payment,
    money_received,
    payment_failed,
    sentra_id_of,
)
from marketplace.payments.stripe_gateway import GatewayError, SessionLine

log = logging.getLogger(__name__)

# Stripe wants a session to live at least 30 minutes; one minute more covers the clocks and the call itself.
MIN_TIME_LEFT = stripe_gateway.SESSION_MIN_LIFETIME + timedelta(minutes=1)
# And at most 24 hours: a session ends at the payment deadline, or a minute before Stripe's limit.
LONGEST_SESSION = stripe_gateway.SESSION_MAX_LIFETIME - timedelta(minutes=1)
# An open session with at least this much time left is offered again instead of opening another (a reload, a
# second click, the buyer back from Stripe's page): the buyer never has two pages that can take the money.
REUSE_MIN_TIME_LEFT = timedelta(minutes=10)
# A session asked for this recently and not recorded yet may still be on its way: asked again with the same
# idempotency key (Stripe answers with the same session), never replaced by a second one.
IN_FLIGHT = timedelta(minutes=2)
RECONCILE_BATCH = 200

# Outcomes recorded per event (besides the payment's status after it).
DUPLICATE = "duplicate"
IGNORED = "ignored"
UNKNOWN = "unknown"

register_notes(
    {
        "stripe.replaced": _l("Replaced by a new Stripe payment page."),
        "stripe.not_opened": _l("Stripe could not open a payment page (%(code)s)."),
        "stripe.processing": _l("Stripe is processing the payment."),
        "stripe.declined": _l("Stripe: the payment was declined (%(code)s)."),
        "stripe.async_failed": _l("Stripe: the payment did not go through."),
        "stripe.expired": _l("The Stripe payment page expired before it was paid."),
        "stripe.refund_failed": _l("Stripe did not make the refund (%(code)s)."),
    }
)


class StripePaymentRefused(DomainError):
    code = "stripe_payment_refused"


# --- opening a payment page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What to ask Stripe, decided (and saved) in the first operation: plain values, no ORM objects."""

    payment_id: int
    checkout_id: int
    attempt: int
    reference: str
    lines: tuple
    expires_at: object
    url: str | None  # an open session to send the buyer to again: nothing to ask
    fresh: bool  # this request made the attempt (and may fail it)
    replaced_sessions: tuple  # sessions of attempts this one replaced: closed at Stripe


def start_stripe_payment(user, checkout, success_url, cancel_url, moment=None):
    """Open the buyer's Stripe Checkout page for a checkout (or the one still open) and return its URL."""
    now = moment or utcnow()
    try:
        plan = _plan_attempt(user, checkout.id, now)
    except IntegrityError:
        # Two clicks at the same moment on SQLite (PostgreSQL makes the second wait for the first's locks): the
        # other one has just made this attempt, and planning again finds it.
        plan = _plan_attempt(user, checkout.id, now)
    for session_id in plan.replaced_sessions:
        _expire_quietly(session_id)
    if plan.url is not None:
        return plan.url
    try:
        session = stripe_gateway.create_checkout_session(
            checkout_id=plan.checkout_id,
            payment_id=plan.payment_id,
            attempt=plan.attempt,
            reference=plan.reference,
            lines=plan.lines,
            expires_at=plan.expires_at,
            success_url=success_url,
            cancel_url=cancel_url,
        )
    except GatewayError as error:
        log.warning("stripe: no session for payment %s (%s): %s", plan.payment_id, error.code, error.message)
        if plan.fresh:
            payment_failed(plan.payment_id, system_note("stripe.not_opened", code=error.code))
        raise StripePaymentRefused(
            _l("Stripe could not open the payment page just now. Try again in a few minutes, or pay by bank transfer.")
        ) from error
    url = _record_session(plan.payment_id, session)
    if url is None:
        # The attempt ended while Stripe answered (another one replaced it, or it was paid another way).
        _expire_quietly(session.id)
        raise StripePaymentRefused(_l("This payment changed meanwhile: look at the payment page again."))
    return url


@operation
def _plan_attempt(user, checkout_id, now):
    # Payments before their checkout, as money_received locks them: the two never wait for each other in a circle.
    lock_payments_of(checkout_id)
    checkout = db.session.get(Checkout, checkout_id, with_for_update=True, populate_existing=True)
    if checkout is None or not is_buyer_checkout(user, checkout):
        raise StripePaymentRefused(_l("This checkout is not yours."))
    if not stripe_gateway.enabled():
        raise StripePaymentRefused(_l("Paying by card or e-wallet is not available: pay by bank transfer."))
    if checkout.status != CheckoutStatus.AWAITING_PAYMENT:
        raise StripePaymentRefused(_l("This checkout is not waiting for payment."))
    if checkout.is_overdue(now):
        raise StripePaymentRefused(_l("The payment deadline has passed: the orders were cancelled."))
    # Read again under the checkout's lock: an attempt made by a request that held it just before is seen.
    payments = db.session.scalars(
        select(Payment)
        .where(Payment.checkout_id == checkout_id)
        .order_by(Payment.id)
        .execution_options(populate_existing=True)
    ).all()
    if any(p.status in (PaymentStatus.SUBMITTED, PaymentStatus.FLAGGED) for p in payments):
        raise StripePaymentRefused(
            _l("A payment of this checkout is being checked: wait for the answer before paying again.")
        )
    open_stripe = [p for p in payments if p.method == PaymentMethod.STRIPE and p.status == PaymentStatus.PENDING]
    for payment in reversed(open_stripe):
        if payment.stripe_session_url and _session_ends(payment, checkout) - now >= REUSE_MIN_TIME_LEFT:
            return _plan_of(payment, checkout, url=payment.stripe_session_url)
        if payment.stripe_session_id is None and now - payment.created_at < IN_FLIGHT:
            return _plan_of(payment, checkout, fresh=False)
    if checkout.pay_by - now < MIN_TIME_LEFT:
        raise StripePaymentRefused(
            _l("Less than 30 minutes are left before the payment deadline: please pay by bank transfer.")
        )
    replaced = []
    for payment in open_stripe:
        PAYMENT_STATES.move(payment, PaymentStatus.CANCELLED, user, note=system_note("stripe.replaced"))
        if payment.stripe_session_id:
            replaced.append(payment.stripe_session_id)
    # A declined card fails its attempt, but its session stays open for another card until it expires: closed too,
    # so that the buyer has one page that can take the money.
    replaced += [
        p.stripe_session_id
        for p in payments
        if p.method == PaymentMethod.STRIPE
        and p.status == PaymentStatus.FAILED
        and p.stripe_session_id
        and _session_ends(p, checkout) > now
    ]
    attempt = max((p.attempt for p in payments if p.method == PaymentMethod.STRIPE), default=0) + 1
    payment = Payment(
        checkout_id=checkout.id,
        sentra_id=sentra_id_of(checkout),
        method=PaymentMethod.STRIPE,
        attempt=attempt,
        status=PaymentStatus.PENDING,
        amount_idr=checkout.total_idr,
        reference=f"{checkout.number}-S{attempt}",
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    record_audit(
        user,
        "payment.stripe_started",
        payment,
        after={"checkout": checkout.number, "attempt": attempt, "amount_idr": checkout.total_idr},
    )
    return _plan_of(payment, checkout, fresh=True, replaced=tuple(replaced))


def _plan_of(payment, checkout, url=None, fresh=False, replaced=()):
    lines = tuple(
        SessionLine(name=f"{order.number} · {order.seller_organization.name}", amount_idr=order.total_idr)
        for order in checkout.orders
        if order.status == OrderStatus.AWAITING_PAYMENT
    )
    if url is None and sum(line.amount_idr for line in lines) != payment.amount_idr:
        # The checkout's total is the sum of its orders awaiting payment; anything else is a bug, not a price.
        log.error("stripe: checkout %s lines do not add up to payment %s", checkout.id, payment.id)
        raise StripePaymentRefused(_l("This checkout changed meanwhile: look at it again."))
    return _Plan(
        payment_id=payment.id,
        checkout_id=checkout.id,
        attempt=payment.attempt,
        reference=payment.reference,
        lines=lines,
        expires_at=_session_ends(payment, checkout),
        url=url,
        fresh=fresh,
        replaced_sessions=replaced,
    )


def _session_ends(payment, checkout):
    # From the attempt's own creation time, so that asking again with the same key sends the same parameters.
    return min(checkout.pay_by, payment.created_at + LONGEST_SESSION)


@operation
def _record_session(payment_id, session):
    payment = locked_payment(payment_id)
    if payment.stripe_session_id not in (None, session.id):
        log.error("stripe: payment %s has session %s, not %s", payment_id, payment.stripe_session_id, session.id)
        return None
    payment.stripe_session_id = session.id
    if session.url:
        payment.stripe_session_url = session.url
    payment.updated_at = utcnow()
    return payment.stripe_session_url if payment.status == PaymentStatus.PENDING else None


def _expire_quietly(session_id):
    try:
        stripe_gateway.expire_checkout_session(session_id)
    except GatewayError as error:
        # Already complete or expired, or Stripe unreachable: its events (or reconcile) tell what became of it.
        log.info("stripe: session %s not expired (%s)", session_id, error.code)


# --- events -----------------------------------------------------------------------------------------------------


@operation
def handle_event(event):
    """Apply one verified Stripe event once (a repeat is a no-op) and return the outcome recorded for it."""
    claimed = _claim_event(event)
    if claimed is None:
        return DUPLICATE
    handler = _HANDLERS.get(event.type)
    outcome = IGNORED if handler is None else handler(event)
    db.session.execute(update(StripeEvent).where(StripeEvent.id == claimed).values(outcome=outcome))
    return outcome


_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def _claim_event(event):
    """The event's row, inserted as the transaction's first write; None if another delivery has it.

    INSERT … ON CONFLICT DO NOTHING rather than a SAVEPOINT: on PostgreSQL a second delivery arriving meanwhile
    waits for the first to commit and then inserts nothing, and on SQLite a SAVEPOINT opening the transaction
    would be committed by its RELEASE (core/submissions.py), the event saved without its effect."""
    table = StripeEvent.__table__
    statement = (
        _INSERTS[db.session.get_bind().dialect.name](table)
        .values(event_id=event.id, type=event.type[:80], outcome="received", received_at=utcnow())
        .on_conflict_do_nothing(index_elements=[table.c.event_id])
        .returning(table.c.id)
    )
    return db.session.execute(statement).scalar()


def _on_session_completed(event):
    session = event.session
    payment = _payment_of_session(session)
    if payment is None:
        return UNKNOWN
    if session.payment_status == "paid":
        return _paid(payment, session.amount_total_idr)
    # A delayed method (a bank debit, say): the money is on its way; async_payment_succeeded or _failed follows.
    return _processing(payment)


def _on_async_payment_succeeded(event):
    payment = _payment_of_session(event.session)
    return UNKNOWN if payment is None else _paid(payment, event.session.amount_total_idr)


def _on_async_payment_failed(event):
    payment = _payment_of_session(event.session)
    return UNKNOWN if payment is None else _failed(payment, system_note("stripe.async_failed"))


def _on_session_expired(event):
    payment = _payment_of_session(event.session)
    return UNKNOWN if payment is None else _failed(payment, system_note("stripe.expired"))


def _on_intent_succeeded(event):
    intent = event.payment_intent
    payment = _payment_of_intent(intent)
    return UNKNOWN if payment is None else _paid(payment, intent.amount_received_idr)


def _on_intent_failed(event):
    intent = event.payment_intent
    payment = _payment_of_intent(intent)
    if payment is None:
        return UNKNOWN
    # A declined card on an open session: the buyer may still pay with another one, and a later success moves the
    # payment from failed to succeeded.
    return _failed(payment, system_note("stripe.declined", code=intent.failure_code or "unknown"))


_HANDLERS = {
    "checkout.session.completed": _on_session_completed,
    "checkout.session.async_payment_succeeded": _on_async_payment_succeeded,
    "checkout.session.async_payment_failed": _on_async_payment_failed,
    "checkout.session.expired": _on_session_expired,
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
}


def _payment_of_session(session):
    if session is None:
        return None
    payment_id = db.session.scalar(select(Payment.id).where(Payment.stripe_session_id == session.id))
    if payment_id is None:
        # The session's id was never recorded (the answer that carried it was lost): its metadata names it.
        payment_id = _named_payment_id(session.payment_id, session.checkout_id, session.reference)
    payment = _locked(payment_id)
    if payment is None or payment.stripe_session_id not in (None, session.id):
        return None
    _remember(payment, session_id=session.id, intent_id=session.payment_intent_id)
    return payment


def _payment_of_intent(intent):
    if intent is None:
        return None
    payment_id = db.session.scalar(select(Payment.id).where(Payment.stripe_payment_intent_id == intent.id))
    if payment_id is None:
        # Before checkout.session.completed has told us the PaymentIntent: its metadata (from the session) names it.
        payment_id = _named_payment_id(intent.payment_id, intent.checkout_id, intent.reference)
    payment = _locked(payment_id)
    if payment is None or payment.stripe_payment_intent_id not in (None, intent.id):
        return None
    _remember(payment, intent_id=intent.id)
    return payment


def _named_payment_id(payment_id, checkout_id, reference):
    """The Stripe payment the metadata names, if every part of it agrees: an event of another site sharing the
    Stripe account (a staging copy, say) must not pay a checkout here."""
    if payment_id is None:
        return None
    return db.session.scalar(
        select(Payment.id).where(
            Payment.id == payment_id,
            Payment.method == PaymentMethod.STRIPE,
            Payment.checkout_id == checkout_id,
            Payment.reference == reference,
        )
    )


def _locked(payment_id):
    """The payment, read afresh with its checkout's payments locked: another event of the same payment may have
    changed it a moment ago, and this session must not act on an older copy (services.lock_payments_of)."""
    if payment_id is None:
        return None
    return locked_payment(payment_id)


def _remember(payment, session_id=None, intent_id=None):
    changed = False
    if session_id and payment.stripe_session_id is None:
        payment.stripe_session_id = session_id
        changed = True
    if intent_id and payment.stripe_payment_intent_id is None:
        payment.stripe_payment_intent_id = intent_id
        changed = True
    if changed:
        db.session.flush()


def _paid(payment, amount_idr):
    if amount_idr is None:
        log.error("stripe: payment %s paid without an amount", payment.id)
        return UNKNOWN
    return money_received(payment.id, amount_idr).status


def _processing(payment):
    if payment.status == PaymentStatus.PENDING:
        PAYMENT_STATES.move(
            payment, PaymentStatus.SUBMITTED, None, note=system_note("stripe.processing"), action_name="processing"
        )
        # Paid in time, still on its way: the checkout waits for it instead of expiring (as for a transfer proof).
        hold_deadline(payment.checkout_id, checking=True)
    return payment.status


def _failed(payment, note, moment=None):
    was_processing = payment.status == PaymentStatus.SUBMITTED
    payment = payment_failed(payment.id, note)
    if payment.status != PaymentStatus.FAILED:
        return payment.status  # it had succeeded, been flagged or replaced: a failure changes nothing
    if was_processing and not another_being_checked(payment):
        hold_deadline(payment.checkout_id, checking=False)
    # Past its deadline and no payment on its way: the checkout expires now and its stock goes back.
    catch_up_checkout(db.session.get(Checkout, payment.checkout_id), moment)
    return payment.status


# --- reconcile --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OpenPayment:
    payment_id: int
    session_id: str | None
    intent_id: str | None


def reconcile(older_than_minutes=5, moment=None):
    """Ask Stripe about Stripe payments still open after a few minutes (their webhooks may have been lost), and send
    again the Stripe refunds not made yet. Returns counts; Stripe's errors are logged and counted, never raised."""
    now = moment or utcnow()
    cutoff = now - timedelta(minutes=older_than_minutes)
    counts = Counter()
    for item in _open_stripe_payments(cutoff):
        counts["payments_checked"] += 1
        status_before, status_after = _reconcile_payment(item, now)
        if status_after == "error":
            counts["errors"] += 1
        elif status_after != status_before:
            counts["payments_changed"] += 1
    for refund_id in _refunds_to_send(cutoff):
        counts["refunds_checked"] += 1
        status = _send_refund(refund_id, look_first=True)
        if status == RefundStatus.SUCCEEDED:
            counts["refunds_succeeded"] += 1
        elif status != RefundStatus.PENDING:
            counts["errors"] += 1
    return {
        key: counts[key]
        for key in ("payments_checked", "payments_changed", "refunds_checked", "refunds_succeeded", "errors")
    }


@operation
def _open_stripe_payments(cutoff):
    rows = db.session.execute(
        select(Payment.id, Payment.stripe_session_id, Payment.stripe_payment_intent_id)
        .where(
            Payment.method == PaymentMethod.STRIPE,
            Payment.status.in_(PaymentStatus.OPEN),
            Payment.created_at <= cutoff,
        )
        .order_by(Payment.id)
        .limit(RECONCILE_BATCH)
    ).all()
    return [_OpenPayment(*row) for row in rows]


def _reconcile_payment(item, now):
    status_before = _status_of(item.payment_id)
    try:
        session = stripe_gateway.retrieve_checkout_session(item.session_id) if item.session_id else None
        intent_id = (session.payment_intent_id if session else None) or item.intent_id
        undecided = session is None or (session.status == "complete" and session.payment_status != "paid")
        intent = stripe_gateway.retrieve_payment_intent(intent_id) if intent_id and undecided else None
    except GatewayError as error:
        log.warning("stripe: reconcile payment %s: %s (%s)", item.payment_id, error.message, error.code)
        return status_before, "error"
    return status_before, _apply_stripe_state(item.payment_id, session, intent, now)


@operation
def _status_of(payment_id):
    return db.session.scalar(select(Payment.status).where(Payment.id == payment_id))


@operation
def _apply_stripe_state(payment_id, session, intent, now):
    payment = _locked(payment_id)
    if payment is None or payment.status not in PaymentStatus.OPEN:
        return payment.status if payment is not None else UNKNOWN
    if session is None and intent is None:
        if now - payment.created_at < IN_FLIGHT:
            return payment.status
        # Its session was never recorded: the call that opened it failed or was cut off, so its buyer never saw it.
        return _failed(payment, system_note("stripe.not_opened", code="not_recorded"), now)
    if session is not None:
        _remember(payment, session_id=session.id, intent_id=session.payment_intent_id)
        if session.status == "complete" and session.payment_status == "paid":
            return _paid(payment, session.amount_total_idr)
        if session.status == "expired":
            return _failed(payment, system_note("stripe.expired"), now)
        if session.status != "complete":
            return payment.status  # still open: the buyer may yet pay
    if intent is not None:
        _remember(payment, intent_id=intent.id)
        if intent.status == "succeeded":
            return _paid(payment, intent.amount_received_idr)
        if intent.failed:
            return _failed(payment, system_note("stripe.declined", code=intent.failure_code or "unknown"), now)
    if session is not None:
        return _processing(payment)  # complete, not paid yet: a delayed method
    return payment.status


# --- refunds ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RefundJob:
    refund_id: int
    order_id: int
    amount_idr: int
    payment_intent_id: str | None
    stripe_refund_id: str | None


def send_refund(refund_id):
    """Ask Stripe for a refund saved as pending and record its answer; never raises (a failure is recorded, logged
    and tried again by reconcile with the same idempotency key)."""
    try:
        return _send_refund(refund_id, look_first=False)
    except Exception:
        # Called after the change that owes the money has committed: its page must not fail because of this.
        log.exception("stripe: refund %s could not be sent", refund_id)
        return None


def _send_refund(refund_id, look_first):
    job = _refund_job(refund_id)
    if job is None:
        return None
    if job.payment_intent_id is None:
        log.error("stripe: refund %s has no PaymentIntent to refund", refund_id)
        return _refund_failed(refund_id, "no_payment_intent")
    try:
        if job.stripe_refund_id:
            result = stripe_gateway.retrieve_refund(job.stripe_refund_id)
        else:
            # Asked before (a retry): Stripe forgets idempotency keys after a day, so look for it first.
            found = (
                stripe_gateway.find_refund(job.payment_intent_id, "refund_id", job.refund_id) if look_first else None
            )
            result = found or stripe_gateway.refund(
                job.payment_intent_id,
                job.amount_idr,
                stripe_gateway.refund_idempotency_key(job.refund_id),
                metadata={"refund_id": job.refund_id, "order_id": job.order_id},
            )
    except GatewayError as error:
        log.warning("stripe: refund %s failed: %s (%s)", refund_id, error.message, error.code)
        return _refund_failed(refund_id, error.code)
    return _refund_answered(refund_id, result)


@operation
def _refund_job(refund_id):
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.method != PaymentMethod.STRIPE:
        return None
    if refund.status not in (RefundStatus.PENDING, RefundStatus.FAILED):
        return None
    return _RefundJob(
        refund_id=refund.id,
        order_id=refund.order_id,
        amount_idr=refund.amount_idr,
        payment_intent_id=refund.payment.stripe_payment_intent_id if refund.payment is not None else None,
        stripe_refund_id=refund.stripe_refund_id,
    )


@operation
def _refund_answered(refund_id, result):
    refund = db.session.get(Refund, refund_id, with_for_update=True, populate_existing=True)
    if refund.status == RefundStatus.SUCCEEDED:
        return refund.status
    if result.status == "succeeded":
        REFUND_STATES.move(refund, RefundStatus.SUCCEEDED, None, extra_values={"stripe_refund_id": result.id})
    elif result.status in ("failed", "canceled"):
        # Stripe took the request and could not pay it back (a closed card, say): a person has to, not a retry.
        note = system_note("stripe.refund_failed", code=result.failure_code or result.status)
        _refund_note_failure(refund, note, stripe_refund_id=result.id)
    elif refund.status == RefundStatus.FAILED:
        # Taken at last, still pending at Stripe: reconcile asks about it again later.
        REFUND_STATES.move(refund, RefundStatus.PENDING, None, extra_values={"stripe_refund_id": result.id})
    else:
        refund.stripe_refund_id = result.id  # pending at Stripe: reconcile asks about it again later
        refund.updated_at = utcnow()
    return refund.status


@operation
def _refund_failed(refund_id, code):
    refund = db.session.get(Refund, refund_id, with_for_update=True, populate_existing=True)
    if refund.status in (RefundStatus.PENDING, RefundStatus.FAILED):
        _refund_note_failure(refund, system_note("stripe.refund_failed", code=code))
    return refund.status


def _refund_note_failure(refund, note, stripe_refund_id=None):
    extra = {"stripe_refund_id": stripe_refund_id} if stripe_refund_id else {}
    if refund.status == RefundStatus.PENDING:
        REFUND_STATES.move(refund, RefundStatus.FAILED, None, note=note, extra_values=extra)
    else:  # failed again: the note says why, without another history entry every few minutes
        for name, value in {"status_note": note, "updated_at": utcnow(), **extra}.items():
            setattr(refund, name, value)


@operation
def _refunds_to_send(cutoff):
    # Pending ones only once they are a few minutes old: a new one is being sent right after its commit.
    return db.session.scalars(
        select(Refund.id)
        .where(
            Refund.method == PaymentMethod.STRIPE,
            or_(
                and_(Refund.status == RefundStatus.FAILED, Refund.stripe_refund_id.is_(None)),
                and_(Refund.status == RefundStatus.PENDING, Refund.updated_at <= cutoff),
            ),
        )
        .order_by(Refund.id)
        .limit(RECONCILE_BATCH)
    ).all()
