"""Coordinators publish immutable price schedules; the one in force is the latest whose day has come."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import current_app
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.core.forms import values_of
from marketplace.core.submissions import new_submission_token
from marketplace.pricing import services
from marketplace.pricing.forms import PriceScheduleForm
from marketplace.pricing.models import PriceSchedule
from marketplace.pricing.views import _schedule_digest
from tests import factories
from tests.helpers import table_counts


def schedule_form(confirm=True, **overrides):
    today = services.today_wib()
    data = {
        "submission_token": new_submission_token(),
        "mode": "band",
        "reference_idr": "85000",
        "floor_idr": "80000",
        "ceiling_idr": "90000",
        "materials_idr": "40000",
        "labour_idr": "20000",
        "energy_idr": "10000",
        "margin_idr": "15000",
        "cost_note": "Harga semen naik",
        "tiers": "100: 2\n500: 5",
        "effective_from": today.isoformat(),
        "review_on": (today + timedelta(days=90)).isoformat(),
        "reason": "Penyesuaian harga bahan baku",
    }
    data.update(overrides)
    if confirm:
        data["confirm"] = confirm_digest(data)
    return data


def confirm_digest(data):
    """The digest the preview's confirm button carries for these values ('' if the form refuses them): a form
    posted with it publishes at once, as the coordinator's second click does."""
    with current_app.test_request_context(method="POST", data={k: v for k, v in data.items() if k != "confirm"}):
        form = PriceScheduleForm(meta={"csrf": False})
        if not form.validate():
            return ""
        return _schedule_digest(values_of(form, services.ScheduleDetails), form.parsed_tiers)


def publish(client, w, **overrides):
    return client.post(f"/coordinator/prices/{w.product_type.id}/new", data=schedule_form(**overrides))


def test_coordinator_publishes_a_band_with_tiers(client, db, catalog_world, login_as):
    login_as("coordinator")
    assert publish(client, catalog_world).status_code == 302
    schedule = services.schedule_in_force(catalog_world.jombang.id, catalog_world.product_type.id)
    assert (schedule.mode, schedule.floor_idr, schedule.reference_idr, schedule.ceiling_idr) == (
        "band",
        80000,
        85000,
        90000,
    )
    assert [(t.min_qty, t.discount_pct) for t in schedule.tiers] == [
        (Decimal("100"), Decimal("2")),
        (Decimal("500"), Decimal("5")),
    ]
    assert schedule.cost_total_idr == 85000 and schedule.set_by_id == catalog_world.coordinator.id
    # The other sentra keeps its own price.
    assert services.schedule_in_force(catalog_world.other_sentra.id, catalog_world.product_type.id).floor_idr == 50_000


def test_fixed_mode_pins_floor_and_ceiling_to_the_reference(client, catalog_world, login_as):
    login_as("coordinator")
    publish(client, catalog_world, mode="fixed", floor_idr="", ceiling_idr="")
    schedule = services.schedule_in_force(catalog_world.jombang.id, catalog_world.product_type.id)
    assert schedule.floor_idr == schedule.ceiling_idr == schedule.reference_idr == 85000


@pytest.mark.parametrize(
    "overrides",
    [
        {"floor_idr": "86000"},  # floor above the reference
        {"ceiling_idr": "84000"},  # ceiling below it
        {"floor_idr": ""},  # a band needs both ends
        {"effective_from": (date.today() - timedelta(days=2)).isoformat()},  # in the past
        {"review_on": (date.today() - timedelta(days=1)).isoformat()},  # review before the start
        {"tiers": "500: 5\n100: 2"},  # decreasing quantities
        {"tiers": "100: 5\n500: 2"},  # a larger quantity must get a larger discount
        {"tiers": "100: 100"},  # 100 % off
        {"tiers": "banyak: sekali"},
        {"reason": "ok"},
        {"reference_idr": "0"},
    ],
)
def test_invalid_schedules_are_refused_and_store_nothing(client, catalog_world, login_as, overrides):
    login_as("coordinator")
    before = table_counts()
    response = publish(client, catalog_world, **overrides)
    assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)
    assert table_counts() == before


def test_the_schedule_in_force_is_the_latest_whose_day_has_come(db, catalog_world):
    today = services.today_wib()
    w = catalog_world
    # catalog_world already holds a band that started yesterday.
    old = factories.make_schedule(w.jombang, w.product_type, reference=70000, days_ago=30)
    current = factories.make_schedule(w.jombang, w.product_type, reference=80000, days_ago=0)
    factories.make_schedule(w.jombang, w.product_type, reference=90000, days_ago=-30)  # next month
    assert services.schedule_in_force(catalog_world.jombang.id, catalog_world.product_type.id).id == current.id
    moment = datetime.combine(today - timedelta(days=10), datetime.min.time(), tzinfo=UTC)
    assert services.schedule_in_force(w.jombang.id, w.product_type.id, moment).id == old.id


