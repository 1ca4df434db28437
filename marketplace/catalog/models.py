"""Categories, product types, IKM listings, their photos and their status history."""

from decimal import Decimal

from marketplace.core.audit import record_audit
from marketplace.core.errors import check_transition
from marketplace.core.timeutil import UTCDateTime, utcnow
from marketplace.extensions import db

QUANTITY = db.Numeric(12, 3)


class Unit:
    M2, PCS, M3, KG, TON = "m2", "pcs", "m3", "kg", "ton"
    ALL = (M2, PCS, M3, KG, TON)
    # What a buyer sees; units are symbols, the same in both languages.
    LABELS = {M2: "m²", PCS: "pcs", M3: "m³", KG: "kg", TON: "ton"}


class Category(db.Model):
    """A platform-wide group of product types (Paving block, Bata ringan, …)."""

    __tablename__ = "category"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)

    def display_name(self, locale):
        return self.name_en if locale == "en" else self.name


class ProductType(db.Model):
    """A standard product with a unit and a spec, e.g. "Paving block K-300, 6 cm, per m²"."""

    __tablename__ = "product_type"

    id = db.Column(db.Integer, primary_key=True)
    category_id = db.Column(db.Integer, db.ForeignKey("category.id", ondelete="RESTRICT"), nullable=False, index=True)
    slug = db.Column(db.String(120), nullable=False, unique=True)
    name = db.Column(db.String(160), nullable=False)
    unit = db.Column(db.String(4), nullable=False)
    spec = db.Column(db.Text, nullable=False, default="")
    sni_standard = db.Column(db.String(60))
    # Kilograms of aluminium slag in one unit: the basis of the impact figures.
    slag_kg_per_unit = db.Column(db.Numeric(12, 3), nullable=False, default=Decimal("0"))
    photo_key = db.Column(db.String(200))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    category = db.relationship(Category, backref=db.backref("product_types", lazy="selectin"))

    __table_args__ = (
        db.CheckConstraint("unit IN ('m2', 'pcs', 'm3', 'kg', 'ton')", name="unit"),
        db.CheckConstraint("slag_kg_per_unit >= 0", name="slag_not_negative"),
    )

    @property
    def unit_label(self):
        return Unit.LABELS[self.unit]


class ListingStatus:
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    ACTIVE = "active"
    PAUSED = "paused"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    # A schedule came into force whose band leaves this listing's price out: back once the price fits.
    PRICE_SUSPENDED = "price_suspended"
    ARCHIVED = "archived"
    ALL = (DRAFT, PENDING_REVIEW, ACTIVE, PAUSED, REJECTED, SUSPENDED, PRICE_SUSPENDED, ARCHIVED)

    TRANSITIONS = {
        DRAFT: {PENDING_REVIEW, ARCHIVED},
        PENDING_REVIEW: {ACTIVE, REJECTED, ARCHIVED},
        ACTIVE: {PAUSED, SUSPENDED, PRICE_SUSPENDED, PENDING_REVIEW, ARCHIVED},
        PAUSED: {ACTIVE, PENDING_REVIEW, ARCHIVED},
        PRICE_SUSPENDED: {ACTIVE, SUSPENDED, PENDING_REVIEW, ARCHIVED},
        # A rejected or suspended listing goes back to the queue once the seller has changed it.
        REJECTED: {PENDING_REVIEW, ARCHIVED},
        SUSPENDED: {PENDING_REVIEW, ARCHIVED},
        ARCHIVED: set(),
    }
    # Seen by everybody; the rest only by the IKM and its coordinator.
    PUBLIC = (ACTIVE,)


