"""The order pages, driven through the app as each side uses them: cart, checkout, the order page's actions."""

import re
from decimal import Decimal

from marketplace.accounts.models import Organization
from marketplace.catalog.models import Listing
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import WIB
from marketplace.orders.models import CartItem, Checkout, Notification, Order, OrderStatus
from tests import factories
from tests.helpers import QueryCounter, table_counts


def _fingerprint(html):
    return re.search(r'name="fingerprint"[^>]*value="([0-9a-f]+)"', html).group(1)


def _review(client, seller_id, method="pickup", address=""):
    return client.post(
        "/checkout",
        data={
            "step": "review",
            f"method_{seller_id}": method,
            f"address_{seller_id}": address,
            "po_number": "PO-77",
            "note": "",
            "submission_token": new_submission_token(),
        },
    )


def _confirm(client, seller_id, fingerprint, token, method="pickup", address=""):
    return client.post(
        "/checkout",
        data={
            "step": "confirm",
            f"method_{seller_id}": method,
            f"address_{seller_id}": address,
            "po_number": "PO-77",
            "note": "",
            "fingerprint": fingerprint,
            "submission_token": token,
        },
    )


def test_a_buyer_puts_a_listing_in_the_cart_checks_out_and_gets_one_order(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("buyer")
    response = client.post(f"/cart/add/{w.active_listing.id}", data={"quantity": "20"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cart")
    page = client.get("/cart").get_data(as_text=True)
    assert w.active_listing.title in page and "Rp" in page
    review = _review(client, w.ikm.id)
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert "PO-77" in html and 'data-testid="checkout-total"' in html
    confirm = _confirm(client, w.ikm.id, _fingerprint(html), new_submission_token())
    assert confirm.status_code == 302
    checkout = db.session.scalar(db.select(Checkout))
    assert confirm.headers["Location"].endswith(f"/checkouts/{checkout.id}")
    (order,) = checkout.orders
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.po_number == "PO-77"
    assert re.fullmatch(r"PS-\d{4}-\d{6}", order.number)
    assert db.session.get(Listing, w.active_listing.id).stock == Decimal("480")
    assert db.session.scalar(db.select(db.func.count(CartItem.id))) == 0
    assert order.number in client.get(f"/checkouts/{checkout.id}").get_data(as_text=True)


def test_the_same_confirmation_sent_twice_creates_one_checkout(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("buyer")
    client.post(f"/cart/add/{w.active_listing.id}", data={"quantity": "20"})
    fingerprint = _fingerprint(_review(client, w.ikm.id).get_data(as_text=True))
    token = new_submission_token()
    first = _confirm(client, w.ikm.id, fingerprint, token)
    second = _confirm(client, w.ikm.id, fingerprint, token)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Checkout.id))) == 1


def test_a_price_changed_after_the_review_is_shown_and_confirmed_again(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("buyer")
    client.post(f"/cart/add/{w.active_listing.id}", data={"quantity": "20"})
    fingerprint = _fingerprint(_review(client, w.ikm.id).get_data(as_text=True))
    # The coordinator publishes a fixed price meanwhile: the listing now sells at 90.000.
    factories.make_schedule(w.jombang, w.product_type, reference=90_000, mode="fixed", days_ago=0)
    db.session.commit()
    before = table_counts()
    response = _confirm(client, w.ikm.id, fingerprint, new_submission_token())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="prices-changed"' in html and "90.000" in html
    assert table_counts() == before
    again = _confirm(client, w.ikm.id, _fingerprint(html), new_submission_token())
    assert again.status_code == 302
    assert db.session.scalar(db.select(Order)).lines[0].unit_price_idr == 90_000


def test_a_line_short_of_stock_places_nothing_and_says_which(client, db, catalog_world, login_as):
    w = catalog_world
    second = factories.make_listing(w.ikm, w.product_type, title="Paving sisa sedikit", stock=Decimal("30"))
    db.session.commit()
    login_as("buyer")
    client.post(f"/cart/add/{w.active_listing.id}", data={"quantity": "20"})
    client.post(f"/cart/add/{second.id}", data={"quantity": "30"})
    fingerprint = _fingerprint(_review(client, w.ikm.id).get_data(as_text=True))
    # Somebody else buys part of the second listing meanwhile.
    factories.make_order(w.other_buyer, second, 10, status="awaiting_payment", seller=w.seller)
    db.session.commit()
    before = table_counts()
    response = _confirm(client, w.ikm.id, fingerprint, new_submission_token())
    assert response.status_code == 409
    assert "Paving sisa sedikit" in response.get_data(as_text=True)
    assert table_counts() == before
    assert db.session.get(Listing, w.active_listing.id).stock == Decimal("500")


def test_the_cart_refuses_a_quantity_below_the_minimum_and_keeps_what_it_had(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("buyer")
    response = client.post(f"/cart/add/{w.active_listing.id}", data={"quantity": "3"}, follow_redirects=True)
    assert "Pesanan minimum 10" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(CartItem.id))) == 0


def test_the_seller_accepts_and_ships_the_buyer_confirms_and_reviews(client, db, catalog_world, login_as):
    w = catalog_world
    order = factories.make_order(w.buyer, w.active_listing, 20, status="paid", seller=w.seller)
    db.session.commit()
    login_as("seller")
    assert order.number in client.get("/seller/orders").get_data(as_text=True)
    assert client.post(f"/orders/{order.id}/action", data={"action": "accept"}).status_code == 302
    assert client.post(f"/orders/{order.id}/action", data={"action": "mark_ready"}).status_code == 302
    refused = client.post(f"/orders/{order.id}/action", data={"action": "ship", "delivery_note_number": " "})
    assert refused.status_code == 200 and "surat jalan" in refused.get_data(as_text=True)
    shipped = client.post(f"/orders/{order.id}/action", data={"action": "ship", "delivery_note_number": "SJ/2026/01"})
    assert shipped.status_code == 302
    login_as("buyer_colleague")  # any user of the buyer company
    assert client.post(f"/orders/{order.id}/action", data={"action": "confirm_receipt"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.COMPLETED
    assert client.post(f"/orders/{order.id}/review", data={"rating": "5", "comment": "Rapi"}).status_code == 302
    assert "Rapi" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_illegal_moves_are_refused_and_change_nothing(client, db, catalog_world, login_as):
    w = catalog_world
    unpaid = factories.make_order(w.buyer, w.active_listing, 10, status="awaiting_payment", seller=w.seller)
    paid = factories.make_order(w.buyer, w.active_listing, 10, status="paid", seller=w.seller)
    db.session.commit()
    before = table_counts()
    login_as("seller")
    assert (
        client.post(f"/orders/{unpaid.id}/action", data={"action": "ship", "delivery_note_number": "SJ1"}).status_code
        == 409
    )
    assert client.post(f"/orders/{paid.id}/action", data={"action": "accept"}).status_code == 302
    after_accept = table_counts()
    assert client.post(f"/orders/{paid.id}/action", data={"action": "accept"}).status_code == 409
    assert table_counts() == after_accept
    neighbour = factories.make_user("seller", organization=factories.make_ikm(w.jombang))
    db.session.commit()
    login_as(neighbour)
    assert client.post(f"/orders/{unpaid.id}/action", data={"action": "accept"}).status_code == 403
    assert client.get(f"/orders/{unpaid.id}").status_code == 404
    login_as("other_buyer")
    assert client.post(f"/orders/{paid.id}/action", data={"action": "confirm_receipt"}).status_code == 403
    assert client.post(f"/orders/{paid.id}/action", data={"action": "bogus"}).status_code == 403
    login_as("buyer")
    assert client.post(f"/orders/{paid.id}/action", data={"action": "bogus"}).status_code == 409
    assert table_counts()["customer_order"] == before["customer_order"]


def test_a_rejection_needs_a_reason_and_gives_the_stock_back(client, db, catalog_world, login_as):
    w = catalog_world
    order = factories.make_order(w.buyer, w.active_listing, 20, status="paid", seller=w.seller)
    db.session.commit()
    login_as("seller")
    refused = client.post(f"/orders/{order.id}/action", data={"action": "reject", "reason": "no"})
    assert refused.status_code == 200 and "invalid-feedback" in refused.get_data(as_text=True)
    assert db.session.get(Listing, w.active_listing.id).stock == Decimal("480")
    ok = client.post(f"/orders/{order.id}/action", data={"action": "reject", "reason": "Mesin press rusak"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.REJECTED
    assert db.session.get(Listing, w.active_listing.id).stock == Decimal("500")
    assert db.session.get(Order, order.id).refund_due_idr == order.total_idr


def test_the_bell_counts_unread_notifications_and_the_list_marks_them_read(client, db, catalog_world, login_as):
    w = catalog_world
    order = factories.make_order(w.buyer, w.active_listing, 20, status="accepted", seller=w.seller)
    db.session.commit()
    login_as("buyer")
    page = client.get("/orders").get_data(as_text=True)
    unread = db.session.scalar(
        db.select(db.func.count(Notification.id)).where(
            Notification.user_id == w.buyer.id, Notification.read_at.is_(None)
        )
    )
    assert unread >= 2  # paid, accepted
    assert f'data-testid="unread-count">{unread}<' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert order.number in listing
    client.post("/notifications/read")
    assert 'data-testid="unread-count"' not in client.get("/orders").get_data(as_text=True)


def test_reorder_puts_the_lines_back_in_the_cart(client, db, catalog_world, login_as):
    w = catalog_world
    order = factories.make_order(w.buyer, w.active_listing, 20, status="completed", seller=w.seller)
    db.session.commit()
    login_as("buyer")
    assert client.post(f"/orders/{order.id}/reorder").status_code == 302
    item = db.session.scalar(db.select(CartItem).where(CartItem.user_id == w.buyer.id))
    assert item.listing_id == w.active_listing.id and item.quantity == Decimal("20")


def test_an_overdue_checkout_expires_when_read(app, client, db, catalog_world, login_as):
    w = catalog_world
    order = factories.make_order(w.buyer, w.active_listing, 20, status="awaiting_payment", seller=w.seller)
    checkout = order.checkout
    db.session.execute(
        db.update(Checkout).where(Checkout.id == checkout.id).values(pay_by=checkout.created_at.replace(year=2000))
    )
    db.session.commit()
    login_as("buyer")
    client.get(f"/checkouts/{checkout.id}")
    db.session.expire_all()
    assert db.session.get(Checkout, checkout.id).status == "expired"
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert db.session.get(Listing, w.active_listing.id).stock == Decimal("500")


def test_junk_on_an_order_action_is_refused_cleanly_and_changes_nothing(client, db, catalog_world, login_as):
    w = catalog_world
    order = factories.make_order(w.buyer, w.active_listing, 10, status="ready", seller=w.seller)
    db.session.commit()
    login_as("seller")
    before = table_counts()
    for payload, status in (
        ({"action": "x" * 10_000}, 409),  # no such action
        ({"action": "<script>alert('x')</script>"}, 409),  # no such action
        ({"action": "ship", "delivery_note_number": "x" * 61}, 200),
        ({"action": "ship", "delivery_note_number": "\x00"}, 200),
        ({"action": "ship", "delivery_note_number": "SJ-1", "reason": "x" * 10_000}, 200),
        ({}, 200),
    ):
        response = client.post(f"/orders/{order.id}/action", data=payload)
        assert response.status_code == status, payload
        assert "<script>alert('x')</script>" not in response.get_data(as_text=True)
        assert table_counts() == before, payload
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.READY


def _queries(client, url):
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_order_pages_load_in_a_fixed_number_of_queries(client, db, catalog_world, login_as):
    w = catalog_world
    listings = [factories.make_listing(w.ikm, w.product_type, title=f"Paving {i}") for i in range(6)]
    db.session.commit()
    first = factories.make_order(w.buyer, listings[0], 10, status="shipped", seller=w.seller)
    db.session.commit()
    counts = {}
    for label in ("few", "many"):
        login_as("buyer")
        for listing in listings[:2] if label == "few" else listings:
            client.post(f"/cart/add/{listing.id}", data={"quantity": "10"})
        urls = {
            "buyer": ["/cart", "/orders", "/checkouts", "/notifications", f"/orders/{first.id}"],
            "seller": ["/seller/orders", "/notifications", f"/orders/{first.id}"],
            "coordinator": ["/coordinator/orders", f"/orders/{first.id}"],
        }
        counts[label] = {}
        for who, pages in urls.items():
            login_as(who)
            for url in pages:
                counts[label][(who, url)] = _queries(client, url)
        # More orders, more lines, more notifications for the second look.
        for listing in listings[1:]:
            factories.make_order(w.buyer, listing, 10, status="accepted", seller=w.seller)
        db.session.commit()
    assert counts["many"] == counts["few"]


def test_the_listing_page_offers_the_cart_to_buyers_only_and_not_when_sold_out(client, db, catalog_world, login_as):
    w = catalog_world
    scarce = factories.make_listing(w.ikm, w.product_type, title="Paving tinggal sedikit", stock=Decimal("5"))
    db.session.commit()
    assert 'data-testid="sign-in-to-order"' in client.get(f"/listings/{w.active_listing.id}").get_data(as_text=True)
    login_as("seller")
    assert 'data-testid="add-to-cart"' not in client.get(f"/listings/{w.active_listing.id}").get_data(as_text=True)
    login_as("buyer")
    assert 'data-testid="add-to-cart"' in client.get(f"/listings/{w.active_listing.id}").get_data(as_text=True)
    page = client.get(f"/listings/{scarce.id}").get_data(as_text=True)
    assert 'data-testid="sold-out"' in page and 'data-testid="add-to-cart"' not in page


def test_the_order_lists_filter_by_status_and_date_and_take_junk_calmly(client, db, catalog_world, login_as):
    w = catalog_world
    paid = factories.make_order(w.buyer, w.active_listing, 10, status="paid", seller=w.seller)
    completed = factories.make_order(w.buyer, w.active_listing, 10, status="completed", seller=w.seller)
    db.session.commit()
    login_as("buyer")
    page = client.get("/orders?status=completed").get_data(as_text=True)
    assert completed.number in page and paid.number not in page
    today = completed.created_at.astimezone(WIB).date().isoformat()  # the filter reads days in WIB
    assert completed.number in client.get(f"/orders?date_from={today}&date_to={today}").get_data(as_text=True)
    empty = client.get("/orders?date_from=2001-01-01&date_to=2001-01-02").get_data(as_text=True)
    assert 'data-testid="empty-state"' in empty
    for junk in ("status=bogus", "date_from=yesterday", "date_from=2026-05-02&date_to=2026-05-01", "page=-3"):
        response = client.get(f"/orders?{junk}")
        assert response.status_code == 200, junk
    # The IKM's list puts the paid order (waiting for its answer) first.
    login_as("seller")
    rows = re.findall(r"PS-\d{4}-\d{6}", client.get("/seller/orders").get_data(as_text=True))
    assert rows[0] == paid.number


def test_an_order_cancelled_before_payment_is_news_for_nobody_at_the_ikm(client, db, catalog_world, login_as):
    w = catalog_world
    order = factories.make_order(w.buyer, w.active_listing, 10, status="awaiting_payment", seller=w.seller)
    db.session.commit()
    login_as("buyer")
    client.post(f"/orders/{order.id}/action", data={"action": "cancel", "reason": "Salah pilih produk"})
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    told = db.session.scalars(db.select(Notification.user_id).where(Notification.order_id == order.id)).all()
    assert w.seller.id not in told and told == []


def test_each_order_keeps_the_ppn_rate_it_was_charged_at(app, client, db, catalog_world, login_as, monkeypatch):
    w = catalog_world
    w.ikm.is_pkp = True
    db.session.commit()
    monkeypatch.setitem(app.config, "PPN_RATE", Decimal("0.12"))
    order = factories.make_order(w.buyer, w.active_listing, 10, status="paid", seller=w.seller)
    db.session.commit()
    assert order.ppn_rate == Decimal("0.12") and order.ppn_idr == 102_000  # 12 % of 10 × 85.000
    monkeypatch.setitem(app.config, "PPN_RATE", Decimal("0.11"))
    login_as("buyer")
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "PPN 12%" in page and "102.000" in page


def test_the_checkouts_list_filters_by_status(client, db, catalog_world, login_as):
    w = catalog_world
    waiting = factories.make_order(w.buyer, w.active_listing, 10, status="awaiting_payment", seller=w.seller)
    paid = factories.make_order(w.buyer, w.active_listing, 10, status="paid", seller=w.seller)
    db.session.commit()
    login_as("buyer_colleague")  # the company's checkouts, whoever placed them
    page = client.get("/checkouts?status=paid").get_data(as_text=True)
    assert paid.checkout.number in page and waiting.checkout.number not in page
    assert client.get("/checkouts?status=junk&date_from=x").status_code == 200


def test_a_cart_line_added_twice_at_once_is_one_row_and_no_error(db, catalog_world, monkeypatch):
    """The other request's row arrives between this one's look and its insert: the SAVEPOINT undoes only the
    duplicate, and the quantity lands on the row that is there."""
    from marketplace.orders import services

    w = catalog_world
    real_cart_size = services.cart_size

    def other_request_inserts_first(user):
        db.session.add(CartItem(user_id=user.id, listing_id=w.active_listing.id, quantity=10, seen_unit_price_idr=1))
        db.session.flush()
        return real_cart_size(user)

    monkeypatch.setattr(services, "cart_size", other_request_inserts_first)
    services.put_in_cart(w.buyer, w.active_listing, Decimal("30"))
    items = db.session.scalars(db.select(CartItem).where(CartItem.user_id == w.buyer.id)).all()
    assert [(item.quantity, item.seen_unit_price_idr) for item in items] == [(Decimal("30"), 85_000)]


def test_order_mail_subjects_are_in_each_recipients_language(client, db, catalog_world, login_as):
    from marketplace.core.models import OutboxMessage

    w = catalog_world
    w.buyer.locale = "en"
    w.seller.locale = "id"
    w.ikm.email = w.seller.email  # the IKM's business mail goes to its owner, who reads Indonesian
    order = factories.make_order(w.buyer, w.active_listing, 10, status="paid", seller=w.seller)
    db.session.commit()
    login_as("buyer")
    client.get("/?lang=en")
    client.post(f"/orders/{order.id}/action", data={"action": "cancel", "reason": "Proyek ditunda"})
    subjects = db.session.scalars(
        db.select(OutboxMessage.subject).where(OutboxMessage.to_address == w.seller.email).order_by(OutboxMessage.id)
    ).all()
    assert subjects[-1] == f"Pesanan {order.number} dibatalkan"


def test_the_order_page_loads_lines_and_actors_in_fixed_queries(client, db, catalog_world, login_as):
    """An order of several product types, moved by several people, shipped (so the page settles its automatic
    confirmation first): as many queries for one product type as for three."""
    from marketplace.orders import payment, services

    w = catalog_world
    counts = []
    for n in (1, 3):
        for i in range(n):
            product_type = factories.make_product_type(w.category, slug=f"jenis-{n}-{i}")
            factories.make_schedule(w.jombang, product_type, floor=50_000, reference=85_000, ceiling=150_000)
            services.put_in_cart(w.buyer, factories.make_listing(w.ikm, product_type), Decimal("10"))
        choices = {w.ikm.id: services.DeliveryChoice("pickup")}
        plan = services.plan_checkout(w.buyer, choices)
        checkout = services.place_checkout(w.buyer, choices, "", "", plan.fingerprint, new_submission_token())
        payment.mark_checkout_paid(checkout.id, reference="test")
        (order,) = checkout.orders
        colleague = factories.make_user("seller", organization=w.ikm, is_owner=False)
        services.act_on_order(w.seller, order, "accept")
        services.act_on_order(colleague, order, "mark_ready")
        services.act_on_order(w.seller, order, "ship", delivery_note_number=f"SJ-{n}")
        db.session.commit()
        login_as("buyer")
        with QueryCounter() as counter:
            assert client.get(f"/orders/{order.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_an_address_archived_between_review_and_confirm_sends_the_buyer_back_with_a_message(
    client, db, catalog_world, login_as
):
    from marketplace.orders.models import DeliveryAddress, DeliveryTariff

    w = catalog_world
    address = DeliveryAddress(
        organization_id=w.buyer_org.id,
        label="Pabrik",
        recipient="Budi",
        phone="0311234567",
        address="Jl. Raya 1",
        regency="Sidoarjo",
        province="Jawa Timur",
    )
    db.session.add_all([address, DeliveryTariff(sentra_id=w.jombang.id, base_fee_idr=150_000)])
    db.session.commit()
    login_as("buyer")
    client.post(f"/cart/add/{w.active_listing.id}", data={"quantity": "20"})
    review = _review(client, w.ikm.id, method="delivery", address=str(address.id))
    fingerprint = _fingerprint(review.get_data(as_text=True))
    login_as("buyer_colleague")
    client.post(f"/addresses/{address.id}/archive")
    login_as("buyer")
    before = table_counts()
    page = _confirm(client, w.ikm.id, fingerprint, new_submission_token(), method="delivery", address=str(address.id))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ada pilihan Anda yang tidak tersedia lagi" in html and 'data-testid="checkout-form"' in html
    assert table_counts() == before


def test_a_suspended_buyer_company_is_told_not_shown_an_error(client, db, catalog_world, login_as):
    w = catalog_world
    db.session.add(CartItem(user_id=w.buyer.id, listing_id=w.active_listing.id, quantity=10, seen_unit_price_idr=1))
    db.session.execute(db.update(Organization).where(Organization.id == w.buyer_org.id).values(status="suspended"))
    db.session.commit()
    login_as("buyer")
    response = client.post("/cart/prices-seen", follow_redirects=True)
    assert response.status_code == 200 and "alert-danger" in response.get_data(as_text=True)
