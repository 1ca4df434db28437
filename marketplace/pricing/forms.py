"""The coordinator's price schedule form."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from marketplace.core.forms import BaseForm, bounded, choices
from marketplace.pricing.models import PriceMode
from marketplace.pricing.services import InvalidSchedule, parse_tiers

MAX_PRICE_IDR = 1_000_000_000_000


def _rupiah(label, required=True):
    validators = [InputRequired(message=_l("Enter a whole number of Rupiah."))] if required else [Optional()]
    validators.append(NumberRange(min=0, max=MAX_PRICE_IDR, message=_l("Enter a number from %(min)s to %(max)s.")))
    return IntegerField(label, validators=validators)


class PriceScheduleForm(BaseForm):
    mode = RadioField(
        _l("Mode"),
        choices=choices([(PriceMode.BAND, _l("Price band")), (PriceMode.FIXED, _l("Fixed price"))]),
        default=PriceMode.BAND,
        validators=[InputRequired(message=_l("Choose fixed price or price band."))],
    )
    reference_idr = _rupiah(_l("Reference price per unit (harga acuan, Rp)"))
    floor_idr = _rupiah(_l("Floor (Rp)"), required=False)
    ceiling_idr = _rupiah(_l("Ceiling (Rp)"), required=False)
    materials_idr = _rupiah(_l("Materials (Rp per unit)"))
    labour_idr = _rupiah(_l("Labour (Rp per unit)"))
    energy_idr = _rupiah(_l("Energy (Rp per unit)"))
    margin_idr = _rupiah(_l("Margin (Rp per unit)"))
    cost_note = TextAreaField(_l("Note on the costs"), validators=[Optional(), bounded(1000)])
    # No Optional(): validate_tiers must run (an empty box is no tiers).
    tiers = TextAreaField(
        _l("Volume tiers"),
        validators=[bounded(500)],
        description=_l("One per line: quantity from which the discount applies, then the discount in %, e.g. 100: 2.5"),
    )
    effective_from = DateField(_l("In force from"), validators=[InputRequired(message=_l("Enter a date."))])
    review_on = DateField(_l("Review date"), validators=[InputRequired(message=_l("Enter a date."))])
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            InputRequired(message=_l("This field is required.")),
            Length(min=5, max=1000, message=_l("Use %(min)d to %(max)d characters.")),
        ],
    )

    def validate_reference_idr(self, field):
        if field.data is not None and field.data < 1:
            raise ValidationError(_l("Enter a price from Rp 1 to Rp 1.000.000.000.000."))

    def validate_floor_idr(self, field):
        if self.mode.data == PriceMode.BAND and field.data is None:
            raise ValidationError(_l("A band needs a floor and a ceiling."))

    def validate_ceiling_idr(self, field):
        if self.mode.data == PriceMode.BAND and field.data is None:
            raise ValidationError(_l("A band needs a floor and a ceiling."))

    def validate_tiers(self, field):
        try:
            self.parsed_tiers = parse_tiers(field.data)
        except InvalidSchedule as error:
            raise ValidationError(error.message) from error
