"""Browser journey: a coordinator publishes a price band; everyone reads it on the sentra's harga acuan page."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import (
    assert_fits_phone,
    field_errors,
    link_in_mail,
    mail_to,
    sign_in,
    sign_out,
    switch_language,
)

pytestmark = pytest.mark.e2e


def test_coordinator_publishes_a_band_and_visitors_read_it(page, new_page):
    sentra = factories.make_sentra(slug="jombang-harga", name="Sentra Harga Jombang")
    coordinator = factories.make_user("coordinator", sentra=sentra)
    category = factories.make_category(slug="paving-harga", name="Paving block", name_en="Paving blocks")
    product_type = factories.make_product_type(category, slug="paving-k300-harga", name="Paving block K-300 6 cm")
    db.session.commit()

    page.goto("/")
    switch_language(page, "en")
    sign_in(page, coordinator.email, factories.PASSWORD, button="Sign in")
    page.goto("/coordinator/prices")
    row = page.get_by_test_id("price-row").filter(has_text=product_type.name)
    expect(row).to_contain_text("No price in force")
    row.get_by_role("link", name="New schedule").click()
    assert_fits_phone(page)

    form = page.get_by_test_id("schedule-form")
    form.locator("input[name=reference_idr]").fill("86000")
    form.locator("input[name=floor_idr]").fill("90000")  # above the reference: refused
    form.locator("input[name=ceiling_idr]").fill("95000")
    for name, value in (
        ("materials_idr", "40000"),
        ("labour_idr", "20000"),
        ("energy_idr", "10000"),
        ("margin_idr", "16000"),
    ):
        form.locator(f"input[name={name}]").fill(value)
    form.locator("textarea[name=tiers]").fill("100: 2\n500: 4")
    form.locator("textarea[name=reason]").fill("Cement prices went up")
    form.get_by_role("button", name="Preview the effect").click()
    expect(field_errors(page, "reference_idr")).to_contain_text("floor ≤ reference ≤ ceiling")

    form = page.get_by_test_id("schedule-form")
    form.locator("input[name=floor_idr]").fill("82000")
    form.get_by_role("button", name="Preview the effect").click()
    # Nothing is published before the coordinator has seen what it does to live listings.
    expect(page.get_by_test_id("schedule-preview")).to_contain_text("No live listing of this product type")
    assert_fits_phone(page)
    page.get_by_test_id("confirm-publish").click()
    expect(page).to_have_url(re.compile(r"/coordinator/prices$"))
    expect(page.get_by_role("alert")).to_contain_text("are published")
    expect(page.get_by_test_id("price-row").filter(has_text=product_type.name)).to_contain_text("Rp 82,000 – Rp 95,000")
    sign_out(page, button="Sign out")

    visitor = new_page()
    visitor.goto(f"/sentra/{sentra.slug}/harga-acuan")
    card = visitor.get_by_test_id("reference-card").filter(has_text=product_type.name)
    expect(card.get_by_test_id("reference")).to_have_text("Rp 86.000 / m²")
    expect(card.get_by_test_id("band")).to_have_text("Rp 82.000 – Rp 95.000")
    expect(card).to_contain_text("mulai 100: diskon 2 %")
    assert_fits_phone(visitor)


def test_the_harga_acuan_page_draws_the_price_history_with_chart_js(page):
    sentra = factories.make_sentra(slug="jombang-grafik", name="Sentra Grafik Jombang")
    category = factories.make_category(slug="bata-grafik", name="Bata ringan", name_en="Lightweight bricks")
    product_type = factories.make_product_type(category, slug="bata-ringan-grafik", name="Bata ringan grafik")
    factories.make_schedule(sentra, product_type, floor=80_000, reference=86_000, ceiling=95_000, days_ago=60)
    factories.make_schedule(sentra, product_type, floor=84_000, reference=90_000, ceiling=98_000, days_ago=5)
    factories.make_schedule(sentra, product_type, reference=92_000, mode="fixed", days_ago=-30)  # coming
    db.session.commit()

    page.goto(f"/sentra/{sentra.slug}/harga-acuan")
    card = page.get_by_test_id("reference-card").filter(has_text=product_type.name)
    canvas = card.get_by_test_id("price-history-chart")
    expect(canvas).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas[data-price-history]'))")
    drawn = canvas.evaluate(
        """canvas => {
          const chart = Chart.getChart(canvas);
          return {
            width: canvas.width,
            height: canvas.height,
            type: chart.config.type,
            labels: chart.data.labels,
            legends: chart.data.datasets.map(d => d.label),
            reference: chart.data.datasets[0].data,
            stepped: chart.data.datasets.map(d => d.stepped),
            ticks: chart.scales.y.ticks.map(t => t.label),
          };
        }"""
    )
    assert drawn["width"] > 0 and drawn["height"] > 0
    assert drawn["type"] == "line" and set(drawn["stepped"]) == {"before"}
    assert len(drawn["labels"]) == 3 and drawn["reference"] == [86_000, 90_000, 92_000]
    assert drawn["legends"][0] == "Harga acuan"
    assert drawn["ticks"] and all(re.fullmatch(r"Rp \d{1,3}(\.\d{3})*", tick) for tick in drawn["ticks"]), drawn[
        "ticks"
    ]
    # The text history stays beside the chart for screen readers.
    expect(card).to_contain_text("Rp 90.000 (Rp 84.000 – Rp 98.000)")
    assert_fits_phone(page)

    switch_language(page, "en")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas[data-price-history]'))")
    legends = page.get_by_test_id("price-history-chart").evaluate(
        "c => Chart.getChart(c).data.datasets.map(d => d.label)"
    )
    assert legends == ["Reference price", "Floor", "Ceiling"]


def _sentra_with_a_live_listing(slug, locale="id"):
    """A sentra with a band of Rp 50.000 – 150.000, an IKM selling at Rp 85.000, its seller and the coordinator."""
    from types import SimpleNamespace

    sentra = factories.make_sentra(slug=slug, name=f"Sentra {slug}")
    ikm = factories.make_ikm(sentra, name=f"UD Paving {slug}", email=f"ud.{slug}@example.com")
    category = factories.make_category(slug=f"paving-{slug}", name="Paving block", name_en="Paving blocks")
    w = SimpleNamespace(
        sentra=sentra,
        ikm=ikm,
        seller=factories.make_user("seller", organization=ikm, full_name="Pak Slamet", locale=locale),
        coordinator=factories.make_user("coordinator", sentra=sentra, full_name="Bu Koordinator", locale=locale),
        product_type=factories.make_product_type(category, slug=f"paving-k300-{slug}", name="Paving block K-300"),
    )
    w.band = factories.make_schedule(sentra, w.product_type, floor=50_000, reference=85_000, ceiling=150_000)
    w.listing = factories.make_listing(ikm, w.product_type, title="Paving K-300 abu-abu", price_idr=85_000)
    db.session.commit()
    return w


def _publish(page, reference, floor, ceiling, reason, previewed=None):
    form = page.get_by_test_id("schedule-form")
    for name, value in (("reference_idr", reference), ("floor_idr", floor), ("ceiling_idr", ceiling)):
        form.locator(f"input[name={name}]").fill(str(value))
    form.locator("textarea[name=reason]").fill(reason)
    form.get_by_role("button", name=re.compile("Lihat dampaknya|Preview the effect")).click()
    expect(page.get_by_test_id("schedule-preview")).to_be_visible()
    if previewed:
        expect(page.get_by_test_id("schedule-preview")).to_contain_text(previewed)
    page.get_by_test_id("confirm-publish").click()


def test_a_new_band_suspends_an_out_of_band_listing_and_its_seller_fixes_the_price(app, page, new_page):
    w = _sentra_with_a_live_listing("jombang-band")
    sign_in(page, w.coordinator.email, factories.PASSWORD)
    page.goto(f"/coordinator/prices/{w.product_type.id}/new")
    _publish(
        page, 95_000, 90_000, 100_000, "Harga semen naik tajam", previewed="1 listing tayang berada di luar rentang"
    )
    expect(page.get_by_role("alert")).to_contain_text("diterbitkan")

    # From its first day the band hides the listing; the daily command suspends it and emails the IKM.
    visitor = new_page()
    visitor.goto("/products")
    expect(visitor.get_by_text(w.listing.title)).to_have_count(0)
    assert "suspended for pricing 1" in app.test_cli_runner().invoke(args=["pricing", "apply-due"]).output
    # The command ran here, in the test's app, whose BASE_URL is not the live server's: follow the path.
    link = urlsplit(link_in_mail(w.ikm.email, r"/seller/listings/\d+")).path
    sign_out(page)

    sign_in(page, w.seller.email, factories.PASSWORD)
    page.goto(link)
    expect(page.get_by_test_id("listing-status")).to_have_text("Ditangguhkan karena harga")
    form = page.get_by_test_id("listing-form")
    form.locator("input[name=price_idr]").fill("85000")
    form.get_by_role("button", name="Simpan", exact=True).click()
    expect(field_errors(page, "price_idr")).to_contain_text("Rp 90.000 sampai Rp 100.000")
    page.get_by_test_id("listing-form").locator("input[name=price_idr]").fill("95000")
    page.get_by_test_id("listing-form").get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Listing disimpan")
    expect(page.get_by_test_id("listing-status")).to_have_text("Aktif")
    assert_fits_phone(page)

    visitor.goto("/products")
    card = visitor.get_by_test_id("listing-card").filter(has_text=w.listing.title)
    expect(card).to_contain_text("Rp 95.000")


def test_a_sellers_request_for_a_price_outside_the_band_is_approved(page, new_page):
    w = _sentra_with_a_live_listing("jombang-request", locale="en")
    page.goto("/")
    switch_language(page, "en")
    sign_in(page, w.seller.email, factories.PASSWORD, button="Sign in")
    page.goto(f"/seller/listings/{w.listing.id}/edit")
    page.get_by_role("link", name="Ask for another price").click()
    form = page.get_by_test_id("price-request-form")
    form.locator("input[name=price_idr]").fill("175000")
    form.locator("textarea[name=reason]").fill("K-3")
    form.get_by_role("button", name="Send the request").click()
    expect(field_errors(page, "reason")).to_contain_text("Use 5 to 1000 characters.")
    page.get_by_test_id("price-request-form").locator("textarea[name=reason]").fill("K-350 quality, lab-tested")
    page.get_by_test_id("price-request-form").get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("alert")).to_contain_text("sent to the coordinator")
    expect(page.get_by_test_id("price-request-box")).to_contain_text("Your request for Rp 175,000 is waiting")
    assert_fits_phone(page)
    sign_out(page, button="Sign out")

    sign_in(page, w.coordinator.email, factories.PASSWORD, button="Sign in")
    page.get_by_role("link", name="Price requests").click()
    page.get_by_test_id("request-row").filter(has_text=w.listing.title).click()
    expect(page.get_by_test_id("asked-price")).to_contain_text("Rp 175,000")
    expect(page.get_by_test_id("exception-note")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_test_id("request-decision-form").get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_contain_text("Decision saved")
    sign_out(page, button="Sign out")

    # Outside the band, yet on sale: the coordinator's exception, until the next schedule.
    visitor = new_page()
    visitor.goto(f"/listings/{w.listing.id}")
    expect(visitor.locator("main")).to_contain_text("Rp 175.000")
    assert any("approved" in m.subject for m in mail_to(w.ikm.email))


def test_the_coordinator_warns_an_ikm_from_the_competition_monitor(page):
    w = _sentra_with_a_live_listing("jombang-monitor")
    sign_in(page, w.coordinator.email, factories.PASSWORD)
    page.get_by_role("link", name="Persaingan").click()
    row = page.get_by_test_id("monitor-row").filter(has_text=w.ikm.name)
    expect(row).to_contain_text("Rp 85.000")
    assert_fits_phone(page)
    row.get_by_role("link", name="Sanksi").click()

    form = page.get_by_test_id("sanction-form")
    form.get_by_label("Penangguhan").check()
    form.locator("textarea[name=reason]").fill("Menjual di bawah batas bawah")
    form.get_by_role("button", name="Catat sanksi").click()
    expect(page.get_by_test_id("sanction-form")).to_contain_text("Penangguhan diberikan setelah dua teguran")

    form = page.get_by_test_id("sanction-form")
    form.get_by_label("Teguran tertulis").check()
    form.get_by_role("button", name="Catat sanksi").click()
    expect(page.get_by_role("alert")).to_contain_text("Teguran dicatat")
    expect(page.get_by_test_id("sanction-history")).to_contain_text("Menjual di bawah batas bawah")
    expect(page.get_by_test_id("warning-count")).to_contain_text("12 bulan terakhir: 1.")
    assert_fits_phone(page)
    assert any("Teguran tertulis" in m.subject for m in mail_to(w.ikm.email))
