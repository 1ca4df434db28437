"""Operations of set pricing: publish schedules, find the one in force, and price a quantity."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Organization, OrganizationKind, OrganizationStatus
from marketplace.accounts.services import (
    coordinator_may_manage,
    decide_organization,
    mail_coordinators,
    mail_organization,
)
from marketplace.catalog.models import LISTING_STATES, Listing, ListingStatus
from marketplace.catalog.services import is_own_listing, require_seller_may_sell
from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError
from marketplace.core.money import round_idr
from marketplace.core.notes import register_notes, system_note
from marketplace.core.outbox import external_url
from marketplace.core.reasons import long_enough, require_reason
from marketplace.core.roles import Role
from marketplace.core.submissions import claim_submission, record_submission
from marketplace.core.timeutil import WIB, utcnow
from marketplace.core.transaction import operation
from marketplace.extensions import db
from marketplace.pricing.models import (
    PRICE_REQUEST_STATES,
    OutOfBandAttempt,
    PriceChangeRequest,
    PriceMode,
    PriceSchedule,
    PriceTier,
    RequestStatus,
    Sanction,
    SanctionKind,
)
from marketplace.pricing.order_figures import order_figures

# What pricing writes on a listing's history when it moves it: stored as keys (with the band's numbers), shown in the
# reader's language (core/notes.py).
PRICE_NOTES = {
    "pricing.price_outside_band": _l("price outside the band %(floor_idr)s – %(ceiling_idr)s"),
    "pricing.price_approved": _l("price approved by the coordinator"),
}
register_notes(PRICE_NOTES)


class InvalidSchedule(DomainError):
    field = "reference_idr"


def today_wib(moment=None):
    """The calendar day in Jombang: schedules take effect at midnight WIB."""
    return (moment or utcnow()).astimezone(WIB).date()


def schedule_in_force(sentra_id, product_type_id, moment=None):
    """The latest schedule whose date has come, or None."""
    return db.session.scalar(
        select(PriceSchedule)
        .where(
            PriceSchedule.sentra_id == sentra_id,
            PriceSchedule.product_type_id == product_type_id,
            PriceSchedule.effective_from <= today_wib(moment),
        )
        .options(selectinload(PriceSchedule.tiers))
        .order_by(PriceSchedule.effective_from.desc(), PriceSchedule.id.desc())
        .limit(1)
    )


def schedules_of_sentra(sentra_id):
    """Every schedule of a sentra, oldest first, with its tiers: two queries whatever their number."""
    return db.session.scalars(
        select(PriceSchedule)
        .where(PriceSchedule.sentra_id == sentra_id)
        .options(selectinload(PriceSchedule.tiers), selectinload(PriceSchedule.product_type))
        .order_by(PriceSchedule.effective_from, PriceSchedule.id)
    ).all()


def in_force_by_product_type(schedules, moment=None):
    """From a sentra's schedules (oldest first): product type id -> the one in force."""
    today = today_wib(moment)
    in_force = {}
    for schedule in schedules:
        if schedule.effective_from <= today:
            in_force[schedule.product_type_id] = schedule
    return in_force


def check_tiers(tiers):
    """Tiers as (min_qty, discount_pct): quantities and discounts both strictly increasing, discounts in (0, 100)."""
    previous_qty = previous_pct = Decimal("0")
    for min_qty, pct in tiers:
        if min_qty <= previous_qty:
            raise InvalidSchedule(_l("Tier quantities must increase from one line to the next."))
        if not (Decimal("0") < pct < Decimal("100")):
            raise InvalidSchedule(_l("A discount is more than 0 % and less than 100 %."))
        if pct <= previous_pct:
            raise InvalidSchedule(_l("A larger quantity must get a larger discount."))
        previous_qty, previous_pct = min_qty, pct


@dataclass(frozen=True, kw_only=True)
class ScheduleDetails:
    """A new schedule as the coordinator sets it; its volume tiers are passed beside it as (min_qty, discount_pct)."""

    mode: str
    reference_idr: int
    materials_idr: int
    labour_idr: int
    energy_idr: int
    margin_idr: int
    effective_from: date
    review_on: date
    reason: str
    floor_idr: int | None = None
    ceiling_idr: int | None = None
    cost_note: str | None = None


