"""Browser journey: a coordinator publishes a price band; everyone reads it on the sentra's harga acuan page."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import assert_fits_phone, field_errors, sign_in, sign_out, switch_language

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
    form.get_by_role("button", name="Publish").click()
    expect(field_errors(page, "reference_idr")).to_contain_text("floor ≤ reference ≤ ceiling")

    form = page.get_by_test_id("schedule-form")
    form.locator("input[name=floor_idr]").fill("82000")
    form.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/coordinator/prices$"))
    expect(page.get_by_role("alert")).to_contain_text("are published")
    expect(page.get_by_test_id("price-row").filter(has_text=product_type.name)).to_contain_text("Rp 82.000 – Rp 95.000")
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
