"""The escrow ledger: what a payment, a completion, a refund and a payout write; balances as sums of entries; and,
whatever the sequence of operations, money in equals held + released + fees + refunds, with no IKM balance below
zero."""

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from marketplace.core.errors import InvalidTransition
from marketplace.core.models import OutboxMessage
from marketplace.core.submissions import DuplicateSubmission, new_submission_token
from marketplace.extensions import db
from marketplace.orders import services as orders
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments import ledger, services
from marketplace.payments.ledger import Balance, platform_fee_idr
from marketplace.payments.models import BankAccount, LedgerEntry, Payout, Refund, SentraPaymentSettings
from marketplace.payments.services import PaymentRefused, PayoutInput, PayoutRefused
from tests import factories
from tests.helpers import table_counts
from tests.payments.conftest import order_in

TOTAL = 850_000  # 10 m² at Rp 85.000, no PPN (the IKM is not PKP)
FEE = 21_250  # 2.5 % of it


def entries(order):
    rows = db.session.execute(
        select(LedgerEntry.kind, LedgerEntry.amount_idr, LedgerEntry.organization_id)
        .where(LedgerEntry.order_id == order.id)
        .order_by(LedgerEntry.id)
    ).all()
    return [tuple(row) for row in rows]


def payout(w, amount, token=None):
    values = PayoutInput(w.ikm.id, amount, date(2026, 11, 30), "BRI-TRF-001", "")
    return services.record_payout(w.coordinator, values, token or new_submission_token())


def test_a_paid_checkout_is_received_from_the_buyer_and_held_for_its_order(shop):
    order = order_in(shop, "paid")
    received = db.session.execute(
        select(LedgerEntry.amount_idr, LedgerEntry.organization_id).where(
            LedgerEntry.kind == "received", LedgerEntry.checkout_id == order.checkout_id
        )
    ).one()
    assert tuple(received) == (TOTAL, shop.buyer_org.id)
    assert entries(order) == [("held", TOTAL, shop.ikm.id)]
    assert ledger.balance_of(shop.ikm.id) == Balance(available_idr=0, held_idr=TOTAL)


def test_a_completed_order_is_released_to_the_ikm_less_the_platform_fee(shop):
    order = order_in(shop, "completed")
    assert entries(order) == [
        ("held", TOTAL, shop.ikm.id),
        ("released", TOTAL - FEE, shop.ikm.id),
        ("fee", FEE, shop.ikm.id),
    ]
    assert ledger.balance_of(shop.ikm.id) == Balance(
        available_idr=TOTAL - FEE, held_idr=0, released_idr=TOTAL - FEE, fees_idr=FEE
    )


def test_with_no_fee_the_whole_order_is_released_and_no_fee_entry_written(shop):
    db.session.delete(shop.settings)
    db.session.commit()
    order = order_in(shop, "completed")
    assert entries(order) == [("held", TOTAL, shop.ikm.id), ("released", TOTAL, shop.ikm.id)]


@pytest.mark.parametrize(
    ("total", "ppn", "pct", "fee"),
    [
        (850_000, 0, "2.5", 21_250),
        (1_110_000, 110_000, "2.5", 25_000),  # the PPN the IKM owes the state carries no fee
        (1_000_001, 0, "1.25", 12_500),  # 12 500.0125 → 12 500
        (1_000_040, 0, "1.25", 12_501),  # 12 500.5 → 12 501: half up
        (999, 0, "0", 0),
    ],
)
def test_the_platform_fee_is_a_percentage_of_goods_and_delivery_rounded_half_up(total, ppn, pct, fee):
    order = Order(total_idr=total, ppn_idr=ppn)
    assert platform_fee_idr(order, Decimal(pct)) == fee


@pytest.mark.parametrize("status", ["rejected", "cancelled", "refunded"])
def test_a_paid_order_that_ends_unfulfilled_is_refunded_and_nothing_stays_held(shop, status):
    if status == "cancelled":
        order = order_in(shop, "paid")
        orders.act_on_order(shop.buyer, order, "cancel", reason="Tidak jadi dipakai")
    else:
        order = order_in(shop, status)
    assert entries(order) == [("held", TOTAL, shop.ikm.id), ("refund", TOTAL, shop.ikm.id)]
    assert ledger.balance_of(shop.ikm.id).held_idr == 0
    refund = db.session.scalar(select(Refund).where(Refund.order_id == order.id))
    assert (refund.method, refund.status, refund.amount_idr) == ("bank_transfer", "due", TOTAL)
    assert db.session.get(Order, order.id).refund_due_idr == TOTAL


