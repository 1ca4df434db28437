from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.core.money import (
    PPN_RATE,
    format_idr,
    format_quantity,
    line_total_idr,
    plain_quantity,
    ppn_idr,
    round_idr,
)
from marketplace.core.timeutil import format_wib


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0, "Rp\u00a00"),
        (999, "Rp\u00a0999"),
        (1000, "Rp\u00a01.000"),
        (1250000, "Rp\u00a01.250.000"),
        (-45000, "-Rp\u00a045.000"),
    ],
)
def test_rupiah_is_shown_with_dots_between_thousands(amount, shown):
    assert format_idr(amount) == shown


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_rupiah_formatting_keeps_every_digit(amount):
    shown = format_idr(amount)
    assert int(shown.replace("Rp\u00a0", "").replace(".", "")) == amount


def test_amounts_and_quantities_follow_the_readers_number_style(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("id"):
        assert (format_idr(86_000), format_quantity(Decimal("5000")), format_quantity(Decimal("1250.5"))) == (
            "Rp\u00a086.000",
            "5.000",
            "1.250,5",
        )
    with app.test_request_context(), force_locale("en"):
        assert (format_idr(-86_000), format_quantity(Decimal("5000")), format_quantity(Decimal("1250.5"))) == (
            "-Rp\u00a086,000",
            "5,000",
            "1,250.5",
        )


@pytest.mark.parametrize("not_whole_rupiah", [1.5, "1000", True])
def test_rupiah_refuses_anything_but_integers(not_whole_rupiah):
    with pytest.raises(TypeError):
        format_idr(not_whole_rupiah)


def test_times_are_shown_in_wib():
    assert format_wib(datetime(2026, 11, 28, 17, 30, tzinfo=UTC)) == "29 Nov 2026 00:30 WIB"
    assert format_wib(datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))) == "1 Jan 2026 11:00 WIB"


def test_month_names_follow_the_language(app):
    may = datetime(2026, 5, 3, 2, 0, tzinfo=UTC)
    with app.test_request_context():
        assert format_wib(may) == "3 Mei 2026 09:00 WIB"
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        assert format_wib(may) == "3 May 2026 09:00 WIB"


def test_stored_times_come_back_aware_utc(db, world):
    from marketplace.accounts.models import User

    db.session.expire_all()
    user = db.session.get(User, world.buyer.id)
    assert user.created_at.tzinfo is not None
    assert user.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(db, world):
    world.buyer.verified_at = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("quantity", "plain", "indonesian"),
    [(Decimal("1200.000"), "1200", "1.200"), (Decimal("12.500"), "12.5", "12,5"), (Decimal("0.001"), "0.001", "0,001")],
)
def test_quantities_for_inputs_and_for_reading(app, quantity, plain, indonesian):
    assert plain_quantity(quantity) == plain
    with app.test_request_context():
        assert format_quantity(quantity) == indonesian


# --- the money helpers orders will use -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("0.5"), 1), (Decimal("1.4999"), 1), (Decimal("2.5"), 3), (Decimal("-2.5"), -3), (7, 7)],
)
def test_round_idr_rounds_half_up_to_the_rupiah(value, expected):
    assert round_idr(value) == expected


@pytest.mark.parametrize("value", [1.5, "2", None, True])
def test_round_idr_refuses_floats_and_other_types(value):
    with pytest.raises(TypeError):
        round_idr(value)


def test_line_total_multiplies_then_rounds_once():
    assert line_total_idr(86_000, Decimal("12.5")) == 1_075_000
    assert line_total_idr(3_333, Decimal("0.333")) == 1_110  # 1109.889 rounds up
    with pytest.raises(TypeError):
        line_total_idr(86_000.0, Decimal("1"))


def test_ppn_only_for_pkp_sellers_at_eleven_percent():
    assert Decimal("0.11") == PPN_RATE
    assert ppn_idr(1_000_000, is_pkp=True) == 110_000
    assert ppn_idr(1_000_005, is_pkp=True) == 110_001  # 110000.55 rounds half up
    assert ppn_idr(1_000_000, is_pkp=False) == 0


@given(st.integers(min_value=0, max_value=10**12), st.decimals(min_value=0, max_value=10**6, places=3))
def test_line_total_is_the_exact_product_rounded_half_up(price, quantity):
    exact = Decimal(price) * quantity
    total = line_total_idr(price, quantity)
    assert abs(Decimal(total) - exact) <= Decimal("0.5")
    assert total == int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("amount", [0, 82_000, 1_250_000_000, -45_000])
def test_an_amount_never_wraps_between_rp_and_its_number(amount):
    shown = format_idr(amount)
    assert " " not in shown and "Rp\u00a0" in shown