def check_schedule(coordinator, data: ScheduleDetails, tiers, moment=None):
    """The rules a new schedule must meet, before it is previewed or published: returns (floor, ceiling)."""
    if coordinator.role != Role.COORDINATOR:
        raise InvalidSchedule(_l("Only a coordinator of the sentra sets its prices."))
    mode = data.mode
    if mode not in PriceMode.ALL:
        raise InvalidSchedule(_l("Choose fixed price or price band."))
    reference = data.reference_idr
    floor, ceiling = (reference, reference) if mode == PriceMode.FIXED else (data.floor_idr, data.ceiling_idr)
    if floor is None or ceiling is None or not (0 < floor <= reference <= ceiling):
        raise InvalidSchedule(_l("The band must hold the reference price: floor ≤ reference ≤ ceiling."))
    if data.effective_from < today_wib(moment):
        raise InvalidSchedule(_l("A schedule takes effect today or later."), field="effective_from")
    if data.review_on < data.effective_from:
        raise InvalidSchedule(_l("The review date comes on or after the start date."), field="review_on")
    check_tiers(tiers)
    return floor, ceiling


# What a schedule in force does to a live listing (once any exception granted under an earlier schedule has ended).
REPRICE, SUSPEND, WAIT_FOR_PRICE = "reprice", "suspend", "wait_for_price"


def effect_on_listing(listing, mode, reference_idr, floor_idr, ceiling_idr):
    """The one rule apply_due applies and the coordinator's preview shows: a fixed price reprices a listing at another
    price; a band suspends an active listing outside it, and a paused one waits for a new price; else None."""
    if mode == PriceMode.FIXED:
        return REPRICE if listing.price_idr != reference_idr else None
    if floor_idr <= listing.price_idr <= ceiling_idr:
        return None
    return SUSPEND if listing.status == ListingStatus.ACTIVE else WAIT_FOR_PRICE


@dataclass
class ScheduleImpact:
    """What a new schedule would do to the live listings of its product type in the sentra, once in force."""

    repriced: list = field(default_factory=list)  # fixed mode: listings whose price becomes the reference
    suspended: list = field(default_factory=list)  # band mode: active listings outside it, hidden until repriced
    paused_outside: list = field(default_factory=list)  # band mode: paused ones, repriced when resumed

    @property
    def touched(self):
        return len(self.repriced) + len(self.suspended) + len(self.paused_outside)


def schedule_impact(coordinator, product_type, data: ScheduleDetails, tiers, moment=None):
    """The preview the coordinator confirms before publishing: which live listings the new prices would reprice or
    hide (apply_due's rules; exceptions approved under the schedule in force end with it). Writes nothing."""
    floor, ceiling = check_schedule(coordinator, data, tiers, moment)
    live = db.session.scalars(
        select(Listing)
        .join(Organization, Organization.id == Listing.organization_id)
        .where(
            Organization.sentra_id == coordinator.sentra_id,
            Listing.product_type_id == product_type.id,
            Listing.status.in_((ListingStatus.ACTIVE, ListingStatus.PAUSED)),
        )
        .options(selectinload(Listing.organization))
        .order_by(Listing.price_idr, Listing.id)
    ).all()
    impact = ScheduleImpact()
    lists = {REPRICE: impact.repriced, SUSPEND: impact.suspended, WAIT_FOR_PRICE: impact.paused_outside}
    for listing in live:
        effect = effect_on_listing(listing, data.mode, data.reference_idr, floor, ceiling)
        if effect is not None:
            lists[effect].append(listing)
    return impact


@operation
def publish_schedule(coordinator, product_type, data: ScheduleDetails, tiers, moment=None, submission_token=None):
    """A new schedule for the coordinator's own sentra; schedules are never edited."""
    claim = claim_submission(coordinator, submission_token) if submission_token is not None else None
    floor, ceiling = check_schedule(coordinator, data, tiers, moment)
    mode, reference = data.mode, data.reference_idr
    reason = require_reason(data.reason)
    schedule = PriceSchedule(
        sentra_id=coordinator.sentra_id,
        product_type_id=product_type.id,
        mode=mode,
        reference_idr=reference,
        floor_idr=floor,
        ceiling_idr=ceiling,
        materials_idr=data.materials_idr,
        labour_idr=data.labour_idr,
        energy_idr=data.energy_idr,
        margin_idr=data.margin_idr,
        cost_note=data.cost_note or "",
        effective_from=data.effective_from,
        review_on=data.review_on,
        reason=reason,
        set_by_id=coordinator.id,
        tiers=[PriceTier(min_qty=q, discount_pct=p) for q, p in tiers],
    )
    db.session.add(schedule)
    db.session.flush()
    record_audit(
        coordinator,
        "price_schedule.published",
        schedule,
        after={
            "product_type_id": product_type.id,
            "mode": mode,
            "reference_idr": reference,
            "floor_idr": floor,
            "ceiling_idr": ceiling,
            "effective_from": schedule.effective_from.isoformat(),
            "tiers": [[str(q), str(p)] for q, p in tiers],
        },
        note=reason,
    )
    record_submission(claim, schedule)
    return schedule


