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
    links = page.locator("#main-nav .nav-link, [data-testid=workspace-nav] .nav-link")
    expect(links.first).to_be_visible()
    assert links.count() == 11  # Home, Products, and the coordinator's nine pages
    for index in range(links.count()):
        link = links.nth(index)
        box = link.bounding_box()
        line_height = link.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
        padding = link.evaluate(
            "el => parseFloat(getComputedStyle(el).paddingTop) + parseFloat(getComputedStyle(el).paddingBottom)"
        )
        # One line of text: a word broken across lines would make the link two or more lines high.
        assert box["height"] <= padding + line_height * 1.5, f"{link.inner_text()!r} wraps"
    # The header and the coordinator's bar each keep to one line: nothing wraps under the brand.
    header = page.locator("nav.navbar-sentra").bounding_box()
    assert header["height"] < 80, f"the header is {header['height']} px high"
    workspace = page.get_by_test_id("workspace-nav")
    assert workspace.evaluate("el => el.querySelector('.nav').scrollWidth <= el.querySelector('.nav').clientWidth")


def _shop_of_three_categories():
    sentra = factories.make_sentra()
    ikm = factories.make_ikm(sentra, name="UD Toko Layar")
    paving = factories.make_category(name="Paving block", name_en="Paving blocks", slug="paving-layar")
    bricks = factories.make_category(name="Bata ringan", name_en="Lightweight bricks", slug="bata-layar")
    factories.make_category(name="Genteng", name_en="Roof tiles", slug="genteng-layar")  # nothing listed in it
    k300 = factories.make_product_type(paving, name="Paving K-300 layar", slug="k300-layar")
    hebel = factories.make_product_type(bricks, name="Bata ringan layar", slug="hebel-layar")
    for product_type, reference in ((k300, 80_000), (hebel, 650_000)):
        factories.make_schedule(sentra, product_type, reference=reference, floor=reference - 10, ceiling=reference + 10)
    for n in range(6):
        factories.make_listing(ikm, k300, title=f"Paving layar {n}", price_idr=80_000)
    factories.make_listing(ikm, hebel, title="Bata ringan layar", price_idr=650_000)
    db.session.commit()


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("path", ["/", "/products"])
def test_the_first_product_shows_without_scrolling_on_a_phone(page, language, path):
    _shop_of_three_categories()
    page.goto(f"{path}?lang={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    first_card = page.get_by_test_id("listing-card").first
    expect(first_card).to_be_in_viewport()
    assert first_card.bounding_box()["y"] < 800
    assert_fits_phone(page)


def test_on_a_phone_the_filters_fold_behind_one_button_that_counts_them(page):
    _shop_of_three_categories()
    page.goto("/products")
    filters = page.get_by_test_id("filters")
    expect(filters.locator("select[name=sentra]")).to_be_hidden()
    expect(page.get_by_test_id("filter-count")).to_have_count(0)
    page.get_by_test_id("filter-toggle").click()
    filters.get_by_label("Stok tersedia").check()
    filters.get_by_role("button", name="Tampilkan").first.click()
    expect(page).to_have_url(re.compile(r"/products\?(\w+=\w*&)*in_stock=y(&|$)"))
    expect(page.get_by_test_id("filter-count")).to_have_text("1")

    # The category select leads to the category's page; its product types fill the second select.
    page.get_by_test_id("category-select").select_option(label="Paving block")
    page.get_by_test_id("filters").get_by_role("button", name="Tampilkan").first.click()
    expect(page).to_have_url(re.compile(r"/products/paving-layar\?(\w+=\w*&)*in_stock=y(&|$)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Paving block")
    page.get_by_test_id("product-type-select").select_option(label="Paving K-300 layar")
    page.get_by_test_id("filters").get_by_role("button", name="Tampilkan").first.click()
    expect(page).to_have_url(re.compile(r"/products/paving-layar/k300-layar\?(\w+=\w*&)*in_stock=y(&|$)"))
    expect(page.get_by_test_id("listing-card")).to_have_count(6)
    assert_fits_phone(page)


def test_a_category_with_nothing_listed_is_not_a_link_on_home(page):
    _shop_of_three_categories()
    page.goto("/")
    chips = page.get_by_test_id("categories")
    expect(chips.get_by_role("link", name=re.compile("Paving block"))).to_have_count(1)
    expect(chips.get_by_role("link", name=re.compile("Genteng"))).to_have_count(0)
    expect(chips.get_by_test_id("empty-category")).to_contain_text("Genteng")
