"""The rules of a quantity and of the stock's bounds, to the last unit: at most 3 decimals, never a float, never
below zero and never above what Numeric(12, 3) holds (999999999.999); a refused move changes nothing."""

from decimal import Decimal

import pytest

from marketplace.catalog import stock
from marketplace.catalog.models import Listing
from marketplace.extensions import db
from tests import factories
from tests.catalog.test_stock import movements, movements_sum, stock_in_database
from tests.helpers import table_counts

# Written out, not taken from the module: the tests say what the column holds.
LARGEST = Decimal("999999999.999")
TOO_LARGE = Decimal("1000000000.000")


def listing_with(world, amount):
    listing = factories.make_listing(world.ikm, world.product_type, stock=Decimal(amount), index=False)
    db.session.commit()
    return listing


def unsaved_listing(world):
    return Listing(
        organization_id=world.ikm.id,
        product_type_id=world.product_type.id,
        title="Paving block belum disimpan",
        price_idr=85_000,
        capacity_per_month=Decimal("2000"),
        status="draft",
    )


# --- what a quantity is ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [Decimal("0.001"), Decimal("1.125"), Decimal("2.5000")])
def test_a_quantity_with_at_most_three_decimals_is_accepted(catalog_world, quantity):
    listing = catalog_world.active_listing
    movement = stock.reserve(listing.id, quantity)
    assert movement.delta == -quantity
    assert stock_in_database(listing.id) == Decimal("500") - quantity


@pytest.mark.parametrize("quantity", [Decimal("1.0005"), Decimal("0.0001"), Decimal("499.9999")])
def test_a_quantity_with_a_fourth_decimal_is_refused_and_changes_nothing(catalog_world, quantity):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(ValueError, match="at most 3 decimals"):
        stock.reserve(listing.id, quantity)
    with pytest.raises(ValueError, match="at most 3 decimals"):
        stock.adjust(listing.id, quantity)
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


def test_an_int_is_a_quantity(catalog_world):
    listing = catalog_world.active_listing
    movement = stock.reserve(listing.id, 3)
    assert movement.delta == Decimal("-3")
    assert stock_in_database(listing.id) == Decimal("497")


@pytest.mark.parametrize("quantity", [0.5, 1.0, True], ids=["float", "whole float", "bool"])
def test_a_float_or_a_bool_is_not_a_quantity(catalog_world, quantity):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(TypeError, match="never float"):
        stock.reserve(listing.id, quantity)
    with pytest.raises(TypeError, match="never float"):
        stock.release(listing.id, quantity)
    with pytest.raises(TypeError, match="never float"):
        stock.adjust(listing.id, quantity)
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


@pytest.mark.parametrize("quantity", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_not_a_number_and_infinity_are_refused(catalog_world, quantity):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(ValueError, match="at most 3 decimals"):
        stock.release(listing.id, Decimal(quantity))
    with pytest.raises(ValueError, match="at most 3 decimals"):
        stock.adjust(listing.id, Decimal(quantity))
    assert table_counts() == before


def test_a_quantity_beyond_decimal_precision_is_refused_as_a_value_error_not_a_decimal_crash(catalog_world):
    # 10**30 to 3 places needs more digits than the decimal context holds: quantize() itself fails.
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(ValueError, match="at most 3 decimals"):
        stock.release(listing.id, Decimal("1e30"))
    assert table_counts() == before


@pytest.mark.parametrize("move", [stock.reserve, stock.release], ids=["reserve", "release"])
@pytest.mark.parametrize("quantity", [Decimal("0"), Decimal("0.000"), Decimal("-0.001"), Decimal("-1")])
def test_moving_nothing_or_less_than_nothing_is_refused_and_changes_nothing(catalog_world, move, quantity):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(ValueError, match="more than 0"):
        move(listing.id, quantity)
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


def test_the_smallest_unit_can_be_reserved_and_released(catalog_world):
    listing = catalog_world.active_listing
    stock.reserve(listing.id, Decimal("0.001"))
    assert stock_in_database(listing.id) == Decimal("499.999")
    stock.release(listing.id, Decimal("0.001"))
    assert stock_in_database(listing.id) == Decimal("500") == movements_sum(listing.id)


# --- reserve and release at the bounds -------------------------------------------------------------------------


def test_reserve_can_take_the_whole_stock(catalog_world):
    listing = catalog_world.active_listing
    movement = stock.reserve(listing.id, Decimal("500"))
    assert movement.stock_after == Decimal("0")
    assert stock_in_database(listing.id) == Decimal("0") == movements_sum(listing.id)


def test_release_can_fill_the_stock_up_to_the_largest_storable_value(catalog_world):
    listing = listing_with(catalog_world, "999999998.999")
    movement = stock.release(listing.id, Decimal("1"))
    assert movement.stock_after == LARGEST
    assert stock_in_database(listing.id) == LARGEST == movements_sum(listing.id)


@pytest.mark.parametrize(
    ("start", "quantity"), [("999999999.999", "0.001"), ("999999999.5", "0.5"), ("999999998.999", "1.001")]
)
def test_releasing_beyond_the_largest_storable_stock_raises_and_changes_nothing(catalog_world, start, quantity):
    listing = listing_with(catalog_world, start)
    before = table_counts()
    with pytest.raises(stock.StockTooLarge):
        stock.release(listing.id, Decimal(quantity))
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal(start)


# --- adjust: its arguments -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [{"new": Decimal("5")}, {"expected": Decimal("500")}, {}],
    ids=["new without expected", "expected without new", "nothing"],
)
def test_adjust_needs_a_delta_or_both_a_new_and_an_expected_value(catalog_world, arguments):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(TypeError, match="takes a delta, or a new value with the expected one$"):
        stock.adjust(listing.id, **arguments)
    assert table_counts() == before