class Listing(db.Model):
    """One IKM's offer of a product type."""

    __tablename__ = "listing"

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    product_type_id = db.Column(
        db.Integer, db.ForeignKey("product_type.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    title = db.Column(db.String(160), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    price_idr = db.Column(db.BigInteger, nullable=False)
    stock = db.Column(QUANTITY, nullable=False, default=Decimal("0"))
    min_order = db.Column(QUANTITY, nullable=False, default=Decimal("1"))
    order_multiple = db.Column(QUANTITY, nullable=False, default=Decimal("1"))
    lead_time_days = db.Column(db.Integer, nullable=False, default=7)
    capacity_per_month = db.Column(QUANTITY, nullable=False)
    certification_note = db.Column(db.String(300), nullable=False, default="")
    status = db.Column(db.String(16), nullable=False, default=ListingStatus.DRAFT, index=True)
    status_reason = db.Column(db.String(1000))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # Every UPDATE checks and bumps it: of two people changing a listing at once, the second is refused
    # (and a coordinator's decision names the version they looked at).
    version = db.Column(db.Integer, nullable=False, default=1, server_default="1")
    # Set when a coordinator approved this listing's price as an exception: the price holds, band or not, while
    # this schedule is in force (until the next schedule comes).
    price_exception_schedule_id = db.Column(db.Integer, db.ForeignKey("price_schedule.id", ondelete="RESTRICT"))

    organization = db.relationship("Organization", backref=db.backref("listings", lazy="dynamic"))
    product_type = db.relationship(ProductType)
    photos = db.relationship(
        "ListingPhoto",
        order_by="ListingPhoto.position",
        cascade="all, delete-orphan",
        back_populates="listing",
    )

    __table_args__ = (
        db.CheckConstraint(
            "status IN ('draft', 'pending_review', 'active', 'paused', 'rejected', 'suspended', 'price_suspended',"
            " 'archived')",
            name="status",
        ),
        db.CheckConstraint("price_idr > 0", name="price_positive"),
        db.CheckConstraint("stock >= 0", name="stock_not_negative"),
        db.CheckConstraint("min_order > 0", name="min_order_positive"),
        db.CheckConstraint("order_multiple > 0", name="order_multiple_positive"),
        db.CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
        db.CheckConstraint("capacity_per_month > 0", name="capacity_positive"),
        db.Index("ix_listing_status_created", "status", "created_at"),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def cover(self):
        return next((p for p in self.photos if p.is_cover), self.photos[0] if self.photos else None)

    def move_to(self, status, actor, note=None):
        """The one way to change a listing's status: checked, recorded as an event and audit-logged."""
        check_transition(ListingStatus.TRANSITIONS, "listing", self.status, status)
        before = self.status
        self.status = status
        self.status_reason = note if status in (ListingStatus.REJECTED, ListingStatus.SUSPENDED) else None
        db.session.add(
            ListingEvent(
                listing=self, from_status=before, to_status=status, actor_id=getattr(actor, "id", None), note=note
            )
        )
        record_audit(actor, f"listing.{status}", self, before={"status": before}, after={"status": status}, note=note)


class ListingPhoto(db.Model):
    __tablename__ = "listing_photo"

    id = db.Column(db.Integer, primary_key=True)
    listing_id = db.Column(db.Integer, db.ForeignKey("listing.id", ondelete="CASCADE"), nullable=False, index=True)
    # Unique and indexed: /media/ finds the photo (and whether it may be shown) by its key.
    display_key = db.Column(db.String(200), nullable=False, index=True, unique=True)
    thumb_key = db.Column(db.String(200), nullable=False, index=True, unique=True)
    width = db.Column(db.Integer, nullable=False)
    height = db.Column(db.Integer, nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    is_cover = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    listing = db.relationship(Listing, back_populates="photos")


class ListingEvent(db.Model):
    """Status history of a listing: who moved it, when, and why."""

    __tablename__ = "listing_event"

    id = db.Column(db.Integer, primary_key=True)
    listing_id = db.Column(db.Integer, db.ForeignKey("listing.id", ondelete="CASCADE"), nullable=False, index=True)
    from_status = db.Column(db.String(16), nullable=False)
    to_status = db.Column(db.String(16), nullable=False)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    note = db.Column(db.String(1000))
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    listing = db.relationship(Listing, backref=db.backref("events", order_by="ListingEvent.at", lazy="dynamic"))
