"""The harga acuan page draws each product type's price history as a chart (Chart.js, served locally)."""

import json
from datetime import timedelta
from html.parser import HTMLParser

from babel.dates import format_date

from marketplace.pricing import services
from tests import factories
from tests.helpers import QueryCounter


class _Page(HTMLParser):
    """The attributes of the page's chart canvases and the sources of its scripts."""

    def __init__(self, html):
        super().__init__()
        self.canvases = []
        self.scripts = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "canvas" and "data-price-history" in attrs:
            self.canvases.append(attrs)
        elif tag == "script":
            self.scripts.append(attrs.get("src"))


def reference_page(client, sentra):
    response = client.get(f"/sentra/{sentra.slug}/harga-acuan")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def day(days_ago, locale="id"):
    return format_date(services.today_wib() - timedelta(days=days_ago), "d MMM yyyy", locale=locale)


def series_of(canvas):
    series = json.loads(canvas["data-price-history"])
    return series["labels"], {d["key"]: (d["label"], d["data"]) for d in series["datasets"]}


def test_a_product_type_with_two_schedules_gets_a_chart_of_both(client, db, catalog_world):
    w = catalog_world  # a band 50.000 ≤ 85.000 ≤ 150.000 in force since yesterday
    factories.make_schedule(w.jombang, w.product_type, floor=80_000, reference=90_000, ceiling=100_000, days_ago=0)
    single = factories.make_product_type(w.category, name="Bata ringan uji")
    factories.make_schedule(w.jombang, single, reference=700_000, mode="fixed", days_ago=3)
    db.session.commit()

    html = reference_page(client, w.jombang)
    page = _Page(html)
    assert len(page.canvases) == 1, "only a product type whose price changed has a history to draw"
    canvas = page.canvases[0]
    labels, datasets = series_of(canvas)
    assert labels == [day(1), day(0)]
    assert list(datasets) == ["reference", "floor", "ceiling"]
    assert datasets["reference"] == ("Harga acuan", [85_000, 90_000])
    assert datasets["floor"][1] == [50_000, 80_000]
    assert datasets["ceiling"][1] == [150_000, 100_000]
    assert w.product_type.name in canvas["aria-label"] and canvas["role"] == "img"
    # The text history stays, for screen readers and when scripts do not run.
    assert (
        "Rp\u00a085.000 (Rp\u00a050.000 – Rp\u00a0150.000)" in html
        and "Rp\u00a090.000 (Rp\u00a080.000 – Rp\u00a0100.000)" in html
    )
    assert "/static/vendor/chartjs/chart.umd.min.js" in page.scripts
    assert "/static/js/price-history.js" in page.scripts
    assert page.scripts.index("/static/vendor/chartjs/chart.umd.min.js") < page.scripts.index(
        "/static/js/price-history.js"
    )


def test_the_chart_speaks_the_readers_language_and_shows_coming_prices(client, db, catalog_world):
    w = catalog_world
    factories.make_schedule(w.jombang, w.product_type, reference=95_000, mode="fixed", days_ago=-30)  # next month
    db.session.commit()
    with client.session_transaction() as session:
        session["lang"] = "en"

    (canvas,) = _Page(reference_page(client, w.jombang)).canvases
    labels, datasets = series_of(canvas)
    assert labels == [day(1, "en"), day(-30, "en")]
    assert {key: label for key, (label, _) in datasets.items()} == {
        "reference": "Reference price",
        "floor": "Floor",
        "ceiling": "Ceiling",
    }
    assert datasets["reference"][1] == [85_000, 95_000]
    assert datasets["floor"][1] == [50_000, 95_000]  # a fixed price pins the band to the reference


def test_a_later_schedule_of_the_same_day_replaces_the_earlier_point(client, db, catalog_world):
    w = catalog_world
    factories.make_schedule(w.jombang, w.product_type, reference=88_000, days_ago=0)
    factories.make_schedule(w.jombang, w.product_type, reference=89_000, days_ago=0)  # a correction, same day
    db.session.commit()

    (canvas,) = _Page(reference_page(client, w.jombang)).canvases
    labels, datasets = series_of(canvas)
    assert labels == [day(1), day(0)]
    assert datasets["reference"][1] == [85_000, 89_000]


def test_the_text_history_has_one_line_per_day_the_schedule_then_in_force(client, db, catalog_world):
    w = catalog_world
    typo = factories.make_schedule(w.jombang, w.product_type, reference=88_000, days_ago=0)
    typo.reason = "Salah ketik harga"
    correction = factories.make_schedule(w.jombang, w.product_type, reference=89_000, days_ago=0)
    correction.reason = "Koreksi harga"
    db.session.commit()

    html = reference_page(client, w.jombang)
    assert "Koreksi harga" in html and "Rp\u00a089.000" in html
    assert "Salah ketik harga" not in html and "Rp\u00a088.000" not in html


def test_a_sentra_without_prices_shows_the_empty_state_and_no_chart(client, world):
    html = reference_page(client, world.other_sentra)
    page = _Page(html)
    assert 'data-testid="empty-state"' in html
    assert page.canvases == [] and "<canvas" not in html
    assert not any(src and "chartjs" in src for src in page.scripts)


def test_the_chart_scripts_are_served_from_this_site(client):
    chart = client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert chart.status_code == 200
    assert chart.mimetype in ("text/javascript", "application/javascript")
    assert chart.get_data(as_text=True).startswith("/*!\n * Chart.js v4.6.1\n")
    chart.close()
    script = client.get("/static/js/price-history.js")
    assert script.status_code == 200 and "data-price-history" in script.get_data(as_text=True)
    script.close()
    licence = client.get("/static/vendor/chartjs/LICENSE.md")
    assert licence.status_code == 200 and "MIT" in licence.get_data(as_text=True)
    licence.close()


def _grow_history(db, world, product_types, rounds):
    for i in range(rounds):
        for product_type in product_types:
            factories.make_schedule(world.jombang, product_type, reference=80_000 + i * 1_000, days_ago=60 - i)
    db.session.commit()


def test_the_page_costs_the_same_queries_however_long_the_history(client, db, catalog_world):
    w = catalog_world
    product_types = [w.product_type, *(factories.make_product_type(w.category) for _ in range(3))]
    _grow_history(db, w, product_types, 2)
    with QueryCounter() as few:
        html = reference_page(client, w.jombang)
    assert html.count("data-price-history=") == 4
    _grow_history(db, w, product_types, 20)
    with QueryCounter() as many:
        html = reference_page(client, w.jombang)
    assert html.count("data-price-history=") == 4
    assert many.count == few.count
