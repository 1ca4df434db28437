"""Categories, product types, IKM listings, their photos and their status history."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from marketplace.core.roles import Role
from marketplace.core.states import StateMachine, Status, action
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
    name_en = db.Column(db.String(160))  # empty: English pages show the Indonesian name
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

    def display_name(self, locale):
        return self.name_en if locale == "en" and self.name_en else self.name


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
    # Moved only by catalog/stock.py (reserve, release, adjust), each move explained by a StockMovement; a saved
    # listing refuses `listing.stock = ...`, and stock moves leave `version` alone.
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


class StockReason:
    """Why a listing's stock moved: a short code on each stock movement."""

    INITIAL = "initial"  # the stock a listing was created with (or had when movements began)
    SELLER_SET = "seller_set"  # the IKM counted its stock and typed the new figure
    RESERVED = "reserved"  # taken by an order
    RELEASED = "released"  # given back by an order (cancelled, refused, shipped short)
    # Codes are checked in Python (catalog/stock.py), not by a CHECK: later domains add their own.
    ALL = (INITIAL, SELLER_SET, RESERVED, RELEASED)


class StockMovement(db.Model):
    """One change of a listing's stock, with why and by whom: a listing's movements add up to its stock.

    Written only by catalog/stock.py, in the same transaction as the change it explains. Append-only."""

    __tablename__ = "stock_movement"

    id = db.Column(db.Integer, primary_key=True)
    listing_id = db.Column(db.Integer, db.ForeignKey("listing.id", ondelete="CASCADE"), nullable=False, index=True)
    delta = db.Column(QUANTITY, nullable=False)  # signed: + stock came in, - stock went out
    stock_after = db.Column(QUANTITY, nullable=False)
    reason = db.Column(db.String(32), nullable=False)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (db.CheckConstraint("stock_after >= 0", name="stock_after_not_negative"),)


def _listing_history(listing, from_status, to_status, actor, note):
    db.session.add(
        ListingEvent(
            listing_id=listing.id,
            from_status=from_status,
            to_status=to_status,
            actor_id=getattr(actor, "id", None),
            note=note,
        )
    )


L = ListingStatus
_SELLER, _COORDINATOR = (Role.SELLER,), (Role.COORDINATOR,)
LISTING_STATES = StateMachine(
    kind="listing",
    model=Listing,
    statuses={
        L.DRAFT: Status(_l("Draft"), "secondary"),
        L.PENDING_REVIEW: Status(_l("Waiting for review"), "warning text-dark"),
        L.ACTIVE: Status(_l("Active"), "success"),
        L.PAUSED: Status(_l("Paused"), "info text-dark"),
        L.REJECTED: Status(_l("Rejected"), "danger"),
        L.SUSPENDED: Status(_l("Suspended"), "danger"),
        L.PRICE_SUSPENDED: Status(_l("Suspended for pricing"), "danger"),
        L.ARCHIVED: Status(_l("Archived"), "dark"),
    },
    actions=(
        # The seller's. "submit" is the listing form's own "save and send for review" button.
        action(
            "submit",
            _l("Save and send for review"),
            [L.DRAFT, L.REJECTED, L.SUSPENDED],
            L.PENDING_REVIEW,
            _SELLER,
            style="btn-success",
        ),
        action("pause", _l("Pause"), [L.ACTIVE], L.PAUSED, _SELLER),
        action("resume", _l("Resume"), [L.PAUSED], L.ACTIVE, _SELLER, style="btn-success"),
        action(
            "archive",
            _l("Archive"),
            [s for s in L.ALL if s != L.ARCHIVED],
            L.ARCHIVED,
            _SELLER,
            style="btn-outline-danger",
            confirm=_l("Archive this listing? It cannot be changed or sold afterwards."),
        ),
        # The coordinator's.
        action("approve", _l("Approve"), [L.PENDING_REVIEW], L.ACTIVE, _COORDINATOR, style="btn-success"),
        action(
            "reject",
            _l("Reject"),
            [L.PENDING_REVIEW],
            L.REJECTED,
            _COORDINATOR,
            style="btn-outline-danger",
            needs_reason=True,
        ),
        action(
            "suspend",
            _l("Suspend"),
            [L.ACTIVE, L.PAUSED, L.PRICE_SUSPENDED],
            L.SUSPENDED,
            _COORDINATOR,
            style="btn-danger",
            needs_reason=True,
        ),
    ),
    system_moves={
        # A change the coordinator must see sends a live listing back to the queue.
        L.ACTIVE: {L.PENDING_REVIEW, L.PRICE_SUSPENDED},
        L.PAUSED: {L.PENDING_REVIEW},
        # A new band leaves the price out; a price that fits again (or an approved exception) brings it back.
        L.PRICE_SUSPENDED: {L.PENDING_REVIEW, L.ACTIVE},
    },
    history=_listing_history,
    values_on_move=lambda to_status, note: {
        "status_reason": note if to_status in (L.REJECTED, L.SUSPENDED) else None,
        "updated_at": utcnow(),
    },
)
