"""The competition monitor's order figures: each IKM's share of the quantity and the revenue of the sentra's completed
orders of a product type over the period, and the concentration (HHI) of that revenue, through pricing's port
(pricing/order_figures.py) that orders fills in."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.catalog.services import seller_action
from marketplace.core.submissions import new_submission_token
from marketplace.orders import payment, services
from marketplace.orders.models import Order
from marketplace.orders.services import DeliveryChoice
from marketplace.pricing.order_figures import order_figures
from marketplace.pricing.services import competition_figures
from tests import factories
from tests.conftest import login
from tests.helpers import QueryCounter


@pytest.fixture
def market(db, catalog_world):
    """The world's IKM (its active listing at Rp 85.000) and a second Jombang IKM selling the same product type."""
    w = catalog_world
    w.second = factories.make_ikm(w.jombang, name="UD Kedua")
    w.second_seller = factories.make_user("seller", organization=w.second)
    w.second_listing = factories.make_listing(w.second, w.product_type, price_idr=85_000)
    db.session.commit()
    return w


def sell(db, w, quantity, status="completed", listing=None, seller=None, buyer=None):
    order = factories.make_order(
        buyer or w.buyer,
        listing or w.active_listing,
        quantity,
        status=status,
        seller=seller or w.seller,
        coordinator=w.coordinator,
    )
    db.session.commit()
    return order


def figures(w, days=30, moment=None, product_type=None):
    return competition_figures(w.jombang.id, (product_type or w.product_type).id, days, moment)


def rows(result):
    return {row.name: row for row in result.ikms}


# --- shares and concentration ------------------------------------------------------------------------------------


def test_shares_of_a_75_25_split_add_up_to_100_and_give_an_hhi_of_6250(db, market):
    w = market
    sell(db, w, 30)
    sell(db, w, 10, listing=w.second_listing, seller=w.second_seller, buyer=w.other_buyer)
    result = figures(w)
    by_name = rows(result)
    first, second = by_name["UD Approved"], by_name["UD Kedua"]
    assert (first.quantity_sold, first.revenue_idr) == (Decimal("30"), 30 * 85_000)
    assert (first.quantity_share_pct, first.revenue_share_pct) == (Decimal("75.0"), Decimal("75.0"))
    assert (second.quantity_share_pct, second.revenue_share_pct) == (Decimal("25.0"), Decimal("25.0"))
    assert sum(row.quantity_share_pct for row in result.ikms) == 100
    assert sum(row.revenue_share_pct for row in result.ikms) == 100
    assert result.order_hhi == 6250


def test_the_order_hhi_is_that_of_revenue_not_of_quantity(db, market):
    w = market
    w.active_listing.price_idr = 50_000
    w.second_listing.price_idr = 150_000
    db.session.commit()
    sell(db, w, 20)
    sell(db, w, 20, listing=w.second_listing, seller=w.second_seller)
    by_name = rows(figures(w))
    assert [by_name[n].quantity_share_pct for n in ("UD Approved", "UD Kedua")] == [Decimal("50.0")] * 2
    assert [by_name[n].revenue_share_pct for n in ("UD Approved", "UD Kedua")] == [Decimal("25.0"), Decimal("75.0")]
    assert figures(w).order_hhi == 6250  # 25² + 75²; the quantities' would be 5000


def test_shares_are_rounded_half_up_to_a_tenth(db, market):
    w = market
    sell(db, w, 10)
    sell(db, w, 150, listing=w.second_listing, seller=w.second_seller)
    by_name = rows(figures(w))
    # 10 of 160 is 6.25 %, 150 of 160 is 93.75 %: both go up (so the shown shares may add up to 100.1).
    assert [by_name[n].quantity_share_pct for n in ("UD Approved", "UD Kedua")] == [Decimal("6.3"), Decimal("93.8")]
    assert [by_name[n].revenue_share_pct for n in ("UD Approved", "UD Kedua")] == [Decimal("6.3"), Decimal("93.8")]


