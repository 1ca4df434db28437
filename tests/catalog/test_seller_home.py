"""A seller lands on their listings with what waits for them; an IKM not approved sees one clear page."""

import re
from decimal import Decimal

from tests import factories
from tests.helpers import QueryCounter


def _todo(page, testid):
    found = re.search(rf'data-testid="{testid}"><span class="badge[^"]*">(\d+)</span>', page)
    return int(found.group(1)) if found else 0


def test_a_seller_lands_on_their_listings(client, world, login_as):
    login_as("seller")
    assert client.get("/account").headers["Location"] == "/seller/listings"
    login_as("buyer")
    assert client.get("/account").headers["Location"] == "/account/organization"
    login_as("pending_seller")  # not approved yet: its company page says so
    assert client.get("/account").headers["Location"] == "/account/organization"


def test_the_to_dos_count_what_waits_for_the_seller(client, db, catalog_world, login_as):
    w = catalog_world  # one active listing (with a waiting price request), a draft, one pending review
    factories.make_listing(w.ikm, w.product_type, status="rejected")
    factories.make_listing(w.ikm, w.product_type, status="price_suspended")
    factories.make_listing(w.ikm, w.product_type, stock=Decimal("0"))
    factories.make_listing(w.ikm, w.product_type, status="archived", stock=Decimal("0"))  # archived: nothing to do
    db.session.commit()
    login_as("seller")
    page = client.get("/seller/listings").get_data(as_text=True)
    assert {
        t: _todo(page, t) for t in ("todo-drafts", "todo-rejected", "todo-price", "todo-stock", "todo-requests")
    } == {
        "todo-drafts": 1,
        "todo-rejected": 1,
        "todo-price": 1,
        "todo-stock": 1,
        "todo-requests": 1,
    }
    out_of_stock = client.get("/seller/listings?status=out_of_stock").get_data(as_text=True)
    assert out_of_stock.count('data-testid="seller-listing"') == 1


def test_nothing_to_do_shows_no_to_do_box(client, db, world, login_as):
    login_as("seller")
    page = client.get("/seller/listings").get_data(as_text=True)
    assert 'data-testid="todos"' not in page and 'data-testid="empty-state"' in page


def test_an_ikm_waiting_for_approval_sees_one_clear_page(client, world, login_as):
    login_as("pending_seller")
    page = client.get("/seller/listings").get_data(as_text=True)
    assert 'data-testid="not-approved"' in page
    assert "nav-pills" not in page and 'data-testid="todos"' not in page


def test_the_to_dos_cost_the_same_queries_for_few_and_many_listings(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("seller")
    client.get("/seller/listings")  # warm: the measured requests start from the same session state
    with QueryCounter() as few:
        client.get("/seller/listings")
    for status in ("draft", "rejected", "price_suspended", "active") * 5:
        factories.make_listing(w.ikm, w.product_type, status=status)
    db.session.commit()
    client.get("/seller/listings")
    with QueryCounter() as many:
        client.get("/seller/listings")
    assert many.count == few.count
