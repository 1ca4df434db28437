"""Coordinators review the listings of their own sentra's IKMs."""

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.catalog.models import ListingEvent
from marketplace.catalog.services import LISTING_NOTES
from marketplace.core.models import AuditEntry
from tests.accounts.helpers import outbox_to
from tests.catalog.test_listings import form_from
from tests.helpers import table_counts


def decide(client, listing, decision, reason=""):
    data = {"decision": decision, "reason": reason, "version": listing.version}
    return client.post(f"/coordinator/listings/{listing.id}", data=data)


def test_queue_shows_only_my_sentra(client, catalog_world, login_as):
    login_as("coordinator")
    page = client.get("/coordinator/listings").get_data(as_text=True)
    assert catalog_world.pending_listing.title in page
    assert catalog_world.ceper_draft.title not in page


def test_approve_makes_the_listing_public_audited_and_emailed(client, db, catalog_world, login_as):
    listing = catalog_world.pending_listing
    assert client.get(f"/listings/{listing.id}").status_code == 404
    login_as("coordinator")
    assert decide(client, listing, "approve").status_code == 302
    assert listing.status == "active"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "listing.active")).actor_id == (
        catalog_world.coordinator.id
    )
    event = db.session.scalars(select(ListingEvent).where(ListingEvent.listing_id == listing.id)).all()[-1]
    assert (event.from_status, event.to_status) == ("pending_review", "active")
    [mail] = outbox_to(catalog_world.ikm.email)
    assert listing.title in mail.subject
    client.post("/logout")
    assert client.get(f"/listings/{listing.id}").status_code == 200


@pytest.mark.parametrize("decision", ["reject", "suspend"])
def test_reject_and_suspend_need_a_reason(client, catalog_world, login_as, decision):
    listing = catalog_world.pending_listing if decision == "reject" else catalog_world.active_listing
    status = listing.status
    login_as("coordinator")
    before = table_counts()
    page = decide(client, listing, decision, "no").get_data(as_text=True)
    assert "Berikan alasan minimal 5 karakter." in page
    assert listing.status == status and table_counts() == before


def test_reject_with_reason_then_seller_fixes_and_resubmits(client, catalog_world, login_as):
    listing = catalog_world.pending_listing
    login_as("coordinator")
    decide(client, listing, "reject", "Foto buram, unggah foto yang jelas")
    assert listing.status == "rejected" and listing.status_reason == "Foto buram, unggah foto yang jelas"
    assert "Foto buram" in outbox_to(catalog_world.ikm.email)[0].body_text
    login_as("seller")
    client.post(f"/seller/listings/{listing.id}/action", data={"action": "submit"})
    assert listing.status == "pending_review" and listing.status_reason is None


def test_suspend_hides_a_live_listing(client, catalog_world, login_as):
    listing = catalog_world.active_listing
    login_as("coordinator")
    decide(client, listing, "suspend", "Harga tidak wajar")
    assert listing.status == "suspended"
    client.post("/logout")
    assert client.get(f"/listings/{listing.id}").status_code == 404
    assert listing.title not in client.get("/products").get_data(as_text=True)


def test_another_sentras_coordinator_cannot_decide(client, catalog_world, login_as):
    login_as("other_coordinator")
    assert decide(client, catalog_world.pending_listing, "approve").status_code == 404
    assert catalog_world.pending_listing.status == "pending_review"


def test_a_suspended_ikm_hides_all_its_listings(client, db, catalog_world):
    from marketplace.accounts.services import decide_organization

    decide_organization(catalog_world.coordinator, catalog_world.ikm, "suspend", "Pelanggaran berat")
    db.session.commit()
    assert client.get(f"/listings/{catalog_world.active_listing.id}").status_code == 404
    assert client.get(f"/ikm/{catalog_world.ikm.id}").status_code == 404


def test_a_decision_never_covers_changes_the_coordinator_did_not_see(client, db, catalog_world, login_as):
    listing = catalog_world.pending_listing
    seen = listing.version
    listing.title = "Judul diganti diam-diam"  # the IKM edits while the coordinator reads
    db.session.commit()
    login_as("coordinator")
    data = {"decision": "approve", "reason": "", "version": seen}
    client.post(f"/coordinator/listings/{listing.id}", data=data)
    assert listing.status == "pending_review"


def test_an_archive_racing_an_approval_wins(client, db, catalog_world):
    from sqlalchemy import text
    from sqlalchemy.orm.attributes import set_committed_value

    from marketplace.catalog.services import moderate_listing
    from marketplace.core.errors import InvalidTransition

    listing = catalog_world.pending_listing
    read_status, read_version = listing.status, listing.version
    # The seller archives and commits after the coordinator's request has read the listing.
    db.session.execute(
        text("UPDATE listing SET status = 'archived', version = version + 1 WHERE id = :id"), {"id": listing.id}
    )
    db.session.commit()
    set_committed_value(listing, "status", read_status)
    set_committed_value(listing, "version", read_version)
    # The move is conditional on the status the coordinator read: it finds the row archived and is refused.
    with pytest.raises(InvalidTransition):
        moderate_listing(catalog_world.coordinator, listing, "approve")
    assert db.session.get(type(listing), listing.id).status == "archived"


def test_the_history_shows_system_notes_in_the_readers_language_and_old_ones_as_written(
    client, db, catalog_world, login_as
):
    listing = catalog_world.active_listing
    login_as("seller")
    client.post(f"/seller/listings/{listing.id}/edit", data=form_from(listing, title="Judul yang baru sekali"))
    assert listing.status == "pending_review"
    event = db.session.scalars(select(ListingEvent).where(ListingEvent.listing_id == listing.id)).one()
    assert event.note == "listing.content_changed"
    # A row written before notes had keys keeps its English text.
    db.session.add(ListingEvent(listing_id=listing.id, from_status="active", to_status="paused", note="photo removed"))
    db.session.commit()
    login_as("coordinator")
    client.get("/?lang=en")
    page = client.get(f"/coordinator/listings/{listing.id}").get_data(as_text=True)
    assert "— content changed</li>" in page and "— photo removed</li>" in page
    client.get("/?lang=id")
    with force_locale("id"):
        indonesian = str(LISTING_NOTES["listing.content_changed"])
    page = client.get(f"/coordinator/listings/{listing.id}").get_data(as_text=True)
    assert f"— {indonesian}</li>" in page and "listing.content_changed" not in page


def test_the_review_shows_photos_large_and_opens_them_at_full_size(client, db, catalog_world, login_as):
    w = catalog_world
    photo = w.draft_listing.photos[0]
    login_as("coordinator")
    page = client.get(f"/coordinator/listings/{w.draft_listing.id}").get_data(as_text=True)
    review = page[page.index('data-testid="review-photos"') :]
    assert f'href="/media/{photo.display_key}"' in review and f'src="/media/{photo.display_key}"' in review
    assert photo.thumb_key not in review