def discounted(price_idr, discount_pct):
    """price × (100 − discount) / 100, rounded half up to the whole Rupiah."""
    value = Decimal(price_idr) * (Decimal("100") - Decimal(discount_pct)) / Decimal("100")
    return round_idr(value)


def tier_for(schedule, quantity):
    """The tier a quantity reaches (the one with the largest threshold it meets), or None."""
    reached = [t for t in schedule.tiers if Decimal(quantity) >= t.min_qty]
    return max(reached, key=lambda t: t.min_qty) if reached else None


def unit_price_idr(listing_price_idr, schedule, quantity, exception=False):
    """The unit price charged for a quantity: the listing's price (the reference in fixed mode, unless the
    coordinator approved the listing's price as an exception), tier applied."""
    base = schedule.reference_idr if schedule.mode == PriceMode.FIXED and not exception else listing_price_idr
    tier = tier_for(schedule, quantity)
    return discounted(base, tier.discount_pct) if tier else base


def sentra_unit_price_idr(schedule, quantity):
    """What a unit costs in a sentra order: the reference price with the tier the whole quantity reaches, the same for
    every IKM of the split, so that price plays no part in who gets the work."""
    tier = tier_for(schedule, quantity)
    return discounted(schedule.reference_idr, tier.discount_pct) if tier else schedule.reference_idr


def exception_holds(listing, schedule):
    """The coordinator approved this listing's price under the schedule in force: it holds until the next one."""
    return schedule is not None and listing.price_exception_schedule_id == schedule.id


def price_allowed(listing, schedule):
    """May the listing sell at its price under this schedule (None: nothing may sell)?"""
    if schedule is None:
        return False
    return schedule.mode == PriceMode.FIXED or schedule.allows(listing.price_idr) or exception_holds(listing, schedule)


def unit_price_for(listing, quantity, moment=None):
    """The single answer to "what does this cost per unit": for (listing, quantity, moment)."""
    schedule = schedule_in_force(listing.organization.sentra_id, listing.product_type_id, moment)
    if schedule is None:
        return listing.price_idr
    return unit_price_idr(listing.price_idr, schedule, quantity, exception=exception_holds(listing, schedule))


def unit_prices_for(items, moment=None):
    """`unit_price_for` for many (listing, quantity) pairs at once, in one query: {listing.id: (schedule, unit price
    or None when the listing may not sell at its price)}. The same rule, for carts and checkouts."""
    in_force = schedules_in_force(
        moment, pairs={(listing.organization.sentra_id, listing.product_type_id) for listing, _ in items}
    )
    prices = {}
    for listing, quantity in items:
        schedule = in_force.get((listing.organization.sentra_id, listing.product_type_id))
        allowed = price_allowed(listing, schedule)
        price = (
            unit_price_idr(listing.price_idr, schedule, quantity, exception=exception_holds(listing, schedule))
            if allowed
            else None
        )
        prices[listing.id] = (schedule, price)
    return prices


def parse_tiers(text):
    """'100: 2.5' per line -> [(Decimal('100'), Decimal('2.5'))]; raise InvalidSchedule with the line that is wrong."""
    tiers = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        qty_text, sep, pct_text = line.partition(":")
        try:
            if not sep:
                raise ValueError
            qty = Decimal(qty_text.strip().replace(",", "."))
            pct = Decimal(pct_text.strip().rstrip("%").strip().replace(",", "."))
            if not (qty.is_finite() and pct.is_finite()):
                raise ValueError
            if qty.as_tuple().exponent < -3 or pct.as_tuple().exponent < -2:
                raise ValueError
            if qty > Decimal("999999999.999"):
                raise ValueError
        except (ValueError, ArithmeticError) as exc:
            raise InvalidSchedule(_l("Line %(n)d: write a quantity and a discount like 100: 2.5", n=number)) from exc
        tiers.append((qty, pct))
    if len(tiers) > 10:
        raise InvalidSchedule(_l("At most 10 tiers."))
    check_tiers(tiers)
    return tiers


