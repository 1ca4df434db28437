"""Where a price sits against the sentra's schedule (catalog/price_rules.py price_position), as buyers read it."""

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.catalog.price_rules import BAND_STEPS, PricePosition, price_position


def band(floor, reference, ceiling):
    return SimpleNamespace(is_fixed=False, floor_idr=floor, reference_idr=reference, ceiling_idr=ceiling)


@pytest.mark.parametrize(
    ("price", "position"),
    [
        (82_000, PricePosition("below", 5, 0)),
        (85_000, PricePosition("below", 1, 7)),
        (86_000, PricePosition("reference", 0, 9)),
        (86_300, PricePosition("reference", 0, 10)),  # 0.35 % off the reference: at it, in whole percent
        (88_000, PricePosition("above", 2, 13)),
        (91_000, PricePosition("above", 6, 20)),
    ],
)
def test_a_price_in_the_band(price, position):
    assert price_position(price, band(82_000, 86_000, 91_000)) == position


def test_a_fixed_price_and_an_approved_price_outside_the_band():
    fixed = SimpleNamespace(is_fixed=True, floor_idr=88_000, reference_idr=88_000, ceiling_idr=88_000)
    assert price_position(88_000, fixed) == PricePosition("fixed")
    assert price_position(95_000, band(82_000, 86_000, 91_000)) == PricePosition("approved")
    assert price_position(80_000, band(82_000, 86_000, 91_000)) == PricePosition("approved")


def test_a_price_outside_the_band_of_a_listing_not_on_sale_is_not_called_approved():
    assert price_position(95_000, band(82_000, 86_000, 91_000), on_sale=False) == PricePosition("outside")
    assert price_position(88_000, band(82_000, 86_000, 91_000), on_sale=False).kind == "above"


def test_no_schedule_no_position():
    assert price_position(88_000, None) is None


def test_a_band_of_one_price_marks_the_middle():
    assert price_position(86_000, band(86_000, 86_000, 86_000)) == PricePosition("reference", 0, BAND_STEPS // 2)


@given(
    floor=st.integers(min_value=1, max_value=10**9),
    width=st.integers(min_value=0, max_value=10**9),
    data=st.data(),
)
def test_the_mark_stays_on_the_bar_and_the_side_follows_the_reference(floor, width, data):
    ceiling = floor + width
    reference = data.draw(st.integers(min_value=floor, max_value=ceiling))
    price = data.draw(st.integers(min_value=floor, max_value=ceiling))
    position = price_position(price, band(floor, reference, ceiling))
    assert 0 <= position.step <= BAND_STEPS
    assert position.percent >= 0
    if position.kind == "below":
        assert price < reference
    elif position.kind == "above":
        assert price > reference
    else:
        assert position.kind == "reference" and position.percent == 0
