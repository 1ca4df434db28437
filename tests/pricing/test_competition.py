"""The competition monitor: price dispersion, listings at the floor, concentration (HHI), out-of-band attempts and
sanctions per IKM, for one product type of the coordinator's own sentra over 30, 90 or 365 days."""

import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db as _db
from marketplace.pricing import services
from marketplace.pricing.models import OutOfBandAttempt
from tests import factories
from tests.helpers import QueryCounter

AMOUNTS = st.one_of(
    st.integers(min_value=1, max_value=10**12),
    st.decimals(min_value="0.001", max_value="999999999.999", places=3),
)


def _rounded(value):
    return int(Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# --- hhi -----------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(amounts=st.lists(AMOUNTS, min_size=1, max_size=50))
def test_hhi_lies_between_an_even_split_and_a_monopoly(amounts):
    value = services.hhi(amounts)
    assert isinstance(value, int)
    assert _rounded(Decimal(10000) / len(amounts)) <= value <= 10000


@given(amount=AMOUNTS, zeros=st.integers(min_value=0, max_value=5))
def test_hhi_of_a_single_seller_is_10000(amount, zeros):
    # Sellers with nothing have no share: one seller with something still has it all.
    assert services.hhi([amount] + [0] * zeros) == 10000


@given(amount=AMOUNTS, n=st.integers(min_value=1, max_value=200))
def test_hhi_of_n_equal_sellers_is_10000_over_n(amount, n):
    assert services.hhi([amount] * n) == _rounded(Decimal(10000) / n)


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [([3, 1], 6250), ([Decimal("1500"), Decimal("500")], 6250), ([1, 1, 2], 3750), ([50, 30, 20], 3800)],
)
def test_hhi_of_known_shares(amounts, expected):
    assert services.hhi(amounts) == expected


@pytest.mark.parametrize("amounts", [[], [0], [0, 0, Decimal("0")]])
def test_hhi_of_nothing_is_none(amounts):
    assert services.hhi(amounts) is None


# --- figures -------------------------------------------------------------------------------------


@pytest.fixture
def market(db, catalog_world):
    """A product type of its own with a band 50.000–150.000 in Jombang and in Ceper, and no listings yet."""
    w = catalog_world
    w.pt = factories.make_product_type(w.category, name="Batako uji")
    w.pt_band = factories.make_schedule(w.jombang, w.pt, floor=50_000, reference=85_000, ceiling=150_000)
    factories.make_schedule(w.other_sentra, w.pt, floor=50_000, reference=85_000, ceiling=150_000)
    w.neighbour = factories.make_ikm(w.jombang, name="UD Tetangga Dua")
    db.session.commit()
    return w


def _figures(w, days=30, moment=None):
    return services.competition_figures(w.jombang.id, w.pt.id, days, moment)


def _by_name(figures):
    return {row.name: row for row in figures.ikms}


def _attempt(org, sentra, product_type, schedule, at, price=40_000):
    attempt = OutOfBandAttempt(
        organization_id=org.id,
        sentra_id=sentra.id,
        product_type_id=product_type.id,
        schedule_id=schedule.id,
        price_idr=price,
        created_at=at,
    )
    _db.session.add(attempt)
    _db.session.flush()
    return attempt


def _page(client, w, days=30):
    return client.get(f"/coordinator/competition?product_type={w.pt.id}&period={days}").get_data(as_text=True)


def _testid(page, name):
    match = re.search(rf'data-testid="{name}">(.*?)</div>', page, re.S)
    assert match, name
    return match.group(1)


def test_dispersion_of_the_active_listings(db, market):
    w = market
    factories.make_listing(w.ikm, w.pt, price_idr=50_000)
    factories.make_listing(w.ikm, w.pt, price_idr=70_000)
    factories.make_listing(w.neighbour, w.pt, price_idr=90_000)
    factories.make_listing(w.neighbour, w.pt, price_idr=110_000)
    # Not on sale: not part of the market.
    for status in ("draft", "pending_review", "paused", "price_suspended", "archived"):
        factories.make_listing(w.ikm, w.pt, status=status, price_idr=149_000)
    db.session.commit()
    d = _figures(w).dispersion
    assert (d.count, d.lowest_idr, d.highest_idr, d.mean_idr) == (4, 50_000, 110_000, 80_000)
    # Population standard deviation: √((30² + 10² + 10² + 30²)/4) thousand = 22.360,68.
    assert d.stdev_idr == 22_361
    assert d.cv_pct == Decimal("28.0")
    rows = _by_name(_figures(w))
    assert (rows["UD Approved"].lowest_idr, rows["UD Approved"].highest_idr) == (50_000, 70_000)
    assert (rows["UD Tetangga Dua"].active_listings, rows["UD Tetangga Dua"].lowest_idr) == (2, 90_000)


