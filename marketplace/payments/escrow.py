"""The escrow the orders domain talks to (orders/payment.py), installed when the app is made: the ledger records
where the money is, and a refund goes back the way the checkout was paid."""

from marketplace.core.transaction import after_commit_then
from marketplace.orders.payment import install_escrow
from marketplace.payments import ledger, stripe_payments
from marketplace.payments.models import RefundStatus
from marketplace.payments.services import open_refund


class LedgerEscrow:
    def received(self, checkout, actor, moment):
        ledger.hold(checkout, actor, moment)

    def release(self, order, actor):
        ledger.release(order, actor)

    def carry_over(self, from_order, to_orders, actor, moment):
        ledger.carry_over(from_order, to_orders, actor, moment)

    def refund(self, order, amount_idr, actor, reason):
        ledger.refund(order, amount_idr, actor)
        refund = open_refund(order, amount_idr, actor, reason)
        if refund.status == RefundStatus.PENDING:
            # Stripe is asked once the refund is saved, never inside the transaction; a failed call stays pending
            # for `flask payments reconcile` to try again with the same idempotency key.
            refund_id = refund.id
            after_commit_then(lambda: stripe_payments.send_refund(refund_id))


def install(app):
    install_escrow(app, LedgerEscrow())
