"""Pricing part of the demo world: Jombang's schedules (fixed and band, tiers, history, a change next month)."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.catalog.models import ProductType
from marketplace.extensions import db
from marketplace.pricing.models import PriceSchedule, PriceTier
from marketplace.pricing.services import today_wib

# product type slug, days from today, mode, reference, floor, ceiling, tiers, reason
SCHEDULES = [
    ("paving-k300-6cm", -60, "band", 84_000, 80_000, 88_000, [], "Harga acuan awal sentra"),
    ("paving-k300-6cm", -7, "band", 86_000, 82_000, 90_000, [("100", "2"), ("500", "4")], "Harga semen naik 3 %"),
    ("paving-k225-8cm", -30, "band", 78_000, 75_000, 82_000, [], "Harga acuan awal sentra"),
    ("paving-k225-8cm", 30, "band", 80_000, 77_000, 84_000, [], "Penyesuaian upah minimum kabupaten"),
    ("bata-ringan-60x20x10", -30, "band", 650_000, 620_000, 680_000, [], "Harga acuan awal sentra"),
    ("batako-press", -30, "band", 3_150, 3_000, 3_300, [("5000", "3")], "Harga acuan awal sentra"),
    ("aluminium-ingot-adc12", -30, "fixed", 38_500, 38_500, 38_500, [], "Harga tetap mengikuti harga LME bulanan"),
    ("slag-flux", -30, "band", 1_275_000, 1_200_000, 1_350_000, [], "Harga acuan awal sentra"),
]


# The other demo sentra prices only what its IKM sells.
CEPER_SCHEDULES = [
    ("aluminium-ingot-adc12", -30, "band", 40_000, 38_000, 42_000, [], "Harga acuan awal sentra"),
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
