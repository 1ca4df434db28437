"""Listings keep to the schedule in force: inside the band, at the reference in fixed mode, never live without one."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.catalog import services as catalog
from marketplace.core.errors import DomainError
from tests import factories
from tests.catalog.test_listings import form
from tests.helpers import table_counts


def listing_form(w, **overrides):
    return form(w, **{"stock": "100", **overrides})


def test_a_price_outside_the_band_is_refused_naming_the_band_and_counted(client, catalog_world, login_as):
    from marketplace.pricing.models import OutOfBandAttempt

    login_as("seller")
    before = table_counts()
    page = client.post("/seller/listings/new", data=listing_form(catalog_world, price_idr="200000"))
    assert "Harga harus berada dalam rentang yang berlaku: Rp\u00a050.000 sampai Rp\u00a0150.000." in page.get_data(
        as_text=True
    )
    after = table_counts()
    # Nothing is stored but the refused attempt, counted for the coordinator's competition monitor.
    assert after.pop("out_of_band_attempt") == before.pop("out_of_band_attempt") + 1
    assert after == before
    [attempt] = OutOfBandAttempt.query.all()
    assert (attempt.organization_id, attempt.price_idr, attempt.listing_id) == (catalog_world.ikm.id, 200_000, None)
    assert attempt.schedule_id == catalog_world.band.id


def test_a_refused_edit_is_counted_against_the_listing(client, catalog_world, login_as):
    from marketplace.pricing.models import OutOfBandAttempt
    from tests.catalog.test_listings import form_from

    login_as("seller")
    listing = catalog_world.active_listing
    client.post(f"/seller/listings/{listing.id}/edit", data=form_from(listing, price_idr="49999"))
    [attempt] = OutOfBandAttempt.query.all()
    assert (attempt.listing_id, attempt.price_idr) == (listing.id, 49_999)
    assert listing.price_idr == 85_000


def test_the_listing_form_shows_the_bands_in_force(client, catalog_world, login_as):
    login_as("seller")
    page = client.get("/seller/listings/new").get_data(as_text=True)
    assert "Rp\u00a050.000 – Rp\u00a0150.000" in page


def test_editing_a_live_listing_keeps_its_price_in_the_band(client, catalog_world, login_as):
    from tests.catalog.test_listings import form_from

    login_as("seller")
    listing = catalog_world.active_listing
    client.post(f"/seller/listings/{listing.id}/edit", data=form_from(listing, price_idr="10000"))
    assert listing.price_idr == 85000


def test_fixed_mode_makes_the_listing_price_follow_the_reference(client, db, catalog_world, login_as):
    factories.make_schedule(
        catalog_world.jombang, catalog_world.product_type, reference=88_000, mode="fixed", days_ago=0
    )
    db.session.commit()
    login_as("seller")
    response = client.post("/seller/listings/new", data=listing_form(catalog_world, price_idr="60000"))
    assert response.status_code == 302
    listing = db.session.get(catalog.Listing, int(response.headers["Location"].split("/")[-2]))
    assert listing.price_idr == 88_000


def test_without_a_price_in_force_a_listing_cannot_go_live(db, world):
    category = factories.make_category()
    unpriced = factories.make_product_type(category)
    listing = factories.make_listing(world.ikm, unpriced, status="pending_review")
    db.session.commit()
    with pytest.raises(catalog.NoPriceInForce):
        catalog.moderate_listing(world.coordinator, listing, "approve")
    assert listing.status == "pending_review"
    paused = factories.make_listing(world.ikm, unpriced, status="paused")
    with pytest.raises(catalog.NoPriceInForce):
        catalog.seller_action(world.seller, paused, "resume")
    assert paused.status == "paused"


def test_a_coming_schedule_does_not_count_yet(db, world):
    category = factories.make_category()
    product_type = factories.make_product_type(category)
    factories.make_schedule(world.jombang, product_type, days_ago=-30)
    listing = factories.make_listing(world.ikm, product_type, status="pending_review")
    with pytest.raises(catalog.NoPriceInForce):
        catalog.moderate_listing(world.coordinator, listing, "approve")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    floor=st.integers(min_value=1, max_value=10**7),
    width=st.integers(min_value=0, max_value=10**7),
    price=st.integers(min_value=1, max_value=3 * 10**7),
    fixed=st.booleans(),
)
def test_no_active_listing_is_ever_outside_its_band(db, world, floor, width, price, fixed):
    """Property: whatever price a seller tries, a listing that goes live sits inside the band in force."""
    try:
        category = factories.make_category()
        product_type = factories.make_product_type(category)
        reference = floor + width // 2
        schedule = factories.make_schedule(
            world.jombang,
            product_type,
            reference=reference,
            floor=floor,
            ceiling=floor + width,
            mode="fixed" if fixed else "band",
        )
        data = catalog.ListingDetails(
            product_type_id=product_type.id,
            title="Paving uji",
            price_idr=price,
            stock=Decimal("10"),
            min_order=Decimal("1"),
            order_multiple=Decimal("1"),
            lead_time_days=1,
            capacity_per_month=Decimal("10"),
        )
        try:
            listing = catalog.create_listing(world.seller, data, submit=True)
            catalog.moderate_listing(world.coordinator, listing, "approve")
        except DomainError:
            assert not fixed and not schedule.allows(price)
            return
        assert listing.status == "active"
        assert schedule.floor_idr <= listing.price_idr <= schedule.ceiling_idr
        if fixed:
            assert listing.price_idr == schedule.reference_idr
    finally:
        db.session.rollback()
