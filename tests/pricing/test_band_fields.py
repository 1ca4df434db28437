"""A band's floor, ceiling and reference are checked together, each problem at its own field."""

import re

import pytest

from tests.helpers import table_counts
from tests.pricing.test_schedules import publish


def _invalid_fields(page):
    return set(re.findall(r'<input[^>]*class="[^"]*is-invalid[^"]*"[^>]*name="(\w+)"', page)) | set(
        re.findall(r'<input[^>]*name="(\w+)"[^>]*class="[^"]*is-invalid', page)
    )


@pytest.mark.parametrize(
    ("overrides", "marked", "message"),
    [
        (
            {"floor_idr": "95000", "ceiling_idr": "90000"},
            {"floor_idr", "ceiling_idr"},
            "Batas bawah lebih tinggi dari batas atas.",
        ),
        ({"floor_idr": ""}, {"floor_idr"}, "Rentang harga memerlukan batas bawah dan batas atas."),
        ({"ceiling_idr": ""}, {"ceiling_idr"}, "Rentang harga memerlukan batas bawah dan batas atas."),
        ({"reference_idr": "99000"}, {"reference_idr"}, "batas bawah ≤ harga acuan ≤ batas atas"),
    ],
)
def test_band_problems_are_shown_at_their_fields_and_nothing_is_published(
    client, db, catalog_world, login_as, overrides, marked, message
):
    login_as("coordinator")
    before = table_counts()
    response = publish(client, catalog_world, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _invalid_fields(page) == marked
    assert message in page
    assert table_counts() == before


def test_a_fixed_price_needs_no_band(client, db, catalog_world, login_as):
    login_as("coordinator")
    response = publish(client, catalog_world, mode="fixed", floor_idr="", ceiling_idr="")
    assert response.status_code == 302
