"""Money is whole Rupiah in integers: rounding to the Rupiah, line totals and PPN; and amounts and quantities shown
in the reader's number style, one helper for both, so a page never mixes 86.000 with 5,000."""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

from marketplace.core.language import reader_locale

# PPN (VAT) charged by sellers registered as PKP; 11 % since April 2022.
PPN_RATE = Decimal("0.11")


def round_idr(value):
    """A Decimal (or int) amount rounded half up to the whole Rupiah, as an int; floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError("money is computed in Decimal or int, never float")
    return int(Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def line_total_idr(unit_price_idr, quantity):
    """What a line of `quantity` units at `unit_price_idr` each costs, rounded half up to the Rupiah."""
    if isinstance(unit_price_idr, bool) or not isinstance(unit_price_idr, int):
        raise TypeError("unit prices are whole Rupiah integers")
    if not isinstance(quantity, int | Decimal) or isinstance(quantity, bool):
        raise TypeError("quantities are Decimal")
    return round_idr(Decimal(unit_price_idr) * Decimal(quantity))


def ppn_idr(amount_idr, is_pkp, rate=PPN_RATE):
    """The PPN on an amount: only a PKP seller charges it; rounded half up to the Rupiah."""
    if isinstance(amount_idr, bool) or not isinstance(amount_idr, int):
        raise TypeError("amounts are whole Rupiah integers")
    return round_idr(Decimal(amount_idr) * rate) if is_pkp else 0


def format_number(value, pattern="#,##0.###"):
    """A number in the reader's style (reader_locale), without trailing zeros: 1.250,5 (id) or 1,250.5 (en)."""
    return format_decimal(value, format=pattern, locale=reader_locale())


def format_idr(amount_idr):
    """Rp 1.250.000 in Indonesian, Rp 1,250,000 in English: whole Rupiah, minus sign before Rp. A no-break space
    joins Rp to its number, and the number has no space, so an amount never wraps across two lines."""
    if amount_idr is None:
        return ""
    if isinstance(amount_idr, bool) or not isinstance(amount_idr, int):
        raise TypeError("amounts are whole Rupiah integers")
    sign = "-" if amount_idr < 0 else ""
    return f"{sign}Rp\u00a0{format_number(abs(amount_idr), '#,##0')}"


def format_quantity(quantity):
    """A quantity in the reader's number style, without trailing zeros: 1.250,5 (id) or 1,250.5 (en)."""
    if quantity is None:
        return ""
    return format_number(quantity)


def plain_quantity(quantity):
    """A quantity for an <input type=number>: dot decimal, no exponent, no trailing zeros ('1200', '12.5')."""
    if quantity is None:
        return ""
    text = format(quantity, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
