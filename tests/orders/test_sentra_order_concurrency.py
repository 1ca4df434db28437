"""Buyers' sentra orders racing for the same stock: whoever comes second finds the split changed, and no listing is
ever sold beyond its stock; two IKMs declining shares of one sentra order at once take turns. Each thread has its own
app context and commits for real (real_commits: every table is emptied after). On PostgreSQL with a crowd of buyers;
on SQLite, whose writers take turns, with two."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Sentra, User
from marketplace.catalog.models import Listing, StockMovement
from marketplace.core.submissions import new_submission_token
from marketplace.extensions import db
from marketplace.orders import sentra_orders
from marketplace.orders.models import Order, OrderLine, SentraOrder
from marketplace.orders.sentra_orders import SentraOrderRequest, SplitChanged
from marketplace.payments.ledger import escrow_totals
from tests import factories
from tests.orders.test_order_concurrency import _at_once

pytestmark = pytest.mark.real_commits


def test_sentra_orders_racing_for_the_same_stock_never_oversell(app, supply):
    crowd = 8 if db.engine.dialect.name == "postgresql" else 2
    buyers = [factories.make_user("buyer", organization=factories.make_buyer_org()) for _ in range(crowd)]
    db.session.commit()
    # Every buyer asks for 2,000 m² of the 3,300 the three offered listings hold, and saw the same split.
    data = SentraOrderRequest(product_type_id=supply.product_type.id, quantity=Decimal("2000"))
    seen = [sentra_orders.plan_sentra_order(buyer, supply.jombang, data).fingerprint for buyer in buyers]
    ids, sentra_id = [buyer.id for buyer in buyers], supply.jombang.id
    stock_before = {
        listing.id: listing.stock for listing in db.session.scalars(select(Listing).where(Listing.stock > 0))
    }
    db.session.commit()

    def order(i):
        buyer = db.session.get(User, ids[i])
        sentra = db.session.get(Sentra, sentra_id)
        return sentra_orders.place_sentra_order(buyer, sentra, data, seen[i], False, new_submission_token()).id

    outcomes = _at_once(app, crowd, order)

    placed = [value for kind, value in outcomes if kind == "ok"]
    refused = [value for kind, value in outcomes if kind == "error"]
    assert len(placed) == 1, outcomes
    assert all(isinstance(error, SplitChanged) for error in refused), refused
    db.session.expire_all()
    assert db.session.scalar(select(func.count(SentraOrder.id))) == 1
    sold = dict(
        db.session.execute(
            select(OrderLine.listing_id, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .group_by(OrderLine.listing_id)
        ).all()
    )
    assert sum(sold.values()) == Decimal("2000")
    for listing in db.session.scalars(select(Listing).where(Listing.id.in_(list(stock_before)))):
        assert listing.stock >= 0
        assert listing.stock == stock_before[listing.id] - sold.get(listing.id, 0), listing.id
        moved = db.session.scalar(
            select(func.coalesce(func.sum(StockMovement.delta), 0)).where(
                StockMovement.listing_id == listing.id, StockMovement.reason == "reserved"
            )
        )
        assert -moved == sold.get(listing.id, 0)


def test_two_ikms_declining_shares_of_one_sentra_order_at_once_take_turns(app, supply):
    sentra_order = factories.make_sentra_order(supply.buyer, supply.jombang, supply.product_type, 1000, paid=True)
    shares = {
        order.seller_organization_id: order.id
        for order in db.session.scalars(select(Order).where(Order.sentra_order_id == sentra_order.id))
    }
    decliners = [(supply.tiga_seller.id, shares[supply.tiga.id]), (supply.dua_seller.id, shares[supply.dua.id])]
    db.session.commit()

    def decline(i):
        seller_id, order_id = decliners[i]
        seller, order = db.session.get(User, seller_id), db.session.get(Order, order_id)
        return sentra_orders.decline_share(seller, order, "Tidak sanggup bulan ini").id

    outcomes = _at_once(app, 2, decline)

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    db.session.expire_all()
    rounds = db.session.get(SentraOrder, sentra_order.id).rounds
    assert [r.number for r in rounds] == [1, 2, 3]
    assert {r.declined_order_id for r in rounds[1:]} == {order_id for _, order_id in decliners}
    # The second decline was allocated after the first: its round excludes both IKMs that declined.
    assert {row["organization_id"] for row in rounds[2].explanation} == {supply.ikm.id}
    totals = escrow_totals(supply.jombang.id)
    assert totals.received_idr == totals.accounted_idr
