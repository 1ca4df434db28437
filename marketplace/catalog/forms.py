"""Forms of the catalog: listings, product types, categories, moderation and the browse filters."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DecimalField,
    FileField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from marketplace.catalog.models import Unit
from marketplace.core.forms import BaseForm, bounded, choices, reason_required_if, row_select, slug_field, text_field
from marketplace.core.money import plain_quantity
from marketplace.core.submissions import OnceFormMixin

REQUIRED = _l("This field is required.")
MAX_QUANTITY = Decimal("999999999.999")  # what Numeric(12, 3) holds
MAX_PRICE_IDR = 1_000_000_000_000


class QuantityField(DecimalField):
    """A quantity shown as 500 or 12.5, never 500.000 (which an Indonesian reads as five hundred thousand)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        # NaN and Infinity parse as Decimals but are no quantities; WTForms' own checks crash on them.
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))

    def pre_validate(self, form):
        # Text that is no number has its error already ("not a valid decimal"): no second one from the range check.
        if self.process_errors:
            raise StopValidation()

    def _value(self):
        if self.raw_data:
            # What was typed, to correct it; but not text that is no number: an <input type=number> may not hold it.
            return self.raw_data[0] if self.data is not None else ""
        return plain_quantity(self.data) if isinstance(self.data, Decimal) else super()._value()


def _quantity(label, minimum=Decimal("0"), strictly_positive=False, description=None):
    message = _l("Enter a number greater than 0.") if strictly_positive else _l("Enter a number of 0 or more.")
    validators = [
        InputRequired(message=_l("Enter a number.")),
        NumberRange(min=minimum, max=MAX_QUANTITY, message=message),
    ]
    if strictly_positive:
        validators.append(_positive)
    return QuantityField(label, places=3, validators=validators, description=description)


def _positive(form, field):
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("Enter a number greater than 0."))


def _at_most_three_decimals(form, field):
    if field.data is not None and field.data.as_tuple().exponent < -3:
        raise ValidationError(_l("Use at most 3 decimals."))


