"""A buyer on a phone: the sentra's price beside a listing's, the IKM's WhatsApp after signing in, an IKM's listings
a page at a time; and the IKM publishing that number."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Organization
from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import assert_fits_phone, field_errors, sign_in

pytestmark = pytest.mark.e2e


def _ikm_with_listings(count):
    sentra = factories.make_sentra()
    ikm = factories.make_ikm(sentra, name="UD Paving Mandiri")
    seller = factories.make_user("seller", organization=ikm)
    buyer = factories.make_user("buyer", organization=factories.make_buyer_org())
    product_type = factories.make_product_type(name="Paving K-300 6 cm")
    factories.make_schedule(sentra, product_type, reference=86_000, floor=82_000, ceiling=91_000)
    listings = [
        factories.make_listing(ikm, product_type, title=f"Paving abu seri {i:02d}", price_idr=88_000)
        for i in range(count)
    ]
    db.session.commit()
    return ikm, seller, buyer, listings


def test_an_ikm_publishes_its_whatsapp_and_a_buyer_reaches_it_after_signing_in(page, new_page):
    ikm, seller, buyer, listings = _ikm_with_listings(1)

    # The IKM's owner: junk is refused beside the field, a real number is saved and the IKM stays approved.
    sign_in(page, seller.email, factories.PASSWORD)
    page.goto("/account/organization/edit")
    form = page.locator("main form")
    form.locator("input[name=public_phone]").fill("telepon kantor")
    form.get_by_role("button", name="Simpan").click()
    expect(field_errors(page, "public_phone")).to_contain_text("Masukkan nomor telepon seperti 0812 3456 7890")
    assert_fits_phone(page)
    form = page.locator("main form")
    form.locator("input[name=public_phone]").fill("0812-3456-7890")
    form.get_by_role("button", name="Simpan").click()
    expect(page).to_have_url(re.compile(r"/account/organization$"))
    expect(page.get_by_test_id("public-phone")).to_have_text("0812-3456-7890")
    db.session.rollback()  # see what the server committed
    org = db.session.get(Organization, ikm.id)
    assert org.public_phone == "0812-3456-7890" and org.status == "approved"

    # A visitor sees the sentra's band beside the price, and is asked to sign in for the number.
    visitor = new_page()
    visitor.goto(f"/listings/{listings[0].id}")
    expect(visitor.get_by_test_id("price")).to_contain_text("Rp\u00a088.000")
    expect(visitor.get_by_test_id("sentra-price")).to_contain_text("Rp\u00a086.000")
    expect(visitor.get_by_test_id("sentra-price")).to_contain_text("Rp\u00a082.000–Rp\u00a091.000")
    # Where the price sits: 2 % above the reference, drawn on the band.
    expect(visitor.get_by_test_id("price-position")).to_have_text("2 % di atas acuan sentra")
    expect(visitor.get_by_test_id("band-bar").locator(".band-marker")).to_be_visible()
    expect(visitor.get_by_test_id("whatsapp-link")).to_have_count(0)
    assert_fits_phone(visitor)
    visitor.get_by_test_id("phone-sign-in").get_by_role("link").click()
    expect(visitor).to_have_url(re.compile(r"/login\?next="))
    form = visitor.get_by_test_id("login-form")
    form.locator("input[name=email]").fill(buyer.email)
    form.locator("input[name=password]").fill(factories.PASSWORD)
    form.get_by_role("button", name="Masuk").click()

    # Back on the listing, signed in as a buyer: the number and its WhatsApp link.
    expect(visitor).to_have_url(re.compile(rf"/listings/{listings[0].id}$"))
    expect(visitor.get_by_test_id("public-phone")).to_contain_text("0812-3456-7890")
    expect(visitor.get_by_test_id("whatsapp-link")).to_have_attribute("href", "https://wa.me/6281234567890")
    expect(visitor.get_by_test_id("phone-sign-in")).to_have_count(0)
    assert_fits_phone(visitor)
    visitor.get_by_role("link", name="UD Paving Mandiri").click()
    expect(visitor).to_have_url(re.compile(rf"/ikm/{ikm.id}$"))
    expect(visitor.get_by_test_id("listing-card").first.get_by_test_id("price-position")).to_have_text(
        "2 % di atas acuan sentra"
    )
    expect(visitor.get_by_test_id("whatsapp-link")).to_have_attribute("href", "https://wa.me/6281234567890")
    assert_fits_phone(visitor)


def test_a_buyer_pages_through_an_ikm_with_many_listings(page):
    ikm, _seller, _buyer, _listings = _ikm_with_listings(30)

    page.goto(f"/ikm/{ikm.id}")
    cards = page.get_by_test_id("listing-card")
    expect(cards).to_have_count(24)
    expect(cards.first).to_contain_text("Paving abu seri 29")
    assert_fits_phone(page)
    page.get_by_role("navigation", name="Halaman").get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/ikm/{ikm.id}\?page=2$"))
    expect(cards).to_have_count(6)
    expect(cards.last).to_contain_text("Paving abu seri 00")
    assert_fits_phone(page)

    # A page number typed by hand that means nothing still shows the profile.
    page.goto(f"/ikm/{ikm.id}?page=abc")
    expect(cards).to_have_count(24)
    page.goto(f"/ikm/{ikm.id}?page=999")
    expect(page.get_by_role("heading", name="UD Paving Mandiri")).to_be_visible()