def test_an_ikm_without_completed_orders_has_a_share_of_zero_beside_one_that_sold(db, market):
    w = market
    sell(db, w, 10, listing=w.second_listing, seller=w.second_seller)
    by_name = rows(figures(w))
    assert (by_name["UD Approved"].quantity_share_pct, by_name["UD Approved"].revenue_share_pct) == (
        Decimal("0.0"),
        Decimal("0.0"),
    )
    assert by_name["UD Kedua"].revenue_share_pct == Decimal("100.0")
    assert figures(w).order_hhi == 10000


def test_without_completed_orders_there_are_no_order_figures(db, market):
    result = figures(market)
    assert result.order_hhi is None
    assert all(row.quantity_share_pct is None and row.revenue_share_pct is None for row in result.ikms)


@pytest.mark.parametrize(
    "status",
    [
        "awaiting_payment",
        "paid",
        "accepted",
        "ready",
        "shipped",
        "delivered",
        "disputed",
        "cancelled",
        "rejected",
        "refunded",
    ],
)
def test_only_completed_orders_count(db, market, status):
    w = market
    sell(db, w, 30, status=status)
    sell(db, w, 10, listing=w.second_listing, seller=w.second_seller)
    by_name = rows(figures(w))
    assert by_name["UD Approved"].quantity_share_pct == Decimal("0.0")
    assert by_name["UD Kedua"].quantity_share_pct == Decimal("100.0")


def test_an_ikm_that_sold_but_lists_nothing_now_still_has_its_row(db, market):
    w = market
    sell(db, w, 10, listing=w.second_listing, seller=w.second_seller)
    seller_action(w.second_seller, w.second_listing, "pause")
    second = rows(figures(w))["UD Kedua"]
    assert (second.active_listings, second.capacity_share_pct) == (0, Decimal("0.0"))
    assert second.quantity_share_pct == Decimal("100.0")


# --- what counts ---------------------------------------------------------------------------------------------------


def completed_at(db, order, when):
    db.session.execute(Order.__table__.update().where(Order.id == order.id).values(completed_at=when))
    db.session.commit()


def test_the_period_holds_orders_completed_from_its_start_to_now(db, market):
    w = market
    order = sell(db, w, 10)
    done = db.session.get(Order, order.id).completed_at
    assert figures(w, 30, done + timedelta(days=30)).order_hhi == 10000  # its first moment
    assert figures(w, 30, done + timedelta(days=30, seconds=1)).order_hhi is None  # one second too old
    assert figures(w, 90, done + timedelta(days=31)).order_hhi == 10000  # a longer period
    assert figures(w, 30, done - timedelta(seconds=1)).order_hhi is None  # not completed yet then


def test_an_order_completed_before_the_period_does_not_count(db, market):
    w = market
    old = sell(db, w, 30)
    sell(db, w, 10, listing=w.second_listing, seller=w.second_seller)
    completed_at(db, old, old.completed_at - timedelta(days=31))
    assert rows(figures(w, 30))["UD Approved"].quantity_share_pct == Decimal("0.0")
    assert rows(figures(w, 90))["UD Approved"].quantity_share_pct == Decimal("75.0")


def test_orders_of_another_sentra_do_not_count(db, market):
    w = market
    ceper_listing = factories.make_listing(w.ceper_ikm, w.product_type)
    ceper_seller = factories.make_user("seller", organization=w.ceper_ikm)
    db.session.commit()
    sell(db, w, 10, listing=ceper_listing, seller=ceper_seller)
    assert figures(w).order_hhi is None
    assert "UD Ceper" not in rows(figures(w))
    ceper = competition_figures(w.other_sentra.id, w.product_type.id, 30)
    assert rows(ceper)["UD Ceper"].quantity_share_pct == Decimal("100.0")


