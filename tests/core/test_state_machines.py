"""One state-machine helper: every action a page offers succeeds, nothing else does, and statuses move only by it."""

import itertools
from dataclasses import FrozenInstanceError
from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from marketplace.accounts.models import ORGANIZATION_STATES, OrganizationStatus
from marketplace.accounts.services import decide_organization
from marketplace.catalog.models import LISTING_STATES, Listing, ListingStatus
from marketplace.catalog.services import moderate_listing, seller_action
from marketplace.core.errors import DomainError, InvalidTransition
from marketplace.core.states import StateMachine, Status, action
from marketplace.extensions import db
from marketplace.pricing.models import PRICE_REQUEST_STATES, RequestStatus
from marketplace.pricing.services import decide_price_request, withdraw_price_request
from tests import factories

ROLES = ("buyer", "seller", "coordinator", "admin")
REASON = "Alasan yang cukup jelas"


def _user_of(world, role):
    return {"buyer": world.buyer, "seller": world.seller, "coordinator": world.coordinator, "admin": world.admin}[role]


def _walk(machine):
    """(status, role, action, offered?) for every cell of the machine."""
    for status, role, act in itertools.product(machine.statuses, ROLES, machine.actions):
        yield status, role, act, act in machine.actions_for(status, role)


def _expect(obj, act, offered, run):
    before = obj.status
    if offered:
        run()
        assert obj.status == act.target
        db.session.refresh(obj)
        assert obj.status == act.target  # stored, not only on the object
    else:
        with pytest.raises(DomainError):
            run()
        db.session.refresh(obj)
        assert obj.status == before


@pytest.mark.parametrize(("status", "role", "act", "offered"), list(_walk(ORGANIZATION_STATES)), ids=str)
def test_organization_actions_offered_succeed_and_others_are_refused(world, status, role, act, offered):
    org = factories.make_ikm(world.jombang, status=status)
    db.session.commit()
    _expect(org, act, offered, lambda: decide_organization(_user_of(world, role), org, act.name, REASON))


def _listing_in(world, status):
    listing = factories.make_listing(world.ikm, world.product_type, status=status)
    db.session.commit()
    return listing


def _run_listing_action(user, listing, act):
    if "seller" in act.roles:
        return seller_action(user, listing, act.name)
    return moderate_listing(user, listing, act.name, REASON)


@pytest.mark.parametrize(("status", "role", "act", "offered"), list(_walk(LISTING_STATES)), ids=str)
def test_listing_actions_offered_succeed_and_others_are_refused(catalog_world, status, role, act, offered):
    listing = _listing_in(catalog_world, status)
    user = _user_of(catalog_world, role)
    _expect(listing, act, offered, lambda: _run_listing_action(user, listing, act))


@pytest.mark.parametrize(("status", "role", "act", "offered"), list(_walk(PRICE_REQUEST_STATES)), ids=str)
def test_price_request_actions_offered_succeed_and_others_are_refused(catalog_world, status, role, act, offered):
    listing = _listing_in(catalog_world, ListingStatus.ACTIVE)
    change = factories.make_price_request(listing, status=status, requested_by=catalog_world.seller)
    db.session.commit()
    user = _user_of(catalog_world, role)
    if act.name == "withdraw":
        run = lambda: withdraw_price_request(user, change)  # noqa: E731
    else:
        run = lambda: decide_price_request(user, change, act.name, REASON)  # noqa: E731
    _expect(change, act, offered, run)


def test_the_pages_offer_what_the_machines_offer(client, catalog_world, login_as):
    """The buttons come from the machine: a paused listing offers the coordinator Suspend, and it works."""
    paused = _listing_in(catalog_world, ListingStatus.PAUSED)
    login_as("coordinator")
    page = client.get(f"/coordinator/listings/{paused.id}").get_data(as_text=True)
    assert 'value="suspend"' in page and 'value="approve"' not in page
    response = client.post(
        f"/coordinator/listings/{paused.id}",
        data={"decision": "suspend", "reason": REASON, "version": paused.version},
        follow_redirects=True,
    )
    assert "-&gt;" not in response.get_data(as_text=True)  # no untranslated "paused -> suspended"
    db.session.refresh(paused)
    assert paused.status == ListingStatus.SUSPENDED


def test_the_moderation_tabs_show_paused_and_price_suspended_listings(client, catalog_world, login_as):
    paused = _listing_in(catalog_world, ListingStatus.PAUSED)
    priced_out = _listing_in(catalog_world, ListingStatus.PRICE_SUSPENDED)
    login_as("coordinator")
    paused_tab = client.get("/coordinator/listings?status=paused").get_data(as_text=True)
    assert f"/coordinator/listings/{paused.id}" in paused_tab
    assert f"/coordinator/listings/{catalog_world.pending_listing.id}" not in paused_tab
    price_tab = client.get("/coordinator/listings?status=price_suspended").get_data(as_text=True)
    assert f"/coordinator/listings/{priced_out.id}" in price_tab


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda w: w.ikm, OrganizationStatus.SUSPENDED),
        (lambda w: w.active_listing, ListingStatus.ARCHIVED),
        (lambda w: w.price_request, RequestStatus.APPROVED),
    ],
)
def test_assigning_a_status_directly_raises(catalog_world, make, status):
    obj = make(catalog_world)
    with pytest.raises(AttributeError, match="state machine"):
        obj.status = status


