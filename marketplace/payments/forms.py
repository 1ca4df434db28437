"""Payment forms: a transfer proof, the coordinator's decisions, refunds transferred back, payouts, bank accounts and
the sentra's payment settings."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp, ValidationError

from marketplace.catalog.forms import QuantityField
from marketplace.core.forms import BaseForm, bounded, row_select, text_field
from marketplace.core.submissions import OnceFormMixin
from marketplace.payments.services import MAX_PAYOUT_IDR

REQUIRED = _l("This field is required.")
DATE_MESSAGE = _l("Enter a date (YYYY-MM-DD).")


class ProofForm(OnceFormMixin, BaseForm):
    proof = FileField(
        _l("Transfer proof"),
        description=_l("A photo or screenshot (JPEG, PNG, WebP) or the bank's PDF, at most 8 MB."),
    )

    def validate_proof(self, field):
        if not field.data or not getattr(field.data, "filename", None):
            raise ValidationError(_l("Choose the file of your transfer proof."))


class PaymentDecisionForm(BaseForm):
    """The coordinator's decision on a transfer proof: confirm, or reject with a reason."""

    action = HiddenField(validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), bounded(1000)])


def _paid_on(label):
    return DateField(label, validators=[InputRequired(message=DATE_MESSAGE)], format="%Y-%m-%d")


def _bank_reference():
    return text_field(
        _l("Bank reference"),
        120,
        description=_l("The reference on the bank's statement or receipt."),
    )


class RefundTransferForm(BaseForm):
    bank_reference = _bank_reference()
    paid_on = _paid_on(_l("Transferred on"))


class PayoutForm(OnceFormMixin, BaseForm):
    organization_id = row_select(_l("IKM"), _l("Choose an IKM of your sentra."))
    amount_idr = IntegerField(
        _l("Amount (Rp)"),
        validators=[
            InputRequired(message=_l("Enter a whole number of Rupiah above zero.")),
            NumberRange(min=1, max=MAX_PAYOUT_IDR, message=_l("Enter a whole number of Rupiah above zero.")),
        ],
    )
    paid_on = _paid_on(_l("Transferred on"))
    bank_reference = _bank_reference()
    note = StringField(_l("Note (optional)"), validators=[Optional(), bounded(1000)])


class VoidPayoutForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=REQUIRED), bounded(1000)])


class _BankAccountFields(BaseForm):
    bank_name = text_field(_l("Bank"), 80, description=_l("For example BRI, BNI, Bank Jatim, BCA, Mandiri."))
    account_number = StringField(
        _l("Account number"),
        filters=[lambda value: "".join(value.split()).replace("-", "") if isinstance(value, str) else value],
        validators=[
            DataRequired(message=REQUIRED),
            Regexp(r"^[0-9]{5,30}$", message=_l("Use 5 to 30 digits.")),
        ],
    )
    account_holder = text_field(_l("Account holder"), 120, description=_l("The name exactly as the bank has it."))


class BankAccountForm(_BankAccountFields):
    """An IKM's account for its payouts."""


class SentraPaymentForm(_BankAccountFields):
    """The admin's settings of a sentra: its platform fee and the account buyers transfer to."""

    platform_fee_pct = QuantityField(
        _l("Platform fee (%)"),
        places=2,
        description=_l("Kept from each completed order (goods and delivery, not the PPN); 0 for none."),
        validators=[
            InputRequired(message=_l("Enter a percentage from 0 to 99.99.")),
            NumberRange(min=0, max=99.99, message=_l("Enter a percentage from 0 to 99.99.")),
        ],
    )

    def validate_platform_fee_pct(self, field):
        # After the range check (which does not stop the chain): only a number in range is quantized.
        if field.data is not None and 0 <= field.data < 100 and field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("Enter a percentage from 0 to 99.99."))
