"""Money is whole Rupiah in integers: rounding to the Rupiah, line totals and PPN, and showing it the Indonesian way."""

from decimal import ROUND_HALF_UP, Decimal

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


def format_idr(amount_idr):
    """Rp 1.250.000 — thousands separated by dots, no decimals, minus sign before Rp. A no-break space joins Rp to
    its number, so an amount never wraps across two lines."""
    if amount_idr is None:
        return ""
    if isinstance(amount_idr, bool) or not isinstance(amount_idr, int):
        raise TypeError("amounts are whole Rupiah integers")
    sign = "-" if amount_idr < 0 else ""
    digits = f"{abs(amount_idr):,}".replace(",", ".")
    return f"{sign}Rp\u00a0{digits}"


def format_quantity(quantity):
    """A quantity in the reader's number style, without trailing zeros: 1.250,5 (id) or 1,250.5 (en)."""
    if quantity is None:
        return ""
    from flask_babel import format_decimal

    return format_decimal(quantity, format="#,##0.###")


def plain_quantity(quantity):
    """A quantity for an <input type=number>: dot decimal, no exponent, no trailing zeros ('1200', '12.5')."""
    if quantity is None:
        return ""
    text = format(quantity, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
