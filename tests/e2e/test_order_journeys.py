"""Browser journeys of orders: a buyer fills a cart from two IKMs and checks out, the payment interface marks it paid
(the payments issue puts a real payment there), the IKMs accept and ship, the buyer confirms and reviews; a seller
rejects a paid order with a reason; a buyer cancels before acceptance. On a phone, in both languages."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from marketplace.catalog.models import Listing
from marketplace.extensions import db
from marketplace.orders import payment
from marketplace.orders.models import Checkout, Order
from tests import factories
from tests.e2e.conftest import assert_fits_phone, sign_in, sign_out, switch_language

pytestmark = pytest.mark.e2e


def _market(suffix):
    """A sentra with two approved IKMs (one PKP), a band in force, a listing each, a buyer company with two users."""
    sentra = factories.make_sentra(slug=f"jombang-{suffix}", name=f"Sentra Jombang {suffix}")
    category = factories.make_category(slug=f"paving-{suffix}", name="Paving block", name_en="Paving blocks")
    product_type = factories.make_product_type(category, slug=f"paving-k300-{suffix}", name="Paving block K-300")
    factories.make_schedule(sentra, product_type, floor=60_000, reference=85_000, ceiling=120_000)
    first = factories.make_ikm(sentra, name=f"UD Paving Satu {suffix}")
    second = factories.make_ikm(sentra, name=f"CV Paving Dua {suffix}", is_pkp=True)
    buyer_org = factories.make_buyer_org(name=f"PT Pembeli {suffix}")
    world = {
        "sentra": sentra,
        "first": first,
        "second": second,
        "first_seller": factories.make_user("seller", organization=first),
        "second_seller": factories.make_user("seller", organization=second),
        "coordinator": factories.make_user("coordinator", sentra=sentra),
        "buyer": factories.make_user("buyer", organization=buyer_org),
        "colleague": factories.make_user("buyer", organization=buyer_org, is_owner=False),
        "first_listing": factories.make_listing(first, product_type, title=f"Paving Satu {suffix}", price_idr=85_000),
        "second_listing": factories.make_listing(second, product_type, title=f"Paving Dua {suffix}", price_idr=90_000),
    }
    db.session.commit()
    return world


def _add_to_cart(page, listing, quantity):
    page.goto(f"/listings/{listing.id}")
    form = page.get_by_test_id("add-to-cart")
    form.locator("input[name=quantity]").fill(quantity)
    form.get_by_role("button").click()
    expect(page.get_by_test_id("cart-line").filter(has_text=listing.title)).to_be_visible()


def _act(page, order, action, **fields):
    page.goto(f"/orders/{order.id}")
    form = page.get_by_test_id(f"action-{action}")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.get_by_role("button").click()


def _status(order_id):
    db.session.rollback()  # see what the server committed
    return db.session.get(Order, order_id).status


def test_a_buyer_checks_out_two_ikms_they_ship_and_the_buyer_confirms_and_reviews(page, new_page):
    w = _market("jalan")
    sign_in(page, w["buyer"].email, factories.PASSWORD)
    _add_to_cart(page, w["first_listing"], "20")
    _add_to_cart(page, w["second_listing"], "15")
    expect(page.get_by_test_id("cart-group")).to_have_count(2)
    assert_fits_phone(page)
    page.get_by_test_id("to-checkout").click()
    assert_fits_phone(page)
    page.locator("input[name=po_number]").fill("PO/2026/118")
    page.get_by_test_id("to-review").click()
    expect(page.get_by_test_id("review-order")).to_have_count(2)
    # The PKP IKM's order carries PPN 11 %: 15 × 90.000 = 1.350.000, PPN 148.500.
    expect(page.get_by_test_id("ppn")).to_have_text("Rp 148.500")
    expect(page.get_by_test_id("checkout-total")).to_have_text("Rp 3.198.500")
    assert_fits_phone(page)
    page.get_by_test_id("confirm-checkout").click()
    expect(page.get_by_test_id("checkout-status")).to_be_visible()
    expect(page.get_by_test_id("checkout-order")).to_have_count(2)
    assert_fits_phone(page)

    db.session.rollback()
    checkout = db.session.scalar(db.select(Checkout).where(Checkout.po_number == "PO/2026/118"))
    assert db.session.get(Listing, w["first_listing"].id).stock == Decimal("480")
    # The payments issue puts a real payment here; the test calls the interface that payment will call.
    payment.mark_checkout_paid(checkout.id, reference="journey")
    first_order, second_order = sorted(checkout.orders, key=lambda o: o.seller_organization_id)
    first_id, second_id = first_order.id, second_order.id
    db.session.commit()

    for seller, order_id in ((w["first_seller"], first_id), (w["second_seller"], second_id)):
        seller_page = new_page()
        sign_in(seller_page, seller.email, factories.PASSWORD)
        seller_page.goto("/seller/orders")
        assert_fits_phone(seller_page)
        expect(seller_page.get_by_test_id("order-row").first).to_contain_text("Dibayar")
        order = db.session.get(Order, order_id)
        _act(seller_page, order, "accept")
        _act(seller_page, order, "mark_ready")
        _act(seller_page, order, "ship", delivery_note_number=f"SJ/{order_id}/2026")
        expect(seller_page.get_by_test_id("delivery-note-number")).to_have_text(f"SJ/{order_id}/2026")
        assert_fits_phone(seller_page)
        assert _status(order_id) == "shipped"

    # The buyer's colleague sees the company's orders and confirms; the bell counts what happened.
    colleague = new_page()
    sign_in(colleague, w["colleague"].email, factories.PASSWORD)
    expect(colleague.get_by_test_id("unread-count")).to_be_visible()
    colleague.goto("/orders")
    expect(colleague.get_by_test_id("order-row")).to_have_count(2)
    assert_fits_phone(colleague)
    _act(colleague, db.session.get(Order, first_id), "confirm_receipt")
    expect(colleague.get_by_test_id("order-status")).to_have_text("Selesai")
    review = colleague.get_by_test_id("review-form")
    review.get_by_label("4").check()
    review.locator("textarea[name=comment]").fill("Paving rapi, pengiriman tepat waktu")
    review.get_by_role("button").click()
    expect(colleague.get_by_test_id("order-review")).to_contain_text("Paving rapi")
    assert_fits_phone(colleague)
    colleague.goto(f"/ikm/{w['first'].id}")
    expect(colleague.get_by_text("Paving rapi, pengiriman tepat waktu")).to_be_visible()
    assert _status(first_id) == "completed"


def test_a_seller_rejects_a_paid_order_with_a_reason_and_the_stock_comes_back(page):
    w = _market("tolak")
    order = factories.make_order(w["buyer"], w["first_listing"], 40, status="paid", seller=w["first_seller"])
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    switch_language(page, "en")
    sign_in(page, w["first_seller"].email, factories.PASSWORD, button="Sign in")
    _act(page, order, "reject", reason="no")
    expect(page.get_by_test_id("action-reject").locator(".invalid-feedback")).to_contain_text("at least 5 characters")
    assert _status(order.id) == "paid"
    _act(page, order, "reject", reason="The press is broken this month")
    expect(page.get_by_test_id("order-status")).to_have_text("Rejected")
    expect(page.get_by_test_id("status-reason")).to_contain_text("The press is broken this month")
    db.session.rollback()
    assert db.session.get(Listing, w["first_listing"].id).stock == Decimal("500")
    sign_out(page, button="Sign out")


def test_a_buyer_cancels_before_the_ikm_accepts(page):
    w = _market("batal")
    order = factories.make_order(w["buyer"], w["second_listing"], 30, status="paid", seller=w["second_seller"])
    db.session.commit()
    sign_in(page, w["buyer"].email, factories.PASSWORD)
    page.goto("/orders")
    assert_fits_phone(page)
    page.get_by_test_id("order-row").get_by_role("link").click()
    form = page.get_by_test_id("action-cancel")
    form.locator("textarea[name=reason]").fill("Proyek ditunda bulan depan")
    form.get_by_role("button").click()  # the page fixture accepts the confirmation
    expect(page.get_by_test_id("order-status")).to_have_text("Dibatalkan")
    expect(page.get_by_test_id("refund-due")).to_be_visible()
    assert_fits_phone(page)
    assert _status(order.id) == "cancelled"
    db.session.rollback()
    assert db.session.get(Listing, w["second_listing"].id).stock == Decimal("500")
