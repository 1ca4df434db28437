"""Domain errors carry a stable code, an optional field and a translatable message; one helper shows them."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.accounts.forms import InviteForm
from marketplace.accounts.services import EmailTaken, NibTaken
from marketplace.catalog.services import NotAllowed
from marketplace.core.errors import DomainError, InvalidTransition
from marketplace.core.forms import show_error
from marketplace.pricing.services import InvalidSchedule


def test_codes_are_stable_snake_case_class_names():
    assert DomainError("x").code == "domain_error"
    assert EmailTaken("x").code == "email_taken"
    assert NibTaken("x").code == "nib_taken"
    assert NotAllowed("x").code == "not_allowed"
    assert InvalidTransition("listing", "a", "b").code == "invalid_transition"
    assert DomainError("x", code="custom").code == "custom"


def test_errors_name_the_field_they_concern():
    assert EmailTaken("x").field == "email"
    assert InvalidSchedule("x").field == "reference_idr"
    assert DomainError("x").field is None
    assert DomainError("x", field="price_idr").field == "price_idr"


def test_show_error_puts_the_message_on_the_named_field(app):
    with app.test_request_context(method="POST"):
        form = InviteForm()
        show_error(form, EmailTaken(_l("Enter a valid email address.")))
        with force_locale("id"):
            assert [str(e) for e in form.email.errors] == ["Masukkan alamat email yang valid."]


def test_show_error_uses_the_fallback_field_then_flashes(app):
    from flask import get_flashed_messages

    with app.test_request_context(method="POST"):
        form = InviteForm()
        show_error(form, DomainError("on the fallback"), fallback="email")
        assert list(form.email.errors) == ["on the fallback"]
        show_error(form, DomainError("nowhere to put it", field="no_such_field"))
        assert get_flashed_messages(with_categories=True) == [("danger", "nowhere to put it")]
