"""The pricing rules pinned at their limits: for each, the last value it accepts and the first it refuses (volume
tiers, bands, request and sanction reasons, the competition monitor's figures), in the services and in the forms,
so that an off-by-one cannot pass."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.core.reasons import ReasonTooShort
from marketplace.core.submissions import DuplicateSubmission, new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.pricing import services
from marketplace.pricing.models import PriceChangeRequest, PriceSchedule, PriceTier, Sanction
from tests import factories
from tests.accounts.helpers import outbox_to
from tests.helpers import table_counts
from tests.pricing.test_schedules import schedule_form

TIER_LINE_ERROR = "Baris {n}: tulis jumlah dan diskon seperti 100: 2.5"
QUANTITIES_INCREASE = "Jumlah pada setiap baris diskon harus lebih besar dari baris sebelumnya."
DISCOUNT_RANGE = "Diskon harus lebih dari 0 % dan kurang dari 100 %."
DISCOUNTS_INCREASE = "Jumlah yang lebih besar harus mendapat diskon yang lebih besar."


def _refused(text, message):
    with pytest.raises(services.InvalidSchedule, match=re.escape(message)):
        services.parse_tiers(text)


# --- volume tiers --------------------------------------------------------------------------------


def test_ten_tiers_are_allowed():
    text = "\n".join(f"{10 * n}: {n}" for n in range(1, 11))
    assert len(services.parse_tiers(text)) == 10


def test_an_eleventh_tier_is_refused():
    _refused("\n".join(f"{10 * n}: {n}" for n in range(1, 12)), "Paling banyak 10 baris diskon.")


def test_the_smallest_and_largest_tiers_the_columns_hold_are_accepted():
    # Quantities have 3 decimals and discounts 2 (Numeric(12, 3) and Numeric(5, 2)).
    assert services.parse_tiers("0.001: 0.01\n999999999.999: 99.99") == [
        (Decimal("0.001"), Decimal("0.01")),
        (Decimal("999999999.999"), Decimal("99.99")),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "0.0001: 2",  # a fourth decimal in the quantity
        "100: 2.125",  # a third decimal in the discount
        "1000000000: 2",  # more than the quantity column holds
        "inf: 2",
        "100: nan",
        "100: Infinity",
    ],
)
def test_a_tier_the_columns_cannot_hold_is_refused_naming_its_line(text):
    _refused(text, TIER_LINE_ERROR.format(n=1))


def test_the_refusal_names_the_line_counting_blank_ones():
    _refused("100: 2\n\n500 5", TIER_LINE_ERROR.format(n=3))


@pytest.mark.parametrize("text", ["0: 2", "-5: 2"])
def test_a_tier_quantity_is_more_than_zero(text):
    _refused(text, QUANTITIES_INCREASE)


def test_two_tiers_of_the_same_quantity_are_refused():
    _refused("100: 2\n100: 5", QUANTITIES_INCREASE)


def test_two_tiers_of_the_same_discount_are_refused():
    _refused("100: 2\n500: 2", DISCOUNTS_INCREASE)


@pytest.mark.parametrize("text", ["100: 0", "100: 0.00", "100: -1", "100: 2\n500: 0"])
def test_a_discount_of_zero_or_less_is_out_of_range(text):
    _refused(text, DISCOUNT_RANGE)


def test_a_tier_below_one_unit_and_one_percent_is_accepted():
    assert services.parse_tiers("0.5: 0.5") == [(Decimal("0.5"), Decimal("0.5"))]


# --- schedules -----------------------------------------------------------------------------------


def _schedule_data(**overrides):
    today = services.today_wib()
    data = {
        "mode": "band",
        "reference_idr": 85_000,
        "floor_idr": 80_000,
        "ceiling_idr": 90_000,
        "materials_idr": 40_000,
        "labour_idr": 20_000,
        "energy_idr": 10_000,
        "margin_idr": 15_000,
        "cost_note": "Harga semen naik",
        "effective_from": today,
        "review_on": today + timedelta(days=90),
        "reason": "Penyesuaian harga bahan baku",
    }
    return services.ScheduleDetails(**{**data, **overrides})


def _publish(w, tiers=(), **overrides):
    return services.publish_schedule(w.coordinator, w.product_type, _schedule_data(**overrides), list(tiers))


def test_a_band_may_start_at_rp_1(db, catalog_world):
    schedule = _publish(catalog_world, floor_idr=1, reference_idr=1, ceiling_idr=10)
    assert (schedule.floor_idr, schedule.reference_idr, schedule.ceiling_idr) == (1, 1, 10)


def test_a_floor_of_zero_is_refused(db, catalog_world):
    before = table_counts()
    with pytest.raises(services.InvalidSchedule):
        _publish(catalog_world, floor_idr=0)
    assert table_counts() == before


def test_the_review_may_fall_on_the_first_day(db, catalog_world):
    today = services.today_wib()
    schedule = _publish(catalog_world, effective_from=today, review_on=today)
    assert schedule.review_on == schedule.effective_from == today


@pytest.mark.parametrize(("note", "stored"), [("Harga semen naik", "Harga semen naik"), (None, ""), ("", "")])
def test_the_cost_note_is_published_as_written(db, catalog_world, note, stored):
    assert _publish(catalog_world, cost_note=note).cost_note == stored


def test_a_replayed_schedule_submit_publishes_once(db, catalog_world):
    w = catalog_world
    token = new_submission_token()
    data = _schedule_data()
    first = services.publish_schedule(w.coordinator, w.product_type, data, [], submission_token=token)
    db.session.commit()  # the first submit is saved
    before = table_counts()
    with pytest.raises(DuplicateSubmission) as replay:
        services.publish_schedule(w.coordinator, w.product_type, data, [], submission_token=token)
    assert replay.value.made(PriceSchedule) == first.id
    assert table_counts() == before


def test_a_schedule_starting_today_is_in_force_and_not_coming(db, catalog_world):
    w = catalog_world
    today = factories.make_schedule(w.jombang, w.product_type, reference=90_000, days_ago=0)
    in_force = services.in_force_by_product_type(services.schedules_of_sentra(w.jombang.id))
    assert in_force[w.product_type.id].id == today.id
    assert not services.is_future(today)


def test_a_schedule_starting_tomorrow_is_coming(db, catalog_world):
    w = catalog_world
    tomorrow = factories.make_schedule(w.jombang, w.product_type, reference=90_000, days_ago=-1)
    assert services.is_future(tomorrow)
    assert services.in_force_by_product_type(services.schedules_of_sentra(w.jombang.id))[w.product_type.id] == w.band


# --- the price charged ---------------------------------------------------------------------------


def test_in_fixed_mode_the_reference_is_charged_whatever_the_listing_price():
    fixed = PriceSchedule(mode="fixed", reference_idr=88_000, floor_idr=88_000, ceiling_idr=88_000)
    fixed.tiers = [PriceTier(min_qty=Decimal("100"), discount_pct=Decimal("2"))]
    assert services.unit_price_idr(95_000, fixed, Decimal("1")) == 88_000
    assert services.unit_price_idr(95_000, fixed, Decimal("100")) == 86_240


def test_without_a_schedule_nothing_may_sell(db, catalog_world):
    assert services.price_allowed(catalog_world.active_listing, None) is False


def test_apply_due_without_any_schedule_changes_nothing(db, world):
    assert services.apply_due() == (0, 0)


def test_apply_due_judges_a_listing_by_its_own_sentras_schedule(db, catalog_world):
    w = catalog_world
    # Ceper's band no longer holds the Jombang listing's Rp 85.000; Jombang's still does.
    factories.make_schedule(w.other_sentra, w.product_type, reference=95_000, floor=90_000, ceiling=100_000, days_ago=0)
    assert services.apply_due() == (0, 0)
    assert w.active_listing.status == "active"


# --- price-change requests -----------------------------------------------------------------------


def test_a_seller_cannot_withdraw_another_ikms_request(db, catalog_world):
    w = catalog_world
    with pytest.raises(services.RequestRefused):
        services.withdraw_price_request(w.seller, w.neighbour_request)
    assert w.neighbour_request.status == "pending"


@pytest.mark.parametrize("note", ["abcd", "  abcd \n"])
def test_a_rejection_note_of_four_characters_is_refused(db, catalog_world, note):
    w = catalog_world
    with pytest.raises(ReasonTooShort):
        services.decide_price_request(w.coordinator, w.price_request, "reject", note)
    assert w.price_request.status == "pending"


def test_a_rejection_note_of_five_characters_is_enough(db, catalog_world):
    w = catalog_world
    services.decide_price_request(w.coordinator, w.price_request, "reject", " Mahal ")
    assert (w.price_request.status, w.price_request.decision_note) == ("rejected", "Mahal")


def test_a_replayed_request_submit_asks_once(db, catalog_world):
    w = catalog_world
    token = new_submission_token()
    first = services.request_price_change(w.seller, w.draft_listing, 99_000, "Bahan naik", submission_token=token)
    db.session.commit()  # the first submit is saved
    before = table_counts()
    with pytest.raises(DuplicateSubmission) as replay:
        services.request_price_change(w.seller, w.draft_listing, 99_000, "Bahan naik", submission_token=token)
    assert replay.value.made(PriceChangeRequest) == first.id
    assert table_counts() == before


def test_the_ikm_is_told_its_request_was_approved(db, catalog_world):
    w = catalog_world
    services.decide_price_request(w.coordinator, w.price_request, "approve")
    [mail] = outbox_to(w.ikm.email)
    assert mail.subject == f"Permintaan harga Anda disetujui: {w.active_listing.title}"


def test_the_ikm_is_told_its_request_was_not_approved(db, catalog_world):
    w = catalog_world
    services.decide_price_request(w.coordinator, w.price_request, "reject", "Di atas plafon")
    [mail] = outbox_to(w.ikm.email)
    assert mail.subject == f"Permintaan harga Anda tidak disetujui: {w.active_listing.title}"


def test_pending_requests_are_listed_first_come_first(db, catalog_world):
    w = catalog_world
    page = services.price_requests_of_sentra(w.jombang.id, "pending", 1)
    assert page.items == [w.price_request, w.neighbour_request]


def test_decided_requests_are_listed_newest_first(db, catalog_world):
    w = catalog_world
    older = factories.make_price_request(w.active_listing, status="rejected", requested_by=w.seller)
    newer = factories.make_price_request(w.active_listing, status="rejected", requested_by=w.seller)
    assert services.price_requests_of_sentra(w.jombang.id, "rejected", 1).items == [newer, older]


def test_requests_are_listed_twenty_to_a_page(db, catalog_world):
    w = catalog_world
    for _ in range(19):  # and the two of catalog_world
        factories.make_price_request(factories.make_listing(w.ikm, w.product_type), requested_by=w.seller)
    pages = [services.price_requests_of_sentra(w.jombang.id, "pending", n) for n in (1, 2)]
    assert [len(page.items) for page in pages] == [20, 1]


def test_a_page_past_the_last_is_empty(db, catalog_world):
    assert services.price_requests_of_sentra(catalog_world.jombang.id, "pending", 9).items == []


def test_requests_are_counted_per_status_in_the_own_sentra_only(db, catalog_world):
    w = catalog_world
    factories.make_price_request(w.active_listing, status="rejected", requested_by=w.seller)
    assert services.request_counts(w.jombang.id) == {"pending": 2, "rejected": 1}


def test_a_listings_history_holds_its_last_twenty_requests_newest_first(db, catalog_world):
    w = catalog_world
    withdrawn = [
        factories.make_price_request(w.active_listing, status="withdrawn", requested_by=w.seller) for _ in range(20)
    ]
    # 21 requests of the listing in all: the first one, still pending, falls off.
    assert services.requests_of_listing(w.active_listing) == withdrawn[::-1]


# --- sanctions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["warning", "suspension"])
def test_a_sanction_reason_of_five_characters_is_enough(db, catalog_world, kind):
    w = catalog_world
    sanction = services.give_sanction(w.coordinator, w.ikm, kind, " Palsu ", override_reason="Darurat mutu")
    assert (sanction.kind, sanction.reason) == (kind, "Palsu")


def test_an_override_reason_of_five_characters_is_enough(db, catalog_world):
    w = catalog_world
    sanction = services.give_sanction(w.coordinator, w.ikm, "suspension", "Label SNI palsu", override_reason="Mutu!")
    assert sanction.override_reason == "Mutu!" and w.ikm.status == "suspended"


def test_an_override_reason_of_four_characters_is_refused(db, catalog_world):
    w = catalog_world
    with pytest.raises(services.SanctionRefused):
        services.give_sanction(w.coordinator, w.ikm, "suspension", "Label SNI palsu", override_reason=" abcd ")
    assert w.ikm.status == "approved"


@pytest.mark.parametrize("reason", ["abcd", "   abcd   "])
def test_a_price_request_reason_of_four_characters_is_refused_by_the_service(db, catalog_world, reason):
    w = catalog_world
    before = table_counts()
    with pytest.raises(ReasonTooShort):
        services.request_price_change(w.seller, w.active_listing, w.active_listing.price_idr + 1_000, reason)
    assert table_counts() == before


def test_a_schedule_reason_of_four_characters_is_refused_by_the_service(db, catalog_world):
    with pytest.raises(ReasonTooShort):
        _publish(catalog_world, reason=" abcd ")
    assert _publish(catalog_world, reason=" Semen ").reason == "Semen"


def test_a_warning_just_under_twelve_months_old_still_counts(db, catalog_world):
    w = catalog_world
    given = utcnow() - timedelta(days=400)
    services.give_sanction(w.coordinator, w.ikm, "warning", "Harga di bawah lantai", moment=given)
    assert services.recent_warnings(w.ikm, given + timedelta(days=365) - timedelta(minutes=1)) == 1


def test_a_replayed_sanction_submit_sanctions_once(db, catalog_world):
    w = catalog_world
    token = new_submission_token()
    first = services.give_sanction(w.coordinator, w.ikm, "warning", "Harga di bawah lantai", submission_token=token)
    db.session.commit()  # the first submit is saved
    before = table_counts()
    with pytest.raises(DuplicateSubmission) as replay:
        services.give_sanction(w.coordinator, w.ikm, "warning", "Harga di bawah lantai", submission_token=token)
    assert replay.value.made(Sanction) == first.id
    assert table_counts() == before


# --- the competition monitor ---------------------------------------------------------------------


@pytest.fixture
def market(db, catalog_world):
    """A product type of its own with a band 50.000–150.000 in Jombang, and no listings yet."""
    w = catalog_world
    w.pt = factories.make_product_type(w.category, name="Batako uji")
    factories.make_schedule(w.jombang, w.pt, floor=50_000, reference=85_000, ceiling=150_000)
    w.neighbour = factories.make_ikm(w.jombang, name="UD Tetangga Dua")
    db.session.commit()
    return w


def _figures(w):
    return services.competition_figures(w.jombang.id, w.pt.id, 30)


def test_capacity_shares_are_rounded_half_up_to_a_tenth_of_a_percent(db, market):
    factories.make_listing(market.ikm, market.pt, capacity_per_month=Decimal("399"))
    factories.make_listing(market.neighbour, market.pt, capacity_per_month=Decimal("1"))
    db.session.commit()
    # 99,75 % and 0,25 %.
    shares = [str(row.capacity_share_pct) for row in _figures(market).ikms]
    assert shares == ["99.8", "0.3"]


def test_the_coefficient_of_variation_is_rounded_to_a_tenth_of_a_percent(db, market):
    for price in (50_000, 70_000):
        factories.make_listing(market.neighbour, market.pt, price_idr=price)
    db.session.commit()
    # Mean 60.000, standard deviation 10.000: 16,67 %.
    assert str(_figures(market).dispersion.cv_pct) == "16.7"


def test_an_ikm_with_listings_and_nothing_against_it_counts_zeros(db, market):
    factories.make_listing(market.ikm, market.pt, price_idr=85_000)
    db.session.commit()
    [row] = _figures(market).ikms
    assert (row.active_listings, row.at_floor, row.attempts, row.warnings, row.suspensions) == (1, 0, 0, 0, 0)


# --- the forms: the same limits where people type ------------------------------------------------


def _published(client, w, **overrides):
    """How many schedules the coordinator's form published (0 or 1)."""
    before = PriceSchedule.query.count()
    client.post(f"/coordinator/prices/{w.product_type.id}/new", data=schedule_form(**overrides))
    return PriceSchedule.query.count() - before


