"""Layout on a phone and a wide screen: the header search, menus that keep whole words."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import assert_fits_phone, sign_in, switch_language

pytestmark = pytest.mark.e2e


def test_a_visitor_searches_from_the_header_of_a_listing_page_on_a_phone(page):
    sentra = factories.make_sentra()
    ikm = factories.make_ikm(sentra, name="UD Paving Header")
    product_type = factories.make_product_type()
    factories.make_schedule(sentra, product_type, reference=80_000, floor=60_000, ceiling=100_000)
    listing = factories.make_listing(ikm, product_type, title="Paving heksagon abu", price_idr=80_000)
    factories.make_listing(ikm, product_type, title="Paving bata merah", price_idr=80_000)
    db.session.commit()

    page.goto(f"/listings/{listing.id}")
    search = page.get_by_test_id("header-search")
    expect(search).to_be_visible()  # outside the folded menu
    assert_fits_phone(page)
    search.get_by_role("searchbox").fill("merah")
    search.get_by_role("button", name="Cari").click()
    expect(page).to_have_url(re.compile(r"/products\?q=merah$"))
    expect(page.get_by_test_id("listing-card")).to_have_count(1)
    expect(page.get_by_test_id("listing-card")).to_contain_text("Paving bata merah")
    # Home and Produk have a search box of their own: the header does not repeat it.
    expect(page.get_by_test_id("header-search")).to_have_count(0)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_coordinators_menu_keeps_whole_words_on_a_wide_screen(new_page, language):
    sentra = factories.make_sentra()
    coordinator = factories.make_user("coordinator", sentra=sentra)
    db.session.commit()

    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, coordinator.email, factories.PASSWORD)
    switch_language(page, language)
    links = page.locator("#main-nav .nav-link")
    expect(links.first).to_be_visible()
    for index in range(links.count()):
        link = links.nth(index)
        box = link.bounding_box()
        line_height = link.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
        padding = link.evaluate(
            "el => parseFloat(getComputedStyle(el).paddingTop) + parseFloat(getComputedStyle(el).paddingBottom)"
        )
        # One line of text: a word broken across lines would make the link two or more lines high.
        assert box["height"] <= padding + line_height * 1.5, f"{link.inner_text()!r} wraps"