def test_dispersion_rounds_to_the_rupiah(db, market):
    w = market
    for price in (50_000, 50_001, 50_001):
        factories.make_listing(w.neighbour, w.pt, price_idr=price)
    db.session.commit()
    d = _figures(w).dispersion
    # Mean 50.000,67; standard deviation 0,47; CV 0,00094 %.
    assert (d.mean_idr, d.stdev_idr, d.cv_pct) == (50_001, 0, Decimal("0.0"))


def test_one_price_has_no_spread(db, market):
    factories.make_listing(market.ikm, market.pt, price_idr=85_000)
    db.session.commit()
    d = _figures(market).dispersion
    assert (d.count, d.lowest_idr, d.highest_idr, d.mean_idr, d.stdev_idr, d.cv_pct) == (
        1,
        85_000,
        85_000,
        85_000,
        0,
        Decimal("0.0"),
    )


def test_the_page_shows_the_dispersion(client, db, market, login_as):
    w = market
    for price in (50_000, 70_000, 90_000, 110_000):
        factories.make_listing(w.neighbour, w.pt, price_idr=price)
    db.session.commit()
    login_as("coordinator")
    shown = _testid(_page(client, w), "monitor-dispersion")
    assert "Rp\u00a050.000 – Rp\u00a0110.000" in shown
    assert "Rp\u00a080.000" in shown and "Rp\u00a022.361" in shown and "28 %" in shown


def test_listings_at_the_floor_are_counted(client, db, market, login_as):
    w = market
    factories.make_listing(w.ikm, w.pt, price_idr=50_000)
    factories.make_listing(w.ikm, w.pt, price_idr=50_001)
    factories.make_listing(w.neighbour, w.pt, price_idr=50_000)
    factories.make_listing(w.neighbour, w.pt, price_idr=50_000, status="paused")
    db.session.commit()
    figures = _figures(w)
    assert figures.at_floor == 2
    rows = _by_name(figures)
    assert (rows["UD Approved"].at_floor, rows["UD Tetangga Dua"].at_floor) == (1, 1)
    login_as("coordinator")
    assert _testid(_page(client, w), "monitor-at-floor").strip() == "2"


def test_no_floor_without_a_band(db, market):
    w = market
    fixed = factories.make_product_type(w.category)
    factories.make_schedule(w.jombang, fixed, reference=85_000, mode="fixed")
    unpriced = factories.make_product_type(w.category)
    factories.make_listing(w.ikm, fixed, price_idr=85_000)
    factories.make_listing(w.ikm, unpriced, price_idr=85_000)
    db.session.commit()
    for product_type in (fixed, unpriced):
        figures = services.competition_figures(w.jombang.id, product_type.id, 30)
        assert figures.at_floor == 0 and figures.dispersion.count == 1
    assert services.competition_figures(w.jombang.id, unpriced.id, 30).schedule is None


def test_out_of_band_attempts_are_counted_per_ikm_within_the_period(client, db, market, login_as):
    w = market
    now = utcnow()
    for days_ago in (0, 1, 29):
        _attempt(w.ikm, w.jombang, w.pt, w.pt_band, now - timedelta(days=days_ago))
    _attempt(w.ikm, w.jombang, w.pt, w.pt_band, now - timedelta(days=31))
    _attempt(w.neighbour, w.jombang, w.pt, w.pt_band, now - timedelta(days=100))
    _attempt(w.neighbour, w.jombang, w.pt, w.pt_band, now - timedelta(days=400))
    # Another product type, and another sentra: not this monitor's.
    _attempt(w.ikm, w.jombang, w.product_type, w.band, now)
    ceper_band = services.schedule_in_force(w.other_sentra.id, w.pt.id)
    _attempt(w.ceper_ikm, w.other_sentra, w.pt, ceper_band, now)
    db.session.commit()

    month = _figures(w, 30, now)
    assert month.attempts == 3
    assert {row.name: row.attempts for row in month.ikms} == {"UD Approved": 3}
    quarter = _figures(w, 90, now)
    assert {row.name: row.attempts for row in quarter.ikms} == {"UD Approved": 4}
    year = _figures(w, 365, now)
    assert year.attempts == 5
    assert {row.name: row.attempts for row in year.ikms} == {"UD Approved": 4, "UD Tetangga Dua": 1}

    login_as("coordinator")
    page = _page(client, w, 365)
    assert _testid(page, "monitor-attempts").strip() == "5"
    assert "UD Ceper" not in page


