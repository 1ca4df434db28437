"""Pricing forms: the coordinator's schedules, decisions and sanctions; the IKM's price-change requests."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from marketplace.catalog.forms import MAX_PRICE_IDR
from marketplace.core.forms import BaseForm, bounded, choices, reason_required_if
from marketplace.core.submissions import OnceFormMixin
from marketplace.pricing.models import PriceMode, SanctionKind
from marketplace.pricing.services import InvalidSchedule, parse_tiers


def _rupiah(label, required=True):
    validators = [InputRequired(message=_l("Enter a whole number of Rupiah."))] if required else [Optional()]
    validators.append(NumberRange(min=0, max=MAX_PRICE_IDR, message=_l("Enter a number from %(min)s to %(max)s.")))
    return IntegerField(label, validators=validators)


class PriceScheduleForm(OnceFormMixin, BaseForm):
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

    def validate(self, extra_validators=None):
        """A band's three prices are checked together, and each problem is shown at the field it concerns (Optional
        stops the field validators of an empty floor or ceiling, so this runs after them)."""
        valid = super().validate(extra_validators)
        if self.mode.data != PriceMode.BAND:
            return valid
        floor, ceiling, reference = self.floor_idr, self.ceiling_idr, self.reference_idr
        problems = []
        for field in (floor, ceiling):
            if field.data is None and not field.errors:
                problems.append((field, _l("A band needs a floor and a ceiling.")))
        if floor.data is not None and ceiling.data is not None and not (floor.errors or ceiling.errors):
            if floor.data > ceiling.data:
                problems += [
                    (floor, _l("The floor is above the ceiling.")),
                    (ceiling, _l("The floor is above the ceiling.")),
                ]
            elif (
                reference.data is not None and not reference.errors and not floor.data <= reference.data <= ceiling.data
            ):
                problems.append((reference, _l("The band must hold the reference price: floor ≤ reference ≤ ceiling.")))
        for field, message in problems:
            field.errors = [*field.errors, message]
        return valid and not problems

    def validate_tiers(self, field):
        try:
            self.parsed_tiers = parse_tiers(field.data)
        except InvalidSchedule as error:
            raise ValidationError(error.message) from error


def _reason_field(label=None):
    return TextAreaField(
        label or _l("Reason"),
        validators=[
            InputRequired(message=_l("This field is required.")),
            Length(min=5, max=1000, message=_l("Use %(min)d to %(max)d characters.")),
        ],
    )


class PriceChangeRequestForm(OnceFormMixin, BaseForm):
    price_idr = IntegerField(
        _l("Price you ask for, per unit (Rp)"),
        validators=[
            InputRequired(message=_l("Enter a whole number of Rupiah.")),
            NumberRange(min=1, max=MAX_PRICE_IDR, message=_l("Enter a price from Rp 1 to Rp 1.000.000.000.000.")),
        ],
    )
    reason = _reason_field(_l("Why this price?"))


class PriceRequestDecisionForm(BaseForm):
    decision = HiddenField(
        validators=[
            DataRequired(message=_l("Choose a decision.")),
            Regexp(r"^(approve|reject)$", message=_l("Unknown decision.")),
        ]
    )
    # Called `reason` like the other decision forms: static/js/app.js makes it required for a rejection.
    reason = TextAreaField(_l("Note to the IKM"), validators=[bounded(1000)])

    validate_reason = reason_required_if(lambda form: form.decision.data == "reject")


class SanctionForm(OnceFormMixin, BaseForm):
    kind = RadioField(
        _l("Sanction"),
        choices=choices([(SanctionKind.WARNING, _l("Written warning")), (SanctionKind.SUSPENSION, _l("Suspension"))]),
        default=SanctionKind.WARNING,
        validators=[InputRequired(message=_l("Choose a warning or a suspension."))],
    )
    product_type_id = SelectField(_l("Product type concerned"), coerce=str, validators=[Optional()])
    reason = _reason_field()
    override = BooleanField(_l("Suspend without two warnings in the last 12 months"))
    override_reason = TextAreaField(_l("Why suspend now?"), validators=[bounded(1000)])

    validate_override_reason = reason_required_if(
        lambda form: form.kind.data == SanctionKind.SUSPENSION and form.override.data
    )


class WithdrawForm(BaseForm):
    """A bare button: CSRF only."""
