"""Price-change requests: the IKM asks, the coordinator approves (an exception until the next schedule) or rejects."""

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from marketplace.core.errors import InvalidTransition
from marketplace.core.models import AuditEntry
from marketplace.core.submissions import new_submission_token
from marketplace.extensions import db
from marketplace.pricing import services
from marketplace.pricing.models import PriceChangeRequest
from tests import factories
from tests.accounts.helpers import outbox_to
from tests.catalog.test_listings import form_from
from tests.helpers import QueryCounter, table_counts


def _ask(client, listing, price="175000", reason="Bahan baku naik 20 %"):
    data = {"submission_token": new_submission_token(), "price_idr": price, "reason": reason}
    return client.post(f"/seller/listings/{listing.id}/price-request", data=data)


def test_a_seller_asks_for_a_price_and_the_coordinators_hear_of_it(client, catalog_world, login_as):
    w = catalog_world
    login_as("seller")
    response = _ask(client, w.draft_listing)
    assert response.status_code == 302
    change = PriceChangeRequest.query.filter_by(listing_id=w.draft_listing.id).one()
    assert (change.status, change.price_idr, change.current_price_idr) == ("pending", 175_000, 85_000)
    assert change.schedule_id == w.band.id and change.requested_by_id == w.seller.id
    [mail] = outbox_to(w.coordinator.email)
    assert "Rp\u00a0175.000" in mail.body_text and f"/coordinator/price-requests/{change.id}" in mail.body_text
    assert AuditEntry.query.filter_by(action="price_request.created", object_id=change.id).count() == 1


def test_one_pending_request_per_listing(client, catalog_world, login_as):
    w = catalog_world
    login_as("seller")
    before = table_counts()
    page = client.get(f"/seller/listings/{w.active_listing.id}/price-request").get_data(as_text=True)
    assert 'data-testid="pending-request"' in page and "price-request-form" not in page
    assert _ask(client, w.active_listing).status_code == 200
    assert table_counts() == before
    with pytest.raises(services.RequestRefused):
        services.request_price_change(w.seller, w.active_listing, 99_000, "Lagi, untuk uji")


def test_the_database_refuses_a_second_pending_request(db, catalog_world):
    with pytest.raises(IntegrityError):
        factories.make_price_request(catalog_world.active_listing, price=99_000)
    db.session.rollback()


@pytest.mark.parametrize(
    ("price", "message"),
    [("85000", "Itu sudah harga listing ini."), ("0", "Masukkan harga dari Rp 1"), ("abc", "Masukkan")],
)
def test_a_request_needs_a_new_positive_price(client, catalog_world, login_as, price, message):
    login_as("seller")
    before = table_counts()
    page = _ask(client, catalog_world.draft_listing, price=price).get_data(as_text=True)
    assert message in page
    assert table_counts() == before


def test_a_request_needs_a_reason(client, catalog_world, login_as):
    login_as("seller")
    page = _ask(client, catalog_world.draft_listing, reason="abc").get_data(as_text=True)
    assert "Gunakan 5 sampai 1000 karakter." in page
    assert PriceChangeRequest.query.filter_by(listing_id=catalog_world.draft_listing.id).count() == 0


def test_no_request_without_a_price_in_force(db, catalog_world):
    unpriced = factories.make_product_type(catalog_world.category)
    listing = factories.make_listing(catalog_world.ikm, unpriced, status="draft")
    with pytest.raises(services.RequestRefused):
        services.request_price_change(catalog_world.seller, listing, 90_000, "Harga baru")


def test_the_seller_withdraws_a_pending_request(client, catalog_world, login_as):
    w = catalog_world
    login_as("seller")
    client.post(f"/seller/price-requests/{w.price_request.id}/withdraw")
    assert w.price_request.status == "withdrawn" and w.price_request.decided_by_id is None
    # Withdrawn is final: it can be neither withdrawn again nor decided.
    client.post(f"/seller/price-requests/{w.price_request.id}/withdraw")
    with pytest.raises(services.RequestRefused):
        services.decide_price_request(w.coordinator, w.price_request, "approve")
    assert w.price_request.status == "withdrawn"
    # A new request for the listing is possible again.
    assert _ask(client, w.active_listing).status_code == 302


