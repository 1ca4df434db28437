"""Photos are served to those who may see them: a public listing's to anyone (and cached), the rest only to the
IKM, its sentra's coordinator and admins (never by a shared cache), everyone else gets 404."""

import re

import pytest

from marketplace.catalog import services
from marketplace.catalog.models import LISTING_STATES, ListingPhoto, ListingStatus
from marketplace.core.storage import get_storage
from marketplace.core.transaction import transaction
from tests import factories
from tests.catalog import images
from tests.conftest import login
from tests.helpers import QueryCounter

THIRTY_DAYS = 60 * 60 * 24 * 30


def add_photo(db, listing):
    """A stored photo (display size and thumbnail) for the listing, its status left as it is."""
    storage = get_storage()
    keys = storage.new_key("listing", "webp"), storage.new_key("listing", "webp")
    for key in keys:
        storage.save(key, images.image_bytes("WEBP"))
    photo = ListingPhoto(display_key=keys[0], thumb_key=keys[1], width=800, height=600, is_cover=not listing.photos)
    listing.photos.append(photo)
    db.session.commit()
    return photo


def get_as(app, user, url):
    """GET with a fresh client signed in as `user` (None: an anonymous visitor)."""
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client.get(url)


@pytest.fixture
def draft_photo(db, catalog_world):
    return add_photo(db, catalog_world.draft_listing)


@pytest.fixture
def active_photo(db, catalog_world):
    return add_photo(db, catalog_world.active_listing)


def outsiders(w, db):
    """Signed-out visitors, a buyer, the seller of another IKM of the same sentra and another sentra's coordinator."""
    neighbour_seller = factories.make_user("seller", organization=w.neighbour_draft.organization)
    db.session.commit()
    return {"anonymous": None, "buyer": w.buyer, "other IKM": neighbour_seller, "other sentra": w.other_coordinator}


@pytest.mark.parametrize("who", ["anonymous", "buyer", "other IKM", "other sentra"])
def test_a_drafts_photo_is_not_found_for_anyone_outside_its_ikm_and_sentra(app, db, catalog_world, draft_photo, who):
    user = outsiders(catalog_world, db)[who]
    client = app.test_client()
    if user is not None:
        login(client, user)
    missing_url = "/media/listing/00/no-such-photo.webp"
    missing = _without_csrf_token(client.get(missing_url).get_data(as_text=True))
    for key in (draft_photo.display_key, draft_photo.thumb_key):
        response = client.get(f"/media/{key}")
        assert response.status_code == 404
        # No hint that it exists: the page of a key that names nothing (the page repeats its own address;
        # the CSRF token is signed with a timestamp, so it differs from one second to the next).
        assert _without_csrf_token(response.get_data(as_text=True)) == missing.replace(missing_url, f"/media/{key}")


def _without_csrf_token(page):
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)


@pytest.mark.parametrize("who", ["seller", "coordinator", "admin"])
def test_a_drafts_photo_is_served_privately_to_its_ikm_and_coordinator(app, catalog_world, draft_photo, who):
    for key in (draft_photo.display_key, draft_photo.thumb_key):
        response = get_as(app, getattr(catalog_world, who), f"/media/{key}")
        assert response.status_code == 200
        assert response.mimetype == "image/webp"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "Expires" not in response.headers


def test_an_active_listings_photo_is_public_and_long_cached_until_the_listing_is_rejected(
    app, db, catalog_world, active_photo
):
    listing = catalog_world.active_listing
    url = f"/media/{active_photo.display_key}"
    for user in (None, catalog_world.buyer):
        response = get_as(app, user, url)
        assert response.status_code == 200
        assert response.cache_control.public
        assert response.cache_control.max_age == THIRTY_DAYS
        assert not response.cache_control.no_store
        assert not response.cache_control.private
    with transaction():  # a change the coordinator must see sends it back to review
        LISTING_STATES.move(listing, ListingStatus.PENDING_REVIEW, catalog_world.seller)
    assert get_as(app, None, url).status_code == 404
    services.moderate_listing(catalog_world.coordinator, listing, "reject", "Foto tidak jelas")
    db.session.commit()
    assert get_as(app, None, url).status_code == 404
    assert get_as(app, catalog_world.buyer, url).status_code == 404
    seen_by_seller = get_as(app, catalog_world.seller, url)
    assert seen_by_seller.status_code == 200
    assert seen_by_seller.headers["Cache-Control"] == "private, no-store"


