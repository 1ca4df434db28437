"""The seller sees the band in force beside the price, and a refused price says where to go next."""

import re

from tests import factories
from tests.catalog.test_listings import form, form_from

PRICE_REQUEST_URL = "/seller/listings/{}/price-request"


def _band(page):
    return re.search(r'data-testid="price-band"[^>]*>([^<]*)<', page).group(1)


def test_the_band_of_the_listings_product_type_stands_beside_the_price(client, catalog_world, login_as):
    login_as("seller")
    page = client.get(f"/seller/listings/{catalog_world.active_listing.id}/edit").get_data(as_text=True)
    assert _band(page) == "Rentang sentra: Rp\u00a050.000 – Rp\u00a0150.000"


def test_a_product_type_without_a_price_says_so_and_a_new_form_starts_empty(client, db, catalog_world, login_as):
    bare = factories.make_product_type(catalog_world.category, slug="tanpa-harga")
    db.session.commit()
    login_as("seller")
    assert _band(client.get("/seller/listings/new").get_data(as_text=True)) == ""
    page = client.post("/seller/listings/new", data=form(catalog_world, product_type_id=str(bare.id), title="x"))
    assert _band(page.get_data(as_text=True)) == "Belum ada harga acuan untuk jenis produk ini."


def test_a_refused_price_links_to_asking_for_another(client, catalog_world, login_as):
    listing = catalog_world.active_listing
    login_as("seller")
    page = client.post(f"/seller/listings/{listing.id}/edit", data=form_from(listing, price_idr="999000"))
    html = page.get_data(as_text=True)
    help_text = html[html.index('data-testid="refused-price-help"') :][:400]
    assert "dicatat untuk koordinator" in help_text
    assert f'href="{PRICE_REQUEST_URL.format(listing.id)}"' in help_text


def test_a_refused_price_on_a_new_listing_explains_the_order_of_things(client, catalog_world, login_as):
    login_as("seller")
    html = client.post("/seller/listings/new", data=form(catalog_world, price_idr="999000")).get_data(as_text=True)
    assert "Simpan listing dengan harga di dalam rentang dulu" in html