class ListingForm(BaseForm):
    product_type_id = row_select(_l("Product type"), _l("Choose a product type from the list."))
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(min=5, max=160, message=_l("Use %(min)d to %(max)d characters.")),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), bounded(5000)],
        description=_l("Plain text; line breaks are kept."),
    )
    price_idr = IntegerField(
        _l("Price per unit (Rp)"),
        validators=[
            InputRequired(message=_l("Enter a whole number of Rupiah.")),
            NumberRange(min=1, max=MAX_PRICE_IDR, message=_l("Enter a price from Rp 1 to Rp 1.000.000.000.000.")),
        ],
    )
    stock = _quantity(_l("Stock"))
    min_order = _quantity(_l("Minimum order"), strictly_positive=True)
    order_multiple = _quantity(
        _l("Order multiple"), strictly_positive=True, description=_l("Orders come in multiples of this quantity.")
    )
    lead_time_days = IntegerField(
        _l("Lead time (days)"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=0, max=365, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )
    capacity_per_month = _quantity(_l("Production capacity per month"), strictly_positive=True)
    certification_note = StringField(
        _l("Certification note"),
        validators=[Optional(), bounded(300)],
        description=_l("E.g. SNI certificate number, lab test."),
    )
    photos = MultipleFileField(
        _l("Add photos"), description=_l("JPEG, PNG or WebP, at most 8 MB each; up to 8 photos.")
    )

    def validate_stock(self, field):
        _at_most_three_decimals(self, field)

    def validate_min_order(self, field):
        _at_most_three_decimals(self, field)

    def validate_order_multiple(self, field):
        _at_most_three_decimals(self, field)
        # The minimum order must itself be orderable.
        if field.data and self.min_order.data and not self.min_order.errors and self.min_order.data % field.data:
            raise ValidationError(_l("The minimum order must be a multiple of the order multiple."))

    def validate_capacity_per_month(self, field):
        _at_most_three_decimals(self, field)


class NewListingForm(OnceFormMixin, ListingForm):
    """Creating a listing: sent once (editing one changes the same row, so it needs no token)."""


def _expected_stock():
    """The stock the page showed: a save moves the stock by (new - shown), and only if it still is the shown one."""
    return QuantityField(
        places=3,
        widget=HiddenInput(),
        validators=[
            InputRequired(message=_l("Reload the page and save again.")),
            NumberRange(min=Decimal("0"), max=MAX_QUANTITY, message=_l("Reload the page and save again.")),
            _at_most_three_decimals,
        ],
    )


class EditListingForm(ListingForm):
    """Editing a listing: its stock field is the new figure, `expected_stock` the one the seller saw."""

    expected_stock = _expected_stock()


class StockForm(BaseForm):
    stock = _quantity(_l("Stock"))
    expected_stock = _expected_stock()

    def validate_stock(self, field):
        _at_most_three_decimals(self, field)


class ListingActionForm(BaseForm):
    action = HiddenField(
        validators=[
            DataRequired(message=_l("Choose an action.")),
            Regexp(r"^(submit|pause|resume|archive)$", message=_l("Unknown action.")),
        ]
    )


class PhotoActionForm(BaseForm):
    """Make a photo the cover, or remove it: only the CSRF token travels."""


class ModerationForm(BaseForm):
    decision = HiddenField(
        validators=[
            DataRequired(message=_l("Choose a decision.")),
            Regexp(r"^(approve|reject|suspend)$", message=_l("Unknown decision.")),
        ]
    )
    reason = TextAreaField(_l("Reason"), validators=[bounded(1000)])
    # The version of the listing the coordinator looked at: a decision never covers unseen changes.
    version = IntegerField(validators=[InputRequired(message=_l("Reload the page and decide again."))])

    validate_reason = reason_required_if(lambda form: form.decision.data in ("reject", "suspend"))


class CategoryForm(BaseForm):
    name = text_field(_l("Name (Indonesian)"), 120)
    name_en = text_field(_l("Name (English)"), 120)
    slug = slug_field(80)
    position = IntegerField(
        _l("Position"),
        default=0,
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=0, max=1000, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )


class ProductTypeForm(BaseForm):
    name = text_field(_l("Name (Indonesian)"), 160, min_length=3)
    name_en = text_field(
        _l("Name (English)"),
        160,
        required=False,
        min_length=3,
        description=_l("Shown on English pages; leave it empty to show the Indonesian name there too."),
    )
    slug = slug_field(120)
    category_id = row_select(_l("Category"), _l("Choose a category from the list."))
    unit = SelectField(
        _l("Unit"),
        choices=choices([(u, Unit.LABELS[u]) for u in Unit.ALL]),
        validators=[DataRequired(message=REQUIRED)],
    )
    spec = TextAreaField(_l("Specification"), validators=[Optional(), bounded(5000)])
    sni_standard = StringField(
        _l("SNI standard (optional)"),
        validators=[
            Optional(),
            bounded(60),
            Regexp(r"^SNI [0-9A-Za-z.:\- ]+$", message=_l("Write it like SNI 03-0691-1996.")),
        ],
    )
    slag_kg_per_unit = QuantityField(
        _l("Slag content (kg per unit)"),
        places=3,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=Decimal("0"), max=Decimal("1000000"), message=_l("Enter a number of 0 or more.")),
        ],
    )
    photo = FileField(_l("Photo"), description=_l("JPEG, PNG or WebP, at most 8 MB."))
    remove_photo = BooleanField(_l("Remove the current photo"))


SORTS = ("newest", "price_asc", "price_desc", "lead_time")


class BrowseForm(BaseForm):
    """The filters of the browse and search pages (a GET form: no CSRF, junk is ignored with a note)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), bounded(200)])
    sentra = SelectField(_l("Sentra"), validators=[Optional()], validate_choice=True)
    province = SelectField(_l("Province"), validators=[Optional()], validate_choice=True)
    price_min = IntegerField(_l("Lowest price"), validators=[Optional(), NumberRange(min=0, max=MAX_PRICE_IDR)])
    price_max = IntegerField(_l("Highest price"), validators=[Optional(), NumberRange(min=0, max=MAX_PRICE_IDR)])
    in_stock = BooleanField(_l("In stock"))
    sni = BooleanField(_l("SNI-certified product"))
    max_lead = IntegerField(_l("Lead time at most (days)"), validators=[Optional(), NumberRange(min=0, max=365)])
    sort = SelectField(
        _l("Sort by"),
        choices=choices(
            [
                ("newest", _l("Newest")),
                ("price_asc", _l("Price: low to high")),
                ("price_desc", _l("Price: high to low")),
                ("lead_time", _l("Shortest lead time")),
            ]
        ),
        default="newest",
        validators=[Optional()],
        validate_choice=True,
    )
