"""Operations of set pricing: publish schedules, find the one in force, and price a quantity."""

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError
from marketplace.core.timeutil import WIB, utcnow
from marketplace.extensions import db
from marketplace.pricing.models import PriceMode, PriceSchedule, PriceTier


class InvalidSchedule(DomainError):
    pass


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


def publish_schedule(coordinator, product_type, data, tiers, moment=None):
    """A new schedule for the coordinator's own sentra; schedules are never edited."""
    if coordinator.role != "coordinator":
        raise InvalidSchedule(_l("Only a coordinator of the sentra sets its prices."))
    mode = data["mode"]
    if mode not in PriceMode.ALL:
        raise InvalidSchedule(_l("Choose fixed price or price band."))
    reference = data["reference_idr"]
    floor, ceiling = (reference, reference) if mode == PriceMode.FIXED else (data["floor_idr"], data["ceiling_idr"])
    if floor is None or ceiling is None or not (0 < floor <= reference <= ceiling):
        raise InvalidSchedule(_l("The band must hold the reference price: floor ≤ reference ≤ ceiling."))
    if data["effective_from"] < today_wib(moment):
        raise InvalidSchedule(_l("A schedule takes effect today or later."))
    if data["review_on"] < data["effective_from"]:
        raise InvalidSchedule(_l("The review date comes on or after the start date."))
    check_tiers(tiers)
    schedule = PriceSchedule(
        sentra_id=coordinator.sentra_id,
        product_type_id=product_type.id,
        mode=mode,
        reference_idr=reference,
        floor_idr=floor,
        ceiling_idr=ceiling,
        materials_idr=data["materials_idr"],
        labour_idr=data["labour_idr"],
        energy_idr=data["energy_idr"],
        margin_idr=data["margin_idr"],
        cost_note=data.get("cost_note") or "",
        effective_from=data["effective_from"],
        review_on=data["review_on"],
        reason=data["reason"],
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
        note=data["reason"],
    )
    return schedule


def discounted(price_idr, discount_pct):
    """price × (100 − discount) / 100, rounded half up to the whole Rupiah."""
    value = Decimal(price_idr) * (Decimal("100") - Decimal(discount_pct)) / Decimal("100")
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def tier_for(schedule, quantity):
    """The tier a quantity reaches (the one with the largest threshold it meets), or None."""
    reached = [t for t in schedule.tiers if Decimal(quantity) >= t.min_qty]
    return max(reached, key=lambda t: t.min_qty) if reached else None


def unit_price_idr(listing_price_idr, schedule, quantity):
    """The unit price charged for a quantity: the listing's price (the reference in fixed mode), tier applied."""
    base = schedule.reference_idr if schedule.mode == PriceMode.FIXED else listing_price_idr
    tier = tier_for(schedule, quantity)
    return discounted(base, tier.discount_pct) if tier else base


def unit_price_for(listing, quantity, moment=None):
    """The single answer to "what does this cost per unit": for (listing, quantity, moment)."""
    schedule = schedule_in_force(listing.organization.sentra_id, listing.product_type_id, moment)
    if schedule is None:
        return listing.price_idr
    return unit_price_idr(listing.price_idr, schedule, quantity)


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


def schedules_in_force(moment=None):
    """Every schedule in force today, across sentras: {(sentra_id, product_type_id): schedule}."""
    rows = db.session.scalars(
        select(PriceSchedule)
        .where(PriceSchedule.effective_from <= today_wib(moment))
        .order_by(PriceSchedule.effective_from, PriceSchedule.id)
    ).all()
    return {(s.sentra_id, s.product_type_id): s for s in rows}


def apply_due(moment=None):
    """Bring live listings in line with the schedules in force: fixed prices follow the reference, prices out of
    the band are suspended for pricing and their IKMs emailed. Idempotent; returns (repriced, suspended)."""
    from marketplace.accounts.models import Organization
    from marketplace.accounts.services import organization_recipients
    from marketplace.catalog.models import Listing, ListingStatus
    from marketplace.core.money import format_idr
    from marketplace.core.outbox import enqueue_mail, external_url

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
        if schedule is None or schedule.allows(listing.price_idr) and schedule.mode == PriceMode.BAND:
            continue
        if schedule.mode == PriceMode.FIXED:
            if listing.price_idr != schedule.reference_idr:
                record_audit(
                    None,
                    "listing.price_follows_reference",
                    listing,
                    before={"price_idr": listing.price_idr},
                    after={"price_idr": schedule.reference_idr},
                )
                listing.price_idr = schedule.reference_idr
                repriced += 1
            continue
        if listing.status != ListingStatus.ACTIVE:
            continue  # a paused listing meets the band when it is resumed
        band = f"{format_idr(schedule.floor_idr)} – {format_idr(schedule.ceiling_idr)}"
        listing.move_to(ListingStatus.PRICE_SUSPENDED, None, note=f"price outside the band {band}")
        suspended += 1
        for address, locale in organization_recipients(listing.organization):
            enqueue_mail(
                address,
                _l("Set a new price for %(title)s", title=listing.title),
                "listing_price_suspended",
                locale=locale,
                listing=listing,
                schedule=schedule,
                link=external_url("catalog.edit_listing", listing_id=listing.id),
            )
    db.session.flush()
    return repriced, suspended
