"""Notes the system writes on history rows are stored as keys and shown in the reader's language (core/notes.py)."""

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.catalog.services import LISTING_NOTES
from marketplace.core import notes
from marketplace.core.notes import note_text, register_notes, system_note
from marketplace.pricing.services import PRICE_NOTES


@pytest.fixture
def registry(monkeypatch):
    """The registry as it is, restored after the test."""
    monkeypatch.setattr(notes, "_MESSAGES", dict(notes._MESSAGES))
    return notes._MESSAGES


def test_a_note_is_stored_as_its_key_with_its_values():
    assert system_note("listing.photo_removed") == "listing.photo_removed"
    stored = system_note("pricing.price_outside_band", floor_idr=50_000, ceiling_idr=150_000)
    assert stored == "pricing.price_outside_band?floor_idr=50000&ceiling_idr=150000"


def test_a_stored_note_is_shown_in_the_readers_language(app):
    stored = system_note("pricing.price_outside_band", floor_idr=50_000, ceiling_idr=1_250_000)
    with app.test_request_context(), force_locale("en"):
        assert note_text(stored) == "price outside the band Rp\u00a050,000 – Rp\u00a01,250,000"
        assert note_text("listing.content_changed") == "content changed"
    with app.test_request_context(), force_locale("id"):
        expected = str(PRICE_NOTES["pricing.price_outside_band"]) % {
            "floor_idr": "Rp\u00a050.000",
            "ceiling_idr": "Rp\u00a01.250.000",
        }
        assert note_text(stored) == expected
        assert note_text("listing.content_changed") == str(LISTING_NOTES["listing.content_changed"])


def test_the_message_is_looked_up_when_the_note_is_shown_not_when_it_is_written(app, registry):
    # A message the Indonesian catalog already translates stands in for a note's own message.
    register_notes({"listing.test_waiting": _l("Waiting for review")})
    stored = system_note("listing.test_waiting")
    with app.test_request_context(), force_locale("id"):
        assert note_text(stored) == "Menunggu peninjauan"
    with app.test_request_context(), force_locale("en"):
        assert note_text(stored) == "Waiting for review"


@pytest.mark.parametrize(
    "stored",
    [
        "photo removed",  # written before notes had keys
        "price outside the band Rp 50.000 – Rp 150.000",
        "Foto buram, unggah foto yang jelas",  # a coordinator's reason
        "listing.no_such_note",
        "pricing.price_outside_band?floor_idr=50000",  # a value missing
        "",
        None,
    ],
)
def test_anything_else_is_shown_as_it_was_stored(app, stored):
    with app.test_request_context(), force_locale("en"):
        assert note_text(stored) == stored


def test_values_that_are_not_whole_rupiah_are_shown_as_they_are(app):
    with app.test_request_context(), force_locale("en"):
        shown = note_text("pricing.price_outside_band?floor_idr=1.5&ceiling_idr=%25s")
    assert shown == "price outside the band 1.5 – %s"


def test_keys_are_checked(registry):
    with pytest.raises(KeyError):
        system_note("listing.never_registered")
    with pytest.raises(ValueError):
        register_notes({"photo removed": _l("photo removed")})
    with pytest.raises(ValueError):
        register_notes({"listing.photo_removed": _l("another message")})
