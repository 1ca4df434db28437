"""Before a new schedule is published, the coordinator sees which live listings it reprices or hides, and confirms."""

import re
from datetime import timedelta

from marketplace.pricing import services
from marketplace.pricing.models import PriceSchedule
from tests.helpers import table_counts
from tests.pricing.test_schedules import schedule_form


def _url(w):
    return f"/coordinator/prices/{w.product_type.id}/new"


def _count(db):
    return db.session.query(PriceSchedule).count()


def test_a_band_that_leaves_a_live_listing_outside_is_previewed_with_it_and_nothing_is_written(
    client, db, catalog_world, login_as
):
    w = catalog_world  # the seller's active listing sells at Rp 85.000
    login_as("coordinator")
    before = table_counts()
    page = client.post(
        _url(w), data=schedule_form(confirm=False, reference_idr="95000", floor_idr="90000", ceiling_idr="100000")
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and table_counts() == before
    assert 'data-testid="preview-suspended">1 listing tayang' in html
    assert w.active_listing.title in html and 'data-testid="confirm-publish"' in html


def test_a_fixed_price_previews_the_listings_it_reprices(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    html = client.post(_url(w), data=schedule_form(confirm=False, mode="fixed", reference_idr="88000")).get_data(
        as_text=True
    )
    assert 'data-testid="preview-repriced"' in html and w.active_listing.title in html


def test_prices_that_change_nothing_say_so(client, db, catalog_world, login_as):
    login_as("coordinator")
    html = client.post(_url(catalog_world), data=schedule_form(confirm=False)).get_data(as_text=True)
    assert 'data-testid="preview-none"' in html


def test_confirming_publishes_only_the_values_previewed(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    previewed = schedule_form(confirm=False)
    digest = re.search(
        r'name="confirm" value="(\w+)"', client.post(_url(w), data=previewed).get_data(as_text=True)
    ).group(1)
    before = _count(db)
    # Changed after the preview: previewed again, not published.
    changed = client.post(_url(w), data={**previewed, "reference_idr": "86000", "confirm": digest})
    assert changed.status_code == 200 and 'data-testid="schedule-preview"' in changed.get_data(as_text=True)
    assert _count(db) == before
    # As previewed: published.
    assert client.post(_url(w), data={**previewed, "confirm": digest}).status_code == 302
    assert _count(db) == before + 1


def test_a_junk_confirmation_publishes_nothing(client, db, catalog_world, login_as):
    login_as("coordinator")
    before = _count(db)
    for junk in ("", "x" * 5000, "'; DROP TABLE price_schedule; --", "0" * 32):
        response = client.post(_url(catalog_world), data={**schedule_form(confirm=False), "confirm": junk})
        assert response.status_code == 200
    assert _count(db) == before


def test_a_start_date_in_the_past_is_refused_at_its_field_on_preview(client, db, catalog_world, login_as):
    login_as("coordinator")
    yesterday = (services.today_wib() - timedelta(days=1)).isoformat()
    html = client.post(_url(catalog_world), data=schedule_form(confirm=False, effective_from=yesterday)).get_data(
        as_text=True
    )
    assert 'data-testid="schedule-preview"' not in html
    assert re.search(
        r'name="effective_from"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="effective_from"', html
    )
