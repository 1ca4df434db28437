"""Pricing part of the demo world: Jombang's schedules (fixed and band, tiers, history, a change next month)."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts.models import Organization, User
from marketplace.catalog.models import Listing, ListingStatus, ProductType
from marketplace.extensions import db
from marketplace.pricing.models import (
    OutOfBandAttempt,
    PriceChangeRequest,
    PriceSchedule,
    PriceTier,
    Sanction,
    SanctionKind,
)
from marketplace.pricing.services import in_force_by_product_type, schedules_of_sentra, today_wib

# product type slug, days from today, mode, reference, floor, ceiling, tiers, reason. The first prices came
# with the marketplace, more than a year ago: the demo's year of orders was priced by them.
SCHEDULES = [
    ("paving-k300-6cm", -400, "band", 84_000, 80_000, 88_000, [], "Harga acuan awal sentra"),
    ("paving-k300-6cm", -7, "band", 86_000, 82_000, 90_000, [("100", "2"), ("500", "4")], "Harga semen naik 3 %"),
    ("paving-k225-8cm", -400, "band", 78_000, 75_000, 82_000, [], "Harga acuan awal sentra"),
    ("paving-k225-8cm", 30, "band", 80_000, 77_000, 84_000, [], "Penyesuaian upah minimum kabupaten"),
    ("bata-ringan-60x20x10", -400, "band", 650_000, 620_000, 680_000, [], "Harga acuan awal sentra"),
    ("batako-press", -400, "band", 3_150, 3_000, 3_300, [("5000", "3")], "Harga acuan awal sentra"),
    ("aluminium-ingot-adc12", -400, "fixed", 38_500, 38_500, 38_500, [], "Harga tetap mengikuti harga LME bulanan"),
    ("slag-flux", -400, "band", 1_275_000, 1_200_000, 1_350_000, [], "Harga acuan awal sentra"),
]


# The other demo sentra prices only what its IKM sells.
CEPER_SCHEDULES = [
    ("aluminium-ingot-adc12", -400, "band", 40_000, 38_000, 42_000, [], "Harga acuan awal sentra"),
]


def seed_pricing(sentra, coordinator, schedules=SCHEDULES):
    """A sentra's price schedules; found again by product type and reason."""
    today = today_wib()
    for slug, days, mode, reference, floor, ceiling, tiers, reason in schedules:
        product_type = db.session.scalar(select(ProductType).where(ProductType.slug == slug))
        start = today + timedelta(days=days)
        exists = db.session.scalar(
            select(PriceSchedule.id).where(
                PriceSchedule.sentra_id == sentra.id,
                PriceSchedule.product_type_id == product_type.id,
                PriceSchedule.reason == reason,
            )
        )
        if exists:
            continue
        materials = reference * 45 // 100
        labour = reference * 25 // 100
        energy = reference * 12 // 100
        db.session.add(
            PriceSchedule(
                sentra_id=sentra.id,
                product_type_id=product_type.id,
                mode=mode,
                reference_idr=reference,
                floor_idr=floor,
                ceiling_idr=ceiling,
                materials_idr=materials,
                labour_idr=labour,
                energy_idr=energy,
                margin_idr=reference - materials - labour - energy,
                cost_note="Dihitung dari rata-rata biaya IKM anggota sentra.",
                effective_from=start,
                review_on=start + timedelta(days=90),
                reason=reason,
                set_by_id=coordinator.id,
                tiers=[PriceTier(min_qty=Decimal(q), discount_pct=Decimal(p)) for q, p in tiers],
            )
        )
    db.session.flush()
    return db.session.query(PriceSchedule).count()


def seed_requests_and_sanctions(sentra, coordinator):
    """Pending price-change requests from three Jombang IKMs, a written warning and two refused prices for one IKM.

    Rows are written directly (as if made through the pages, without their mails); each part is added only once."""

    in_force = in_force_by_product_type(schedules_of_sentra(sentra.id))
    if not db.session.scalar(select(PriceChangeRequest.id).where(PriceChangeRequest.sentra_id == sentra.id).limit(1)):
        listings = db.session.scalars(
            select(Listing)
            .join(Organization, Organization.id == Listing.organization_id)
            .where(Organization.sentra_id == sentra.id, Listing.status == ListingStatus.ACTIVE)
            .order_by(Listing.id)
        ).all()
        reasons = [
            "Mutu K-350 dengan uji laboratorium; biaya semen kami lebih tinggi dari rata-rata.",
            "Pesanan rutin pabrik keramik Mojokerto, 2.000 m² per bulan.",
            "Biaya angkut dari desa kami lebih jauh ke jalan provinsi.",
        ]
        asked_by = set()
        for listing in listings:
            schedule = in_force.get(listing.product_type_id)
            if schedule is None or schedule.mode != "band" or listing.organization_id in asked_by:
                continue
            # The first asks above the ceiling (an exception), the others inside the band.
            price = (
                schedule.ceiling_idr * 105 // 100
                if not asked_by
                else (schedule.reference_idr + schedule.ceiling_idr) // 2
            )
            if price == listing.price_idr:
                continue
            owner = db.session.scalar(
                select(User).where(User.organization_id == listing.organization_id, User.is_owner)
            )
            db.session.add(
                PriceChangeRequest(
                    listing_id=listing.id,
                    organization_id=listing.organization_id,
                    sentra_id=sentra.id,
                    requested_by_id=owner.id,
                    current_price_idr=listing.price_idr,
                    schedule_id=schedule.id,
                    price_idr=price,
                    reason=reasons[len(asked_by)],
                )
            )
            asked_by.add(listing.organization_id)
            if len(asked_by) == len(reasons):
                break

    warned = db.session.scalar(
        select(Organization).where(Organization.sentra_id == sentra.id, Organization.name == "UD Batako Karya Bersama")
    )
    batako = db.session.scalar(select(ProductType).where(ProductType.slug == "batako-press"))
    if warned is not None and not db.session.scalar(select(Sanction.id).where(Sanction.organization_id == warned.id)):
        db.session.add(
            Sanction(
                sentra_id=sentra.id,
                organization_id=warned.id,
                product_type_id=batako.id,
                kind=SanctionKind.WARNING,
                reason="Menawarkan batako di bawah batas bawah kepada pembeli lewat telepon.",
                given_by_id=coordinator.id,
            )
        )
        schedule = in_force.get(batako.id)
        owner = db.session.scalar(select(User).where(User.organization_id == warned.id, User.is_owner))
        for price in (2_700, 2_800):
            db.session.add(
                OutOfBandAttempt(
                    organization_id=warned.id,
                    sentra_id=sentra.id,
                    product_type_id=batako.id,
                    user_id=owner.id,
                    schedule_id=schedule.id,
                    price_idr=price,
                )
            )
    db.session.flush()
