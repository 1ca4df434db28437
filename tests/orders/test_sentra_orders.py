"""Sentra orders through the real services: the split, placing it whole or not at all, and an IKM's decline."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from marketplace.accounts.models import Organization
from marketplace.catalog.models import Listing
from marketplace.catalog.stock import reserve
from marketplace.core.audit import AuditEntry
from marketplace.core.errors import DomainError
from marketplace.core.outbox import OutboxMessage
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders import payment, sentra_orders, services
from marketplace.orders.models import Checkout, Notification, Order, OrderStatus, SentraOrder, SentraOrderRound
from marketplace.orders.sentra_orders import SentraOrderRequest, SplitChanged
from marketplace.payments.ledger import balance_of, escrow_totals
from marketplace.payments.models import LedgerEntry, Refund
from marketplace.pricing.services import competition_figures
from tests import factories
from tests.helpers import table_counts


def ask(w, quantity, **extra):
    return SentraOrderRequest(product_type_id=w.product_type.id, quantity=Decimal(quantity), **extra)


def place(w, quantity, accept_partial=False, user=None):
    user = user or w.buyer
    plan = sentra_orders.plan_sentra_order(user, w.jombang, ask(w, quantity))
    return sentra_orders.place_sentra_order(
        user, w.jombang, ask(w, quantity), plan.fingerprint, accept_partial, new_submission_token()
    )


def split_of(plan):
    return {line.seller.name: line.quantity for line in plan.lines}


def test_the_split_follows_declared_capacity_at_one_price_for_all(supply):
    plan = sentra_orders.plan_sentra_order(supply.buyer, supply.jombang, ask(supply, 1000))
    assert split_of(plan) == {"UD Approved": Decimal("250"), "UD Dua": Decimal("500"), "UD Tiga": Decimal("250")}
    assert {line.unit_price_idr for line in plan.lines} == {85_000}
    assert plan.shortfall == 0


def test_the_unit_price_is_the_reference_with_the_tier_the_whole_quantity_reaches(supply):
    factories.make_schedule(
        supply.jombang,
        supply.product_type,
        floor=50_000,
        reference=90_000,
        ceiling=150_000,
        days_ago=0,
        tiers=[(Decimal("500"), Decimal("5"))],
    )
    db.session.commit()
    plan = sentra_orders.plan_sentra_order(supply.buyer, supply.jombang, ask(supply, 600))
    # Each IKM's share is below 500 m², but the whole order reaches the tier: 90,000 less 5 %.
    assert all(line.quantity < 500 for line in plan.lines)
    assert {line.unit_price_idr for line in plan.lines} == {85_500}


def test_a_shortfall_is_stated_when_the_sentra_has_too_little_stock(supply):
    plan = sentra_orders.plan_sentra_order(supply.buyer, supply.jombang, ask(supply, 4000))
    assert plan.allocated == Decimal("3300")
    assert plan.shortfall == Decimal("700")
    assert split_of(plan)["UD Tiga"] == Decimal("300")


def test_a_partial_quantity_needs_the_buyers_yes(supply):
    before = table_counts()
    with pytest.raises(DomainError) as refused:
        place(supply, 4000)
    assert refused.value.field == "accept_partial"
    assert table_counts() == before
    sentra_order = place(supply, 4000, accept_partial=True)
    assert sentra_order.rounds[0].allocated == Decimal("3300")


def test_confirming_creates_one_checkout_with_one_order_per_ikm_and_reserves_the_stock(supply):
    sentra_order = place(supply, 1000)
    (first,) = sentra_order.rounds
    checkout = db.session.get(Checkout, first.checkout_id)
    assert checkout.sentra_order_id == sentra_order.id
    assert sentra_order.number.startswith("SO-")
    assert {o.seller_organization.name: o.lines[0].quantity for o in checkout.orders} == {
        "UD Approved": Decimal("250"),
        "UD Dua": Decimal("500"),
        "UD Tiga": Decimal("250"),
    }
    assert all(o.sentra_order_id == sentra_order.id for o in checkout.orders)
    db.session.refresh(supply.tiga_listing)
    assert supply.tiga_listing.stock == Decimal("50")
    tiga = next(o for o in checkout.orders if o.seller_organization_id == supply.tiga.id)
    assert tiga.ppn_idr == 2_337_500  # UD Tiga is PKP: 11 % of 250 × 85,000
    assert checkout.total_idr == sum(o.total_idr for o in checkout.orders)
    assert [row["name"] for row in first.explanation] == ["UD Approved", "UD Dua", "UD Tiga"]


def test_a_split_that_changed_since_the_buyer_looked_places_nothing(supply):
    plan = sentra_orders.plan_sentra_order(supply.buyer, supply.jombang, ask(supply, 1000))
    reserve(supply.tiga_listing.id, Decimal("200"), actor=None, reason="reserved")  # another buyer took it meanwhile
    db.session.commit()
    before = table_counts()
    with pytest.raises(SplitChanged):
        sentra_orders.place_sentra_order(
            supply.buyer, supply.jombang, ask(supply, 1000), plan.fingerprint, False, new_submission_token()
        )
    assert table_counts() == before


def test_the_same_confirmation_sent_twice_places_one_sentra_order(supply):
    plan = sentra_orders.plan_sentra_order(supply.buyer, supply.jombang, ask(supply, 100))
    token = new_submission_token()
    sentra_orders.place_sentra_order(supply.buyer, supply.jombang, ask(supply, 100), plan.fingerprint, False, token)
    with pytest.raises(DomainError):
        sentra_orders.place_sentra_order(supply.buyer, supply.jombang, ask(supply, 100), plan.fingerprint, False, token)
    assert db.session.query(SentraOrder).count() == 1


@pytest.mark.parametrize(
    "request_, field",
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-5"}, "quantity"),
        ({"quantity": "1.0005"}, "quantity"),
        ({"quantity": "100", "method": "drone"}, "method"),
        ({"quantity": "100", "method": "delivery", "address_id": 999999}, "method"),
    ],
)
def test_a_request_the_sentra_cannot_take_is_refused_naming_the_field(supply, request_, field):
    data = dict(request_)
    quantity = data.pop("quantity")
    with pytest.raises(DomainError) as refused:
        sentra_orders.plan_sentra_order(supply.buyer, supply.jombang, ask(supply, quantity, **data))
    assert refused.value.field == field


def test_a_product_type_without_a_price_in_force_cannot_be_ordered_from_the_sentra(supply):
    other_type = factories.make_product_type(supply.category, slug="bata-ringan")
    factories.make_listing(supply.ikm, other_type)
    db.session.commit()
    assert other_type not in sentra_orders.orderable_product_types(supply.jombang.id)
    with pytest.raises(DomainError) as refused:
        sentra_orders.plan_sentra_order(
            supply.buyer, supply.jombang, SentraOrderRequest(product_type_id=other_type.id, quantity=Decimal("10"))
        )
    assert refused.value.field == "product_type"


def test_suspended_ikms_and_paused_listings_get_no_share(supply):
    db.session.execute(update(Organization).where(Organization.id == supply.dua.id).values(status="suspended"))
    db.session.execute(update(Listing).where(Listing.id == supply.tiga_listing.id).values(status="paused"))
    db.session.commit()
    plan = sentra_orders.plan_sentra_order(supply.buyer, supply.jombang, ask(supply, 100))
    assert split_of(plan) == {"UD Approved": Decimal("100")}


def test_recent_volume_counts_against_an_ikm(supply):
    factories.make_order(supply.buyer, supply.dua_listing, quantity=500, status="paid", seller=supply.dua_seller)
    plan = sentra_orders.plan_sentra_order(supply.buyer, supply.jombang, ask(supply, 1000))
    # UD Dua sold 500 m² this month. Loads a/1000, (500 + d)/2000 and t/1000 meet at 0.4 once UD Tiga's stock (300)
    # caps its share: 400 + 300 + 300.
    assert split_of(plan) == {"UD Approved": Decimal("400"), "UD Dua": Decimal("300"), "UD Tiga": Decimal("300")}


# --- declining a share ------------------------------------------------------------------------------------------


def paid_sentra_order(w, quantity=1000):
    sentra_order = place(w, quantity)
    payment.mark_checkout_paid(sentra_order.rounds[0].checkout_id, reference="uji")
    return sentra_order


def share_of(sentra_order, organization):
    return db.session.scalar(
        db.select(Order).where(
            Order.sentra_order_id == sentra_order.id, Order.seller_organization_id == organization.id
        )
    )


def round_two(sentra_order):
    return db.session.scalar(db.select(SentraOrderRound).filter_by(sentra_order_id=sentra_order.id, number=2))


def test_a_declined_share_goes_to_the_other_ikms_paid_with_its_money_and_the_buyer_is_told(supply):
    sentra_order = paid_sentra_order(supply)
    declined = share_of(sentra_order, supply.tiga)
    mails_before = db.session.query(OutboxMessage).count()
    sentra_orders.decline_share(supply.tiga_seller, declined, "Mesin press rusak minggu ini")
    db.session.refresh(declined)
    assert declined.status == OrderStatus.REJECTED
    second = round_two(sentra_order)
    assert second.quantity == Decimal("250") and second.allocated == Decimal("250")
    assert second.declined_order_id == declined.id
    new_checkout = db.session.get(Checkout, second.checkout_id)
    assert {o.seller_organization_id for o in new_checkout.orders} <= {supply.ikm.id, supply.dua.id}
    assert sum(o.lines[0].quantity for o in new_checkout.orders) == Decimal("250")
    # UD Tiga is PKP and the others are not: the new orders cost its share less the PPN. The money paid for the
    # share pays them, and only the PPN goes back to the buyer.
    assert new_checkout.status == "paid" and {o.status for o in new_checkout.orders} == {OrderStatus.PAID}
    assert new_checkout.total_idr == 21_250_000
    assert declined.refund_due_idr == 2_337_500
    assert [r.amount_idr for r in db.session.query(Refund).filter_by(order_id=declined.id)] == [2_337_500]
    totals = escrow_totals(supply.jombang.id)
    assert totals.received_idr == totals.accounted_idr
    # The IKMs that took the quantity over hear of a paid order; the system, not UD Tiga, placed and paid it.
    for new_order in new_checkout.orders:
        seller = supply.seller if new_order.seller_organization_id == supply.ikm.id else supply.dua_seller
        assert db.session.query(Notification).filter_by(user_id=seller.id, order_id=new_order.id).count() == 1
        assert {event.actor_id for event in new_order.events} == {None}
    mails = db.session.query(OutboxMessage).order_by(OutboxMessage.id).all()[mails_before:]
    assert any(sentra_order.number in m.subject and m.to_address == supply.buyer.email for m in mails)
    # The coordinator hears of it too, with the reason.
    (to_coordinator,) = [
        m for m in mails if m.to_address == supply.coordinator.email and sentra_order.number in m.subject
    ]
    assert "UD Tiga" in to_coordinator.subject and "Mesin press rusak" in to_coordinator.body_text
    monitor = {
        row.name: row.declines for row in competition_figures(supply.jombang.id, supply.product_type.id, 30).ikms
    }
    assert monitor == {"UD Approved": 0, "UD Dua": 0, "UD Tiga": 1}
    assert db.session.query(AuditEntry).filter_by(action="sentra_order.declined").count() == 1


def test_when_the_new_orders_cost_more_the_share_is_refunded_whole_and_the_buyer_pays_the_new_checkout(supply):
    sentra_order = paid_sentra_order(supply)
    declined = share_of(sentra_order, supply.ikm)
    sentra_orders.decline_share(supply.seller, declined, "Bahan baku habis")
    db.session.refresh(declined)
    second = round_two(sentra_order)
    new_checkout = db.session.get(Checkout, second.checkout_id)
    # UD Tiga (PKP) takes the 50 m² it has left: its PPN makes the new orders dearer than the declined share.
    assert {o.seller_organization.name: o.lines[0].quantity for o in new_checkout.orders} == {
        "UD Dua": Decimal("200"),
        "UD Tiga": Decimal("50"),
    }
    assert new_checkout.total_idr > declined.total_idr
    assert new_checkout.status == "awaiting_payment"
    assert declined.refund_due_idr == declined.total_idr
    totals = escrow_totals(supply.jombang.id)
    assert totals.received_idr == totals.accounted_idr


def test_what_the_others_cannot_take_of_a_declined_share_is_a_shortfall(supply):
    sentra_order = paid_sentra_order(supply, 3300)  # every offered listing's whole stock
    declined = share_of(sentra_order, supply.dua)
    sentra_orders.decline_share(supply.dua_seller, declined, "Gudang kebanjiran")
    second = round_two(sentra_order)
    # UD Approved's other listing (500 m²) is all that is left; UD Tiga has nothing more.
    assert second.allocated == Decimal("500")
    assert second.shortfall == Decimal("1500")


def test_a_declined_share_nobody_can_take_leaves_no_checkout_to_pay(supply):
    db.session.execute(update(Listing).where(Listing.id == supply.active_listing.id).values(status="paused"))
    db.session.commit()
    sentra_order = paid_sentra_order(supply, 3300)
    declined = share_of(sentra_order, supply.dua)
    sentra_orders.decline_share(supply.dua_seller, declined, "Gudang kebanjiran")
    second = round_two(sentra_order)
    assert second.allocated == 0 and second.checkout_id is None
    assert db.session.query(Checkout).filter_by(sentra_order_id=sentra_order.id).count() == 1


def test_a_share_cannot_be_declined_after_the_time_to_decline(supply, app):
    sentra_order = paid_sentra_order(supply)
    share = share_of(sentra_order, supply.tiga)
    later = utcnow() + timedelta(hours=app.config["SENTRA_ORDER_DECLINE_HOURS"], minutes=1)
    before = table_counts()
    with pytest.raises(DomainError):
        sentra_orders.decline_share(supply.tiga_seller, share, "Terlambat menolak", moment=later)
    assert table_counts() == before


def test_a_share_cannot_be_declined_before_payment_or_after_acceptance_or_without_a_reason(supply):
    sentra_order = place(supply, 1000)
    share = share_of(sentra_order, supply.tiga)
    with pytest.raises(DomainError):
        sentra_orders.decline_share(supply.tiga_seller, share, "Belum dibayar")
    payment.mark_checkout_paid(sentra_order.rounds[0].checkout_id, reference="uji")
    with pytest.raises(DomainError) as refused:
        sentra_orders.decline_share(supply.tiga_seller, share, "  ")
    assert refused.value.field == "reason"
    services.act_on_order(supply.tiga_seller, share, "accept")
    with pytest.raises(DomainError):
        sentra_orders.decline_share(supply.tiga_seller, share, "Sudah diterima")


def test_another_ikm_cannot_decline_a_share_that_is_not_its_own(supply):
    sentra_order = paid_sentra_order(supply)
    share = share_of(sentra_order, supply.tiga)
    with pytest.raises(DomainError):
        sentra_orders.decline_share(supply.dua_seller, share, "Bukan pesanan saya")
    db.session.refresh(share)
    assert share.status == OrderStatus.PAID


def test_a_share_is_declined_never_rejected_through_the_generic_action(supply):
    sentra_order = paid_sentra_order(supply)
    share = share_of(sentra_order, supply.tiga)
    for name in ("reject", "decline"):
        with pytest.raises(DomainError):
            services.act_on_order(supply.tiga_seller, share, name, reason="Tidak sanggup")
    assert [act.name for act in services.page_actions(share, supply.tiga_seller)] == ["accept"]


def test_an_ikm_that_declined_gets_no_share_of_the_re_allocation_and_later_splits_remember_it(supply):
    sentra_order = paid_sentra_order(supply)
    declined = share_of(sentra_order, supply.ikm)
    sentra_orders.decline_share(supply.seller, declined, "Bahan baku habis")
    second = round_two(sentra_order)
    assert supply.ikm.id not in {row["organization_id"] for row in second.explanation}


# --- the money of declines: the ledger's invariant --------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ikms=st.lists(st.tuples(st.booleans(), st.integers(100, 3000), st.integers(0, 2000)), min_size=2, max_size=4),
    quantity=st.integers(50, 4000),
    declines=st.lists(st.integers(0, 3), max_size=3),
    complete=st.booleans(),
)
def test_declines_keep_money_in_equal_to_money_accounted_and_pay_no_ikm_for_a_declined_share(
    world, ikms, quantity, declines, complete
):
    sentra = factories.make_sentra()
    product_type = factories.make_product_type()
    factories.make_schedule(sentra, product_type, floor=1_000, reference=85_000, ceiling=500_000)
    sellers = []
    for is_pkp, capacity, stock in ikms:
        ikm = factories.make_ikm(sentra, is_pkp=is_pkp)
        sellers.append(factories.make_user("seller", organization=ikm))
        factories.make_listing(
            ikm,
            product_type,
            stock=Decimal(stock),
            capacity_per_month=Decimal(capacity),
            min_order=Decimal("1"),
            index=False,
        )
    db.session.commit()
    try:
        sentra_order = factories.make_sentra_order(world.buyer, sentra, product_type, quantity, paid=True)
    except DomainError:
        return  # nothing in stock: no sentra order, nothing to check
    by_ikm = {seller.organization_id: seller for seller in sellers}
    for pick in declines:
        open_shares = db.session.scalars(
            db.select(Order)
            .where(Order.sentra_order_id == sentra_order.id, Order.status == OrderStatus.PAID)
            .order_by(Order.id)
        ).all()
        if not open_shares:
            break
        share = open_shares[pick % len(open_shares)]
        sentra_orders.decline_share(by_ikm[share.seller_organization_id], share, "Tidak sanggup memasok")
    orders = db.session.scalars(db.select(Order).where(Order.sentra_order_id == sentra_order.id)).all()
    if complete:
        for order in orders:
            if order.status == OrderStatus.PAID:
                seller = by_ikm[order.seller_organization_id]
                for name in ("accept", "mark_ready", "ship"):
                    services.act_on_order(seller, order, name, delivery_note_number="SJ-1")
                services.act_on_order(world.buyer, order, "confirm_receipt")

    totals = escrow_totals(sentra.id)
    assert totals.received_idr == totals.accounted_idr
    assert totals.held_idr == sum(o.total_idr for o in orders if o.status in OrderStatus.PAID_STATES)
    completed = [o for o in orders if o.status == OrderStatus.COMPLETED]
    assert totals.released_idr + totals.fees_idr == sum(o.total_idr for o in completed)
    for order in orders:
        if order.status == OrderStatus.REJECTED:
            assert order.refund_due_idr <= order.total_idr
            assert not db.session.query(LedgerEntry).filter_by(order_id=order.id, kind="released").count()
    for seller in sellers:
        assert balance_of(seller.organization_id).available_idr >= 0