def test_a_move_is_conditional_on_the_status_read(catalog_world):
    """Of two people acting on the same old page, the second is refused (the row moved meanwhile)."""
    listing = catalog_world.active_listing
    stale = listing.status
    seller_action(catalog_world.seller, listing, "pause")
    db.session.expire_all()
    listing = db.session.get(type(listing), listing.id)
    # Pretend this copy was read before the pause.
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(listing, "status", stale)
    with pytest.raises(InvalidTransition):
        LISTING_STATES.move(listing, ListingStatus.PAUSED, catalog_world.seller)


def test_each_move_writes_one_history_row(catalog_world):
    from sqlalchemy import func, select

    from marketplace.catalog.models import ListingEvent

    listing = catalog_world.active_listing
    count = lambda: db.session.scalar(select(func.count(ListingEvent.id)).where(ListingEvent.listing_id == listing.id))  # noqa: E731
    before = count()
    seller_action(catalog_world.seller, listing, "pause")
    seller_action(catalog_world.seller, listing, "resume")
    assert count() == before + 2


def test_a_machine_refuses_moves_to_statuses_it_does_not_know():
    from marketplace.core.models import AuditEntry

    with pytest.raises(ValueError, match="unknown statuses"):
        StateMachine(
            kind="broken",
            model=AuditEntry,
            statuses={"a": Status("A")},
            actions=(action("go", "Go", ["a"], "b", ("admin",)),),
        )


def test_refusals_speak_the_users_language(catalog_world):
    from flask_babel import force_locale

    with pytest.raises(InvalidTransition) as refused:
        seller_action(catalog_world.seller, catalog_world.draft_listing, "resume")
    with force_locale("id"):
        assert "->" not in str(refused.value.message)
        assert str(refused.value.message) != "That does not fit the current status any more: look at it again."


# --- the table is fixed, and only signed-in people are offered actions ----------------------------------------


def test_a_machines_statuses_cannot_be_changed_once_built():
    active = LISTING_STATES.statuses[ListingStatus.ACTIVE]
    with pytest.raises(FrozenInstanceError):
        active.badge = "primary"
    assert active.badge == "success"


def test_a_machines_actions_cannot_be_changed_once_built():
    approve = LISTING_STATES.action("approve")
    with pytest.raises(FrozenInstanceError):
        approve.target = ListingStatus.ARCHIVED
    assert approve.target == ListingStatus.ACTIVE


def test_a_signed_in_coordinator_is_offered_the_actions_of_a_listing_waiting_for_review(catalog_world):
    offered = LISTING_STATES.available_actions(catalog_world.pending_listing, catalog_world.coordinator)
    assert {act.name for act in offered} == {
        act.name for act in LISTING_STATES.actions_for(ListingStatus.PENDING_REVIEW, "coordinator")
    }
    assert "approve" in {act.name for act in offered}


def test_an_anonymous_visitor_is_offered_no_actions(catalog_world):
    assert LISTING_STATES.available_actions(catalog_world.pending_listing, AnonymousUserMixin()) == []
    assert LISTING_STATES.available_actions(catalog_world.pending_listing, None) == []


def test_a_user_object_that_does_not_say_it_is_authenticated_is_offered_no_actions(catalog_world):
    unknown = SimpleNamespace(role="coordinator")  # has a role, but no is_authenticated
    assert LISTING_STATES.available_actions(catalog_world.pending_listing, unknown) == []


# --- a move bumps the version, and assignment is refused -------------------------------------------------------


def _version_in_database(listing):
    return db.session.execute(select(Listing.version).where(Listing.id == listing.id)).scalar_one()


def test_a_move_bumps_the_version_by_exactly_one(catalog_world):
    listing = catalog_world.pending_listing
    before = _version_in_database(listing)
    LISTING_STATES.move(listing, ListingStatus.ACTIVE, catalog_world.coordinator)
    assert listing.version == before + 1
    db.session.expire_all()
    assert _version_in_database(listing) == before + 1


def test_two_moves_bump_the_version_twice(catalog_world):
    listing = catalog_world.active_listing
    before = _version_in_database(listing)
    LISTING_STATES.move(listing, ListingStatus.PAUSED, catalog_world.seller)
    LISTING_STATES.move(listing, ListingStatus.ACTIVE, catalog_world.seller)
    db.session.expire_all()
    assert _version_in_database(listing) == before + 2


def test_a_move_leaves_other_loaded_objects_of_the_same_kind_untouched(catalog_world):
    listing, other = catalog_world.pending_listing, catalog_world.active_listing
    other_status, other_version = other.status, other.version
    LISTING_STATES.move(listing, ListingStatus.ACTIVE, catalog_world.coordinator)
    assert listing.status == ListingStatus.ACTIVE
    assert (other.status, other.version) == (other_status, other_version)
    assert not db.session.dirty
    db.session.expire_all()
    assert (other.status, other.version) == (other_status, other_version)


def test_assigning_a_status_directly_raises_and_the_status_stays(catalog_world):
    listing = catalog_world.active_listing
    with pytest.raises(AttributeError, match="state machine"):
        listing.status = ListingStatus.ARCHIVED
    assert listing.status == ListingStatus.ACTIVE
    assert not db.session.dirty
    db.session.expire_all()
    assert listing.status == ListingStatus.ACTIVE


def test_a_new_object_may_be_given_any_status_before_it_is_saved():
    fresh = Listing(title="Belum disimpan", status=ListingStatus.DRAFT)
    fresh.status = ListingStatus.PENDING_REVIEW
    assert fresh.status == ListingStatus.PENDING_REVIEW
