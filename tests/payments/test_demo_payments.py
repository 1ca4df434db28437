"""The payments of the demo world (`flask seed-demo`): the sentras' accounts and fees, a year of payouts through the
service, old refunds transferred back, one transfer proof waiting; and the ledger adds up."""

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.accounts.models import Organization, OrganizationKind, OrganizationStatus, Sentra
from marketplace.core.models import OutboxMessage
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import transaction
from marketplace.demo import seed_demo
from marketplace.extensions import db
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments import ledger, services
from marketplace.payments.models import BankAccount, LedgerEntry, Payment, Refund
from tests.helpers import table_counts


def _seed():
    with transaction():
        return seed_demo()


def test_demo_payments_add_up_and_leave_work_for_the_coordinator():
    summary = _seed()
    assert summary["payouts"] > 0
    jombang = db.session.scalar(select(Sentra).where(Sentra.slug == "slag-aluminium-jombang"))
    settings = services.settings_of(jombang.id)
    assert settings.has_bank_account and settings.platform_fee_pct > 0

    totals = ledger.escrow_totals(jombang.id)
    assert totals.received_idr == totals.accounted_idr
    assert totals.fees_idr > 0  # the fee was set before the orders demo completed its orders
    open_paid = db.session.scalar(
        select(func.sum(Order.total_idr)).where(
            Order.sentra_id == jombang.id, Order.status.in_(OrderStatus.PAID_STATES)
        )
    )
    assert totals.held_idr == open_paid

    ikms = db.session.scalars(
        select(Organization).where(
            Organization.kind == OrganizationKind.IKM, Organization.status == OrganizationStatus.APPROVED
        )
    ).all()
    balances = ledger.balances(ikm.id for ikm in ikms)
    assert all(balance.available_idr >= 0 for balance in balances.values())
    assert any(balance.available_idr > 0 for balance in balances.values())  # last month waits to be paid out
    assert db.session.scalar(select(func.count(BankAccount.id))) == len(ikms)

    # Entries are dated when their orders moved, not when the demo was seeded.
    oldest = db.session.scalar(select(func.min(LedgerEntry.at)).where(LedgerEntry.kind == "released"))
    assert oldest < utcnow() - timedelta(days=180)
    waiting = db.session.scalars(select(Payment).where(Payment.status == "submitted")).all()
    assert len(waiting) == 1 and waiting[0].proofs
    refunds = db.session.scalars(select(Refund)).all()
    assert refunds and any(refund.status == "succeeded" for refund in refunds)
    # The year's payout and refund mails are history, recorded as sent.
    assert db.session.scalars(select(OutboxMessage.status).distinct()).all() == ["sent"]


def test_seeding_the_demo_twice_adds_no_payments():
    _seed()
    before = table_counts()
    _seed()
    assert table_counts() == before
