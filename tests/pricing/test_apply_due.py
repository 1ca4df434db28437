"""A new band comes into force: out-of-band listings are hidden at once, suspended for pricing, and come back fixed."""

from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from marketplace.catalog.models import ListingEvent
from marketplace.catalog.services import LISTING_NOTES
from marketplace.pricing.services import PRICE_NOTES
from tests import factories
from tests.accounts.helpers import outbox_to
from tests.catalog.test_listings import form_from


def _new_band(db, w, floor, ceiling, reference=None, mode="band"):
    schedule = factories.make_schedule(
        w.jombang, w.product_type, reference=reference or floor, floor=floor, ceiling=ceiling, mode=mode, days_ago=0
    )
    db.session.commit()
    return schedule


def test_a_new_band_hides_out_of_band_listings_from_its_first_day(client, db, catalog_world):
    listing = catalog_world.active_listing  # Rp 85.000
    assert listing.title in client.get("/products").get_data(as_text=True)
    _new_band(db, catalog_world, 90_000, 100_000)
    assert listing.title not in client.get("/products").get_data(as_text=True)
    assert client.get(f"/listings/{listing.id}").status_code == 404


def test_apply_due_suspends_notifies_and_the_seller_brings_it_back(app, client, db, catalog_world, login_as):
    listing = catalog_world.active_listing
    _new_band(db, catalog_world, 90_000, 100_000)
    result = app.test_cli_runner().invoke(args=["pricing", "apply-due"])
    assert "suspended for pricing 1" in result.output
    assert listing.status == "price_suspended"
    [mail] = outbox_to(catalog_world.ikm.email)
    assert "Rp\u00a090.000" in mail.body_text and "Rp\u00a0100.000" in mail.body_text
    # Running it again changes nothing.
    assert "suspended for pricing 0" in app.test_cli_runner().invoke(args=["pricing", "apply-due"]).output
    login_as("seller")
    page = client.post(f"/seller/listings/{listing.id}/edit", data=form_from(listing, price_idr="80000"))
    assert (
        "Rp\u00a090.000 sampai Rp\u00a0100.000" in page.get_data(as_text=True) and listing.status == "price_suspended"
    )
    client.post(f"/seller/listings/{listing.id}/edit", data=form_from(listing, price_idr="95000"))
    assert listing.status == "active" and listing.price_idr == 95_000
    client.post("/logout")
    assert listing.title in client.get("/products").get_data(as_text=True)


def test_a_fixed_schedule_reprices_live_listings(app, db, catalog_world):
    listing = catalog_world.active_listing
    _new_band(db, catalog_world, 88_000, 88_000, reference=88_000, mode="fixed")
    assert "repriced 1" in app.test_cli_runner().invoke(args=["pricing", "apply-due"]).output
    assert listing.price_idr == 88_000 and listing.status == "active"


def test_a_coming_schedule_changes_nothing_yet(app, db, catalog_world):
    listing = catalog_world.active_listing
    factories.make_schedule(
        catalog_world.jombang,
        catalog_world.product_type,
        floor=90_000,
        reference=95_000,
        ceiling=100_000,
        days_ago=-(timedelta(days=30).days),
    )
    db.session.commit()
    app.test_cli_runner().invoke(args=["pricing", "apply-due"])
    assert listing.status == "active"


def test_the_history_stores_keys_and_shows_the_notes_in_the_readers_language(app, client, db, catalog_world, login_as):
    listing = catalog_world.active_listing
    _new_band(db, catalog_world, 90_000, 100_000)
    app.test_cli_runner().invoke(args=["pricing", "apply-due"])
    login_as("seller")
    client.post(f"/seller/listings/{listing.id}/edit", data=form_from(listing, price_idr="95000"))
    stored = db.session.scalars(
        select(ListingEvent.note).where(ListingEvent.listing_id == listing.id).order_by(ListingEvent.id)
    ).all()
    assert stored == [
        "pricing.price_outside_band?floor_idr=90000&ceiling_idr=100000",
        "listing.price_inside_band",
    ]
    with force_locale("id"):
        indonesian = [
            str(PRICE_NOTES["pricing.price_outside_band"])
            % {"floor_idr": "Rp\u00a090.000", "ceiling_idr": "Rp\u00a0100.000"},
            str(LISTING_NOTES["listing.price_inside_band"]),
        ]
    login_as("coordinator")
    page = client.get(f"/coordinator/listings/{listing.id}").get_data(as_text=True)
    assert all(f"— {text}</li>" in page for text in indonesian)
    assert "pricing.price_outside_band" not in page and "listing.price_inside_band" not in page
    client.get(f"/coordinator/listings/{listing.id}?lang=en")
    page = client.get(f"/coordinator/listings/{listing.id}").get_data(as_text=True)
    assert "— price outside the band Rp\u00a090,000 – Rp\u00a0100,000</li>" in page
    assert "— price set inside the band</li>" in page
