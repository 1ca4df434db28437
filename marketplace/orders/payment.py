"""The payment interface: all the orders code knows of payments.

`mark_checkout_paid` is the one way a checkout becomes paid; whatever takes the money (the payments domain:
Stripe, a confirmed bank transfer) calls it once the money is in. The other way round, orders tell the escrow the
payments domain installs (`install_escrow`, at app start, like the catalog's price rules) what happened to the
money: a checkout paid (held for its orders), an order completed (released to the IKM), a paid order ended
unfulfilled (refunded to the buyer). Each call runs inside the transaction of the move that causes it.
"""

from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError
from marketplace.core.ports import Port
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import operation
from marketplace.extensions import db
from marketplace.orders.models import CHECKOUT_STATES, ORDER_STATES, Checkout, CheckoutStatus, OrderStatus
from marketplace.orders.notify import tell_of_move


class CheckoutNotPayable(DomainError):
    code = "checkout_not_payable"


class Escrow(Protocol):
    def received(self, checkout, actor, moment):
        """The checkout's money came in: hold each of its paid orders' amounts."""

    def release(self, order, actor):
        """The order completed: its amount goes to the IKM (less the sentra's fee)."""

    def refund(self, order, amount_idr, actor, reason):
        """The paid order ended unfulfilled: `amount_idr` goes back to the buyer."""

    def carry_over(self, from_order, to_orders, actor, moment):
        """A declined share's money pays the orders that took its quantity over: held for them instead."""


_ESCROW = Port("escrow")
install_escrow = _ESCROW.install


def release_to_ikm(order, actor):
    """Called by orders when an order completes."""
    _ESCROW.get().release(order, actor)


def refund(order, actor, reason, amount_idr=None):
    """Pay the buyer back what they paid for `order` (called by orders when a paid order ends unfulfilled), or the
    part `amount_idr` of it that was not carried over to other orders (a declined share of a sentra order).

    What is owed stays on the order (`refund_due_idr`, shown on its page and invoice) and in the audit log; the
    escrow then pays it back by the way the checkout was paid."""
    amount = order.total_idr if amount_idr is None else amount_idr
    if amount <= 0:
        return
    order.refund_due_idr = amount
    record_audit(actor, "order.refund_due", order, after={"refund_due_idr": amount}, note=reason)
    _ESCROW.get().refund(order, amount, actor, reason)


def pay_with_carried(checkout, declined_order, actor, moment=None):
    """A checkout that takes over a declined share's quantity is paid with the money the buyer paid for that share:
    the checkout and its orders become paid and the escrow holds that money for them. The caller checked that the
    new orders cost no more than the declined one, whose refund is only the difference."""
    now = moment or utcnow()
    CHECKOUT_STATES.move(
        checkout,
        CheckoutStatus.PAID,
        actor,
        extra_values={"paid_at": now, "payment_reference": declined_order.number},
    )
    for order in checkout.orders:
        ORDER_STATES.move(order, OrderStatus.PAID, actor)
        tell_of_move(order, OrderStatus.PAID, actor)
    _ESCROW.get().carry_over(declined_order, checkout.orders, actor, now)


@operation
def mark_checkout_paid(checkout_id, reference, actor=None, moment=None):
    """The money for a checkout is in: the checkout and each of its orders awaiting payment become paid.

    Idempotent for the same checkout (a provider may tell us twice). A checkout past its deadline, expired or
    cancelled is refused: its stock may have gone to somebody else."""
    checkout = db.session.get(Checkout, checkout_id, with_for_update=True)
    if checkout is None:
        raise LookupError(f"no checkout {checkout_id}")
    if checkout.status == CheckoutStatus.PAID:
        return checkout
    now = moment or utcnow()
    if checkout.status != CheckoutStatus.AWAITING_PAYMENT or checkout.is_overdue(now):
        raise CheckoutNotPayable(_l("This checkout can no longer be paid: its payment deadline has passed."))
    CHECKOUT_STATES.move(
        checkout,
        CheckoutStatus.PAID,
        actor,
        extra_values={"paid_at": now, "payment_reference": reference, "payment_check_since": None},
    )
    for order in checkout.orders:
        if order.status == OrderStatus.AWAITING_PAYMENT:
            ORDER_STATES.move(order, OrderStatus.PAID, actor)
            tell_of_move(order, OrderStatus.PAID, actor)
    _ESCROW.get().received(checkout, actor, now)
    return checkout


def hold_deadline(checkout_id, checking):
    """A payment made in time is being checked (True), or its check ended without payment (False): while checked,
    the checkout does not expire; once the check ends, a deadline that passed meanwhile applies again."""
    values = {"payment_check_since": utcnow() if checking else None}
    condition = Checkout.payment_check_since.is_(None) if checking else Checkout.payment_check_since.is_not(None)
    db.session.execute(
        update(Checkout)
        .where(Checkout.id == checkout_id, Checkout.status == CheckoutStatus.AWAITING_PAYMENT, condition)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