def test_schedules_take_effect_at_midnight_wib(db, catalog_world):
    tomorrow = services.today_wib() + timedelta(days=1)
    factories.make_schedule(catalog_world.jombang, catalog_world.product_type, reference=80000, days_ago=-1)
    # 17:30 UTC on the day before is 00:30 WIB on the day itself.
    moment = datetime.combine(tomorrow - timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=17, minutes=30
    )
    assert services.schedule_in_force(catalog_world.jombang.id, catalog_world.product_type.id, moment) is not None


def test_publishing_is_audited_and_history_is_public(client, db, catalog_world, login_as):
    from marketplace.core.models import AuditEntry

    login_as("coordinator")
    publish(client, catalog_world)
    publish(client, catalog_world, reference_idr="87000", reason="Kenaikan upah minimum")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "price_schedule.published"))
    client.post("/logout")
    page = client.get(f"/sentra/{catalog_world.jombang.slug}/harga-acuan").get_data(as_text=True)
    assert "Rp\u00a087.000" in page and "Rp\u00a085.000" in page and "Kenaikan upah minimum" in page


def test_another_sentras_coordinator_prices_only_their_own_sentra(client, db, catalog_world, login_as):
    login_as("other_coordinator")
    publish(client, catalog_world)
    assert services.schedule_in_force(catalog_world.jombang.id, catalog_world.product_type.id).floor_idr == 50_000
    assert services.schedule_in_force(catalog_world.other_sentra.id, catalog_world.product_type.id).floor_idr == 80_000


@pytest.mark.parametrize(
    ("price", "pct", "expected"), [(85000, "2", 83300), (99999, "2.5", 97499), (3, "50", 2), (1, "50", 1)]
)
def test_discounts_round_half_up_to_the_rupiah(price, pct, expected):
    assert services.discounted(price, Decimal(pct)) == expected


BANDS = st.integers(min_value=1, max_value=10**9).flatmap(
    lambda floor: st.tuples(
        st.just(floor), st.integers(min_value=floor, max_value=floor * 3), st.integers(min_value=0, max_value=floor * 3)
    )
)
TIERS = st.lists(
    st.tuples(st.integers(min_value=1, max_value=10**6), st.decimals(min_value="0.01", max_value="99.99", places=2)),
    max_size=5,
    unique_by=lambda t: t[0],
)


@given(band=BANDS, tiers=TIERS, quantity=st.decimals(min_value="0.001", max_value="10000000", places=3), data=st.data())
def test_the_price_charged_stays_in_the_band_after_the_coordinators_tiers(band, tiers, quantity, data):
    """Property: any listing price the band allows, any quantity: the charge is the band, discounted as defined."""
    floor, ceiling_extra, _ = band
    ceiling = floor + ceiling_extra
    reference = data.draw(st.integers(min_value=floor, max_value=ceiling))
    listing_price = data.draw(st.integers(min_value=floor, max_value=ceiling))
    ordered = sorted(tiers)
    pcts = sorted({p for _, p in ordered})[: len(ordered)]
    ordered = [(Decimal(q), p) for (q, _), p in zip(ordered, pcts, strict=False)]
    schedule = PriceSchedule(mode="band", reference_idr=reference, floor_idr=floor, ceiling_idr=ceiling)
    from marketplace.pricing.models import PriceTier

    schedule.tiers = [PriceTier(min_qty=q, discount_pct=p) for q, p in ordered]
    charged = services.unit_price_idr(listing_price, schedule, quantity)
    tier = services.tier_for(schedule, quantity)
    pct = tier.discount_pct if tier else Decimal("0")
    assert isinstance(charged, int)
    assert services.discounted(floor, pct) <= charged <= services.discounted(ceiling, pct)
    assert charged == services.discounted(listing_price, pct)


def test_unit_price_for_a_listing_quantity_and_moment(db, catalog_world):
    w = catalog_world
    listing = w.active_listing  # Rp 85.000, band 50.000-150.000 in force since yesterday
    factories.make_schedule(
        w.jombang,
        w.product_type,
        reference=85_000,
        floor=50_000,
        ceiling=150_000,
        days_ago=0,
        tiers=[("100", "2"), ("500", "5")],
    )
    factories.make_schedule(w.jombang, w.product_type, reference=90_000, mode="fixed", days_ago=-30)
    assert services.unit_price_for(listing, Decimal("10")) == 85_000
    assert services.unit_price_for(listing, Decimal("100")) == 83_300
    assert services.unit_price_for(listing, Decimal("750.5")) == 80_750
    # Next month the price is fixed at the reference, whatever the listing says.
    next_month = datetime.now(UTC) + timedelta(days=31)
    assert services.unit_price_for(listing, Decimal("10"), next_month) == 90_000