def test_a_refund_by_bank_transfer_asks_the_coordinators_to_transfer_it_back(shop):
    order = order_in(shop, "rejected")
    subjects = db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.to_address == shop.coordinator.email)
    ).all()
    assert [subject for subject in subjects if order.number in subject] != []


def test_an_unpaid_order_cancelled_writes_nothing_to_the_ledger(shop):
    order = order_in(shop, "awaiting_payment")
    orders.act_on_order(shop.buyer, order, "cancel", reason="Tidak jadi dipakai")
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_a_payout_comes_off_the_balance(shop):
    order_in(shop, "completed")
    made = payout(shop, 500_000)
    assert (made.amount_idr, made.bank_account) == (500_000, "BRI 123456789 a.n. UD Approved")
    balance = ledger.balance_of(shop.ikm.id)
    assert (balance.available_idr, balance.paid_out_idr) == (TOTAL - FEE - 500_000, 500_000)


def test_a_payout_above_the_balance_is_refused_and_changes_nothing(shop):
    order_in(shop, "completed")
    before = table_counts()
    with pytest.raises(PayoutRefused) as refused:
        payout(shop, TOTAL - FEE + 1)
    assert refused.value.field == "amount_idr"
    assert table_counts() == before


def test_the_whole_balance_may_be_paid_out_to_zero(shop):
    order_in(shop, "completed")
    payout(shop, TOTAL - FEE)
    assert ledger.balance_of(shop.ikm.id).available_idr == 0


def test_money_held_for_an_open_order_cannot_be_paid_out(shop):
    order_in(shop, "shipped")
    with pytest.raises(PayoutRefused):
        payout(shop, 1)


def test_a_payout_needs_the_ikms_bank_account(shop):
    order_in(shop, "completed")
    db.session.delete(db.session.get(BankAccount, shop.ikm_account.id))
    db.session.commit()
    with pytest.raises(PayoutRefused) as refused:
        payout(shop, 1_000)
    assert refused.value.field == "organization_id"


def test_a_coordinator_pays_out_only_to_ikms_of_their_own_sentra(shop):
    values = PayoutInput(shop.ceper_ikm.id, 1_000, date(2026, 11, 30), "X-1", "")
    with pytest.raises(PayoutRefused):
        services.record_payout(shop.coordinator, values, new_submission_token())


@pytest.mark.parametrize("amount", [0, -5, True, 1.5, 10**15])
def test_a_payout_amount_must_be_whole_rupiah_above_zero(shop, amount):
    order_in(shop, "completed")
    values = PayoutInput(shop.ikm.id, amount, date(2026, 11, 30), "X-1", "")
    with pytest.raises(PayoutRefused):
        services.record_payout(shop.coordinator, values, new_submission_token())


def test_a_payout_dated_in_the_future_is_refused(shop):
    order_in(shop, "completed")
    values = PayoutInput(shop.ikm.id, 1_000, date(2099, 1, 1), "X-1", "")
    with pytest.raises(PaymentRefused) as refused:
        services.record_payout(shop.coordinator, values, new_submission_token())
    assert refused.value.field == "paid_on"


def test_the_same_payout_form_sent_twice_records_one_payout(shop):
    order_in(shop, "completed")
    token = new_submission_token()
    payout(shop, 1_000, token)
    with pytest.raises(DuplicateSubmission):
        payout(shop, 1_000, token)
    assert db.session.scalar(select(func.count(Payout.id))) == 1


def test_a_voided_payout_gives_the_amount_back_and_keeps_both_entries(shop):
    order_in(shop, "completed")
    made = payout(shop, 300_000)
    services.void_payout(shop.coordinator, made, "Salah rekening tujuan")
    kinds = db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.payout_id == made.id)).all()
    assert sorted(kinds) == ["payout", "payout_voided"]
    assert ledger.balance_of(shop.ikm.id).available_idr == TOTAL - FEE
    with pytest.raises(InvalidTransition):
        services.void_payout(shop.coordinator, made, "Salah rekening lagi")


def test_the_ledger_refuses_fractions_and_negative_amounts():
    for amount in (1.5, -1, Decimal("2"), True):
        with pytest.raises(ValueError):
            ledger.add_entry("held", amount, 1, 1, order_id=1)