def test_a_photo_stops_being_public_when_its_listing_is_archived(app, client, catalog_world, login_as, active_photo):
    listing = catalog_world.active_listing
    url = f"/media/{active_photo.thumb_key}"
    assert get_as(app, None, url).status_code == 200
    login_as("seller")
    client.post(f"/seller/listings/{listing.id}/action", data={"action": "archive"})
    assert listing.status == ListingStatus.ARCHIVED
    assert get_as(app, None, url).status_code == 404
    assert get_as(app, catalog_world.buyer, url).status_code == 404


def test_an_active_listing_priced_outside_the_band_in_force_is_not_public(app, db, catalog_world, active_photo):
    # The same rule as the listing page: a new band hides the listing (and its photos) from its first day.
    factories.make_schedule(
        catalog_world.jombang, catalog_world.product_type, floor=100_000, reference=110_000, ceiling=120_000, days_ago=0
    )
    db.session.commit()
    url = f"/media/{active_photo.thumb_key}"
    assert get_as(app, None, url).status_code == 404
    assert get_as(app, catalog_world.seller, url).headers["Cache-Control"] == "private, no-store"


def test_a_stored_file_that_no_photo_names_is_not_served(app, catalog_world):
    # E.g. a removed photo whose file could not be deleted: only keys the database names are served.
    get_storage().save("listing/ee/orphan.webp", images.image_bytes("WEBP"))
    for user in (None, catalog_world.seller, catalog_world.coordinator, catalog_world.admin):
        assert get_as(app, user, "/media/listing/ee/orphan.webp").status_code == 404


def test_product_type_photos_are_public_and_only_those_of_a_product_type(app, db, catalog_world, draft_photo):
    catalog_world.product_type.photo_key = "product-type/ab/cover.webp"
    db.session.commit()
    storage = get_storage()
    storage.save("product-type/ab/cover.webp", images.image_bytes("WEBP"))
    storage.save("product-type/ab/stray.webp", images.image_bytes("WEBP"))
    response = get_as(app, None, "/media/product-type/ab/cover.webp")
    assert response.status_code == 200
    assert response.cache_control.max_age == THIRTY_DAYS
    assert get_as(app, None, "/media/product-type/ab/stray.webp").status_code == 404
    # A path that starts like a product type's photo and leads to a draft's photo.
    assert get_as(app, None, f"/media/product-type/../{draft_photo.thumb_key}").status_code == 404


def media_urls(page):
    return sorted(set(re.findall(r'(?:src|href)="(/media/[^"]+)"', page)))


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("seller", lambda w: f"/seller/listings/{w.pending_listing.id}/edit"),
        ("seller", lambda w: f"/listings/{w.pending_listing.id}"),
        ("coordinator", lambda w: f"/coordinator/listings/{w.pending_listing.id}"),
        ("coordinator", lambda w: f"/listings/{w.pending_listing.id}"),
        ("admin", lambda w: f"/listings/{w.pending_listing.id}"),
    ],
)
def test_pages_that_show_unpublished_photos_can_load_them(app, db, catalog_world, who, page):
    add_photo(db, catalog_world.pending_listing)
    add_photo(db, catalog_world.pending_listing)
    user = getattr(catalog_world, who)
    html = get_as(app, user, page(catalog_world)).get_data(as_text=True)
    urls = media_urls(html)
    assert urls
    for url in urls:
        assert get_as(app, user, url).status_code == 200, url
        assert get_as(app, None, url).status_code == 404, url


def test_the_photo_lookup_costs_the_same_queries_whatever_the_number_of_photos(app, db, catalog_world, draft_photo):
    coordinator = catalog_world.coordinator

    def queries_for(key):
        client = login(app.test_client(), coordinator)
        with QueryCounter() as counter:
            response = client.get(f"/media/{key}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        return counter.count

    few = queries_for(draft_photo.thumb_key)
    for _ in range(3):
        listing = factories.make_listing(catalog_world.ikm, catalog_world.product_type, status="draft")
        for _ in range(3):
            add_photo(db, listing)
    many = add_photo(db, catalog_world.draft_listing)
    assert queries_for(many.thumb_key) == few
    assert queries_for(draft_photo.display_key) == few
