"""The payment interface: all the orders code knows of payments.

`mark_checkout_paid` is the one way a checkout becomes paid; whatever takes the money (the payments domain:
Stripe, a confirmed bank transfer) calls it once the money is in. The other way round, orders ask for money back
through the refund provider the payments domain installs (`install_refund_provider`, at app start, like the
catalog's price rules). Until one is installed, `RecordRefundDue` keeps what is owed on the order
(`refund_due_idr`) and in the audit log, for the sentra to pay back by hand.
"""

from flask_babel import lazy_gettext as _l

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


class RecordRefundDue:
    """What is owed back is written on the order and in the audit log (no provider moves money yet)."""

    def refund(self, order, amount_idr, actor, reason):
        order.refund_due_idr = amount_idr
        record_audit(actor, "order.refund_due", order, after={"refund_due_idr": amount_idr}, note=reason)


_REFUNDS = Port("refund provider", default=RecordRefundDue())
install_refund_provider = _REFUNDS.install


def refund(order, actor, reason):
    """Pay the buyer back what they paid for `order` (called by orders when a paid order ends unfulfilled)."""
    _REFUNDS.get().refund(order, order.total_idr, actor, reason)


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
    if checkout.status != CheckoutStatus.AWAITING_PAYMENT or checkout.pay_by <= now:
        raise CheckoutNotPayable(_l("This checkout can no longer be paid: its payment deadline has passed."))
    CHECKOUT_STATES.move(
        checkout, CheckoutStatus.PAID, actor, extra_values={"paid_at": now, "payment_reference": reference}
    )
    for order in checkout.orders:
        if order.status == OrderStatus.AWAITING_PAYMENT:
            ORDER_STATES.move(order, OrderStatus.PAID, actor)
            tell_of_move(order, OrderStatus.PAID, actor)
    return checkout
