"""Produk on a phone: the category and product-type selects of the filter form, and the folded filters."""

import pytest

from tests.catalog.test_browse import get_titles, shop  # noqa: F401 (the fixture)


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("category=paving-block", "/products/paving-block"),
        ("category=paving-block&product_type=paving-k300", "/products/paving-block/paving-k300"),
        ("category=paving-block&product_type=paving-k300&q=merah&sort=price_asc", None),
        ("category=&product_type=paving-k300&q=merah", "/products?q=merah"),
        ("category=no-such-category&sni=y", "/products?sni=y"),
        ("category=bata-ringan&product_type=paving-k300", "/products/bata-ringan"),  # a type of another category
        ("category=" + "x" * 5000, "/products"),
        ("category=paving-block&page=3&evil=1", "/products/paving-block"),  # only the filters travel
    ],
)
def test_the_category_selects_lead_to_the_category_page_with_the_filters_kept(client, shop, query, location):  # noqa: F811
    response = client.get(f"/products?{query}")
    assert response.status_code == 302
    expected = location or "/products/paving-block/paving-k300?q=merah&sort=price_asc"
    assert response.headers["Location"] == expected


def test_the_category_page_shows_what_the_select_chose(client, shop):  # noqa: F811
    response = client.get("/products?category=paving-block&product_type=paving-k300", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<option selected value="paving-block">' in page or 'value="paving-block" selected' in page
    assert set(get_titles(client, "/products/paving-block/paving-k300")) == {
        "Paving hemat abu-abu",
        "Paving merah kuat",
        "Paving cetak tekan",
    }


def test_the_filter_button_counts_the_active_filters(client, shop):  # noqa: F811
    page = client.get("/products?sentra=x&in_stock=y&price_max=90000&q=paving").get_data(as_text=True)
    # q is the visible search box, not a folded filter; an unknown sentra still counts as chosen.
    assert 'data-testid="filter-count">3<' in page
    page = client.get("/products").get_data(as_text=True)
    assert 'data-testid="filter-count"' not in page
