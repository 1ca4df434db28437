"""A seller signs in and lands on their listings, with what waits for them on top."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import assert_fits_phone, sign_in

pytestmark = pytest.mark.e2e


def test_a_seller_lands_on_their_to_dos_and_follows_one(page):
    sentra = factories.make_sentra()
    ikm = factories.make_ikm(sentra, name="UD Tugas Harian")
    seller = factories.make_user("seller", organization=ikm)
    product_type = factories.make_product_type()
    factories.make_listing(ikm, product_type, title="Paving yang ditolak", status="rejected")
    factories.make_listing(ikm, product_type, title="Paving habis", stock=Decimal("0"))
    factories.make_listing(ikm, product_type, title="Paving masih ada", stock=Decimal("40"))
    db.session.commit()

    sign_in(page, seller.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/seller/listings$"))
    todos = page.get_by_test_id("todos")
    expect(todos.get_by_test_id("todo-rejected")).to_contain_text("1")
    expect(todos.get_by_test_id("todo-stock")).to_contain_text("1")
    expect(todos.get_by_test_id("todo-drafts")).to_have_count(0)
    assert_fits_phone(page)

    todos.get_by_test_id("todo-stock").click()
    expect(page).to_have_url(re.compile(r"status=out_of_stock"))
    expect(page.get_by_test_id("seller-listing")).to_have_count(1)
    expect(page.get_by_test_id("seller-listing")).to_contain_text("Paving habis")


def test_an_ikm_waiting_for_approval_sees_one_clear_page(page):
    sentra = factories.make_sentra()
    ikm = factories.make_ikm(sentra, name="UD Baru Daftar", status="pending")
    seller = factories.make_user("seller", organization=ikm)
    db.session.commit()

    sign_in(page, seller.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/organization$"))  # its status, and why
    page.goto("/seller/listings")
    expect(page.get_by_test_id("not-approved")).to_contain_text("koordinator")
    expect(page.locator(".nav-pills")).to_have_count(0)
    assert_fits_phone(page)


def test_the_band_follows_the_product_type_the_seller_chooses(page):
    sentra = factories.make_sentra()
    ikm = factories.make_ikm(sentra, name="UD Pilih Jenis")
    seller = factories.make_user("seller", organization=ikm)
    category = factories.make_category()
    paving = factories.make_product_type(category, name="Paving band uji", slug="paving-band-uji")
    batako = factories.make_product_type(category, name="Batako tetap uji", slug="batako-tetap-uji")
    factories.make_schedule(sentra, paving, reference=85_000, floor=80_000, ceiling=90_000)
    factories.make_schedule(sentra, batako, reference=3_200, mode="fixed")
    db.session.commit()

    sign_in(page, seller.email, factories.PASSWORD)
    page.goto("/seller/listings/new")
    band = page.get_by_test_id("price-band")
    page.locator("select[name=product_type_id]").select_option(label=f"Paving band uji ({paving.unit_label})")
    expect(band).to_have_text("Rentang sentra: Rp 80.000 – Rp 90.000")
    page.locator("select[name=product_type_id]").select_option(label=f"Batako tetap uji ({batako.unit_label})")
    expect(band).to_have_text("Harga tetap sentra Rp 3.200")
    assert_fits_phone(page)