def is_future(schedule, moment=None):
    return schedule.effective_from > today_wib(moment)


def schedules_in_force(moment=None, pairs=None):
    """The schedules in force today, {(sentra_id, product_type_id): schedule}: across sentras, or only for `pairs`
    of (sentra_id, product_type_id). One query either way."""
    query = select(PriceSchedule).where(PriceSchedule.effective_from <= today_wib(moment))
    if pairs is not None:
        pairs = set(pairs)
        if not pairs:
            return {}
        query = query.where(
            PriceSchedule.sentra_id.in_({sentra_id for sentra_id, _ in pairs}),
            PriceSchedule.product_type_id.in_({product_type_id for _, product_type_id in pairs}),
        )
    rows = db.session.scalars(query.order_by(PriceSchedule.effective_from, PriceSchedule.id)).all()
    in_force = {(s.sentra_id, s.product_type_id): s for s in rows}
    return in_force if pairs is None else {pair: s for pair, s in in_force.items() if pair in pairs}


@operation
def apply_due(moment=None):
    """Bring live listings in line with the schedules in force: fixed prices follow the reference, prices out of
    the band are suspended for pricing and their IKMs emailed. Idempotent; returns (repriced, suspended)."""

    in_force = schedules_in_force(moment)
    if not in_force:
        return 0, 0
    live = db.session.execute(
        select(Listing, Organization.sentra_id)
        .join(Organization, Organization.id == Listing.organization_id)
        .where(Listing.status.in_((ListingStatus.ACTIVE, ListingStatus.PAUSED)))
        .order_by(Listing.id)
    ).all()
    repriced = suspended = 0
    for listing, sentra_id in live:
        schedule = in_force.get((sentra_id, listing.product_type_id))
        if schedule is None or exception_holds(listing, schedule):
            continue
        if listing.price_exception_schedule_id is not None:
            # The schedule the exception was granted under is no longer in force: the exception ends.
            record_audit(None, "listing.price_exception_ended", listing, before={"price_idr": listing.price_idr})
            listing.price_exception_schedule_id = None
        effect = effect_on_listing(
            listing, schedule.mode, schedule.reference_idr, schedule.floor_idr, schedule.ceiling_idr
        )
        if effect == REPRICE:
            record_audit(
                None,
                "listing.price_follows_reference",
                listing,
                before={"price_idr": listing.price_idr},
                after={"price_idr": schedule.reference_idr},
            )
            listing.price_idr = schedule.reference_idr
            repriced += 1
        if effect != SUSPEND:
            continue  # inside the band, or paused: a paused listing meets the band when it is resumed
        note = system_note("pricing.price_outside_band", floor_idr=schedule.floor_idr, ceiling_idr=schedule.ceiling_idr)
        LISTING_STATES.move(listing, ListingStatus.PRICE_SUSPENDED, None, note=note)
        suspended += 1
        mail_organization(
            listing.organization,
            _l("Set a new price for %(title)s", title=listing.title),
            "listing_price_suspended",
            listing=listing,
            schedule=schedule,
            link=external_url("catalog.edit_listing", listing_id=listing.id),
        )
    db.session.flush()
    return repriced, suspended


# --- out-of-band attempts ---------------------------------------------------------------------------