@pytest.mark.parametrize(
    "arguments",
    [{"new": Decimal("5")}, {"expected": Decimal("500")}, {"new": Decimal("5"), "expected": Decimal("500")}],
    ids=["and new", "and expected", "and both"],
)
def test_adjust_refuses_a_delta_together_with_a_new_or_expected_value(catalog_world, arguments):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(TypeError, match="not both"):
        stock.adjust(listing.id, Decimal("1"), **arguments)
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


# --- adjust to a new value: its bounds -------------------------------------------------------------------------


def test_adjust_can_set_the_stock_to_zero_and_to_the_largest_storable_value(catalog_world):
    listing = catalog_world.active_listing
    stock.adjust(listing.id, new=Decimal("0"), expected=Decimal("500"))
    assert stock_in_database(listing.id) == Decimal("0")
    stock.adjust(listing.id, new=LARGEST, expected=Decimal("0"))
    assert stock_in_database(listing.id) == LARGEST == movements_sum(listing.id)


@pytest.mark.parametrize("new", [Decimal("-0.001"), Decimal("-1"), TOO_LARGE, LARGEST + Decimal("0.001")])
def test_adjust_refuses_a_new_value_that_cannot_be_stored_and_changes_nothing(catalog_world, new):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(ValueError, match="cannot be stored"):
        stock.adjust(listing.id, new=new, expected=Decimal("500"))
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


# --- adjust by a delta: its bounds, and which refusal --------------------------------------------------------


@pytest.mark.parametrize("delta", [Decimal("1"), Decimal("-1"), Decimal("0.5"), Decimal("-0.5")])
def test_adjust_by_a_unit_or_less_either_way_moves_exactly_that(catalog_world, delta):
    listing = catalog_world.active_listing
    movement = stock.adjust(listing.id, delta)
    assert movement.delta == delta
    assert stock_in_database(listing.id) == Decimal("500") + delta == movements_sum(listing.id)


def test_adjust_can_take_the_whole_stock(catalog_world):
    listing = catalog_world.active_listing
    movement = stock.adjust(listing.id, Decimal("-500"))
    assert movement.stock_after == Decimal("0")
    assert stock_in_database(listing.id) == Decimal("0") == movements_sum(listing.id)


@pytest.mark.parametrize(
    ("start", "delta"),
    [("0.25", "-0.251"), ("0", "-0.001"), ("0.5", "-1"), ("3", "-3.001")],
)
def test_adjust_taking_more_than_there_is_raises_out_of_stock_and_changes_nothing(catalog_world, start, delta):
    listing = listing_with(catalog_world, start)
    before = table_counts()
    with pytest.raises(stock.OutOfStock) as refused:
        stock.adjust(listing.id, Decimal(delta))
    assert (refused.value.available, refused.value.requested) == (Decimal(start), -Decimal(delta))
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal(start)


@pytest.mark.parametrize(("start", "delta"), [("999999998.5", "1.499"), ("999999999.749", "0.25")])
def test_adjust_can_add_up_to_exactly_the_largest_storable_stock(catalog_world, start, delta):
    listing = listing_with(catalog_world, start)
    movement = stock.adjust(listing.id, Decimal(delta))
    assert movement.stock_after == LARGEST
    assert stock_in_database(listing.id) == LARGEST == movements_sum(listing.id)