def test_sanctions_in_the_period_are_listed_and_counted(client, db, market, login_as):
    w = market
    now = utcnow()

    def warn(org, days_ago, reason, coordinator=w.coordinator):
        return services.give_sanction(coordinator, org, "warning", reason, moment=now - timedelta(days=days_ago))

    recent = warn(w.ikm, 10, "Teguran sepuluh hari lalu")
    older = warn(w.neighbour, 40, "Teguran empat puluh hari lalu")
    warn(w.ikm, 100, "Teguran seratus hari lalu")
    warn(w.ceper_ikm, 1, "Teguran di Ceper", coordinator=w.other_coordinator)
    db.session.commit()

    month = _figures(w, 30, now)
    assert month.sanctions == [recent]
    assert {row.name: (row.warnings, row.suspensions) for row in month.ikms} == {"UD Approved": (1, 0)}
    quarter = _figures(w, 90, now)
    assert quarter.sanctions == [recent, older]  # newest first

    year = _figures(w, 365, now)
    assert {row.name: row.warnings for row in year.ikms} == {"UD Approved": 2, "UD Tetangga Dua": 1}

    login_as("coordinator")
    listed = _page(client, w, 30).split('data-testid="monitor-sanctions"', 1)[1]
    assert "Teguran sepuluh hari lalu" in listed
    assert "Teguran empat puluh hari lalu" not in listed and "Ceper" not in listed


def test_a_suspension_with_its_override_is_listed(client, db, market, login_as):
    w = market
    services.give_sanction(w.coordinator, w.neighbour, "suspension", "Pemalsuan label SNI", override_reason="Darurat")
    db.session.commit()
    [row] = _figures(w).ikms
    assert (row.name, row.warnings, row.suspensions) == ("UD Tetangga Dua", 0, 1)
    login_as("coordinator")
    listed = _page(client, w).split('data-testid="monitor-sanctions"', 1)[1]
    assert "Penangguhan" in listed and "Pemalsuan label SNI" in listed and "pengecualian: Darurat" in listed


def test_only_approved_ikms_of_the_own_sentra_take_part(client, db, market, login_as):
    w = market
    factories.make_listing(w.ikm, w.pt, price_idr=80_000)
    factories.make_listing(w.neighbour, w.pt, price_idr=90_000)
    # Active listings that do not sell: another sentra's IKM, and IKMs of Jombang not approved.
    factories.make_listing(w.ceper_ikm, w.pt, price_idr=50_000, title="Batako Ceper aktif")
    for status in ("pending", "suspended", "rejected"):
        org = factories.make_ikm(w.jombang, status=status, name=f"UD {status}")
        factories.make_listing(org, w.pt, price_idr=50_000, title=f"Batako {status}")
    db.session.commit()
    figures = _figures(w)
    assert sorted(row.name for row in figures.ikms) == ["UD Approved", "UD Tetangga Dua"]
    assert (figures.dispersion.count, figures.dispersion.lowest_idr, figures.at_floor) == (2, 80_000, 0)
    login_as("coordinator")
    page = _page(client, w)
    assert page.count('data-testid="monitor-row"') == 2
    assert "UD Ceper" not in page and "UD pending" not in page and "UD suspended" not in page

    # The coordinator of Ceper sees only Ceper.
    ceper = services.competition_figures(w.other_sentra.id, w.pt.id, 30)
    assert [row.name for row in ceper.ikms] == ["UD Ceper"]


def test_capacity_shares_and_no_order_figures_yet(client, db, market, login_as):
    w = market
    factories.make_listing(w.ikm, w.pt, capacity_per_month=Decimal("1000"))
    factories.make_listing(w.ikm, w.pt, capacity_per_month=Decimal("2000"))
    factories.make_listing(w.neighbour, w.pt, capacity_per_month=Decimal("1000"))
    db.session.commit()
    figures = _figures(w)
    # 75 % and 25 %: 75² + 25² = 6250; the larger IKM first.
    assert [(row.name, row.capacity, row.capacity_share_pct) for row in figures.ikms] == [
        ("UD Approved", Decimal("3000"), Decimal("75.0")),
        ("UD Tetangga Dua", Decimal("1000"), Decimal("25.0")),
    ]
    assert figures.capacity_hhi == 6250
    assert figures.order_hhi is None
    assert all(row.quantity_share_pct is None and row.revenue_share_pct is None for row in figures.ikms)
    login_as("coordinator")
    hhi = _testid(_page(client, w), "monitor-hhi")
    assert "pesanan: —" in hhi and "kapasitas terdaftar: 6.250" in hhi  # a number like the others
    assert "Konsentrasi (HHI) berkisar dari hampir 0" in _testid(_page(client, w), "hhi-explained")


