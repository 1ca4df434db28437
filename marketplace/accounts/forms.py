"""Forms of the accounts domain. Every field has bounds; errors speak the user's language."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from marketplace.accounts.regions import PROVINCES
from marketplace.core.forms import (
    NIB_VALIDATOR,
    NPWP_VALIDATOR,
    BaseForm,
    bounded,
    choices,
    digits_of,
    id_or_none,
    lower_strip,
    reason_required_if,
    row_select,
    slug_field,
    text_field,
    validate_phone,
    yes_no,
)
from marketplace.core.passwords import PASSWORD_MAX, PASSWORD_MIN, StrongPassword
from marketplace.core.roles import Role

REQUIRED = _l("This field is required.")


def _email_field(label=None, description=None):
    return EmailField(
        label or _l("Email"),
        description=description,
        filters=[lower_strip],
        validators=[
            DataRequired(message=REQUIRED),
            Length(max=254, message=_l("At most %(max)d characters.")),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
        ],
    )


def _password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l("Use %(min)d to %(max)d characters."),
            ),
        ],
    )


def _province_field():
    return SelectField(
        _l("Province"),
        choices=choices([("", _l("Choose a province"))] + [(p, p) for p in PROVINCES]),
        validators=[DataRequired(message=REQUIRED)],
        validate_choice=True,
    )


def _phone_field(label=None, required=True):
    return TelField(
        label or _l("Phone"),
        validators=[DataRequired(message=REQUIRED) if required else Optional(), bounded(20), validate_phone],
    )


class _NewPasswordMixin:
    """For forms that set a password: it is judged against what is known about the person."""

    validate_password = StrongPassword()

    def __init__(self, *args, user_inputs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_inputs = tuple(user_inputs)

    def password_user_inputs(self):
        return self.user_inputs


class _OrganizationFields(BaseForm):
    address = TextAreaField(
        _l("Address"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(min=5, max=300, message=_l("Use %(min)d to %(max)d characters.")),
        ],
    )
    regency = text_field(_l("Regency / city"), 120)
    province = _province_field()
    contact_person = text_field(_l("Contact person"), 120)
    phone = _phone_field()


class _NewAccountFields(_NewPasswordMixin, BaseForm):
    email = _email_field()
    password = _password_field()
    confirm_password = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(message=REQUIRED), EqualTo("password", message=_l("The passwords do not match."))],
    )


class BuyerRegistrationForm(_NewAccountFields, _OrganizationFields):
    company_name = text_field(_l("Company name"), 160)
    npwp = StringField(
        _l("NPWP"),
        filters=[digits_of],
        validators=[DataRequired(message=REQUIRED), bounded(25), NPWP_VALIDATOR],
        description=_l("15 or 16 digits; dots and dashes are fine."),
    )

    def password_user_inputs(self):
        return (self.email.data, self.contact_person.data, self.company_name.data)


class SellerRegistrationForm(_NewAccountFields, _OrganizationFields):
    business_name = text_field(_l("Business name"), 160)
    nib = StringField(
        _l("NIB"),
        filters=[digits_of],
        validators=[DataRequired(message=REQUIRED), bounded(20), NIB_VALIDATOR],
        description=_l("Nomor Induk Berusaha, 13 digits."),
    )
    npwp = StringField(_l("NPWP (optional)"), filters=[digits_of], validators=[Optional(), bounded(25), NPWP_VALIDATOR])
    is_pkp = RadioField(
        _l("Registered for VAT (PKP)?"),
        choices=choices([("no", _l("No")), ("yes", _l("Yes"))]),
        coerce=yes_no,
        default="no",
        validators=[InputRequired(message=REQUIRED)],
    )
    sentra_id = row_select(_l("Sentra"), _l("Choose a sentra from the list."))
    workers = IntegerField(
        _l("Number of workers"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )

    def password_user_inputs(self):
        return (self.email.data, self.contact_person.data, self.business_name.data)


class LoginForm(BaseForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(message=REQUIRED), bounded(PASSWORD_MAX)])
    remember = BooleanField(_l("Remember me"))
    next = HiddenField(validators=[Optional(), bounded(500)])


class EmailOnlyForm(BaseForm):
    email = _email_field()


class ResetPasswordForm(_NewPasswordMixin, BaseForm):
    password = _password_field(_l("New password"))
    confirm_password = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(message=REQUIRED), EqualTo("password", message=_l("The passwords do not match."))],
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(message=REQUIRED), bounded(PASSWORD_MAX)]
    )


class ProfileForm(BaseForm):
    full_name = text_field(_l("Full name"), 120)
    phone = _phone_field(required=False)
    locale = SelectField(
        _l("Language"), choices=choices([("id", "Bahasa Indonesia"), ("en", "English")]), validators=[DataRequired()]
    )


class BuyerOrganizationForm(_OrganizationFields):
    name = text_field(_l("Company name"), 160)
    npwp = StringField(
        _l("NPWP"), filters=[digits_of], validators=[DataRequired(message=REQUIRED), bounded(25), NPWP_VALIDATOR]
    )
    email = _email_field(
        _l("Company email"),
        description=_l(
            "Mail about decisions and orders goes here. A new address counts once it is confirmed from its mailbox."
        ),
    )


class SellerOrganizationForm(_OrganizationFields):
    name = text_field(_l("Business name"), 160)
    nib = StringField(
        _l("NIB"), filters=[digits_of], validators=[DataRequired(message=REQUIRED), bounded(20), NIB_VALIDATOR]
    )
    npwp = StringField(_l("NPWP (optional)"), filters=[digits_of], validators=[Optional(), bounded(25), NPWP_VALIDATOR])
    is_pkp = RadioField(
        _l("Registered for VAT (PKP)?"),
        choices=choices([("no", _l("No")), ("yes", _l("Yes"))]),
        coerce=yes_no,
        validators=[InputRequired(message=REQUIRED)],
    )
    workers = IntegerField(
        _l("Number of workers"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )
    email = _email_field(
        _l("Business email"),
        description=_l(
            "Mail about decisions and orders goes here. A new address counts once it is confirmed from its mailbox."
        ),
    )
    public_phone = TelField(
        _l("Business phone / WhatsApp (optional)"),
        validators=[Optional(), bounded(20), validate_phone],
        description=_l("Shown on your profile and listings to signed-in buyers, with a WhatsApp link."),
    )
    about = TextAreaField(
        _l("About your IKM"),
        validators=[Optional(), bounded(3000)],
        description=_l("Shown on your public profile: what you make, since when, your machines and certificates."),
    )


class InviteForm(BaseForm):
    email = _email_field(_l("Colleague's email"))


class AcceptInvitationForm(ResetPasswordForm):
    full_name = text_field(_l("Full name"), 120)
    phone = _phone_field(required=False)

    def password_user_inputs(self):
        return (*self.user_inputs, self.full_name.data)


class ConfirmForm(BaseForm):
    """A button that changes something: only the CSRF token travels."""


class StaffStatusForm(BaseForm):
    active = HiddenField(validators=[DataRequired(), Regexp(r"^(yes|no)$", message=_l("Unknown action."))])


class SentraForm(BaseForm):
    name = text_field(_l("Name"), 160)
    slug = slug_field(80)
    regency = text_field(_l("Regency / city"), 120)
    province = _province_field()
    description = TextAreaField(_l("Description"), validators=[Optional(), bounded(5000)])


class StaffUserForm(BaseForm):
    email = _email_field()
    full_name = text_field(_l("Full name"), 120)
    role = SelectField(
        _l("Role"),
        choices=choices([(Role.COORDINATOR, _l("Coordinator")), (Role.ADMIN, _l("Administrator"))]),
        validators=[DataRequired(message=REQUIRED)],
    )
    # The first option, "—", has the value "" (None): an administrator has no sentra. No Optional(): it would
    # stop the chain before validate_sentra_id can require a sentra of a coordinator.
    sentra_id = SelectField(
        _l("Sentra (coordinators)"),
        coerce=id_or_none,
        invalid_value_message=_l("Choose a sentra from the list."),
        invalid_choice_message=_l("Choose a sentra from the list."),
    )

    def validate_sentra_id(self, field):
        if self.role.data == Role.COORDINATOR and not field.data:
            raise ValidationError(_l("Choose the coordinator's sentra."))


class DecisionForm(BaseForm):
    decision = HiddenField(
        validators=[
            DataRequired(message=_l("Choose a decision.")),
            Regexp(r"^(approve|reject|suspend|reinstate)$", message=_l("Unknown decision.")),
        ]
    )
    # No Optional(): it would stop the chain before validate_reason can require a reason.
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000, message=_l("At most %(max)d characters."))])

    validate_reason = reason_required_if(lambda form: form.decision.data in ("reject", "suspend"))