@pytest.mark.parametrize(
    ("start", "delta"),
    [("999999999.749", "0.251"), ("999999999.999", "0.001"), ("999999998.5", "1.5"), ("999999998", "2")],
)
def test_adjust_beyond_the_largest_storable_stock_raises_stock_too_large_and_changes_nothing(
    catalog_world, start, delta
):
    listing = listing_with(catalog_world, start)
    before = table_counts()
    with pytest.raises(stock.StockTooLarge):
        stock.adjust(listing.id, Decimal(delta))
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal(start)


# --- adjust by nothing -----------------------------------------------------------------------------------------


def test_adjust_by_nothing_writes_nothing(catalog_world):
    listing = catalog_world.active_listing
    before = table_counts()
    assert stock.adjust(listing.id, Decimal("0")) is None
    assert stock.adjust(listing.id, new=Decimal("500"), expected=Decimal("500")) is None
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


def test_adjust_to_the_value_it_was_based_on_checks_nothing(catalog_world):
    """No change asked for: nothing to refuse, even if the stock moved since the page showed it."""
    listing = catalog_world.active_listing
    stock.reserve(listing.id, Decimal("3"))
    before = table_counts()
    assert stock.adjust(listing.id, new=Decimal("500"), expected=Decimal("500")) is None
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("497")


# --- set_initial: a new listing's stock ------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [Decimal("0"), Decimal("12.345"), LARGEST])
def test_set_initial_accepts_zero_up_to_the_largest_storable_stock(catalog_world, quantity):
    listing = unsaved_listing(catalog_world)
    stock.set_initial(listing, quantity, actor=catalog_world.seller)
    db.session.add(listing)
    db.session.commit()
    [initial] = movements(listing.id)
    assert (initial.reason, initial.delta, initial.stock_after, initial.actor_id) == (
        "initial",
        quantity,
        quantity,
        catalog_world.seller.id,
    )
    assert stock_in_database(listing.id) == quantity


@pytest.mark.parametrize("quantity", [Decimal("-0.001"), Decimal("-1"), TOO_LARGE, LARGEST + Decimal("0.001")])
def test_set_initial_refuses_a_stock_that_cannot_be_stored(catalog_world, quantity):
    listing = unsaved_listing(catalog_world)
    with pytest.raises(ValueError, match="cannot be stored"):
        stock.set_initial(listing, quantity)
    assert listing.stock is None  # not assigned


@pytest.mark.parametrize(
    ("quantity", "error"),
    [(0.5, TypeError), (True, TypeError), (Decimal("1.0005"), ValueError), (Decimal("NaN"), ValueError)],
    ids=["float", "bool", "4 decimals", "NaN"],
)
def test_set_initial_refuses_what_is_not_a_quantity(catalog_world, quantity, error):
    listing = unsaved_listing(catalog_world)
    with pytest.raises(error):
        stock.set_initial(listing, quantity)
    assert listing.stock is None


# --- SQLite computes in binary floating point: every stored stock stays exact --------------------------------


def test_tenths_reserved_one_by_one_leave_exactly_nothing(catalog_world):
    listing = listing_with(catalog_world, "0.3")
    for _ in range(3):  # 0.3 - 0.1 - 0.1 in doubles is just under 0.1: the third would be refused unrounded
        stock.reserve(listing.id, Decimal("0.1"))
    assert stock_in_database(listing.id) == Decimal("0")
    with pytest.raises(stock.OutOfStock):
        stock.reserve(listing.id, Decimal("0.001"))
    assert movements_sum(listing.id) == Decimal("0")


def test_ten_tenths_reserved_from_one_leave_exactly_nothing_and_the_movements_add_up(catalog_world):
    listing = listing_with(catalog_world, "1")
    afters = [stock.reserve(listing.id, Decimal("0.1")).stock_after for _ in range(10)]
    assert afters == [Decimal(n) / 10 for n in range(9, -1, -1)]
    assert stock_in_database(listing.id) == Decimal("0") == movements_sum(listing.id)
    with pytest.raises(stock.OutOfStock):
        stock.reserve(listing.id, Decimal("0.001"))
    assert stock.adjust(listing.id, new=Decimal("0.7"), expected=Decimal("0")).stock_after == Decimal("0.7")
