"""The orders of the demo world (`flask seed-demo`): a year of orders in every status, made by the services."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Sentra, User
from marketplace.catalog.models import Listing, StockMovement
from marketplace.catalog.services import is_publicly_visible
from marketplace.core.models import OutboxMessage
from marketplace.core.timeutil import WIB, utcnow
from marketplace.core.transaction import transaction
from marketplace.demo import seed_demo
from marketplace.extensions import db
from marketplace.orders import services
from marketplace.orders.demo import BUYERS, SELLERS
from marketplace.orders.models import (
    Checkout,
    CheckoutStatus,
    DeliveryAddress,
    DeliveryTariff,
    Notification,
    Order,
    OrderStatus,
    Review,
)
from tests.helpers import table_counts


def _seed():
    with transaction():
        return seed_demo()


def _all(query):
    return db.session.scalars(query).all()


def _orders():
    return _all(
        select(Order).options(selectinload(Order.lines), selectinload(Order.events), selectinload(Order.checkout))
    )


def test_demo_orders_cover_every_status_over_a_year_with_sound_figures():
    summary = _seed()
    now = utcnow()
    orders = _orders()
    assert summary["orders"] == len(orders) and 60 <= sum(o.sentra_order_id is None for o in orders) <= 90
    statuses = Counter(order.status for order in orders)
    assert set(statuses) == set(OrderStatus.ALL)
    assert statuses[OrderStatus.COMPLETED] > len(orders) / 2  # figures for the dashboards
    # Spread over the last twelve months, the history in order.
    assert min(o.created_at for o in orders) < now - timedelta(days=300)
    assert len({o.created_at.strftime("%Y-%m") for o in orders}) >= 12
    for order in orders:
        assert order.subtotal_idr == sum(line.line_total_idr for line in order.lines), order.number
        assert order.total_idr == order.subtotal_idr + order.delivery_fee_idr + order.ppn_idr
        assert order.number.startswith(f"PS-{order.created_at.astimezone(WIB).year}-")  # numbered in its own year
        times = [event.at for event in order.events]
        assert times == sorted(times) and order.created_at == times[0] and times[-1] <= now, order.number
        assert order.events[0].to_status == OrderStatus.AWAITING_PAYMENT and order.events[-1].to_status == order.status
        assert order.updated_at == times[-1]
    for checkout in {order.checkout for order in orders}:
        # A paid checkout paid for each of its orders (one cancelled unpaid may leave less to pay).
        total = sum(order.total_idr for order in checkout.orders)
        assert checkout.total_idr == total if checkout.status == CheckoutStatus.PAID else checkout.total_idr <= total
    assert sum(len(checkout.orders) == 2 for checkout in {o.checkout for o in orders}) >= 2
    # Both demo buyers and the six approved Jombang IKMs take part.
    users = {u.email: u for u in _all(select(User).where(User.email.in_([*BUYERS, *SELLERS])))}
    assert {o.buyer_organization_id for o in orders} == {users[e].organization_id for e in BUYERS}
    assert {o.seller_organization_id for o in orders} == {users[e].organization_id for e in SELLERS}


def test_demo_orders_keep_the_rules_of_the_services():
    _seed()
    now = utcnow()
    orders = _orders()
    # Quantities as the listings allow, of listings a buyer may buy.
    for line in (line for order in orders for line in order.lines):
        assert line.quantity >= line.listing.min_order and line.quantity % line.listing.order_multiple == 0
        assert is_publicly_visible(line.listing)
    # Stock never negative, and each listing's movements add up to it.
    sums = dict(
        db.session.execute(select(StockMovement.listing_id, func.sum(StockMovement.delta)).group_by("listing_id")).all()
    )
    for listing in _all(select(Listing)):
        assert listing.stock >= 0 and sums[listing.id] == listing.stock, listing.title
    # Reasons where the state machine asks for them; money owed back where an order ended unfulfilled after payment.
    for order in orders:
        if order.status in (OrderStatus.REJECTED, OrderStatus.CANCELLED, OrderStatus.DISPUTED, OrderStatus.REFUNDED):
            assert order.status_reason, order.number
        paid_back = order.status in (OrderStatus.REJECTED, OrderStatus.REFUNDED) or (
            order.status == OrderStatus.CANCELLED and order.paid_at is not None
        )
        carried = order.sentra_order_id is not None and order.status == OrderStatus.REJECTED  # see its own test
        assert order.refund_due_idr == (order.total_idr if paid_back else 0) or carried, order.number
        if order.delivery_method == "delivery":
            assert order.delivery_fee_idr > 0 and order.delivery_address
    # The open orders stay as they are when the app starts: nothing is expired or confirmed by the system now.
    awaiting = [o.checkout for o in orders if o.status == OrderStatus.AWAITING_PAYMENT]
    assert awaiting and all(checkout.pay_by > now for checkout in awaiting)
    assert services.expire_unpaid() == 0 and services.auto_confirm() == 0
    assert db.session.scalar(select(func.count(Checkout.id)).where(Checkout.status == CheckoutStatus.EXPIRED)) == 1
    # Reviews on most completed orders, with words; a dispute waits for the coordinator, who was told.
    completed = [o for o in orders if o.status == OrderStatus.COMPLETED]
    reviews = _all(select(Review))
    assert len(reviews) > len(completed) / 2 and all(1 <= r.rating <= 5 for r in reviews)
    assert len({r.rating for r in reviews}) >= 3 and sum(bool(r.comment) for r in reviews) > len(reviews) / 2
    coordinator = db.session.scalar(select(User).where(User.email == "koordinator@jombang.example.com"))
    disputed = [o for o in orders if o.status == OrderStatus.DISPUTED]
    assert disputed and all(o.sentra_id == coordinator.sentra_id for o in disputed)
    told = _all(select(Notification).where(Notification.user_id == coordinator.id))
    assert {n.order_id for n in told if n.status == OrderStatus.DISPUTED} >= {o.id for o in disputed}
    # Old news is read; the last days' is not.
    notifications = _all(select(Notification))
    assert all(n.read_at is not None for n in notifications if n.created_at < now - timedelta(days=4))
    assert any(n.read_at is None for n in notifications)
    # Where goods go: two saved addresses per demo buyer, Jombang's delivery tariff.
    for email in BUYERS:
        user = db.session.scalar(select(User).where(User.email == email))
        assert len(_all(select(DeliveryAddress).where(DeliveryAddress.organization_id == user.organization_id))) == 2
    jombang = db.session.scalar(select(Sentra).where(Sentra.slug == "slag-aluminium-jombang"))
    tariff = db.session.scalar(select(DeliveryTariff).where(DeliveryTariff.sentra_id == jombang.id))
    assert tariff.base_fee_idr > 0 and len(tariff.unit_fees) == 6
    # The demo's mail is history, recorded as sent: none waits for `flask send-mail`.
    assert _all(select(OutboxMessage.status).distinct()) == ["sent"]


def test_a_second_seed_demo_adds_nothing():
    _seed()
    before = table_counts()
    summary = _seed()
    assert table_counts() == before
    assert summary["orders"] == before["customer_order"]
