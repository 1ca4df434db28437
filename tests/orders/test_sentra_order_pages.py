"""The sentra-order pages: ordering from the sentra (the split, why, the confirmation), the lists and the page of a
sentra order, the IKM's decline of its share, and the competition monitor's fair shares."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders import sentra_orders
from marketplace.orders.models import Order, OrderStatus, SentraOrder
from tests import factories
from tests.conftest import login
from tests.helpers import QueryCounter, table_counts


def look_url(w, quantity, **extra):
    params = {"product_type": w.product_type.id, "quantity": quantity, "method": "pickup", **extra}
    return "/sentra/jombang/order?" + "&".join(f"{key}={value}" for key, value in params.items())


def confirm_payload(w, quantity, fingerprint, **extra):
    return {
        "product_type": str(w.product_type.id),
        "quantity": str(quantity),
        "method": "pickup",
        "address": "",
        "po_number": "PO-77",
        "note": "",
        "fingerprint": fingerprint,
        "submission_token": new_submission_token(),
        **extra,
    }


def fingerprint_of(w, quantity):
    data = sentra_orders.SentraOrderRequest(product_type_id=w.product_type.id, quantity=Decimal(quantity))
    return sentra_orders.plan_sentra_order(w.buyer, w.jombang, data).fingerprint


def test_the_form_offers_the_product_types_with_a_price_and_a_seller(client, supply):
    login(client, supply.buyer)
    page = client.get(f"/sentra/jombang/order?product_type={supply.product_type.id}").get_data(as_text=True)
    assert 'data-testid="sentra-order-form"' in page
    assert f'<option selected value="{supply.product_type.id}">' in page


def test_a_sentra_with_nothing_to_order_says_so(client, world):
    login(client, world.buyer)
    page = client.get("/sentra/ceper/order").get_data(as_text=True)
    assert 'data-testid="empty-state"' in page


def test_looking_at_the_split_shows_each_ikm_and_why_and_writes_nothing(client, supply):
    login(client, supply.buyer)
    before = table_counts()
    page = client.get(look_url(supply, 1000)).get_data(as_text=True)
    assert table_counts() == before
    assert page.count('data-testid="split-row"') == 3
    assert page.count('data-testid="why-row"') == 3
    assert "UD Dua" in page and "85.000" in page
    assert 'data-testid="confirm-split"' in page


def test_a_shortfall_is_shown_with_the_choice_to_accept_it(client, supply):
    login(client, supply.buyer)
    page = client.get(look_url(supply, 4000)).get_data(as_text=True)
    assert 'data-testid="shortfall"' in page
    assert 'name="accept_partial"' in page


@pytest.mark.parametrize("quantity", ["0", "-3", "abc", "1e309", ""])
def test_a_bad_quantity_is_an_error_on_the_form(client, supply, quantity):
    login(client, supply.buyer)
    page = client.get(look_url(supply, quantity)).get_data(as_text=True)
    assert "invalid-feedback" in page
    assert 'data-testid="proposed-split"' not in page
    # What is no number is not written back into the number field (its value would be invalid HTML).
    assert 'value="abc"' not in page


def test_confirming_places_the_sentra_order_and_goes_to_payment(client, supply):
    login(client, supply.buyer)
    response = client.post("/sentra/jombang/order", data=confirm_payload(supply, 1000, fingerprint_of(supply, 1000)))
    assert response.status_code == 302
    sentra_order = db.session.scalar(db.select(SentraOrder))
    checkout_id = sentra_order.rounds[0].checkout_id
    assert response.headers["Location"].endswith(f"/payments/checkouts/{checkout_id}")
    assert sentra_order.po_number == "PO-77"
    page = client.get(f"/payments/checkouts/{checkout_id}").get_data(as_text=True)
    assert 'data-testid="from-sentra-order"' in page and sentra_order.number in page


def test_a_changed_split_is_shown_again_and_nothing_is_placed(client, supply):
    login(client, supply.buyer)
    before = table_counts()
    response = client.post("/sentra/jombang/order", data=confirm_payload(supply, 1000, "0" * 32))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="proposed-split"' in page and "alert-warning" in page
    assert table_counts() == before


def test_a_shortfall_not_accepted_is_an_error_beside_the_checkbox_and_places_nothing(client, supply):
    login(client, supply.buyer)
    before = table_counts()
    response = client.post("/sentra/jombang/order", data=confirm_payload(supply, 4000, fingerprint_of(supply, 4000)))
    assert response.status_code == 200
    assert 'id="accept_partial-error"' in response.get_data(as_text=True)
    assert table_counts() == before
    accepted = confirm_payload(supply, 4000, fingerprint_of(supply, 4000), accept_partial="y")
    assert client.post("/sentra/jombang/order", data=accepted).status_code == 302


def test_the_buyer_and_the_coordinator_see_the_list_and_the_split_with_why(client, supply):
    sentra_order = factories.make_sentra_order(supply.buyer, supply.jombang, supply.product_type, quantity=1000)
    for user in (supply.buyer, supply.coordinator):
        login(client, user)
        listing = client.get("/sentra-orders").get_data(as_text=True)
        assert sentra_order.number in listing
        page = client.get(f"/sentra-orders/{sentra_order.id}").get_data(as_text=True)
        assert page.count('data-testid="split-order-row"') == 3
        assert page.count('data-testid="why-row"') == 3


def test_an_empty_list_says_how_to_start(client, supply):
    login(client, supply.buyer)
    assert 'data-testid="empty-state"' in client.get("/sentra-orders").get_data(as_text=True)


def test_the_sentra_order_page_keeps_its_query_count_as_rounds_grow(client, supply):
    sentra_order = factories.make_sentra_order(supply.buyer, supply.jombang, supply.product_type, 1000, paid=True)
    login(client, supply.buyer)
    with QueryCounter() as few:
        assert client.get(f"/sentra-orders/{sentra_order.id}").status_code == 200
    for seller, ikm in ((supply.tiga_seller, supply.tiga), (supply.dua_seller, supply.dua)):
        share = db.session.scalar(
            db.select(Order).where(Order.sentra_order_id == sentra_order.id, Order.seller_organization_id == ikm.id)
        )
        sentra_orders.decline_share(seller, share, "Tidak sanggup bulan ini")
    login(client, supply.buyer)
    with QueryCounter() as many:
        page = client.get(f"/sentra-orders/{sentra_order.id}").get_data(as_text=True)
    assert page.count('data-testid="round"') == 3
    assert many.count == few.count


# --- the IKM's decline ------------------------------------------------------------------------------------------


@pytest.fixture
def paid_share(supply):
    sentra_order = factories.make_sentra_order(supply.buyer, supply.jombang, supply.product_type, 1000, paid=True)
    db.session.commit()
    return db.session.scalar(
        db.select(Order).where(Order.sentra_order_id == sentra_order.id, Order.seller_organization_id == supply.tiga.id)
    )


def test_the_ikm_sees_the_decline_form_and_no_reject_button_on_its_share(client, supply, paid_share):
    login(client, supply.tiga_seller)
    page = client.get(f"/orders/{paid_share.id}").get_data(as_text=True)
    assert 'data-testid="decline-share"' in page
    assert 'data-testid="action-reject"' not in page
    assert 'data-testid="action-accept"' in page


def test_declining_with_a_reason_moves_the_share_and_tells_the_buyer(client, supply, paid_share):
    login(client, supply.tiga_seller)
    response = client.post(f"/orders/{paid_share.id}/decline", data={"reason": "Mesin press sedang rusak"})
    assert response.status_code == 302
    db.session.refresh(paid_share)
    assert paid_share.status == OrderStatus.REJECTED
    login(client, supply.buyer)
    page = client.get(f"/sentra-orders/{paid_share.sentra_order_id}").get_data(as_text=True)
    assert 'data-testid="round-decline"' in page and "Mesin press sedang rusak" in page


@pytest.mark.parametrize("reason", ["", "  ", "abc", "x" * 1001, None])
def test_a_decline_without_a_proper_reason_is_an_error_and_changes_nothing(client, supply, paid_share, reason):
    login(client, supply.tiga_seller)
    before = table_counts()
    response = client.post(f"/orders/{paid_share.id}/decline", data={} if reason is None else {"reason": reason})
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert table_counts() == before


def test_another_ikm_cannot_decline_the_share(client, supply, paid_share):
    login(client, supply.dua_seller)
    before = table_counts()
    assert client.post(f"/orders/{paid_share.id}/decline", data={"reason": "Bukan milik saya"}).status_code == 404
    assert table_counts() == before


def test_a_decline_after_the_time_to_decline_is_refused_and_changes_nothing(client, app, supply, paid_share):
    hours = app.config["SENTRA_ORDER_DECLINE_HOURS"]
    db.session.execute(
        db.update(Order).where(Order.id == paid_share.id).values(paid_at=utcnow() - timedelta(hours=hours, minutes=1))
    )
    db.session.commit()
    login(client, supply.tiga_seller)
    assert 'data-testid="decline-share"' not in client.get(f"/orders/{paid_share.id}").get_data(as_text=True)
    before = table_counts()
    response = client.post(f"/orders/{paid_share.id}/decline", data={"reason": "Terlambat sekali"})
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert table_counts() == before


# --- the monitor ----------------------------------------------------------------------------------------------


def test_the_monitor_shows_sentra_order_shares_against_capacity_and_declines(client, supply, paid_share):
    sentra_orders.decline_share(supply.tiga_seller, paid_share, "Bahan baku habis")
    login(client, supply.coordinator)
    page = client.get(f"/coordinator/competition?product_type={supply.product_type.id}").get_data(as_text=True)
    assert 'data-testid="fairness-chart"' in page
    rows = re.findall(r'<tr data-testid="fairness-row">(.*?)</tr>', page, re.S)
    tiga = next(row for row in rows if "UD Tiga" in row)
    assert re.search(r'data-testid="row-declines">1<', tiga)
    assert re.search(r'data-testid="monitor-declines">1<', page)


def test_without_sentra_orders_the_monitor_says_so(client, supply):
    login(client, supply.coordinator)
    page = client.get(f"/coordinator/competition?product_type={supply.product_type.id}").get_data(as_text=True)
    assert 'data-testid="fairness-empty"' in page and 'data-testid="fairness-chart"' not in page


def more_ikms(w, names):
    for name in names:
        ikm = factories.make_ikm(w.jombang, name=name)
        factories.make_listing(ikm, w.product_type, stock=Decimal("500"), order_multiple=Decimal("10"))
    db.session.commit()


def test_the_split_page_keeps_its_query_count_as_ikms_grow(client, supply):
    login(client, supply.buyer)
    more_ikms(supply, ["UD Empat"])
    with QueryCounter() as few:
        assert client.get(look_url(supply, 1000)).status_code == 200
    more_ikms(supply, [f"UD Tambahan {n}" for n in range(4)])
    with QueryCounter() as many:
        page = client.get(look_url(supply, 1000)).get_data(as_text=True)
    assert page.count('data-testid="why-row"') == 8
    assert many.count == few.count


def test_the_list_of_sentra_orders_keeps_its_query_count_as_it_grows(client, supply):
    factories.make_sentra_order(supply.buyer, supply.jombang, supply.product_type, 100)
    login(client, supply.coordinator)
    with QueryCounter() as few:
        assert client.get("/sentra-orders").status_code == 200
    for _ in range(4):
        factories.make_sentra_order(supply.buyer, supply.jombang, supply.product_type, 100)
    login(client, supply.coordinator)
    with QueryCounter() as many:
        page = client.get("/sentra-orders").get_data(as_text=True)
    assert page.count('data-testid="sentra-order-row"') == 5
    assert many.count == few.count


def test_letters_in_the_quantity_give_one_error_not_two(client, supply):
    login(client, supply.buyer)
    page = client.get(look_url(supply, "abc")).get_data(as_text=True)
    assert len(re.findall(r'<div id="quantity-error[^"]*" class="invalid-feedback', page)) == 1