@pytest.mark.parametrize(
    ("query", "days"),
    [
        ("", 30),
        ("period=30", 30),
        ("period=90", 90),
        ("period=365", 365),
        ("period=abc", 30),
        ("period=7", 30),
        ("period=", 30),
        ("period=-90", 30),
        ("product_type=999999999999", 30),
        ("product_type=-1&period=90", 90),
        ("product_type=abc&period=365", 365),
        ("product_type=&period=1e3", 30),
    ],
)
def test_the_page_renders_for_every_period_and_any_query(client, db, market, login_as, query, days):
    factories.make_listing(market.ikm, market.pt, price_idr=85_000)
    db.session.commit()
    login_as("coordinator")
    response = client.get(f"/coordinator/competition?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.findall(r'<option value="(\d+)" selected', page)[-1] == str(days)
    assert f"{days} hari terakhir" in page


def test_the_chosen_product_type_is_shown(client, db, market, login_as):
    w = market
    factories.make_listing(w.neighbour, w.pt, price_idr=95_000)
    db.session.commit()
    login_as("coordinator")
    page = _page(client, w)
    assert f'<option value="{w.pt.id}" selected' in page
    assert "Rp\u00a050.000 – Rp\u00a0150.000" in _testid(page, "monitor-schedule")
    assert "UD Tetangga Dua" in page
    other = client.get(f"/coordinator/competition?product_type={w.product_type.id}").get_data(as_text=True)
    assert f'<option value="{w.product_type.id}" selected' in other
    # world.active_listing (Rp 85.000) is the only listing of that type on sale.
    assert "Rp\u00a085.000 – Rp\u00a085.000" in _testid(other, "monitor-dispersion")


def _grow(db, w, n):
    for _ in range(n):
        org = factories.make_ikm(w.jombang)
        factories.make_listing(org, w.pt, price_idr=60_000)
        factories.make_listing(org, w.pt, price_idr=70_000)
        _attempt(org, w.jombang, w.pt, w.pt_band, utcnow())
        services.give_sanction(w.coordinator, org, "warning", "Harga terlalu rendah", product_type=w.pt)
    db.session.commit()


def test_the_page_costs_the_same_queries_for_2_and_8_ikms(client, db, market, login_as):
    w = market
    login_as("coordinator")
    _grow(db, w, 2)
    with QueryCounter() as few:
        page = _page(client, w)
    assert page.count('data-testid="monitor-row"') == 2
    _grow(db, w, 6)
    with QueryCounter() as many:
        page = _page(client, w)
    assert page.count('data-testid="monitor-row"') == 8
    assert many.count == few.count


def test_the_empty_state_without_listings(client, market, login_as):
    w = market
    figures = _figures(w)
    assert (figures.ikms, figures.dispersion, figures.capacity_hhi, figures.at_floor, figures.attempts) == (
        [],
        None,
        None,
        0,
        0,
    )
    login_as("coordinator")
    page = _page(client, w)
    assert 'data-testid="empty-state"' in page and "Belum ada IKM yang menjual jenis produk ini" in page
    assert 'data-testid="monitor-table"' not in page
    assert _testid(page, "monitor-dispersion").strip() == "—"
    assert "Tidak ada pada periode ini." in page


def test_the_empty_state_without_product_types(client, world, login_as):
    login_as("coordinator")
    response = client.get("/coordinator/competition?product_type=1&period=90")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Belum ada jenis produk." in page and 'data-testid="monitor-filter"' not in page


def test_a_sanction_about_another_product_type_stays_out_of_this_monitor(db, market):
    w = market
    about_this = services.give_sanction(w.coordinator, w.ikm, "warning", "Batako di bawah batas", product_type=w.pt)
    general = services.give_sanction(w.coordinator, w.ikm, "warning", "Teguran umum")
    services.give_sanction(w.coordinator, w.neighbour, "warning", "Paving di bawah batas", product_type=w.product_type)
    db.session.commit()
    figures = _figures(w)
    assert set(figures.sanctions) == {about_this, general}
    assert "UD Tetangga Dua" not in _by_name(figures)
