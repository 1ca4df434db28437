"""The escrow ledger: append-only entries, balances as sums of them, and the escrow orders talk to.

Money in equals money accounted for: for every sentra, the sum of `received` equals what is still held for open
orders plus what was released to IKMs, kept as fees and refunded to buyers. Money held for a declined share of a
sentra order may be carried over to the orders that took its quantity (`carried` out of the one, `held` for the
others): it stays held, no new money came in. An IKM's balance is what was released
to it less what was paid out to it (payouts voided by mistake given back); it never goes below zero.

Entries of an order (held, released, fee, refund) name the order's IKM; a `received` entry names the buyer company.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders.models import OrderStatus
from marketplace.payments.models import EntryKind, LedgerEntry, SentraPaymentSettings

K = EntryKind


def add_entry(kind, amount_idr, sentra_id, organization_id, actor=None, at=None, **objects):
    """One ledger entry (nothing for a zero amount: the ledger records money that moved)."""
    if isinstance(amount_idr, bool) or not isinstance(amount_idr, int) or amount_idr < 0:
        raise ValueError(f"ledger amounts are whole non-negative Rupiah, not {amount_idr!r}")
    if amount_idr == 0:
        return None
    entry = LedgerEntry(
        kind=kind,
        amount_idr=amount_idr,
        sentra_id=sentra_id,
        organization_id=organization_id,
        actor_id=getattr(actor, "id", None),
        at=at or utcnow(),
        **objects,
    )
    db.session.add(entry)
    return entry


def platform_fee_pct(sentra_id):
    pct = db.session.scalar(
        select(SentraPaymentSettings.platform_fee_pct).where(SentraPaymentSettings.sentra_id == sentra_id)
    )
    return Decimal(pct or 0)


def platform_fee_idr(order, pct):
    """The sentra's fee on an order: a percentage of what the IKM sells (goods and delivery, not the PPN it owes the
    state), rounded half up to the Rupiah."""
    base = Decimal(order.total_idr - order.ppn_idr)
    return int((base * Decimal(pct) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hold(checkout, actor, moment):
    """The checkout's money came in: received from the buyer, held for each order it paid."""
    paid = [order for order in checkout.orders if order.status == OrderStatus.PAID]
    if not paid:
        return
    sentra_id = paid[0].sentra_id
    add_entry(
        K.RECEIVED,
        sum(order.total_idr for order in paid),
        sentra_id,
        checkout.buyer_organization_id,
        actor,
        at=moment,
        checkout_id=checkout.id,
    )
    for order in paid:
        add_entry(
            K.HELD, order.total_idr, order.sentra_id, order.seller_organization_id, actor, at=moment, order_id=order.id
        )


def release(order, actor):
    """The order completed: what is held for it goes to the IKM's balance, less the platform fee."""
    fee = platform_fee_idr(order, platform_fee_pct(order.sentra_id))
    refs = {"order_id": order.id}
    add_entry(K.RELEASED, order.total_idr - fee, order.sentra_id, order.seller_organization_id, actor, **refs)
    add_entry(K.FEE, fee, order.sentra_id, order.seller_organization_id, actor, **refs)


def refund(order, amount_idr, actor):
    add_entry(K.REFUND, amount_idr, order.sentra_id, order.seller_organization_id, actor, order_id=order.id)


def carry_over(from_order, to_orders, actor, moment):
    """What was held for `from_order` (a declined share) now holds for `to_orders`: the same money, moved."""
    amount = sum(order.total_idr for order in to_orders)
    refs = {"order_id": from_order.id}
    add_entry(K.CARRIED, amount, from_order.sentra_id, from_order.seller_organization_id, actor, at=moment, **refs)
    for order in to_orders:
        add_entry(
            K.HELD, order.total_idr, order.sentra_id, order.seller_organization_id, actor, at=moment, order_id=order.id
        )


# --- balances ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    available_idr: int = 0  # released, less paid out: what the sentra owes the IKM now
    held_idr: int = 0  # paid by buyers for orders not completed yet
    released_idr: int = 0
    fees_idr: int = 0
    paid_out_idr: int = 0


def _signed(kinds_and_signs):
    return func.coalesce(
        func.sum(
            case(
                *[(LedgerEntry.kind == kind, LedgerEntry.amount_idr * sign) for kind, sign in kinds_and_signs],
                else_=0,
            )
        ),
        0,
    )


_AVAILABLE = ((K.RELEASED, 1), (K.PAYOUT, -1), (K.PAYOUT_VOIDED, 1))
_HELD = ((K.HELD, 1), (K.RELEASED, -1), (K.FEE, -1), (K.REFUND, -1), (K.CARRIED, -1))
_COLUMNS = (
    _signed(_AVAILABLE),
    _signed(_HELD),
    _signed(((K.RELEASED, 1),)),
    _signed(((K.FEE, 1),)),
    _signed(((K.PAYOUT, 1), (K.PAYOUT_VOIDED, -1))),
)


def balances(organization_ids):
    """{IKM id: Balance} for these IKMs, in one query (an IKM with no entries gets an empty Balance)."""
    ids = list(organization_ids)
    found = {}
    if ids:
        rows = db.session.execute(
            select(LedgerEntry.organization_id, *_COLUMNS)
            .where(LedgerEntry.organization_id.in_(ids), LedgerEntry.kind != K.RECEIVED)
            .group_by(LedgerEntry.organization_id)
        ).all()
        found = {row[0]: Balance(*(int(value) for value in row[1:])) for row in rows}
    return {organization_id: found.get(organization_id, Balance()) for organization_id in ids}


def balance_of(organization_id):
    return balances([organization_id])[organization_id]


@dataclass(frozen=True)
class EscrowTotals:
    received_idr: int
    held_idr: int
    released_idr: int
    fees_idr: int
    refunded_idr: int
    paid_out_idr: int

    @property
    def accounted_idr(self):
        return self.held_idr + self.released_idr + self.fees_idr + self.refunded_idr


def escrow_totals(sentra_id=None):
    """The sentra's (or the platform's) escrow in one query: what came in and where it went."""
    statement = select(
        _signed(((K.RECEIVED, 1),)),
        _signed(_HELD),
        _signed(((K.RELEASED, 1),)),
        _signed(((K.FEE, 1),)),
        _signed(((K.REFUND, 1),)),
        _signed(((K.PAYOUT, 1), (K.PAYOUT_VOIDED, -1))),
    )
    if sentra_id is not None:
        statement = statement.where(LedgerEntry.sentra_id == sentra_id)
    return EscrowTotals(*(int(value) for value in db.session.execute(statement).one()))
