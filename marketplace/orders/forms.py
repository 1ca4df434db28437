"""Order forms: the cart's quantities, checkout, the actions on an order, reviews and the order-list filters."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from marketplace.catalog.forms import MAX_QUANTITY, QuantityField
from marketplace.core.forms import BaseForm, bounded, choices, id_or_none
from marketplace.core.submissions import OnceFormMixin
from marketplace.orders.models import DeliveryMethod


def _order_quantity():
    return QuantityField(
        _l("Quantity"),
        places=3,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=0, max=MAX_QUANTITY, message=_l("Enter a number greater than 0.")),
        ],
    )


def _delivery_method():
    return RadioField(
        _l("Delivery"),
        choices=choices(
            [
                (DeliveryMethod.PICKUP, _l("Pickup at the sentra")),
                (DeliveryMethod.DELIVERY, _l("Delivery to our address")),
            ]
        ),
        default=DeliveryMethod.PICKUP,
        validators=[InputRequired(message=_l("Choose pickup or delivery."))],
    )


class CartQuantityForm(BaseForm):
    """Put a listing in the cart, or change a cart line's quantity."""

    quantity = _order_quantity()

    def validate_quantity(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("Enter a number greater than 0."))


class EmptyForm(BaseForm):
    """A button that only needs its CSRF token (remove a line, prices seen, reorder, mark all read)."""


class CheckoutForm(OnceFormMixin, BaseForm):
    """PO number and note; the delivery choice of each IKM is added per cart (`checkout_form_for`)."""

    po_number = StringField(_l("PO number (optional)"), validators=[Optional(), bounded(60)])
    note = TextAreaField(_l("Note for the IKMs (optional)"), validators=[Optional(), bounded(1000)])
    fingerprint = HiddenField()

    def method_field(self, seller_id):
        return self[f"method_{seller_id}"]

    def address_field(self, seller_id):
        return self[f"address_{seller_id}"]


def checkout_form_for(sellers, addresses, formdata=None):
    """A checkout form with a delivery method and an address select for each IKM of the cart."""
    address_choices = choices([("", _l("Choose an address"))] + [(a.id, a.label) for a in addresses])

    class _Form(CheckoutForm):
        pass

    for seller in sellers:
        setattr(
            _Form,
            f"method_{seller.id}",
            _delivery_method(),
        )
        setattr(
            _Form,
            f"address_{seller.id}",
            SelectField(
                _l("Address"),
                coerce=id_or_none,
                choices=address_choices,
                validators=[Optional()],
                invalid_value_message=_l("Choose one of your saved addresses."),
                invalid_choice_message=_l("Choose one of your saved addresses."),
            ),
        )
    return _Form(formdata=formdata) if formdata is not None else _Form()


class OrderActionForm(BaseForm):
    """One of the buttons an order's page shows; a reason when the action needs one, a delivery note to ship."""

    action = HiddenField(validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), bounded(1000)])
    delivery_note_number = StringField(_l("Delivery note (surat jalan) number"), validators=[Optional(), bounded(60)])


class ReviewForm(BaseForm):
    rating = RadioField(
        _l("Rating"),
        choices=choices([(str(n), str(n)) for n in range(5, 0, -1)]),
        validators=[InputRequired(message=_l("Choose from 1 to 5 stars."))],
        coerce=str,
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=1000)])

    def validate_rating(self, field):
        if field.data not in {"1", "2", "3", "4", "5"}:
            raise ValidationError(_l("Choose from 1 to 5 stars."))


class OrderFilterForm(BaseForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def set_statuses(self, machine):
        """The statuses of `machine` (orders or checkouts) to choose from, in its order."""
        self.status.choices = choices([("", _l("All statuses"))] + [(s, machine.label(s)) for s in machine.statuses])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date comes before the start date."))


class SentraOrderForm(BaseForm):
    """Order from the sentra: what, how much and how it comes. Sent by GET to see the split (nothing is written), so
    made without CSRF there; the confirmation (SentraOrderConfirmForm) carries the token."""

    product_type = SelectField(
        _l("Product type"),
        coerce=id_or_none,
        validators=[InputRequired(message=_l("Choose a product type."))],
        invalid_value_message=_l("Choose a product type."),
        invalid_choice_message=_l("Choose a product type."),
    )
    quantity = _order_quantity()
    method = _delivery_method()
    address = SelectField(
        _l("Address"),
        coerce=id_or_none,
        validators=[Optional()],
        invalid_value_message=_l("Choose one of your saved addresses."),
        invalid_choice_message=_l("Choose one of your saved addresses."),
    )
    po_number = StringField(_l("PO number (optional)"), validators=[Optional(), bounded(60)])
    note = TextAreaField(_l("Note for the IKMs (optional)"), validators=[Optional(), bounded(1000)])

    def set_choices(self, product_types, addresses, locale):
        self.product_type.choices = choices(
            [("", _l("Choose a product type"))] + [(t.id, t.display_name(locale)) for t in product_types]
        )
        self.address.choices = choices([("", _l("Choose an address"))] + [(a.id, a.label) for a in addresses])

    def validate_quantity(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("Enter a number greater than 0."))

    def validate_address(self, field):
        if self.method.data == DeliveryMethod.DELIVERY and field.data is None:
            raise ValidationError(_l("Choose one of your saved addresses."))


class SentraOrderConfirmForm(OnceFormMixin, SentraOrderForm):
    """The split the buyer saw, confirmed: the same fields, the split's fingerprint and, with a shortfall, the yes to
    the partial quantity."""

    fingerprint = HiddenField(validators=[InputRequired()])
    accept_partial = BooleanField(_l("Accept the partial quantity"))


class DeclineShareForm(BaseForm):
    reason = TextAreaField(
        _l("Why you decline"),
        validators=[InputRequired(message=_l("Give a reason.")), bounded(1000)],
    )
