"""Sellers keep listings: drafts, review, live edits, stock, pause, archive; only approved IKMs, only their own."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.catalog import services
from marketplace.catalog.models import LISTING_STATES, Listing, ListingEvent, ListingStatus
from marketplace.core.errors import DomainError
from marketplace.core.submissions import new_submission_token
from marketplace.extensions import db
from tests import factories
from tests.accounts.helpers import outbox_to
from tests.catalog.images import image_bytes, upload
from tests.helpers import table_counts


def form(w, **overrides):
    """The new-listing form as a freshly loaded page sends it (its one-time token included)."""
    data = {
        "submission_token": new_submission_token(),
        "product_type_id": str(w.product_type.id),
        "title": "Paving block K-300 merah",
        "description": "Kuat tekan 300 kg/cm²\n<b>tebal</b> 6 cm",
        "price_idr": "87500",
        "stock": "1200.5",
        "min_order": "10",
        "order_multiple": "5",
        "lead_time_days": "5",
        "capacity_per_month": "4000",
        "certification_note": "SNI 03-0691-1996",
    }
    data.update(overrides)
    return data


def form_from(listing, **overrides):
    """The edit form as the seller would send it back unchanged (then with `overrides`)."""
    data = {
        "product_type_id": str(listing.product_type_id),
        "title": listing.title,
        "description": listing.description,
        "price_idr": str(listing.price_idr),
        "stock": str(listing.stock),
        "expected_stock": str(listing.stock),  # the figure the page showed
        "min_order": str(listing.min_order),
        "order_multiple": str(listing.order_multiple),
        "lead_time_days": str(listing.lead_time_days),
        "capacity_per_month": str(listing.capacity_per_month),
        "certification_note": listing.certification_note or "",
    }
    data.update(overrides)
    return data


def new_listing(client, w, submit=False, **overrides):
    data = form(w, **overrides)
    if submit:
        data["submit"] = "1"
    response = client.post("/seller/listings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return db.session.get(Listing, int(response.headers["Location"].split("/")[-2]))


def test_a_new_listing_is_a_draft_with_exact_quantities(client, catalog_world, login_as):
    login_as("seller")
    listing = new_listing(client, catalog_world)
    assert listing.status == "draft"
    assert listing.organization_id == catalog_world.ikm.id
    assert listing.stock == Decimal("1200.5") and listing.price_idr == 87500


def test_sending_for_review_reaches_the_coordinator(client, db, catalog_world, login_as):
    login_as("seller")
    listing = new_listing(client, catalog_world, submit=True)
    assert listing.status == "pending_review"
    assert outbox_to(catalog_world.coordinator.email)
    assert outbox_to(catalog_world.other_coordinator.email) == []
    event = db.session.scalar(select(ListingEvent).where(ListingEvent.listing_id == listing.id))
    assert (event.from_status, event.to_status, event.actor_id) == ("draft", "pending_review", catalog_world.seller.id)


def test_pending_ikms_cannot_list(client, db, catalog_world, login_as):
    login_as("pending_seller")
    before = table_counts()
    response = client.post("/seller/listings/new", data=form(catalog_world))
    assert response.status_code == 302
    assert table_counts() == before
    with pytest.raises(DomainError):
        services.create_listing(
            catalog_world.pending_seller,
            services.ListingDetails(
                product_type_id=catalog_world.product_type.id,
                title="Paving block K-300 merah",
                price_idr=87_500,
                min_order=Decimal("10"),
                order_multiple=Decimal("5"),
                lead_time_days=5,
                capacity_per_month=Decimal("4000"),
            ),
        )


@pytest.mark.parametrize("field", ["title", "description", "product_type_id"])
def test_editing_reviewed_fields_sends_a_live_listing_back_to_review(client, db, catalog_world, login_as, field):
    login_as("seller")
    listing = catalog_world.active_listing
    other_type = catalog_world.product_type.__class__(
        category=catalog_world.category, slug="paving-k225", name="Paving block K-225", unit="m2"
    )
    db.session.add(other_type)
    db.session.commit()
    current = form_from(listing)
    changed = {
        "title": "Judul yang baru sekali",
        "description": "Deskripsi baru",
        "product_type_id": str(other_type.id),
    }
    client.post(f"/seller/listings/{listing.id}/edit", data={**current, field: changed[field]})
    assert listing.status == "pending_review"


def test_stock_price_and_lead_time_changes_keep_a_listing_live(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    data = form_from(listing, price_idr="90000", stock="12", lead_time_days="3")
    client.post(f"/seller/listings/{listing.id}/edit", data=data)
    assert listing.status == "active"
    assert (listing.price_idr, listing.stock, listing.lead_time_days) == (90000, Decimal("12"), 3)


def test_adding_a_photo_sends_a_live_listing_back_to_review(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    data = form_from(listing, photos=[upload(image_bytes())])
    client.post(f"/seller/listings/{listing.id}/edit", data=data, content_type="multipart/form-data")
    assert listing.status == "pending_review"


def test_quick_stock_edit(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    client.post(f"/seller/listings/{listing.id}/stock", data={"stock": "42.25", "expected_stock": "500"})
    assert listing.stock == Decimal("42.25") and listing.status == "active"


@pytest.mark.parametrize(
    "stock", ["-1", "abc", "1e9999", "0.0001", "", "NaN", "-nan", "sNaN", "Infinity", "-Infinity", "1000000000"]
)
def test_stock_never_goes_negative_or_fuzzy(client, catalog_world, login_as, stock):
    login_as("seller")
    listing = catalog_world.active_listing
    client.post(f"/seller/listings/{listing.id}/stock", data={"stock": stock, "expected_stock": "500"})
    assert listing.stock == Decimal("500")


def test_pause_resume_and_archive(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    client.post(f"/seller/listings/{listing.id}/action", data={"action": "pause"})
    assert listing.status == "paused"
    client.post(f"/seller/listings/{listing.id}/action", data={"action": "resume"})
    assert listing.status == "active"
    client.post(f"/seller/listings/{listing.id}/action", data={"action": "archive"})
    assert listing.status == "archived"
    # Archived is final: no edit, no stock change, no resume.
    client.post(f"/seller/listings/{listing.id}/action", data={"action": "resume"})
    client.post(f"/seller/listings/{listing.id}/stock", data={"stock": "1", "expected_stock": "500"})
    assert listing.status == "archived" and listing.stock == Decimal("500")


def test_min_order_must_be_a_multiple_of_the_order_multiple(client, catalog_world, login_as):
    login_as("seller")
    page = client.post("/seller/listings/new", data=form(catalog_world, min_order="12", order_multiple="5"))
    assert "kelipatan" in page.get_data(as_text=True).lower()


def test_description_is_plain_text_with_line_breaks_kept(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    listing.description = "Baris satu\n<script>alert(1)</script>"
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "listing-description" in page  # white-space: pre-line keeps the seller's line breaks


def test_sellers_never_touch_another_organizations_listing(client, db, catalog_world, login_as):
    login_as("seller")
    neighbour = catalog_world.neighbour_draft
    before = table_counts()
    for url, data in [
        (f"/seller/listings/{neighbour.id}/edit", form(catalog_world)),
        (f"/seller/listings/{neighbour.id}/stock", {"stock": "1", "expected_stock": "500"}),
        (f"/seller/listings/{neighbour.id}/action", {"action": "archive"}),
    ]:
        assert client.post(url, data=data).status_code == 404
    assert client.get(f"/listings/{neighbour.id}").status_code == 404
    assert table_counts() == before
    assert neighbour.status == "draft"


def test_seller_dashboard_lists_only_my_listings(client, catalog_world, login_as):
    login_as("seller")
    page = client.get("/seller/listings").get_data(as_text=True)
    assert catalog_world.active_listing.title in page
    assert catalog_world.neighbour_draft.title not in page


ACTIONS = st.lists(
    st.sampled_from(["submit", "pause", "resume", "archive", "approve", "reject", "suspend", "bogus"]), max_size=10
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_listing_status_moves_only_through_its_table(db, catalog_world, actions):
    # Every action is an operation that commits: each example gets a draft of its own.
    listing = factories.make_listing(catalog_world.ikm, catalog_world.product_type, status=ListingStatus.DRAFT)
    db.session.commit()
    for action in actions:
        before = listing.status
        try:
            if action in ("approve", "reject", "suspend"):
                services.moderate_listing(catalog_world.coordinator, listing, action, "alasan yang cukup")
            else:
                services.seller_action(catalog_world.seller, listing, action)
        except DomainError:
            db.session.refresh(listing)
            assert listing.status == before
            continue
        assert LISTING_STATES.can_move(before, listing.status)
    assert listing.stock >= 0


def test_the_edit_form_shows_quantities_without_trailing_zeros(client, catalog_world, login_as):
    login_as("seller")
    page = client.get(f"/seller/listings/{catalog_world.draft_listing.id}/edit").get_data(as_text=True)
    assert 'name="stock" required step="any" type="number" value="500"' in page
    assert "500.000" not in page


@pytest.mark.parametrize("field", ["stock", "min_order", "order_multiple", "capacity_per_month"])
@pytest.mark.parametrize("junk", ["NaN", "sNaN", "Infinity", "-Infinity", "1000000000"])
def test_non_finite_or_too_large_quantities_are_refused(client, catalog_world, login_as, field, junk):
    login_as("seller")
    before = table_counts()
    response = client.post("/seller/listings/new", data=form(catalog_world, **{field: junk}))
    assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)
    assert table_counts() == before


def test_certification_note_is_reviewed_again(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    data = form_from(listing, certification_note="Sertifikat SNI palsu")
    client.post(f"/seller/listings/{listing.id}/edit", data=data)
    assert listing.status == "pending_review"


def test_a_listing_changed_meanwhile_gives_a_clear_409(client, catalog_world, login_as, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    def stale(*args, **kwargs):
        raise StaleDataError("listing changed")

    monkeypatch.setattr(services, "seller_action", stale)
    login_as("seller")
    response = client.post(f"/seller/listings/{catalog_world.active_listing.id}/action", data={"action": "pause"})
    assert response.status_code == 409
    assert "Tidak ada yang disimpan" in response.get_data(as_text=True)


def test_the_sellers_list_counts_one_photo_in_the_singular(client, catalog_world, login_as):
    login_as("seller")
    client.get("/seller/listings?lang=en")
    page = client.get("/seller/listings").get_data(as_text=True)
    assert " · 1 photo</p>" in page  # the draft's one photo
    assert " · 0 photos</p>" in page
