"""Pages load what they show in a fixed number of queries, whatever the number of rows."""

import pytest

from marketplace.catalog.models import ListingPhoto
from tests import factories
from tests.conftest import login
from tests.helpers import QueryCounter


def queries_for(client, url):
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def grow_world(db, world, n):
    for i in range(n):
        sentra = factories.make_sentra()
        factories.make_ikm(sentra)
        factories.make_ikm(world.jombang, status="pending")
        factories.make_user("coordinator", sentra=sentra)
        factories.make_user("buyer", organization=world.buyer_org, is_owner=False, full_name=f"Rekan {i}")
    db.session.commit()


@pytest.mark.parametrize(
    ("who", "url"),
    [
        (None, "/"),
        ("coordinator", "/coordinator/"),
        ("admin", "/admin/sentras"),
        ("admin", "/admin/staff"),
        ("buyer", "/account/members"),
    ],
)
def test_query_count_does_not_grow_with_rows(client, db, world, who, url):
    if who:
        login(client, getattr(world, who))
    grow_world(db, world, 3)
    few = queries_for(client, url)
    grow_world(db, world, 15)
    many = queries_for(client, url)
    assert many == few


def grow_ikm(db, world, product_type, n):
    """n more public listings of the world's IKM, each with a photo, and an older schedule with tiers."""
    for i in range(n):
        listing = factories.make_listing(world.ikm, product_type, title=f"Paving tumbuh {i}", index=False)
        listing.photos.append(
            ListingPhoto(display_key=f"g/{listing.id}.webp", thumb_key=f"t/{listing.id}.webp", width=1, height=1)
        )
    factories.make_schedule(world.jombang, product_type, reference=85_000, days_ago=30 + n, tiers=[("50", "1")])
    db.session.commit()


@pytest.mark.parametrize("who", [None, "buyer", "seller", "coordinator"])
@pytest.mark.parametrize("page", ["/ikm/{ikm}", "/ikm/{ikm}?page=2", "/listings/{listing}"])
def test_ikm_profile_and_listing_page_cost_the_same_queries_whatever_the_ikm_sells(client, db, world, who, page):
    product_type = factories.make_product_type()
    factories.make_schedule(
        world.jombang, product_type, floor=80_000, reference=85_000, ceiling=90_000, tiers=[("100", "2"), ("500", "5")]
    )
    world.ikm.public_phone = "0812 3456 7890"
    listing = factories.make_listing(world.ikm, product_type)
    db.session.commit()
    if who:
        login(client, getattr(world, who))
    url = page.format(ikm=world.ikm.id, listing=listing.id)
    grow_ikm(db, world, product_type, 26)  # a second page already, so both counts load photos
    few = queries_for(client, url)
    grow_ikm(db, world, product_type, 40)
    many = queries_for(client, url)
    assert many == few
