"""Browser journey: a coordinator publishes a price band; everyone reads it on the sentra's harga acuan page."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import assert_fits_phone, field_errors, sign_in, sign_out, switch_language

pytestmark = pytest.mark.e2e


def test_coordinator_publishes_a_band_and_visitors_read_it(page, new_page):
    sentra = factories.make_sentra(slug="jombang-harga", name="Sentra Harga Jombang")
    coordinator = factories.make_user("coordinator", sentra=sentra)
    category = factories.make_category(slug="paving-harga", name="Paving block", name_en="Paving blocks")
    product_type = factories.make_product_type(category, slug="paving-k300-harga", name="Paving block K-300 6 cm")
    db.session.commit()

    page.goto("/")
    switch_language(page, "en")
    sign_in(page, coordinator.email, factories.PASSWORD, button="Sign in")
    page.goto("/coordinator/prices")
    row = page.get_by_test_id("price-row").filter(has_text=product_type.name)
    expect(row).to_contain_text("No price in force")
    row.get_by_role("link", name="New schedule").click()
    assert_fits_phone(page)

    form = page.get_by_test_id("schedule-form")
    form.locator("input[name=reference_idr]").fill("86000")
    form.locator("input[name=floor_idr]").fill("90000")  # above the reference: refused
    form.locator("input[name=ceiling_idr]").fill("95000")
    for name, value in (
        ("materials_idr", "40000"),
        ("labour_idr", "20000"),
        ("energy_idr", "10000"),
        ("margin_idr", "16000"),
    ):
        form.locator(f"input[name={name}]").fill(value)
    form.locator("textarea[name=tiers]").fill("100: 2\n500: 4")
    form.locator("textarea[name=reason]").fill("Cement prices went up")
    form.get_by_role("button", name="Publish").click()
    expect(field_errors(page, "reference_idr")).to_contain_text("floor ≤ reference ≤ ceiling")

    form = page.get_by_test_id("schedule-form")
    form.locator("input[name=floor_idr]").fill("82000")
    form.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/coordinator/prices$"))
    expect(page.get_by_role("alert")).to_contain_text("are published")
    expect(page.get_by_test_id("price-row").filter(has_text=product_type.name)).to_contain_text("Rp 82.000 – Rp 95.000")
    sign_out(page, button="Sign out")

    visitor = new_page()
    visitor.goto(f"/sentra/{sentra.slug}/harga-acuan")
    card = visitor.get_by_test_id("reference-card").filter(has_text=product_type.name)
    expect(card.get_by_test_id("reference")).to_have_text("Rp 86.000 / m²")
    expect(card.get_by_test_id("band")).to_have_text("Rp 82.000 – Rp 95.000")
    expect(card).to_contain_text("mulai 100: diskon 2 %")
    assert_fits_phone(visitor)