@pytest.mark.parametrize(("reason", "saved"), [("abcd", 0), ("Mahal", 1)])
def test_the_request_form_wants_a_reason_of_five_characters(client, catalog_world, login_as, reason, saved):
    listing = catalog_world.draft_listing
    login_as("seller")
    data = {"submission_token": new_submission_token(), "price_idr": "99000", "reason": reason}
    client.post(f"/seller/listings/{listing.id}/price-request", data=data)
    assert PriceChangeRequest.query.filter_by(listing_id=listing.id).count() == saved


@pytest.mark.parametrize(("reason", "published"), [("abcd", 0), ("Harga", 1)])
def test_the_schedule_form_wants_a_reason_of_five_characters(client, catalog_world, login_as, reason, published):
    login_as("coordinator")
    assert _published(client, catalog_world, reason=reason) == published


def test_the_decision_form_refuses_a_rejection_note_of_four_characters_beside_the_box(client, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    page = client.post(
        f"/coordinator/price-requests/{w.price_request.id}", data={"decision": "reject", "reason": "abcd"}
    )
    assert 'class="form-control is-invalid"' in page.get_data(as_text=True)
    assert w.price_request.status == "pending"


def test_the_decision_form_takes_a_rejection_note_of_five_characters(client, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    client.post(f"/coordinator/price-requests/{w.price_request.id}", data={"decision": "reject", "reason": "Mahal"})
    assert (w.price_request.status, w.price_request.decision_note) == ("rejected", "Mahal")


@pytest.mark.parametrize(("override_reason", "status"), [("abcd", "approved"), ("Mutu!", "suspended")])
def test_the_sanction_form_wants_an_override_reason_of_five_characters(
    client, catalog_world, login_as, override_reason, status
):
    w = catalog_world
    login_as("coordinator")
    data = {
        "submission_token": new_submission_token(),
        "kind": "suspension",
        "reason": "Palsu",
        "product_type_id": "",
        "override": "y",
        "override_reason": override_reason,
    }
    page = client.post(f"/coordinator/organizations/{w.ikm.id}/sanctions", data=data).get_data(as_text=True)
    assert w.ikm.status == status
    assert ("Berikan alasan minimal 5 karakter." in page) is (status == "approved")


@pytest.mark.parametrize(("materials", "published"), [("0", 1), ("-1", 0), ("", 0)])
def test_the_schedule_form_wants_each_cost_in_whole_rupiah_from_0(
    client, catalog_world, login_as, materials, published
):
    login_as("coordinator")
    assert _published(client, catalog_world, materials_idr=materials) == published


@pytest.mark.parametrize(("reference", "published"), [("1", 1), ("abc", 0)])
def test_the_schedule_form_wants_a_reference_of_rp_1_or_more(client, catalog_world, login_as, reference, published):
    login_as("coordinator")
    fixed = {"mode": "fixed", "floor_idr": "", "ceiling_idr": ""}
    assert _published(client, catalog_world, reference_idr=reference, **fixed) == published


def test_the_request_form_takes_a_price_of_rp_1(client, catalog_world, login_as):
    listing = catalog_world.draft_listing
    login_as("seller")
    data = {"submission_token": new_submission_token(), "price_idr": "1", "reason": "Obral stok lama"}
    client.post(f"/seller/listings/{listing.id}/price-request", data=data)
    assert PriceChangeRequest.query.filter_by(listing_id=listing.id).one().price_idr == 1