def test_only_the_lines_of_the_product_type_count_in_an_order_of_several(db, market):
    w = market
    bata = factories.make_product_type(w.category, name="Bata ringan uji")
    factories.make_schedule(w.jombang, bata, floor=50_000, reference=85_000, ceiling=150_000)
    bata_listing = factories.make_listing(w.ikm, bata, price_idr=100_000)
    db.session.commit()
    # One order of the world's IKM with a line of each product type.
    services.put_in_cart(w.buyer, w.active_listing, Decimal("10"))
    services.put_in_cart(w.buyer, bata_listing, Decimal("40"))
    choices = {w.ikm.id: DeliveryChoice("pickup")}
    plan = services.plan_checkout(w.buyer, choices)
    checkout = services.place_checkout(w.buyer, choices, "", "", plan.fingerprint, new_submission_token())
    (order,) = checkout.orders
    payment.mark_checkout_paid(checkout.id, reference="uji")
    for who, name in [("seller", "accept"), ("seller", "mark_ready"), ("seller", "ship"), ("buyer", "confirm_receipt")]:
        services.act_on_order(w.seller if who == "seller" else w.buyer, order, name, delivery_note_number="SJ-1")
    sell(db, w, 30, listing=w.second_listing, seller=w.second_seller)
    paving = rows(figures(w))
    assert paving["UD Approved"].quantity_sold == Decimal("10")
    assert paving["UD Approved"].revenue_idr == 10 * 85_000
    assert paving["UD Approved"].quantity_share_pct == Decimal("25.0")
    assert rows(figures(w, product_type=bata))["UD Approved"].revenue_idr == 40 * 100_000


def test_the_sales_are_one_aggregate_query(db, market):
    w = market
    done = sell(db, w, 30).completed_at
    sell(db, w, 10, listing=w.second_listing, seller=w.second_seller, status="shipped")
    ids = (w.jombang.id, w.product_type.id)
    with QueryCounter() as counter:
        sales = order_figures().completed_sales(*ids, done - timedelta(days=1), done)
    assert counter.count == 1
    assert [(s.name, s.quantity, s.revenue_idr) for s in sales] == [("UD Approved", Decimal("30"), 2_550_000)]


# --- the page ----------------------------------------------------------------------------------------------------


def monitor(client, w, lang="id", days=30):
    url = f"/coordinator/competition?product_type={w.product_type.id}&period={days}&lang={lang}"
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def table_rows(page):
    return {
        cells[0]: cells[1:]
        for cells in (
            [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r'<tr data-testid="monitor-row">(.*?)</tr>', page, re.S)
        )
    }


def hhi_card(page):
    return " ".join(re.search(r'data-testid="monitor-hhi">(.*?)</div>', page, re.S).group(1).split())


def test_the_monitor_shows_the_shares_and_the_revenue_hhi_in_both_languages(client, db, market):
    w = market
    sell(db, w, 30)
    sell(db, w, 10, listing=w.second_listing, seller=w.second_seller)
    seller_action(w.second_seller, w.second_listing, "archive")  # sold, but no longer listed: still a row
    login(client, w.coordinator)
    page = monitor(client, w, "id")
    assert hhi_card(page).startswith("pesanan: 6.250")
    by_name = table_rows(page)
    # Columns after the name: listings, prices, at the floor, capacity, quantity, revenue, attempts, sanctions.
    assert by_name["UD Approved"][4:6] == ["75 %", "75 %"]
    assert by_name["UD Kedua"][0] == "0"
    assert by_name["UD Kedua"][4:6] == ["25 %", "25 %"]
    english = monitor(client, w, "en")
    assert hhi_card(english).startswith("orders: 6,250")
    assert "the concentration of orders is that of revenue" in english


def test_the_monitor_shows_dashes_without_completed_orders(client, db, market):
    w = market
    sell(db, w, 30, status="delivered")
    login(client, w.coordinator)
    page = monitor(client, w, "id")
    assert hhi_card(page).startswith("pesanan: —")
    assert table_rows(page)["UD Approved"][4:6] == ["—", "—"]


def test_the_monitor_costs_the_same_queries_whatever_the_number_of_ikms_that_sold(client, db, market):
    w = market
    login(client, w.coordinator)

    def sold_by_another_ikm(n):
        ikm = factories.make_ikm(w.jombang, name=f"UD Tambahan {n}")
        seller = factories.make_user("seller", organization=ikm)
        listing = factories.make_listing(ikm, w.product_type)
        db.session.commit()
        sell(db, w, 10, listing=listing, seller=seller)
        seller_action(seller, listing, "pause")  # only its sales give it a row

    sold_by_another_ikm(0)
    with QueryCounter() as few:
        page = monitor(client, w)
    assert page.count('data-testid="monitor-row"') == 3
    for n in range(1, 5):
        sold_by_another_ikm(n)
    with QueryCounter() as many:
        page = monitor(client, w)
    assert page.count('data-testid="monitor-row"') == 7
    assert many.count == few.count