def test_approval_outside_the_band_is_an_exception_buyers_see(client, db, catalog_world, login_as):
    w = catalog_world  # the seller asked Rp 120.000 (inside the band); ask for one outside it
    services.withdraw_price_request(w.seller, w.price_request)
    change = services.request_price_change(w.seller, w.active_listing, 175_000, "Kualitas K-350")
    db.session.commit()
    login_as("coordinator")
    page = client.get(f"/coordinator/price-requests/{change.id}").get_data(as_text=True)
    assert 'data-testid="exception-note"' in page
    client.post(f"/coordinator/price-requests/{change.id}", data={"decision": "approve", "reason": ""})
    listing = w.active_listing
    assert change.status == "approved" and change.decided_by_id == w.coordinator.id and change.decided_at
    assert listing.price_idr == 175_000 and listing.price_exception_schedule_id == w.band.id
    assert listing.title in client.get("/products").get_data(as_text=True)
    assert services.unit_price_for(listing, 1) == 175_000
    [mail] = [m for m in outbox_to(w.ikm.email) if "disetujui" in m.subject]
    assert "Rp\u00a0175.000" in mail.body_text
    assert AuditEntry.query.filter_by(action="listing.price_approved", object_id=listing.id).count() == 1
    # The seller's form accepts the listing as it is, exception and all.
    login_as("seller")
    client.post(f"/seller/listings/{listing.id}/edit", data=form_from(listing, stock="5"))
    assert listing.price_idr == 175_000 and listing.price_exception_schedule_id == w.band.id


