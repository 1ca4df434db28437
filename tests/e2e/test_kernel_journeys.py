"""Kernel flows in the browser: a seller's stock save that an order overtook, and product types kept by the admin."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.catalog import stock
from marketplace.catalog.models import Listing, ProductType
from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import assert_fits_phone, sign_in

pytestmark = pytest.mark.e2e


def test_a_stock_save_overtaken_by_a_reservation_is_refused_then_saved_again(page):
    sentra = factories.make_sentra()
    ikm = factories.make_ikm(sentra, name="UD Batako Tangguh")
    seller = factories.make_user("seller", organization=ikm)
    listing = factories.make_listing(ikm, factories.make_product_type(), title="Batako press", stock=Decimal("500"))
    db.session.commit()

    sign_in(page, seller.email, factories.PASSWORD)
    page.goto("/seller/listings")
    row = page.get_by_test_id("stock-form")
    row.locator("input[name=stock]").fill("480")
    # Meanwhile an order takes 3 units: the 500 the seller saw is no longer true.
    stock.reserve(listing.id, Decimal("3"))
    row.get_by_role("button", name="Simpan stok").click()
    expect(page.get_by_role("alert")).to_contain_text("Stok sudah berubah sementara itu (sekarang 497)")
    assert_fits_phone(page)
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).stock == Decimal("497")

    # The page now shows 497; the seller sets 480 again, knowingly.
    row = page.get_by_test_id("stock-form")
    expect(row.locator("input[name=stock]")).to_have_value("497")
    row.locator("input[name=stock]").fill("480")
    row.get_by_role("button", name="Simpan stok").click()
    expect(page.get_by_role("alert")).to_contain_text("Batako press")
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).stock == Decimal("480")


def test_coordinators_read_product_types_and_the_admin_adds_one(page, new_page):
    sentra = factories.make_sentra()
    coordinator = factories.make_user("coordinator", sentra=sentra)
    admin = factories.make_user("admin")
    category = factories.make_category(name="Paving block", slug="paving-block-uji")
    factories.make_product_type(category, name="Paving K-300 uji", slug="paving-k300-uji")
    db.session.commit()

    sign_in(page, coordinator.email, factories.PASSWORD)
    page.get_by_role("link", name="Jenis produk").click()
    expect(page.get_by_test_id("read-only-note")).to_contain_text("administrator platform")
    expect(page.get_by_text("Paving K-300 uji")).to_be_visible()
    expect(page.locator("a[href$='/edit'], a[href='/catalog/product-types/new']")).to_have_count(0)
    assert_fits_phone(page)

    desk = new_page()
    sign_in(desk, admin.email, factories.PASSWORD)
    desk.goto("/catalog/product-types")
    desk.get_by_role("link", name="Jenis produk baru").click()
    form = desk.locator("main form")
    form.locator("input[name=name]").fill("Paving K-225 uji")
    form.locator("input[name=slug]").fill("paving-k225-uji")
    form.locator("select[name=category_id]").select_option(label="Paving block")
    form.locator("select[name=unit]").select_option("m2")
    form.locator("input[name=slag_kg_per_unit]").fill("25")
    form.get_by_role("button", name="Simpan").click()
    expect(desk).to_have_url(re.compile(r"/catalog/product-types$"))
    expect(desk.get_by_role("alert")).to_contain_text("Jenis produk telah disimpan.")
    assert db.session.scalar(select(ProductType.id).where(ProductType.slug == "paving-k225-uji")) is not None
