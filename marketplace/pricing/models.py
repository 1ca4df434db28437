"""Price schedules: a coordinator's immutable decision of the price of a product type in a sentra."""

from decimal import Decimal

from marketplace.core.timeutil import UTCDateTime, utcnow
from marketplace.extensions import db


class PriceMode:
    FIXED = "fixed"  # every listing sells at the reference price
    BAND = "band"  # floor <= price <= ceiling
    ALL = (FIXED, BAND)


class PriceSchedule(db.Model):
    """Never changed once written: a change is a new schedule. In force: the latest whose date has come."""

    __tablename__ = "price_schedule"

    id = db.Column(db.Integer, primary_key=True)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False)
    product_type_id = db.Column(db.Integer, db.ForeignKey("product_type.id", ondelete="RESTRICT"), nullable=False)
    mode = db.Column(db.String(5), nullable=False)
    reference_idr = db.Column(db.BigInteger, nullable=False)
    floor_idr = db.Column(db.BigInteger, nullable=False)
    ceiling_idr = db.Column(db.BigInteger, nullable=False)
    # The published cost basis behind the reference price.
    materials_idr = db.Column(db.BigInteger, nullable=False, default=0)
    labour_idr = db.Column(db.BigInteger, nullable=False, default=0)
    energy_idr = db.Column(db.BigInteger, nullable=False, default=0)
    margin_idr = db.Column(db.BigInteger, nullable=False, default=0)
    cost_note = db.Column(db.String(1000), nullable=False, default="")
    effective_from = db.Column(db.Date, nullable=False)
    review_on = db.Column(db.Date, nullable=False)
    reason = db.Column(db.String(1000), nullable=False)
    set_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    sentra = db.relationship("Sentra")
    product_type = db.relationship("ProductType")
    set_by = db.relationship("User")
    tiers = db.relationship(
        "PriceTier", order_by="PriceTier.min_qty", cascade="all, delete-orphan", back_populates="schedule"
    )

    __table_args__ = (
        db.CheckConstraint("mode IN ('fixed', 'band')", name="mode"),
        db.CheckConstraint(
            "0 < floor_idr AND floor_idr <= reference_idr AND reference_idr <= ceiling_idr", name="band"
        ),
        db.CheckConstraint(
            "mode <> 'fixed' OR (floor_idr = reference_idr AND ceiling_idr = reference_idr)", name="fixed"
        ),
        db.CheckConstraint(
            "materials_idr >= 0 AND labour_idr >= 0 AND energy_idr >= 0 AND margin_idr >= 0", name="costs_not_negative"
        ),
        db.CheckConstraint("review_on >= effective_from", name="review_after_start"),
        db.Index("ix_price_schedule_lookup", "sentra_id", "product_type_id", "effective_from"),
    )

    @property
    def cost_total_idr(self):
        return self.materials_idr + self.labour_idr + self.energy_idr + self.margin_idr

    def allows(self, price_idr):
        return self.floor_idr <= price_idr <= self.ceiling_idr


class PriceTier(db.Model):
    """From quantity `min_qty` on, `discount_pct` off: the same for every IKM of the sentra."""

    __tablename__ = "price_tier"

    id = db.Column(db.Integer, primary_key=True)
    schedule_id = db.Column(
        db.Integer, db.ForeignKey("price_schedule.id", ondelete="CASCADE"), nullable=False, index=True
    )
    min_qty = db.Column(db.Numeric(12, 3), nullable=False)
    discount_pct = db.Column(db.Numeric(5, 2), nullable=False)

    schedule = db.relationship(PriceSchedule, back_populates="tiers")

    __table_args__ = (
        db.CheckConstraint("min_qty > 0", name="min_qty_positive"),
        db.CheckConstraint("discount_pct > 0 AND discount_pct < 100", name="discount_range"),
        db.UniqueConstraint("schedule_id", "min_qty", name="uq_price_tier_schedule_min_qty"),
    )

    def applies_to(self, quantity):
        return Decimal(quantity) >= self.min_qty
