"""At the same moment: coordinators paying out one IKM's balance twice over, a transfer confirmed twice, Stripe's
event arriving while the coordinator confirms the transfer. Each thread has its own app context and commits for
real (real_commits: every table is emptied after). On PostgreSQL the rows are locked; on SQLite writers take turns."""

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.core.submissions import new_submission_token
from marketplace.extensions import db
from marketplace.payments import ledger, services
from marketplace.payments.models import BankAccount, LedgerEntry, Payment, Payout, SentraPaymentSettings
from marketplace.payments.services import PayoutInput
from tests import factories
from tests.orders.test_order_concurrency import _at_once
from tests.payments.test_bank_transfer import photo_bytes

pytestmark = pytest.mark.real_commits


@pytest.fixture
def paid_out(catalog_world):
    """An IKM with Rp 850.000 less a 2 % fee in its balance, and a bank account."""
    w = catalog_world
    w.listing = factories.make_listing(
        w.ikm, w.product_type, title="Paving K-300 saldo", stock=Decimal("100"), min_order=Decimal("1"), index=False
    )
    db.session.add(
        SentraPaymentSettings(
            sentra_id=w.jombang.id,
            platform_fee_pct=Decimal("2"),
            bank_name="BRI",
            account_number="12345",
            account_holder="Koperasi",
        )
    )
    db.session.add(BankAccount(organization_id=w.ikm.id, bank_name="BRI", account_number="99999", account_holder="UD"))
    db.session.commit()
    factories.make_order(w.buyer, w.listing, 10, status="completed", seller=w.seller)
    db.session.commit()
    return w


def test_coordinators_paying_out_at_once_never_pay_more_than_the_balance(app, paid_out):
    w = paid_out
    balance = ledger.balance_of(w.ikm.id).available_idr
    assert balance == 833_000
    crowd = 8 if db.engine.dialect.name == "postgresql" else 4
    coordinators = [w.coordinator.id] + [
        factories.make_user("coordinator", sentra=w.jombang).id for _ in range(crowd - 1)
    ]
    db.session.commit()
    ikm_id = w.ikm.id

    def pay(i):
        coordinator = db.session.get(User, coordinators[i])
        values = PayoutInput(ikm_id, 300_000, date(2026, 11, 30), f"TRF-{i}", "")
        return services.record_payout(coordinator, values, new_submission_token()).id

    outcomes = _at_once(app, crowd, pay)
    made = [value for kind, value in outcomes if kind == "ok"]
    assert len(made) == 2  # 2 × 300.000 fit in 833.000; a third would not
    assert all(isinstance(value, services.PayoutRefused) for kind, value in outcomes if kind == "error")
    db.session.expire_all()
    assert ledger.balance_of(ikm_id).available_idr == 233_000
    assert db.session.scalar(select(func.count(Payout.id))) == 2


def test_a_transfer_confirmed_twice_at_once_pays_once(app, paid_out):
    w = paid_out
    order = factories.make_order(w.buyer, w.listing, 5, status="awaiting_payment", seller=w.seller)
    db.session.commit()
    payment = services.submit_transfer_proof(
        w.buyer, order.checkout, io.BytesIO(photo_bytes()), new_submission_token()
    ).payment
    db.session.commit()
    second = factories.make_user("coordinator", sentra=w.jombang)
    db.session.commit()
    ids, payment_id = [w.coordinator.id, second.id], payment.id

    def confirm(i):
        user = db.session.get(User, ids[i])
        return services.decide_transfer(user, db.session.get(Payment, payment_id), "confirm").status

    outcomes = _at_once(app, 2, confirm)
    assert [kind for kind, _ in outcomes].count("ok") >= 1
    db.session.expire_all()
    assert db.session.get(Payment, payment_id).status == "succeeded"
    received = select(func.count(LedgerEntry.id)).where(
        LedgerEntry.kind == "received", LedgerEntry.checkout_id == order.checkout_id
    )
    assert db.session.scalar(received) == 1


def test_a_transfer_confirmed_while_stripe_reports_a_payment_of_the_same_checkout_pays_once_and_flags_the_other(
    app, paid_out
):
    """Both lock the checkout's payments first, in one order: neither waits for the other in a circle."""
    w = paid_out
    order = factories.make_order(w.buyer, w.listing, 5, status="awaiting_payment", seller=w.seller)
    db.session.commit()
    bank = services.submit_transfer_proof(
        w.buyer, order.checkout, io.BytesIO(photo_bytes()), new_submission_token()
    ).payment
    card = Payment(
        checkout_id=order.checkout_id,
        sentra_id=w.jombang.id,
        method="stripe",
        attempt=1,
        status="pending",
        amount_idr=order.checkout.total_idr,
        reference=f"{order.checkout.number}-S1",
    )
    db.session.add(card)
    db.session.commit()
    bank_id, card_id, total, coordinator_id = bank.id, card.id, order.checkout.total_idr, w.coordinator.id

    def settle(i):
        if i == 0:
            user = db.session.get(User, coordinator_id)
            return services.decide_transfer(user, db.session.get(Payment, bank_id), "confirm").status
        return services.money_received(card_id, total).status

    outcomes = _at_once(app, 2, settle)
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    db.session.expire_all()
    statuses = sorted([db.session.get(Payment, bank_id).status, db.session.get(Payment, card_id).status])
    assert statuses == ["flagged", "succeeded"]  # the second money is flagged to pay back, never lost
    received = select(func.count(LedgerEntry.id)).where(
        LedgerEntry.kind == "received", LedgerEntry.checkout_id == order.checkout_id
    )
    assert db.session.scalar(received) == 1
