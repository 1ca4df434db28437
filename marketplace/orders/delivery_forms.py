"""Delivery forms: a buyer company's delivery address, and the sentra's delivery tariff (one fee per product type)."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, TelField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from marketplace.accounts.regions import PROVINCES
from marketplace.core.forms import BaseForm, bounded, choices, text_field, validate_phone
from marketplace.core.submissions import OnceFormMixin
from marketplace.orders.delivery import FEE_OUT_OF_RANGE, MAX_FEE_IDR

REQUIRED = _l("This field is required.")


def one_line(value):
    """Line breaks and runs of spaces become one space: orders copy the address onto one line."""
    return " ".join(value.split()) if isinstance(value, str) else value


class AddressForm(BaseForm):
    label = text_field(
        _l("Name of the place"),
        80,
        description=_l("A short name your colleagues recognise, such as “Pabrik Sidoarjo” or “Proyek Tol Krian”."),
    )
    recipient = text_field(_l("Recipient"), 120, description=_l("Who receives the goods on site."))
    phone = TelField(
        _l("Recipient's phone"),
        validators=[DataRequired(message=REQUIRED), bounded(20), validate_phone],
    )
    address = TextAreaField(
        _l("Address"),
        filters=[one_line],
        validators=[
            DataRequired(message=REQUIRED),
            Length(min=5, max=300, message=_l("Use %(min)d to %(max)d characters.")),
        ],
    )
    regency = text_field(_l("Regency / city"), 120)
    province = SelectField(
        _l("Province"),
        choices=choices([("", _l("Choose a province"))] + [(p, p) for p in PROVINCES]),
        validators=[DataRequired(message=REQUIRED)],
        validate_choice=True,
        invalid_choice_message=_l("Choose a province from the list."),
    )


class NewAddressForm(OnceFormMixin, AddressForm):
    """A new address: its one-time token makes a double submit save one address."""


def _fee_field(label):
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("Enter a whole number of Rupiah.")),
            NumberRange(min=0, max=MAX_FEE_IDR, message=FEE_OUT_OF_RANGE),
        ],
    )


class DeliveryTariffForm(BaseForm):
    """The base fee; a fee per unit for each product type is added per request (`delivery_tariff_form_for`)."""

    base_fee_idr = _fee_field(_l("Base fee per order (Rp)"))
    product_type_ids = ()

    def fee_field(self, product_type_id):
        return self[f"fee_{product_type_id}"]

    def fill(self, tariff):
        """Start from the tariff saved (zero everywhere before the first one)."""
        self.base_fee_idr.data = tariff.base_fee_idr if tariff is not None else 0
        for product_type_id in self.product_type_ids:
            self.fee_field(product_type_id).data = tariff.fee_per_unit(product_type_id) if tariff is not None else 0

    def fees_per_unit(self):
        return {product_type_id: self.fee_field(product_type_id).data for product_type_id in self.product_type_ids}


def delivery_tariff_form_for(product_types, locale):
    """A tariff form with one fee-per-unit field for each product type, labelled with its name and unit."""

    class _Form(DeliveryTariffForm):
        product_type_ids = tuple(pt.id for pt in product_types)

    for pt in product_types:
        label = _l("%(name)s (Rp per %(unit)s)", name=pt.display_name(locale), unit=pt.unit_label)
        setattr(_Form, f"fee_{pt.id}", _fee_field(label))
    return _Form()