@operation
def record_out_of_band_attempt(user, schedule, price_idr, product_type_id, listing=None):
    """Count a listing price the band refused (the monitor shows them per IKM). Its own transaction's only write."""

    attempt = OutOfBandAttempt(
        organization_id=user.organization_id,
        sentra_id=schedule.sentra_id,
        product_type_id=product_type_id,
        listing_id=listing.id if listing is not None else None,
        user_id=user.id,
        schedule_id=schedule.id,
        price_idr=price_idr,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


# --- price-change requests --------------------------------------------------------------------------


class RequestRefused(DomainError):
    pass


def _tell_coordinators_of_request(change):

    mail_coordinators(
        change.sentra_id,
        _l("A price-change request is waiting: %(title)s", title=change.listing.title),
        "price_request_waiting",
        change=change,
        link=external_url("pricing.coordinator_request", request_id=change.id),
    )


@operation
def request_price_change(seller, listing, price_idr, reason, submission_token=None):
    """An IKM asks for another price for one of its listings; at most one request per listing waits at a time."""
    claim = claim_submission(seller, submission_token) if submission_token is not None else None
    if not is_own_listing(seller, listing):
        raise RequestRefused(_l("This listing is not one of your IKM's."))
    require_seller_may_sell(seller)
    if listing.status == ListingStatus.ARCHIVED:
        raise RequestRefused(_l("An archived listing cannot be changed."))
    schedule = schedule_in_force(listing.organization.sentra_id, listing.product_type_id)
    if schedule is None:
        raise RequestRefused(
            _l("The sentra has no reference price for this product type yet: it cannot be sold until it has one.")
        )
    if price_idr == listing.price_idr:
        raise RequestRefused(_l("That is already the listing's price."))
    reason = require_reason(reason)
    if pending_request_for(listing) is not None:
        raise RequestRefused(_l("A request for this listing is already waiting for the coordinator."))
    change = PriceChangeRequest(
        listing=listing,
        organization_id=listing.organization_id,
        sentra_id=listing.organization.sentra_id,
        requested_by_id=seller.id,
        current_price_idr=listing.price_idr,
        schedule_id=schedule.id,
        price_idr=price_idr,
        reason=reason,
    )
    db.session.add(change)
    try:
        # Two submits at once: the database's partial unique index lets only one pending request in.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise RequestRefused(_l("A request for this listing is already waiting for the coordinator.")) from error
    record_audit(
        seller,
        "price_request.created",
        change,
        after={"listing_id": listing.id, "price_idr": price_idr, "current_price_idr": listing.price_idr},
        note=reason,
    )
    _tell_coordinators_of_request(change)
    record_submission(claim, change)
    return change


def waiting_request_count(organization_id):
    return db.session.scalar(
        select(func.count(PriceChangeRequest.id)).where(
            PriceChangeRequest.organization_id == organization_id, PriceChangeRequest.status == RequestStatus.PENDING
        )
    )


def pending_request_for(listing):

    return db.session.scalar(
        select(PriceChangeRequest).where(
            PriceChangeRequest.listing_id == listing.id, PriceChangeRequest.status == RequestStatus.PENDING
        )
    )


def _close_request(change, status, actor, note=None, action_name=None):
    """Move a pending request on, conditionally on its still being pending: of two deciders only one wins."""
    decided = status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    extra = {"decided_by_id": actor.id, "decided_at": utcnow()} if decided else {}
    PRICE_REQUEST_STATES.move(change, status, actor, note=note, action_name=action_name, extra_values=extra)


@operation
def withdraw_price_request(seller, change):
    """The IKM takes back its own pending request."""

    if not (seller.role == Role.SELLER and change.organization_id == seller.organization_id):
        raise RequestRefused(_l("This request is not your IKM's."))
    if change.status != RequestStatus.PENDING:
        raise RequestRefused(_l("Only a waiting request can be withdrawn."))
    _close_request(change, RequestStatus.WITHDRAWN, seller, action_name="withdraw")


@operation
def decide_price_request(coordinator, change, decision, note=None):
    """A coordinator of the IKM's sentra approves (the price becomes the listing's, as an exception to the band
    until the next schedule) or rejects with a reason. The IKM is emailed."""

    if not (coordinator.role == Role.COORDINATOR and change.sentra_id == coordinator.sentra_id):
        raise RequestRefused(_l("This request is not in your sentra."))
    if decision not in ("approve", "reject"):
        raise RequestRefused(_l("Unknown decision."))
    note = (note or "").strip() or None
    if change.status != RequestStatus.PENDING:
        raise RequestRefused(_l("This request has already been decided or withdrawn."))
    listing = change.listing
    if decision == "reject":
        note = require_reason(note)
        _close_request(change, RequestStatus.REJECTED, coordinator, note)
    else:
        if listing.status == ListingStatus.ARCHIVED:
            raise RequestRefused(_l("The IKM archived this listing: the request can only be rejected."))
        schedule = schedule_in_force(change.sentra_id, listing.product_type_id)
        if schedule is None:
            raise RequestRefused(_l("There is no reference price in force for this product type."))
        _close_request(change, RequestStatus.APPROVED, coordinator, note)
        in_band = schedule.mode == PriceMode.BAND and schedule.allows(change.price_idr)
        before = {"price_idr": listing.price_idr, "price_exception_schedule_id": listing.price_exception_schedule_id}
        listing.price_idr = change.price_idr
        # Inside a band the price needs no exception; otherwise it holds while this schedule is in force.
        listing.price_exception_schedule_id = None if in_band else schedule.id
        record_audit(
            coordinator,
            "listing.price_approved",
            listing,
            before=before,
            after={"price_idr": listing.price_idr, "price_exception_schedule_id": listing.price_exception_schedule_id},
            note=note,
        )
        if listing.status == ListingStatus.PRICE_SUSPENDED:
            LISTING_STATES.move(listing, ListingStatus.ACTIVE, coordinator, note=system_note("pricing.price_approved"))
    mail_organization(
        change.organization,
        _l("Your price request was approved: %(title)s", title=listing.title)
        if decision == "approve"
        else _l("Your price request was not approved: %(title)s", title=listing.title),
        "price_request_decision",
        change=change,
        decision=decision,
        link=external_url("catalog.edit_listing", listing_id=listing.id),
    )
    db.session.flush()


def price_requests_of_sentra(sentra_id, status, page, per_page=20):
    """One page of a sentra's requests in a status, oldest first for pending (first come, first decided)."""

    order = PriceChangeRequest.created_at.asc() if status == RequestStatus.PENDING else PriceChangeRequest.id.desc()
    query = (
        select(PriceChangeRequest)
        .where(PriceChangeRequest.sentra_id == sentra_id, PriceChangeRequest.status == status)
        .options(
            selectinload(PriceChangeRequest.listing).selectinload(Listing.product_type),
            selectinload(PriceChangeRequest.organization),
            selectinload(PriceChangeRequest.schedule),
        )
        .order_by(order, PriceChangeRequest.id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def request_counts(sentra_id):

    return dict(
        db.session.execute(
            select(PriceChangeRequest.status, db.func.count())
            .where(PriceChangeRequest.sentra_id == sentra_id)
            .group_by(PriceChangeRequest.status)
        ).all()
    )


def requests_of_listing(listing):

    return db.session.scalars(
        select(PriceChangeRequest)
        .where(PriceChangeRequest.listing_id == listing.id)
        .options(selectinload(PriceChangeRequest.decided_by))
        .order_by(PriceChangeRequest.id.desc())
        .limit(20)
    ).all()


# --- sanctions --------------------------------------------------------------------------------------

WARNINGS_BEFORE_SUSPENSION = 2
SANCTION_MEMORY_DAYS = 365  # "two warnings in 12 months"


class SanctionRefused(DomainError):
    pass


def recent_warnings(organization, moment=None):
    """How many written warnings the IKM got in the last 12 months."""
    now = moment or utcnow()
    since = now - timedelta(days=SANCTION_MEMORY_DAYS)
    return db.session.scalar(
        select(func.count(Sanction.id)).where(
            Sanction.organization_id == organization.id,
            Sanction.kind == SanctionKind.WARNING,
            Sanction.created_at.between(since, now),
        )
    )


def suspension_needs_override(organization, moment=None):
    return recent_warnings(organization, moment) < WARNINGS_BEFORE_SUSPENSION


@operation
def give_sanction(
    coordinator,
    organization,
    kind,
    reason,
    override_reason=None,
    product_type=None,
    moment=None,
    submission_token=None,
):
    """A written warning, or a suspension that hides every listing of the IKM until it is lifted. Graded: a
    suspension needs two warnings in the last 12 months, or an override with its own reason."""

    claim = claim_submission(coordinator, submission_token) if submission_token is not None else None
    if not coordinator_may_manage(coordinator, organization):
        raise SanctionRefused(_l("This IKM is not in your sentra."))
    if kind not in SanctionKind.ALL:
        raise SanctionRefused(_l("Choose a warning or a suspension."))
    reason = require_reason(reason)
    override_reason = (override_reason or "").strip() or None
    if kind == SanctionKind.SUSPENSION:
        if organization.status != OrganizationStatus.APPROVED:
            raise SanctionRefused(_l("Only an approved IKM can be suspended."))
        if not suspension_needs_override(organization, moment):
            override_reason = None
        elif not long_enough(override_reason):
            raise SanctionRefused(
                _l(
                    "A suspension comes after two warnings in 12 months. To suspend now, confirm the override and "
                    "give its reason (at least 5 characters)."
                )
            )
    else:
        override_reason = None
    sanction = Sanction(
        sentra_id=coordinator.sentra_id,
        organization_id=organization.id,
        product_type_id=product_type.id if product_type is not None else None,
        kind=kind,
        reason=reason,
        override_reason=override_reason,
        given_by_id=coordinator.id,
        created_at=moment or utcnow(),
    )
    db.session.add(sanction)
    db.session.flush()
    record_audit(
        coordinator,
        f"sanction.{kind}",
        sanction,
        after={"organization_id": organization.id, "kind": kind, "override_reason": override_reason},
        note=reason,
    )
    if kind == SanctionKind.SUSPENSION:
        # The organization's own suspension: it hides every listing, mails the IKM and is lifted on the IKM's page.
        decide_organization(coordinator, organization, "suspend", reason)
    else:
        mail_organization(
            organization,
            _l("A written warning from the coordinator of %(sentra)s", sentra=organization.sentra.name),
            "sanction_warning",
            organization=organization,
            sanction=sanction,
            link=external_url("pricing.reference_prices", slug=organization.sentra.slug),
        )
    record_submission(claim, sanction)
    return sanction


def sanctions_of_organization(organization):
    return db.session.scalars(
        select(Sanction)
        .where(Sanction.organization_id == organization.id)
        .options(selectinload(Sanction.given_by), selectinload(Sanction.product_type))
        .order_by(Sanction.created_at.desc(), Sanction.id.desc())
    ).all()


# --- competition figures ----------------------------------------------------------------------------

PERIODS = (30, 90, 365)


def hhi(amounts):
    """Herfindahl–Hirschman index of the amounts' shares in percent: from 10000/n (even) to 10000 (one seller).
    None when there is nothing to share."""
    amounts = [Decimal(a) for a in amounts if a > 0]
    total = sum(amounts)
    if not total:
        return None
    return round_idr(sum((Decimal(100) * a / total) ** 2 for a in amounts))


@dataclass
class IkmFigures:
    organization_id: int
    name: str
    active_listings: int = 0
    lowest_idr: int | None = None
    highest_idr: int | None = None
    at_floor: int = 0
    capacity: Decimal = Decimal("0")
    capacity_share_pct: Decimal | None = None
    attempts: int = 0
    warnings: int = 0
    suspensions: int = 0
    # From the orders completed in the period (pricing/order_figures.py); the shares are None when nothing was sold.
    quantity_sold: Decimal = Decimal("0")
    revenue_idr: int = 0
    quantity_share_pct: Decimal | None = None
    revenue_share_pct: Decimal | None = None
    # From sentra orders placed in the period: what the fair allocator gave the IKM, and the shares it declined.
    sentra_quantity: Decimal = Decimal("0")
    sentra_share_pct: Decimal | None = None
    declines: int = 0


@dataclass
class Dispersion:
    count: int
    lowest_idr: int
    highest_idr: int
    mean_idr: int
    stdev_idr: int
    cv_pct: Decimal  # standard deviation over mean, in percent


@dataclass
class CompetitionFigures:
    product_type_id: int
    days: int
    since: object
    schedule: PriceSchedule | None
    ikms: list = field(default_factory=list)
    dispersion: Dispersion | None = None
    at_floor: int = 0
    capacity_hhi: int | None = None
    order_hhi: int | None = None  # of the revenue of completed orders; None when nothing was sold
    attempts: int = 0
    sanctions: list = field(default_factory=list)
    sentra_quantity: Decimal = Decimal("0")  # allocated by sentra orders in the period
    declines: int = 0


def _dispersion(prices):
    if not prices:
        return None
    count = len(prices)
    mean = Decimal(sum(prices)) / count
    variance = sum((Decimal(p) - mean) ** 2 for p in prices) / count
    stdev = variance.sqrt()
    whole = round_idr
    return Dispersion(
        count=count,
        lowest_idr=min(prices),
        highest_idr=max(prices),
        mean_idr=whole(mean),
        stdev_idr=whole(stdev),
        cv_pct=(Decimal(100) * stdev / mean).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
    )


def _share_pct(amount, total):
    """`amount` in percent of `total`, rounded half up to a tenth; None when there is nothing to share."""
    if not total:
        return None
    return (Decimal(100) * Decimal(amount) / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def competition_figures(sentra_id, product_type_id, days, moment=None):
    """The monitor for one product type of a sentra over the last `days` days, in a fixed number of queries."""

    now = moment or utcnow()
    since = now - timedelta(days=days)
    schedule = schedule_in_force(sentra_id, product_type_id, now)
    figures = CompetitionFigures(product_type_id=product_type_id, days=days, since=since, schedule=schedule)
    ikms = {}

    def ikm(org_id, name):
        return ikms.setdefault(org_id, IkmFigures(organization_id=org_id, name=name))

    listings = db.session.execute(
        select(Organization.id, Organization.name, Listing.price_idr, Listing.capacity_per_month)
        .join(Listing, Listing.organization_id == Organization.id)
        .where(
            Organization.sentra_id == sentra_id,
            Organization.kind == OrganizationKind.IKM,
            Organization.status == OrganizationStatus.APPROVED,
            Listing.product_type_id == product_type_id,
            Listing.status == ListingStatus.ACTIVE,
        )
    ).all()
    prices = []
    for org_id, name, price, capacity in listings:
        row = ikm(org_id, name)
        row.active_listings += 1
        row.capacity += capacity
        row.lowest_idr = price if row.lowest_idr is None else min(row.lowest_idr, price)
        row.highest_idr = price if row.highest_idr is None else max(row.highest_idr, price)
        if schedule is not None and schedule.mode == PriceMode.BAND and price == schedule.floor_idr:
            row.at_floor += 1
            figures.at_floor += 1
        prices.append(price)
    figures.dispersion = _dispersion(prices)

    attempts = db.session.execute(
        select(Organization.id, Organization.name, func.count(OutOfBandAttempt.id))
        .join(OutOfBandAttempt, OutOfBandAttempt.organization_id == Organization.id)
        .where(
            OutOfBandAttempt.sentra_id == sentra_id,
            OutOfBandAttempt.product_type_id == product_type_id,
            OutOfBandAttempt.created_at.between(since, now),
        )
        .group_by(Organization.id, Organization.name)
    ).all()
    for org_id, name, count in attempts:
        ikm(org_id, name).attempts = count
        figures.attempts += count

    figures.sanctions = db.session.scalars(
        select(Sanction)
        .where(
            Sanction.sentra_id == sentra_id,
            Sanction.created_at.between(since, now),
            # This product type's sanctions and the general ones, not those about another product.
            Sanction.product_type_id.is_(None) | (Sanction.product_type_id == product_type_id),
        )
        .options(selectinload(Sanction.organization), selectinload(Sanction.product_type))
        .order_by(Sanction.created_at.desc(), Sanction.id.desc())
    ).all()
    for sanction in figures.sanctions:
        row = ikm(sanction.organization_id, sanction.organization.name)
        if sanction.kind == SanctionKind.WARNING:
            row.warnings += 1
        else:
            row.suspensions += 1

    # An IKM that sold in the period has a row even without an active listing today.
    for sales in order_figures().completed_sales(sentra_id, product_type_id, since, now):
        row = ikm(sales.organization_id, sales.name)
        row.quantity_sold = sales.quantity
        row.revenue_idr = sales.revenue_idr

    for shares in order_figures().sentra_order_shares(sentra_id, product_type_id, since, now):
        row = ikm(shares.organization_id, shares.name)
        row.sentra_quantity = shares.quantity
        row.declines = shares.declines
        figures.sentra_quantity += shares.quantity
        figures.declines += shares.declines

    total_capacity = sum(row.capacity for row in ikms.values())
    total_quantity = sum(row.quantity_sold for row in ikms.values())
    total_revenue = sum(row.revenue_idr for row in ikms.values())
    for row in ikms.values():
        row.capacity_share_pct = _share_pct(row.capacity, total_capacity)
        row.quantity_share_pct = _share_pct(row.quantity_sold, total_quantity)
        row.revenue_share_pct = _share_pct(row.revenue_idr, total_revenue)
        row.sentra_share_pct = _share_pct(row.sentra_quantity, figures.sentra_quantity)
    figures.capacity_hhi = hhi([row.capacity for row in ikms.values()])
    # Sales concentration is measured on revenue, the usual basis of market shares (the page says so).
    figures.order_hhi = hhi([row.revenue_idr for row in ikms.values()])
    figures.ikms = sorted(ikms.values(), key=lambda r: (-r.capacity, r.name))
    return figures