def test_an_in_band_approval_needs_no_exception(client, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    client.post(f"/coordinator/price-requests/{w.price_request.id}", data={"decision": "approve"})
    assert w.active_listing.price_idr == 120_000 and w.active_listing.price_exception_schedule_id is None


def test_approval_brings_a_price_suspended_listing_back(db, catalog_world):
    w = catalog_world
    listing = factories.make_listing(w.ikm, w.product_type, status="price_suspended", price_idr=45_000)
    change = factories.make_price_request(listing, price=45_000 - 1, requested_by=w.seller)
    services.decide_price_request(w.coordinator, change, "approve")
    assert listing.status == "active" and listing.price_exception_schedule_id == w.band.id


def test_a_rejection_needs_a_reason_and_changes_nothing_else(client, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    before = table_counts()
    page = client.post(f"/coordinator/price-requests/{w.price_request.id}", data={"decision": "reject"})
    assert "Berikan alasan minimal 5 karakter." in page.get_data(as_text=True)
    assert table_counts() == before and w.price_request.status == "pending"
    client.post(
        f"/coordinator/price-requests/{w.price_request.id}", data={"decision": "reject", "reason": "Di atas plafon"}
    )
    assert (w.price_request.status, w.price_request.decision_note) == ("rejected", "Di atas plafon")
    assert w.active_listing.price_idr == 85_000
    assert any("Di atas plafon" in m.body_text for m in outbox_to(w.ikm.email))


def test_a_decided_request_cannot_be_decided_again(client, db, catalog_world, login_as):
    w = catalog_world
    services.decide_price_request(w.coordinator, w.price_request, "reject", "Tidak sesuai")
    db.session.commit()
    login_as("coordinator")
    before = table_counts()
    page = client.post(f"/coordinator/price-requests/{w.price_request.id}", data={"decision": "approve"})
    assert page.status_code == 200 and w.price_request.status == "rejected"
    assert table_counts() == before


def test_of_two_decisions_at_once_only_one_wins(db, catalog_world):
    w = catalog_world
    change = w.price_request
    # Another coordinator withdrew... or decided it meanwhile: the row moved on behind this session's back.
    db.session.execute(text("UPDATE price_change_request SET status = 'withdrawn' WHERE id = :id"), {"id": change.id})
    with pytest.raises(InvalidTransition):
        services.decide_price_request(w.coordinator, change, "approve")


def test_a_decision_names_its_decider(db, catalog_world):
    change = catalog_world.price_request
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE price_change_request SET status = 'approved' WHERE id = :id"), {"id": change.id}
        )
    db.session.rollback()


def test_a_coordinator_of_another_sentra_cannot_decide(catalog_world):
    with pytest.raises(services.RequestRefused):
        services.decide_price_request(catalog_world.other_coordinator, catalog_world.price_request, "approve")
    assert catalog_world.price_request.status == "pending"


def test_the_exception_ends_with_the_next_schedule(app, db, client, catalog_world):
    w = catalog_world
    services.withdraw_price_request(w.seller, w.price_request)
    change = services.request_price_change(w.seller, w.active_listing, 160_000, "Pesanan khusus")
    services.decide_price_request(w.coordinator, change, "approve")
    db.session.commit()
    factories.make_schedule(w.jombang, w.product_type, reference=90_000, floor=80_000, ceiling=100_000, days_ago=0)
    db.session.commit()
    # Hidden from the first day of the new schedule, then suspended for pricing with the exception cleared.
    assert w.active_listing.title not in client.get("/products").get_data(as_text=True)
    app.test_cli_runner().invoke(args=["pricing", "apply-due"])
    assert w.active_listing.status == "price_suspended"
    assert w.active_listing.price_exception_schedule_id is None


def test_a_new_price_ends_the_exception(client, db, catalog_world, login_as):
    w = catalog_world
    services.withdraw_price_request(w.seller, w.price_request)
    change = services.request_price_change(w.seller, w.active_listing, 160_000, "Pesanan khusus")
    services.decide_price_request(w.coordinator, change, "approve")
    db.session.commit()
    login_as("seller")
    page = client.post(
        f"/seller/listings/{w.active_listing.id}/edit", data=form_from(w.active_listing, price_idr="170000")
    )
    assert "Rp\u00a050.000 sampai Rp\u00a0150.000" in page.get_data(as_text=True)
    client.post(f"/seller/listings/{w.active_listing.id}/edit", data=form_from(w.active_listing, price_idr="140000"))
    assert w.active_listing.price_idr == 140_000 and w.active_listing.price_exception_schedule_id is None


def test_in_fixed_mode_an_approved_price_is_what_buyers_pay(db, catalog_world):
    w = catalog_world
    fixed = factories.make_schedule(w.jombang, w.product_type, reference=88_000, mode="fixed", days_ago=0)
    services.withdraw_price_request(w.seller, w.price_request)
    change = services.request_price_change(w.seller, w.active_listing, 95_000, "Mutu K-400")
    services.decide_price_request(w.coordinator, change, "approve")
    assert w.active_listing.price_exception_schedule_id == fixed.id
    assert services.unit_price_for(w.active_listing, 1) == 95_000
    # apply-due leaves the exception alone instead of pulling the price back to the reference.
    services.apply_due()
    assert w.active_listing.price_idr == 95_000


def test_request_pages_list_and_paginate(client, catalog_world, login_as):
    login_as("coordinator")
    page = client.get("/coordinator/price-requests").get_data(as_text=True)
    assert page.count('data-testid="request-row"') == 2  # the seller's and the neighbour's, not Ceper's
    assert 'data-testid="empty-state"' in client.get("/coordinator/price-requests?status=approved").get_data(
        as_text=True
    )
    assert client.get("/coordinator/price-requests?status=junk&page=-5").status_code == 200
    login_as("seller")
    page = client.get("/seller/price-requests").get_data(as_text=True)
    assert page.count('data-testid="request-row"') == 1


def _more_requests(db, w, n):
    for _ in range(n):
        ikm = factories.make_ikm(w.jombang)
        listing = factories.make_listing(ikm, w.product_type)
        factories.make_price_request(listing, price=99_000)
    db.session.commit()


@pytest.mark.parametrize("url", ["/coordinator/price-requests", "/coordinator/price-requests?status=pending"])
def test_the_request_list_costs_the_same_queries_for_more_requests(client, db, catalog_world, login_as, url):
    login_as("coordinator")
    client.get(url)  # warm up: session, translations
    db.session.commit()  # both measures start from an empty identity map
    with QueryCounter() as few:
        client.get(url)
    _more_requests(db, catalog_world, 6)
    with QueryCounter() as many:
        page = client.get(url).get_data(as_text=True)
    assert page.count('data-testid="request-row"') == 8
    assert many.count == few.count


def test_the_sellers_request_list_costs_the_same_queries_for_more_requests(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("seller")
    client.get("/seller/price-requests")
    db.session.commit()  # both measures start from an empty identity map
    with QueryCounter() as few:
        client.get("/seller/price-requests")
    for _ in range(5):
        listing = factories.make_listing(w.ikm, w.product_type)
        factories.make_price_request(listing, price=99_000, requested_by=w.seller)
    db.session.commit()
    with QueryCounter() as many:
        page = client.get("/seller/price-requests").get_data(as_text=True)
    assert page.count('data-testid="request-row"') == 6
    assert many.count == few.count


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("set_price"), st.integers(min_value=1, max_value=300_000)),
        st.tuples(st.just("request"), st.integers(min_value=1, max_value=300_000)),
        st.tuples(st.sampled_from(["approve", "reject", "withdraw", "apply_due"]), st.just(0)),
        st.tuples(st.just("new_band"), st.integers(min_value=1, max_value=200_000)),
        st.tuples(st.just("new_fixed"), st.integers(min_value=1, max_value=200_000)),
    ),
    max_size=12,
)


