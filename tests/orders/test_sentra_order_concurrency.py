"""Buyers' sentra orders racing for the same stock: whoever comes second finds the split changed, and no listing is
ever sold beyond its stock. Each thread has its own app context and commits for real (real_commits: every table is
emptied after). On PostgreSQL with a crowd; on SQLite, whose writers take turns, with two."""

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
