"""What a buyer looks for: the IKM verified by its sentra (and since when), the SNI standard, the sentra price."""

import re
from datetime import UTC, datetime

from tests import factories


def test_cards_show_a_verified_ikm_its_sni_and_the_sentra_price(client, db, catalog_world):
    catalog_world.product_type.sni_standard = "SNI 03-0691-1996"
    db.session.commit()
    page = client.get("/products").get_data(as_text=True)
    signals = page[page.index('data-testid="card-signals"') :][:600]
    assert "IKM terverifikasi" in signals and "SNI 03-0691-1996" in signals
    # The price is the sentra's, and where it sits (test_listing_and_ikm_pages.py covers each wording).
    assert re.search(r'data-testid="price-position">[^<]*(acuan|sentra)', signals)


def test_a_product_type_without_sni_shows_no_sni_badge(client, db, catalog_world):
    catalog_world.product_type.sni_standard = None
    db.session.commit()
    page = client.get("/products").get_data(as_text=True)
    signals = page[page.index('data-testid="card-signals"') :][:600]
    assert "SNI" not in signals


def test_the_ikm_profile_and_listing_page_say_since_when_the_sentra_verified_it(client, db, catalog_world):
    w = catalog_world
    # Approved at 20:00 UTC on 1 March: already 2 March in Jombang (WIB, UTC+7).
    w.ikm.status_changed_at = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    db.session.commit()
    for url in (f"/ikm/{w.ikm.id}", f"/listings/{w.active_listing.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Diverifikasi sentra sejak 2 Mar 2026" in page, url


def test_an_ikm_no_longer_approved_is_not_called_verified_on_its_own_listing_page(client, db, catalog_world, login_as):
    w = catalog_world
    suspended = factories.make_ikm(w.jombang, name="UD Ditangguhkan", status="suspended")
    seller = factories.make_user("seller", organization=suspended)
    listing = factories.make_listing(suspended, w.product_type)
    db.session.commit()
    login_as(seller)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'data-testid="verified"' not in page