def _market_of_one_listing(category):
    """A sentra of its own with one IKM, its seller, a coordinator, a band and one active listing inside it.

    Every operation commits, so each example of the property gets fresh rows instead of a rollback.
    """
    sentra = factories.make_sentra()
    ikm = factories.make_ikm(sentra)
    product_type = factories.make_product_type(category)
    factories.make_schedule(sentra, product_type, floor=50_000, reference=85_000, ceiling=150_000)
    market = SimpleNamespace(
        sentra=sentra,
        product_type=product_type,
        seller=factories.make_user("seller", organization=ikm),
        coordinator=factories.make_user("coordinator", sentra=sentra),
        listing=factories.make_listing(ikm, product_type),
    )
    db.session.commit()
    return market


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_buyers_only_ever_see_prices_the_coordinator_allowed(db, catalog_world, operations):
    """Property: whatever sellers and coordinators do, in any order, a listing buyers can see sells inside the band
    in force, at the reference in fixed mode, or at a price the coordinator approved under the schedule in force."""
    from marketplace.catalog import services as catalog
    from marketplace.catalog.models import Listing
    from marketplace.core.errors import DomainError

    m = _market_of_one_listing(catalog_world.category)
    listing = m.listing
    for name, value in operations:
        try:
            if name == "set_price":
                data = {f: getattr(listing, f) for f in catalog.EDITABLE_FIELDS}
                catalog.update_listing(m.seller, listing, catalog.ListingDetails(**{**data, "price_idr": value}))
            elif name == "request":
                services.request_price_change(m.seller, listing, value, "Alasan uji")
            elif name in ("approve", "reject", "withdraw"):
                pending = services.pending_request_for(listing)
                if pending is None:
                    continue
                if name == "withdraw":
                    services.withdraw_price_request(m.seller, pending)
                else:
                    services.decide_price_request(m.coordinator, pending, name, "Keputusan uji")
            elif name == "apply_due":
                services.apply_due()
            else:
                factories.make_schedule(
                    m.sentra,
                    m.product_type,
                    reference=value,
                    floor=max(1, value // 2),
                    ceiling=value * 2,
                    mode="band" if name == "new_band" else "fixed",
                    days_ago=0,  # today: of two schedules on the same day the newest wins
                )
                db.session.commit()
        except DomainError:
            pass  # refused: the operation rolled back whole
        visible = db.session.scalars(catalog.public_listings().where(Listing.id == listing.id)).all()
        schedule = services.schedule_in_force(m.sentra.id, m.product_type.id)
        if visible:
            assert services.price_allowed(listing, schedule)
            if schedule.mode == "band" and not schedule.allows(listing.price_idr):
                approved = PriceChangeRequest.query.filter_by(
                    listing_id=listing.id, status="approved", price_idr=listing.price_idr
                ).count()
                assert listing.price_exception_schedule_id == schedule.id and approved
