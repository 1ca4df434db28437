"""Browser journeys around an order: the coordinator sets the sentra's delivery tariff, a buyer saves an address and
checks out with delivery at that fee, downloads the invoice, reorders; a dispute reported by the buyer is settled by
the coordinator. On a phone, in Indonesian and English."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from marketplace.catalog.models import Listing
from marketplace.extensions import db
from marketplace.orders import payment
from marketplace.orders.models import Checkout, Order
from tests import factories
from tests.e2e.conftest import assert_fits_phone, field_errors, sign_in, switch_language

pytestmark = pytest.mark.e2e


def _market(suffix):
    sentra = factories.make_sentra(slug=f"jombang-{suffix}", name=f"Sentra Jombang {suffix}")
    category = factories.make_category(slug=f"paving-{suffix}", name="Paving block", name_en="Paving blocks")
    product_type = factories.make_product_type(category, slug=f"paving-k300-{suffix}", name="Paving block K-300")
    factories.make_schedule(sentra, product_type, floor=60_000, reference=85_000, ceiling=120_000)
    ikm = factories.make_ikm(sentra, name=f"UD Paving {suffix}")
    buyer_org = factories.make_buyer_org(name=f"PT Pembeli {suffix}")
    world = {
        "product_type": product_type,
        "seller": factories.make_user("seller", organization=ikm),
        "coordinator": factories.make_user("coordinator", sentra=sentra),
        "buyer": factories.make_user("buyer", organization=buyer_org),
        "listing": factories.make_listing(ikm, product_type, title=f"Paving {suffix}", price_idr=85_000),
    }
    db.session.commit()
    return world


def test_a_tariff_an_address_a_delivered_checkout_its_invoice_and_a_reorder(page, new_page):
    w = _market("kirim")
    coordinator = new_page()
    sign_in(coordinator, w["coordinator"].email, factories.PASSWORD)
    coordinator.goto("/coordinator/delivery-tariff")
    expect(coordinator.get_by_test_id("no-tariff")).to_be_visible()
    form = coordinator.get_by_test_id("tariff-form")
    form.locator("input[name=base_fee_idr]").fill("-5")
    form.locator(f"input[name=fee_{w['product_type'].id}]").fill("2500")
    form.get_by_role("button").click()
    expect(field_errors(coordinator, "base_fee_idr")).to_have_count(1)
    form = coordinator.get_by_test_id("tariff-form")
    form.locator("input[name=base_fee_idr]").fill("150000")
    form.get_by_role("button").click()
    expect(coordinator.get_by_test_id("tariff-summary")).to_be_visible()
    assert_fits_phone(coordinator)

    sign_in(page, w["buyer"].email, factories.PASSWORD)
    page.goto("/addresses")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    page.get_by_test_id("add-address").click()
    form = page.get_by_test_id("address-form")
    form.locator("input[name=label]").fill("Pabrik Sidoarjo")
    form.locator("input[name=recipient]").fill("Budi Santoso")
    form.locator("input[name=phone]").fill("x")  # refused beside the field
    form.locator("[name=address]").fill("Jl. Raya Berbek Industri II No. 21")
    form.locator("input[name=regency]").fill("Kabupaten Sidoarjo")
    form.locator("select[name=province]").select_option("Jawa Timur")
    form.get_by_role("button").click()
    expect(field_errors(page, "phone")).to_have_count(1)
    page.get_by_test_id("address-form").locator("input[name=phone]").fill("031 8970 1234")
    page.get_by_test_id("address-form").get_by_role("button").click()
    expect(page.get_by_test_id("address-row")).to_contain_text("Pabrik Sidoarjo")
    assert_fits_phone(page)

    page.goto(f"/listings/{w['listing'].id}")
    page.get_by_test_id("add-to-cart").locator("input[name=quantity]").fill("100")
    page.get_by_test_id("add-to-cart").get_by_role("button").click()
    page.get_by_test_id("to-checkout").click()
    page.locator("input[type=radio][value=delivery]").check()
    page.locator("select[name^=address_]").select_option(label="Pabrik Sidoarjo")
    page.get_by_test_id("to-review").click()
    # 150.000 per order + 100 m² × 2.500
    expect(page.get_by_test_id("delivery-fee")).to_have_text("Rp 400.000")
    expect(page.get_by_test_id("checkout-total")).to_have_text("Rp 8.900.000")
    assert_fits_phone(page)
    page.get_by_test_id("confirm-checkout").click()
    expect(page.get_by_test_id("checkout-order")).to_have_count(1)

    db.session.rollback()
    checkout = db.session.scalar(
        db.select(Checkout).where(Checkout.buyer_organization_id == w["buyer"].organization_id)
    )
    payment.mark_checkout_paid(checkout.id, reference="journey")
    order_id = checkout.orders[0].id
    db.session.commit()
    page.goto(f"/orders/{order_id}")
    invoice = page.get_by_test_id("documents").locator("a").first
    response = page.request.get(invoice.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.get_by_test_id("reorder").click()
    expect(page.get_by_test_id("cart-line")).to_contain_text("Paving kirim")
    expect(page.get_by_test_id("cart-line").locator("input[name=quantity]")).to_have_value("100")


def test_the_coordinator_settles_a_dispute_with_a_refund(page, new_page):
    w = _market("sengketa")
    order = factories.make_order(
        w["buyer"], w["listing"], 50, status="shipped", seller=w["seller"], coordinator=w["coordinator"]
    )
    db.session.commit()
    sign_in(page, w["buyer"].email, factories.PASSWORD)
    page.goto(f"/orders/{order.id}")
    form = page.get_by_test_id("action-dispute")
    form.locator("textarea[name=reason]").fill("Kurang 5 m² dari surat jalan")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Dalam sengketa")
    assert_fits_phone(page)

    coordinator = new_page()
    sign_in(coordinator, w["coordinator"].email, factories.PASSWORD)
    switch_language(coordinator, "en")
    expect(coordinator.get_by_test_id("unread-count")).to_have_text("1")
    coordinator.goto("/coordinator/orders")
    expect(coordinator.get_by_test_id("order-row").first).to_contain_text("Disputed")
    coordinator.get_by_test_id("order-row").first.get_by_role("link").first.click()
    form = coordinator.get_by_test_id("action-resolve_refunded")
    form.locator("textarea[name=reason]").fill("Goods short against the delivery note")
    form.get_by_role("button").click()  # the page fixture accepts the confirmation
    expect(coordinator.get_by_test_id("order-status")).to_have_text("Refunded")
    expect(coordinator.get_by_test_id("refund-due")).to_be_visible()
    assert_fits_phone(coordinator)
    db.session.rollback()
    assert db.session.get(Order, order.id).status == "refunded"
    assert db.session.get(Listing, w["listing"].id).stock == Decimal("500")