# --- the invariant -----------------------------------------------------------------------------------------------

PATHS = [
    "awaiting_payment",
    "paid",
    "accepted",
    "shipped",
    "completed",
    "rejected",
    "cancelled",
    "refunded",
    "disputed",
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    paths=st.lists(st.sampled_from(PATHS), min_size=1, max_size=5),
    fee=st.decimals(min_value=Decimal("0"), max_value=Decimal("15"), places=2),
    payouts=st.lists(st.integers(min_value=1, max_value=3_000_000), max_size=4),
    quantities=st.lists(st.integers(min_value=1, max_value=30), min_size=5, max_size=5),
)
def test_money_in_equals_held_plus_released_plus_fees_plus_refunds_and_no_balance_goes_negative(
    world, paths, fee, payouts, quantities
):
    sentra = factories.make_sentra()
    product_type = factories.make_product_type()
    factories.make_schedule(sentra, product_type, floor=1_000, reference=85_000, ceiling=500_000)
    ikm = factories.make_ikm(sentra)
    seller = factories.make_user("seller", organization=ikm)
    coordinator = factories.make_user("coordinator", sentra=sentra)
    listing = factories.make_listing(
        ikm, product_type, price_idr=97_500, stock=Decimal("1000"), min_order=Decimal("1"), index=False
    )
    db.session.add(SentraPaymentSettings(sentra_id=sentra.id, platform_fee_pct=fee))
    db.session.add(BankAccount(organization_id=ikm.id, bank_name="BRI", account_number="99999", account_holder="X"))
    db.session.commit()
    made = []
    for path, quantity in zip(paths, quantities, strict=False):
        made.append(
            factories.make_order(
                world.buyer, listing, quantity=quantity, status=path, seller=seller, coordinator=coordinator
            )
        )
    for amount in payouts:
        values = PayoutInput(ikm.id, amount, date(2026, 11, 30), "REF-1", "")
        with contextlib.suppress(PayoutRefused):
            services.record_payout(coordinator, values, new_submission_token())
        assert ledger.balance_of(ikm.id).available_idr >= 0

    totals = ledger.escrow_totals(sentra.id)
    assert totals.received_idr == totals.accounted_idr
    held_by_orders = sum(
        order.total_idr for order in made if db.session.get(Order, order.id).status in OrderStatus.PAID_STATES
    )
    assert totals.held_idr == held_by_orders
    completed = [o for o in made if db.session.get(Order, o.id).status == OrderStatus.COMPLETED]
    assert totals.released_idr + totals.fees_idr == sum(o.total_idr for o in completed)
    balance = ledger.balance_of(ikm.id)
    assert balance.available_idr == totals.released_idr - totals.paid_out_idr >= 0


def test_a_refund_stripe_refused_is_transferred_back_by_bank_and_recorded_but_not_one_it_retries(shop):
    order = order_in(shop, "rejected")
    refund = db.session.scalar(select(Refund).where(Refund.order_id == order.id))
    db.session.execute(Refund.__table__.update().where(Refund.id == refund.id).values(method="stripe", status="failed"))
    db.session.commit()
    refund = db.session.get(Refund, refund.id)
    # Failed on the way (no answer from Stripe): reconcile tries again, so the coordinator must not pay it too.
    with pytest.raises(services.PaymentRefused):
        services.record_refund_transfer(
            shop.coordinator, refund, services.RefundTransferInput("TRF-BALIK-8", date(2026, 11, 30))
        )
    # Refused by Stripe itself (it has Stripe's id): reconcile leaves it, the sentra pays it back by bank.
    db.session.execute(Refund.__table__.update().where(Refund.id == refund.id).values(stripe_refund_id="re_tolak"))
    db.session.commit()
    refund = db.session.get(Refund, refund.id)
    services.record_refund_transfer(
        shop.coordinator, refund, services.RefundTransferInput("TRF-BALIK-9", date(2026, 11, 30))
    )
    refund = db.session.get(Refund, refund.id)
    assert (refund.status, refund.bank_reference) == ("succeeded", "TRF-BALIK-9")
    with pytest.raises(services.PaymentRefused):
        services.record_refund_transfer(
            shop.coordinator, refund, services.RefundTransferInput("TRF-BALIK-10", date(2026, 11, 30))
        )
