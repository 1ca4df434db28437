"""Properties of orders: whatever the cart (quantities, prices, PKP sellers, delivery tariffs) an order's total is its
subtotal plus its delivery fee plus its PPN, in whole Rupiah, and a checkout's total is the sum of its orders; whatever
the sequence of checkouts, payments, cancellations, rejections and expiries, a listing's stock is its initial stock
less what its open orders hold, never negative."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.catalog.models import Listing, StockMovement
from marketplace.core.errors import InvalidTransition
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders import payment, services
from marketplace.orders.models import Checkout, DeliveryMethod, Order, OrderStatus
from marketplace.orders.payment import CheckoutNotPayable
from marketplace.orders.services import CartRefused, CheckoutRefused, DeliveryChoice
from tests import factories
from tests.orders.test_checkout_rules import make_address, make_tariff, stock_of

PPN = Decimal("0.11")


def half_up(value):
    """Whole Rupiah, rounded half up: the rule, computed here on its own."""
    return int(Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# --- totals ------------------------------------------------------------------------------------------------------

LINES = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # which of the three IKMs sells it
        st.integers(min_value=1_000, max_value=5_000_000),  # its price
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal("500"), places=3),  # the quantity bought
    ),
    min_size=1,
    max_size=6,
)
# A sentra without a tariff, or its base fee per order and its fee per unit.
TARIFFS = st.none() | st.tuples(st.integers(0, 1_000_000), st.integers(0, 50_000))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINES, pkp=st.lists(st.booleans(), min_size=3, max_size=3), tariff=TARIFFS, delivered=st.booleans())
def test_an_orders_total_is_its_subtotal_plus_delivery_plus_ppn_and_a_checkouts_the_sum_of_its_orders(
    world, lines, pkp, tariff, delivered
):
    sentra = factories.make_sentra()  # a sentra of its own: one tariff per sentra
    product_type = factories.make_product_type()
    factories.make_schedule(sentra, product_type, floor=1_000, reference=100_000, ceiling=5_000_000)
    ikms = [factories.make_ikm(sentra, is_pkp=flag) for flag in pkp]
    if tariff is not None:
        make_tariff(sentra, tariff[0], {product_type: tariff[1]})
    buyer = factories.make_user("buyer", organization=world.buyer_org)
    address = make_address(world.buyer_org)
    listings = [
        factories.make_listing(
            ikms[seller],
            product_type,
            price_idr=price,
            stock=Decimal("1000"),
            min_order=Decimal("0.001"),
            order_multiple=Decimal("0.001"),
            index=False,
        )
        for seller, price, _ in lines
    ]
    bought = [(ikms[seller].id, price, quantity) for seller, price, quantity in lines]
    db.session.commit()
    for listing, (_, _, quantity) in zip(listings, lines, strict=True):
        services.put_in_cart(buyer, listing, quantity)
    delivery = tariff is not None and delivered
    choice = DeliveryChoice(DeliveryMethod.DELIVERY, address.id) if delivery else DeliveryChoice(DeliveryMethod.PICKUP)
    choices = {ikm.id: choice for ikm in ikms}
    plan = services.plan_checkout(buyer, choices)
    checkout_id = services.place_checkout(buyer, choices, "", "", plan.fingerprint, new_submission_token()).id

    db.session.expire_all()
    checkout = db.session.get(Checkout, checkout_id)
    assert {order.seller_organization_id for order in checkout.orders} == {seller for seller, _, _ in bought}
    for order in checkout.orders:
        mine = [(price, quantity) for seller, price, quantity in bought if seller == order.seller_organization_id]
        subtotal = sum(half_up(price * quantity) for price, quantity in mine)
        fee = tariff[0] + half_up(tariff[1] * sum(q for _, q in mine)) if delivery else 0
        ppn = half_up((subtotal + fee) * PPN) if order.seller_is_pkp else 0
        amounts = (order.subtotal_idr, order.delivery_fee_idr, order.ppn_idr, order.total_idr)
        assert all(type(amount) is int for amount in amounts)
        assert order.total_idr == order.subtotal_idr + order.delivery_fee_idr + order.ppn_idr
        assert amounts == (subtotal, fee, ppn, subtotal + fee + ppn)
        assert order.subtotal_idr == sum(line.line_total_idr for line in order.lines)
    assert type(checkout.total_idr) is int
    assert checkout.total_idr == sum(order.total_idr for order in checkout.orders) == plan.total_idr


# --- stock -------------------------------------------------------------------------------------------------------

# (what, n): place a checkout of n + 1 units, or act on the n-th order placed (modulo their number). Paying and
# rejecting come up more often than expiring, which ends every unpaid order at once.
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["place", "place", "pay", "pay", "cancel", "reject", "reject", "expire"]),
        st.integers(min_value=0, max_value=9),
    ),
    min_size=1,
    max_size=16,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initial=st.integers(min_value=0, max_value=40), steps=STEPS)
def test_stock_is_the_initial_stock_less_what_open_orders_hold_and_never_negative(catalog_world, initial, steps):
    w = catalog_world
    listing = factories.make_listing(
        w.ikm, w.product_type, stock=Decimal(initial), min_order=Decimal("1"), order_multiple=Decimal("1"), index=False
    )
    buyer = factories.make_user("buyer", organization=w.buyer_org)  # a cart of its own
    db.session.commit()
    listing_id, orders = listing.id, []
    for name, n in steps:
        order = db.session.get(Order, orders[n % len(orders)]) if orders else None
        try:
            if name == "place":
                services.put_in_cart(buyer, db.session.get(Listing, listing_id), Decimal(n + 1))
                plan = services.plan_checkout(buyer, {})
                checkout = services.place_checkout(buyer, {}, "", "", plan.fingerprint, new_submission_token())
                orders.append(checkout.orders[0].id)
            elif order is None:
                continue
            elif name == "pay":
                payment.mark_checkout_paid(order.checkout_id, reference="uji")
            elif name == "cancel":
                services.act_on_order(buyer, order, "cancel", reason="Tidak jadi")
            elif name == "reject":
                services.act_on_order(w.seller, order, "reject", reason="Tidak sanggup")
            else:
                services.expire_unpaid(utcnow() + timedelta(days=2))
        except (CartRefused, CheckoutRefused, InvalidTransition, CheckoutNotPayable):
            pass
        now = stock_of(listing_id)
        held = db.session.scalars(select(Order).where(Order.id.in_(orders), Order.status.in_(OrderStatus.OPEN))).all()
        assert now == Decimal(initial) - sum((line.quantity for o in held for line in o.lines), Decimal("0"))
        assert now >= 0
        explained = db.session.scalars(select(StockMovement.delta).where(StockMovement.listing_id == listing_id)).all()
        assert sum(explained, Decimal("0")) == now
