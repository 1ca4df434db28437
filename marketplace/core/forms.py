"""Shared form pieces: filters, validators for Indonesian IDs and phones, bounded fields."""

import dataclasses
import re

from flask import has_request_context, request
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import HiddenInput

from marketplace.core.flashing import flash
from marketplace.core.reasons import REASON_TOO_SHORT, long_enough

_NON_DIGITS = re.compile(r"[\s.\-]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    """Trim surrounding space and drop control characters from text input."""
    if isinstance(value, str):
        return _CONTROL_CHARS.sub("", value).strip()
    return value


def lower_strip(value):
    value = strip(value)
    return value.lower() if isinstance(value, str) else value


def digits_of(value):
    """'01.234.567.8-901.000' -> '012345678901000'; other characters are left to fail validation."""
    if isinstance(value, str):
        return _NON_DIGITS.sub("", value)
    return value


class Digits:
    """Exactly one of the given numbers of digits (after dots, dashes and spaces are removed)."""

    def __init__(self, *lengths, message=None):
        self.lengths = lengths
        self.message = message

    def __call__(self, form, field):
        value = field.data or ""
        if not value:
            return
        if not value.isascii() or not value.isdigit() or len(value) not in self.lengths:
            raise ValidationError(self.message)


NIB_VALIDATOR = Digits(13, message=_l("NIB must be exactly 13 digits."))
NPWP_VALIDATOR = Digits(15, 16, message=_l("NPWP must be 15 or 16 digits."))

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")


def validate_phone(form, field):
    value = field.data or ""
    if value and not _PHONE.match(value):
        raise ValidationError(_l("Enter a phone number such as 0812 3456 7890 or +62 812 3456 7890."))


class _CatalogTranslations:
    """WTForms' own messages go through our catalogs (WTForms ships no Indonesian)."""

    # WTForms formats the result itself, so no formatting may happen here.
    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


# WTForms' built-in messages, listed so that extraction puts them in both catalogs.
# (Our validators always pass a message of their own; these are the ones fields raise.)
WTFORMS_MESSAGES = (
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid date value."),
    _l("CSRF token missing."),
    _l("CSRF token expired."),
    _l("Invalid CSRF Token."),
    _l("CSRF failed."),
    _l("Invalid email address."),
    _l("This field is required."),
)


def bounded(max_length):
    """Length(max=…) with our own message (WTForms' default is not in our catalogs)."""
    return Length(max=max_length, message=_l("At most %(max)d characters."))


_SINGLE_LINE_FIELDS = {"StringField", "EmailField", "TelField", "SearchField", "PasswordField"}
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


def single_line(value):
    """Line breaks and tabs become one space: names and IDs end up in mail headers and one-line cells."""
    if isinstance(value, str):
        return _LINE_BREAKS.sub(" ", value)
    return value


class BaseForm(FlaskForm):
    """Every form: CSRF from Flask-WTF, text cleaned before validation, messages in the user's language."""

    class Meta:
        def get_translations(self, form):
            return _CatalogTranslations()

        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            # Flask-WTF treats an empty POST as "no form sent" and keeps the object's values;
            # a POST with missing fields must fail validation instead.
            if wrapped is None and has_request_context() and request.method == "POST":
                return ImmutableMultiDict()
            return wrapped

        def bind_field(self, form, unbound_field, options):
            kind = unbound_field.field_class.__name__
            filters = tuple(unbound_field.kwargs.get("filters", ()))
            if kind == "PasswordField":
                filters = (single_line, *filters)  # passwords keep their spaces, lose line breaks
            elif kind in _SINGLE_LINE_FIELDS:
                filters = (single_line, strip, *filters)
            elif kind == "TextAreaField":
                filters = (strip, *filters)
            if filters:
                options = {**options, "filters": filters}
            return unbound_field.bind(form=form, **options)

    def __init__(self, *args, **kwargs):
        # On a POST only what was sent counts: a missing field must not be filled from the object.
        if has_request_context() and request.method == "POST":
            kwargs.pop("obj", None)
        super().__init__(*args, **kwargs)

    def hidden_tag(self, *fields):
        """The hidden fields, without ids: a page may hold several forms (and the menu's), and an id is unique
        in a page. Nothing points at a hidden input, so it needs none."""
        chosen = (getattr(self, f, None) if isinstance(f, str) else f for f in (fields or self))
        return Markup("\n").join(f(id=False) for f in chosen if f is not None and isinstance(f.widget, HiddenInput))


def choices(pairs):
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def id_or_none(value):
    """Coerce for a select of rows by id whose first option ("Choose…", or "—" where none is allowed) has the value
    "": the browser's `required` check then works, and "" is nothing chosen (None), which a required field's
    InputRequired refuses with its own message. Junk raises ValueError, which the field turns into its
    invalid_value_message."""
    if value is None or value == "":
        return None
    return int(value)


def row_select(label, not_listed):
    """A required select of rows by id (choices set by the view, the first being ("", "Choose…")): nothing chosen
    says "This field is required.", junk or an id not offered says `not_listed`, beside the field."""
    return SelectField(
        label,
        coerce=id_or_none,
        validators=[InputRequired(message=_l("This field is required."))],
        invalid_value_message=not_listed,
        invalid_choice_message=not_listed,
    )


def text_field(label, max_length, required=True, min_length=None, description=None):
    """A one-line text field with bounds and messages in the user's language."""
    validators = [DataRequired(message=_l("This field is required."))] if required else [Optional()]
    validators.append(
        Length(
            min=min_length or (2 if required else 0),
            max=max_length,
            message=_l("Use %(min)d to %(max)d characters."),
        )
    )
    return StringField(label, validators=validators, description=description)


def slug_field(max_length, description=None):
    """The short name used in links: lowercase letters, digits and single dashes."""
    return StringField(
        _l("Short name for links"),
        filters=[lower_strip],
        description=description,
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(min=3, max=max_length, message=_l("Use %(min)d to %(max)d characters.")),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use lowercase letters, digits and single dashes.")),
        ],
    )


def reason_required_if(needed):
    """An inline validator for a form's reason: at least 5 characters when `needed(form)` (a rejection, say)."""

    def validate(form, field):
        if needed(form) and not long_enough(field.data):
            raise ValidationError(REASON_TOO_SHORT)

    return validate


def values_of(form, input_class, **overrides):
    """A service's input (a dataclass) from a validated form, field by field of the same name.

    Services take plain values, never form data, so the browser and a future API call the same operation; a field
    the input does not name stays on the form (confirmations, submission tokens)."""
    names = [f.name for f in dataclasses.fields(input_class) if f.init]
    values = {name: form[name].data for name in names if name in form and name not in overrides}
    return input_class(**values, **overrides)


def yes_no(value):
    """Coerce for a yes/no radio: its choices stay "yes"/"no" in the page, its data is a bool; anything else is
    refused (WTForms turns the ValueError into a field error)."""
    if isinstance(value, bool):
        return value
    if value in ("yes", "no"):
        return value == "yes"
    raise ValueError(value)


def show_error(form, error, fallback=None):
    """Put a service's refusal beside the field it names (or `fallback`); flash it if the form has neither."""
    name = error.field if error.field and error.field in form else fallback
    if name and name in form:
        form[name].errors = [*form[name].errors, error.message]
    else:
        flash(error.message, "danger")
