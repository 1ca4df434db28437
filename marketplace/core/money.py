"""Money is whole Rupiah in integers; this module shows it the Indonesian way."""


def format_idr(amount_idr):
    """Rp 1.250.000 — thousands separated by dots, no decimals, minus sign before Rp."""
    if amount_idr is None:
        return ""
    if isinstance(amount_idr, bool) or not isinstance(amount_idr, int):
        raise TypeError("amounts are whole Rupiah integers")
    sign = "-" if amount_idr < 0 else ""
    digits = f"{abs(amount_idr):,}".replace(",", ".")
    return f"{sign}Rp {digits}"


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
