"""Price schedules: a coordinator's immutable decision of the price of a product type in a sentra."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from marketplace.core.roles import Role
from marketplace.core.states import StateMachine, Status, action
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

    @property
    def is_fixed(self):
        return self.mode == PriceMode.FIXED

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


class RequestStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ALL = (PENDING, APPROVED, REJECTED, WITHDRAWN)


class PriceChangeRequest(db.Model):
    """An IKM asks for another price for one listing; a coordinator of its sentra decides."""

    __tablename__ = "price_change_request"

    id = db.Column(db.Integer, primary_key=True)
    listing_id = db.Column(db.Integer, db.ForeignKey("listing.id", ondelete="RESTRICT"), nullable=False, index=True)
    organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False)
    requested_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"), nullable=False)
    # What the listing cost and which schedule was in force when the IKM asked: the coordinator decides on these.
    current_price_idr = db.Column(db.BigInteger, nullable=False)
    schedule_id = db.Column(db.Integer, db.ForeignKey("price_schedule.id", ondelete="RESTRICT"), nullable=False)
    price_idr = db.Column(db.BigInteger, nullable=False)
    reason = db.Column(db.String(1000), nullable=False)
    status = db.Column(db.String(9), nullable=False, default=RequestStatus.PENDING)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"))
    decided_at = db.Column(UTCDateTime)
    decision_note = db.Column(db.String(1000))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    listing = db.relationship("Listing")
    organization = db.relationship("Organization")
    requested_by = db.relationship("User", foreign_keys=[requested_by_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    schedule = db.relationship(PriceSchedule)

    __table_args__ = (
        db.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="status"),
        db.CheckConstraint("price_idr > 0", name="price_positive"),
        # A coordinator's decision names the coordinator; a withdrawal is the IKM's own.
        db.CheckConstraint(
            "status NOT IN ('approved', 'rejected') OR (decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="decider_on_decision",
        ),
        db.CheckConstraint("status <> 'rejected' OR decision_note IS NOT NULL", name="reason_on_rejection"),
        # At most one pending request per listing, enforced by the database against double submits.
        db.Index(
            "uq_price_change_request_pending",
            "listing_id",
            unique=True,
            sqlite_where=db.text("status = 'pending'"),
            postgresql_where=db.text("status = 'pending'"),
        ),
        db.Index("ix_price_change_request_sentra_status", "sentra_id", "status", "created_at"),
    )


class OutOfBandAttempt(db.Model):
    """A listing price refused because it left the band in force: counted in the competition monitor."""

    __tablename__ = "out_of_band_attempt"

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False)
    product_type_id = db.Column(db.Integer, db.ForeignKey("product_type.id", ondelete="RESTRICT"), nullable=False)
    listing_id = db.Column(db.Integer, db.ForeignKey("listing.id", ondelete="SET NULL"))
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    schedule_id = db.Column(db.Integer, db.ForeignKey("price_schedule.id", ondelete="RESTRICT"), nullable=False)
    price_idr = db.Column(db.BigInteger, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (db.Index("ix_out_of_band_attempt_lookup", "sentra_id", "product_type_id", "created_at"),)


class SanctionKind:
    WARNING = "warning"
    SUSPENSION = "suspension"
    ALL = (WARNING, SUSPENSION)


class Sanction(db.Model):
    """A coordinator's written warning or suspension of an IKM; a suspension also suspends the organization."""

    __tablename__ = "sanction"

    id = db.Column(db.Integer, primary_key=True)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False)
    organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    product_type_id = db.Column(db.Integer, db.ForeignKey("product_type.id", ondelete="RESTRICT"))
    kind = db.Column(db.String(10), nullable=False)
    reason = db.Column(db.String(1000), nullable=False)
    # Set when a suspension is given without two warnings in the last 12 months.
    override_reason = db.Column(db.String(1000))
    given_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    organization = db.relationship("Organization")
    product_type = db.relationship("ProductType")
    given_by = db.relationship("User")

    __table_args__ = (
        db.CheckConstraint("kind IN ('warning', 'suspension')", name="kind"),
        db.CheckConstraint("override_reason IS NULL OR kind = 'suspension'", name="override_only_on_suspension"),
        db.Index("ix_sanction_sentra_created", "sentra_id", "created_at"),
    )


R = RequestStatus
PRICE_REQUEST_STATES = StateMachine(
    kind="price_change_request",
    model=PriceChangeRequest,
    statuses={
        R.PENDING: Status(_l("Waiting"), "warning text-dark"),
        R.APPROVED: Status(_l("Approved"), "success"),
        R.REJECTED: Status(_l("Rejected"), "secondary"),
        R.WITHDRAWN: Status(_l("Withdrawn"), "light text-dark"),
    },
    actions=(
        action("approve", _l("Approve"), [R.PENDING], R.APPROVED, (Role.COORDINATOR,), style="btn-success"),
        action(
            "reject",
            _l("Reject"),
            [R.PENDING],
            R.REJECTED,
            (Role.COORDINATOR,),
            style="btn-outline-danger",
            needs_reason=True,
        ),
        action(
            "withdraw",
            _l("Withdraw the request"),
            [R.PENDING],
            R.WITHDRAWN,
            (Role.SELLER,),
            confirm=_l("Withdraw this request?"),
        ),
    ),
    audit_prefix="price_request",
    audit_details=lambda change: {"price_idr": change.price_idr},
    values_on_move=lambda to_status, note: {"decision_note": note},
)
