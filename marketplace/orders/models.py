"""Carts, checkouts and orders, with the order's state machine; delivery addresses and the sentra's delivery tariff;
shipments, reviews and in-app notifications."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from marketplace.catalog.models import QUANTITY
from marketplace.core.roles import Role
from marketplace.core.states import StateMachine, Status, action
from marketplace.core.timeutil import UTCDateTime, utcnow
from marketplace.extensions import db

# --- where goods go ---------------------------------------------------------------------------------------------


class DeliveryAddress(db.Model):
    """A place a buyer company has goods delivered to (a plant, a site). Archived, never deleted: orders copy it."""

    __tablename__ = "delivery_address"

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=True
    )
    label = db.Column(db.String(80), nullable=False)  # "Pabrik Sidoarjo", "Proyek Tol Krian"
    recipient = db.Column(db.String(120), nullable=False)
    phone = db.Column(db.String(20), nullable=False)
    address = db.Column(db.String(300), nullable=False)
    regency = db.Column(db.String(120), nullable=False)
    province = db.Column(db.String(60), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    archived_at = db.Column(UTCDateTime)

    organization = db.relationship("Organization")

    def one_line(self):
        return f"{self.label}: {self.address}, {self.regency}, {self.province} ({self.recipient}, {self.phone})"


class DeliveryTariff(db.Model):
    """A sentra's delivery fee: a base fee per order plus a fee per unit of each product type (set by a coordinator)."""

    __tablename__ = "delivery_tariff"

    id = db.Column(db.Integer, primary_key=True)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="CASCADE"), nullable=False, unique=True)
    base_fee_idr = db.Column(db.BigInteger, nullable=False, default=0)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    unit_fees = db.relationship("DeliveryUnitFee", cascade="all, delete-orphan", back_populates="tariff")

    __table_args__ = (db.CheckConstraint("base_fee_idr >= 0", name="base_fee_not_negative"),)

    def fee_per_unit(self, product_type_id):
        for fee in self.unit_fees:
            if fee.product_type_id == product_type_id:
                return fee.fee_per_unit_idr
        return 0


class DeliveryUnitFee(db.Model):
    __tablename__ = "delivery_unit_fee"

    id = db.Column(db.Integer, primary_key=True)
    tariff_id = db.Column(db.Integer, db.ForeignKey("delivery_tariff.id", ondelete="CASCADE"), nullable=False)
    product_type_id = db.Column(db.Integer, db.ForeignKey("product_type.id", ondelete="CASCADE"), nullable=False)
    fee_per_unit_idr = db.Column(db.BigInteger, nullable=False)

    tariff = db.relationship(DeliveryTariff, back_populates="unit_fees")

    __table_args__ = (
        db.UniqueConstraint("tariff_id", "product_type_id", name="uq_delivery_unit_fee"),
        db.CheckConstraint("fee_per_unit_idr >= 0", name="unit_fee_not_negative"),
    )


# --- the cart ---------------------------------------------------------------------------------------------------


class CartItem(db.Model):
    """A listing in a buyer user's cart. `seen_unit_price_idr` is the price the buyer last saw, so that a change is
    shown on the next view instead of slipping through."""

    __tablename__ = "cart_item"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    listing_id = db.Column(db.Integer, db.ForeignKey("listing.id", ondelete="CASCADE"), nullable=False)
    quantity = db.Column(QUANTITY, nullable=False)
    seen_unit_price_idr = db.Column(db.BigInteger, nullable=False)
    added_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    listing = db.relationship("Listing")

    __table_args__ = (
        db.UniqueConstraint("user_id", "listing_id", name="uq_cart_item_user_listing"),
        db.CheckConstraint("quantity > 0", name="quantity_positive"),
        db.CheckConstraint("seen_unit_price_idr > 0", name="seen_price_positive"),
    )


# --- checkout and orders ----------------------------------------------------------------------------------------


class CheckoutStatus:
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    EXPIRED = "expired"  # not paid in time: its orders were cancelled
    CANCELLED = "cancelled"  # the buyer cancelled every order before paying
    ALL = (AWAITING_PAYMENT, PAID, EXPIRED, CANCELLED)


class Checkout(db.Model):
    """One payment for what a buyer bought at once: one order per IKM."""

    __tablename__ = "checkout"

    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(20), unique=True)  # CK-2026-000123, set once the id is known
    buyer_organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    placed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    status = db.Column(db.String(20), nullable=False, default=CheckoutStatus.AWAITING_PAYMENT, index=True)
    # What the buyer pays: the orders still awaiting payment (an order cancelled before payment leaves it).
    total_idr = db.Column(db.BigInteger, nullable=False)
    po_number = db.Column(db.String(60), nullable=False, default="")
    note = db.Column(db.String(1000), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    pay_by = db.Column(UTCDateTime, nullable=False)
    # Set while a payment made before the deadline is being checked (a bank-transfer proof waiting for the
    # coordinator): the checkout does not expire meanwhile.
    payment_check_since = db.Column(UTCDateTime)
    paid_at = db.Column(UTCDateTime)
    payment_reference = db.Column(db.String(120))
    # Set when the checkout pays a sentra order's share (its first split, or a re-allocation after a decline).
    sentra_order_id = db.Column(db.Integer, db.ForeignKey("sentra_order.id", ondelete="RESTRICT"), index=True)

    buyer_organization = db.relationship("Organization")
    placed_by = db.relationship("User")
    orders = db.relationship("Order", back_populates="checkout", order_by="Order.id")
    sentra_order = db.relationship("SentraOrder", foreign_keys=[sentra_order_id])

    def is_overdue(self, now):
        """Past its payment deadline with no payment being checked: it expires."""
        return (
            self.status == CheckoutStatus.AWAITING_PAYMENT and self.pay_by <= now and self.payment_check_since is None
        )

    __table_args__ = (
        db.CheckConstraint("status IN ('awaiting_payment', 'paid', 'expired', 'cancelled')", name="checkout_status"),
        db.CheckConstraint("total_idr >= 0", name="checkout_total_not_negative"),
    )


class OrderStatus:
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    ACCEPTED = "accepted"
    READY = "ready"  # packed: waiting for pickup or dispatch
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    DISPUTED = "disputed"
    REFUNDED = "refunded"
    ALL = (
        AWAITING_PAYMENT,
        PAID,
        ACCEPTED,
        READY,
        SHIPPED,
        DELIVERED,
        COMPLETED,
        CANCELLED,
        REJECTED,
        DISPUTED,
        REFUNDED,
    )
    # Still under way: stock is held for it and somebody has something to do.
    OPEN = (AWAITING_PAYMENT, PAID, ACCEPTED, READY, SHIPPED, DELIVERED, DISPUTED)
    # Never the IKM's work in the end: cancelled (by the buyer or the clock) or rejected (a sentra order's share
    # declined). Not counted as volume an IKM got, by the allocator or the competition monitor.
    NOT_TAKEN = (CANCELLED, REJECTED)
    # The buyer's money is with the sentra: leaving the order by cancel, reject or refund pays it back.
    PAID_STATES = (PAID, ACCEPTED, READY, SHIPPED, DELIVERED, DISPUTED)


class DeliveryMethod:
    PICKUP = "pickup"  # the buyer's truck collects at the sentra
    DELIVERY = "delivery"  # the sentra's tariff, to one of the buyer's addresses
    ALL = (PICKUP, DELIVERY)


class Order(db.Model):
    """What one IKM delivers to one buyer company from a checkout; its lines copy the prices of that moment."""

    __tablename__ = "customer_order"  # "order" is an SQL keyword

    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(20), unique=True)  # PS-2026-000123, set once the id is known
    checkout_id = db.Column(db.Integer, db.ForeignKey("checkout.id", ondelete="RESTRICT"), nullable=False, index=True)
    seller_organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    buyer_organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False, index=True)
    placed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    status = db.Column(db.String(20), nullable=False, default=OrderStatus.AWAITING_PAYMENT, index=True)
    status_reason = db.Column(db.String(1000))
    delivery_method = db.Column(db.String(10), nullable=False)
    # A copy of the address at the moment of ordering (the buyer may change or archive it later).
    delivery_address = db.Column(db.String(800), nullable=False, default="")
    delivery_address_id = db.Column(db.Integer, db.ForeignKey("delivery_address.id", ondelete="SET NULL"))
    seller_is_pkp = db.Column(db.Boolean, nullable=False)
    subtotal_idr = db.Column(db.BigInteger, nullable=False)
    delivery_fee_idr = db.Column(db.BigInteger, nullable=False, default=0)
    ppn_idr = db.Column(db.BigInteger, nullable=False, default=0)
    ppn_rate = db.Column(db.Numeric(5, 4), nullable=False)  # the rate charged (0.11), for its invoice
    total_idr = db.Column(db.BigInteger, nullable=False)
    # What the buyer is owed back (rejection, cancellation after payment, dispute refunded); paid out by payments.
    refund_due_idr = db.Column(db.BigInteger, nullable=False, default=0)
    po_number = db.Column(db.String(60), nullable=False, default="")
    note = db.Column(db.String(1000), nullable=False, default="")
    delivery_note_number = db.Column(db.String(60))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    paid_at = db.Column(UTCDateTime)
    shipped_at = db.Column(UTCDateTime)
    completed_at = db.Column(UTCDateTime)
    # The order is one IKM's share of a sentra order (split by the fair allocator).
    sentra_order_id = db.Column(db.Integer, db.ForeignKey("sentra_order.id", ondelete="RESTRICT"), index=True)

    checkout = db.relationship(Checkout, back_populates="orders")
    sentra_order = db.relationship("SentraOrder", foreign_keys=[sentra_order_id])
    seller_organization = db.relationship("Organization", foreign_keys=[seller_organization_id])
    buyer_organization = db.relationship("Organization", foreign_keys=[buyer_organization_id])
    sentra = db.relationship("Sentra")
    placed_by = db.relationship("User")
    lines = db.relationship("OrderLine", back_populates="order", order_by="OrderLine.id")
    events = db.relationship("OrderEvent", back_populates="order", order_by="OrderEvent.id")
    review = db.relationship("Review", back_populates="order", uselist=False)

    __table_args__ = (
        db.CheckConstraint(
            "status IN ('awaiting_payment', 'paid', 'accepted', 'ready', 'shipped', 'delivered', 'completed', "
            "'cancelled', 'rejected', 'disputed', 'refunded')",
            name="order_status",
        ),
        db.CheckConstraint("delivery_method IN ('pickup', 'delivery')", name="delivery_method"),
        db.CheckConstraint(
            "subtotal_idr >= 0 AND delivery_fee_idr >= 0 AND ppn_idr >= 0 AND refund_due_idr >= 0",
            name="order_amounts_not_negative",
        ),
        db.CheckConstraint("total_idr = subtotal_idr + delivery_fee_idr + ppn_idr", name="order_total_adds_up"),
        db.CheckConstraint("refund_due_idr <= total_idr", name="refund_at_most_total"),
        db.CheckConstraint("ppn_rate >= 0 AND ppn_rate < 1", name="ppn_rate_fraction"),
    )

    @property
    def ppn_percent(self):
        """The PPN rate in percent, as a number to show: 11, or 11.5."""
        return self.ppn_rate * 100


class OrderLine(db.Model):
    """A copy of what was bought: product type name, unit, quantity and unit price at the moment of ordering."""

    __tablename__ = "order_line"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("customer_order.id", ondelete="CASCADE"), nullable=False, index=True)
    listing_id = db.Column(db.Integer, db.ForeignKey("listing.id", ondelete="RESTRICT"), nullable=False, index=True)
    product_type_id = db.Column(db.Integer, db.ForeignKey("product_type.id", ondelete="RESTRICT"), nullable=False)
    product_name = db.Column(db.String(160), nullable=False)
    listing_title = db.Column(db.String(160), nullable=False)
    unit = db.Column(db.String(4), nullable=False)
    quantity = db.Column(QUANTITY, nullable=False)
    unit_price_idr = db.Column(db.BigInteger, nullable=False)
    line_total_idr = db.Column(db.BigInteger, nullable=False)

    order = db.relationship(Order, back_populates="lines")
    listing = db.relationship("Listing")
    product_type = db.relationship("ProductType")

    __table_args__ = (
        db.CheckConstraint("quantity > 0", name="line_quantity_positive"),
        db.CheckConstraint("unit_price_idr > 0 AND line_total_idr > 0", name="line_amounts_positive"),
    )

    @property
    def unit_label(self):
        return self.product_type.unit_label if self.product_type is not None else self.unit


class OrderEvent(db.Model):
    """One move of an order: who, when, from what to what, and why (the timeline)."""

    __tablename__ = "order_event"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("customer_order.id", ondelete="CASCADE"), nullable=False, index=True)
    from_status = db.Column(db.String(20))  # None: the order was placed
    to_status = db.Column(db.String(20), nullable=False)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    note = db.Column(db.String(1000))
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    order = db.relationship(Order, back_populates="events")
    actor = db.relationship("User")


class SentraOrder(db.Model):
    """A buyer's order to a sentra for a quantity of a product type, at the sentra's reference price: the fair
    allocator splits it across the sentra's IKMs (`orders/allocation.py`), each share one order of a checkout. A share
    an IKM declines is allocated again among the others: every run of the allocator is a round."""

    __tablename__ = "sentra_order"

    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(20), unique=True)  # SO-2026-000123, set once the id is known
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False, index=True)
    product_type_id = db.Column(db.Integer, db.ForeignKey("product_type.id", ondelete="RESTRICT"), nullable=False)
    buyer_organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    placed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    quantity = db.Column(QUANTITY, nullable=False)  # what the buyer asked for
    # The reference price with the tier the whole quantity reaches: the same for every IKM of the split.
    unit_price_idr = db.Column(db.BigInteger, nullable=False)
    delivery_method = db.Column(db.String(10), nullable=False)
    delivery_address_id = db.Column(db.Integer, db.ForeignKey("delivery_address.id", ondelete="SET NULL"))
    po_number = db.Column(db.String(60), nullable=False, default="")
    note = db.Column(db.String(1000), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    sentra = db.relationship("Sentra")
    product_type = db.relationship("ProductType")
    buyer_organization = db.relationship("Organization")
    placed_by = db.relationship("User")
    delivery_address = db.relationship("DeliveryAddress")
    rounds = db.relationship("SentraOrderRound", back_populates="sentra_order", order_by="SentraOrderRound.number")

    __table_args__ = (
        db.CheckConstraint("quantity > 0", name="sentra_order_quantity_positive"),
        db.CheckConstraint("unit_price_idr > 0", name="sentra_order_price_positive"),
        db.CheckConstraint("delivery_method IN ('pickup', 'delivery')", name="sentra_order_delivery_method"),
    )


class SentraOrderRound(db.Model):
    """One run of the allocator for a sentra order: the first when the buyer confirmed the split, one more for each
    share an IKM declined. It keeps what the allocator saw and gave (`explanation`), so "why this split" shows the
    split as it was decided, whatever changed since."""

    __tablename__ = "sentra_order_round"

    id = db.Column(db.Integer, primary_key=True)
    sentra_order_id = db.Column(
        db.Integer, db.ForeignKey("sentra_order.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number = db.Column(db.Integer, nullable=False)  # 1: the buyer's split; 2, 3, …: after a decline
    quantity = db.Column(QUANTITY, nullable=False)  # what this round had to place
    allocated = db.Column(QUANTITY, nullable=False)
    # None when nothing could be placed again (the buyer is refunded the declined share).
    checkout_id = db.Column(db.Integer, db.ForeignKey("checkout.id", ondelete="RESTRICT"))
    declined_order_id = db.Column(db.Integer, db.ForeignKey("customer_order.id", ondelete="RESTRICT"))
    # [{organization_id, name, listing_id, capacity, recent, stock, minimum, multiple, quantity, load_before, load}]
    explanation = db.Column(db.JSON, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    sentra_order = db.relationship(SentraOrder, back_populates="rounds")
    checkout = db.relationship(Checkout)
    declined_order = db.relationship("Order", foreign_keys=[declined_order_id])

    __table_args__ = (
        db.UniqueConstraint("sentra_order_id", "number", name="uq_sentra_order_round_number"),
        db.CheckConstraint("quantity > 0 AND allocated >= 0 AND allocated <= quantity", name="round_quantities"),
    )

    @property
    def shortfall(self):
        return self.quantity - self.allocated

    @property
    def why(self):
        return explanation_rows(self.explanation)


@dataclass(frozen=True)
class ExplanationRow:
    """One candidate of an allocator run, as "why this split" shows it."""

    organization_id: int
    name: str
    listing_id: int
    lead_time_days: int
    capacity: Decimal
    recent: Decimal
    stock: Decimal
    minimum: Decimal
    multiple: Decimal
    quantity: Decimal
    load_before: Decimal
    load: Decimal


_DECIMALS = ("capacity", "recent", "stock", "minimum", "multiple", "quantity", "load_before", "load")


def explanation_rows(explanation):
    """The rows a round keeps (JSON: numbers as text, exact) as rows with Decimals."""
    return [
        ExplanationRow(**{key: Decimal(value) if key in _DECIMALS else value for key, value in row.items()})
        for row in explanation
    ]


class Shipment(db.Model):
    """One truckload (or pickup) of an order with its delivery-note (surat jalan) number. Today an order ships in one
    full shipment; several shipments per order and the buyer's receipt per shipment (BAST) build on this table."""

    __tablename__ = "shipment"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("customer_order.id", ondelete="CASCADE"), nullable=False, index=True)
    delivery_note_number = db.Column(db.String(60), nullable=False)
    shipped_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))

    order = db.relationship(Order, backref=db.backref("shipments", order_by="Shipment.id"))


class Review(db.Model):
    """A buyer's rating (1–5) of a completed order, shown on the IKM's pages."""

    __tablename__ = "review"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(
        db.Integer, db.ForeignKey("customer_order.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    seller_organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=True
    )
    buyer_organization_id = db.Column(db.Integer, db.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    rating = db.Column(db.Integer, nullable=False)
    comment = db.Column(db.String(1000), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    order = db.relationship(Order, back_populates="review")
    buyer_organization = db.relationship("Organization", foreign_keys=[buyer_organization_id])

    __table_args__ = (db.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),)


class Notification(db.Model):
    """An order's move as one user sees it in the bell list. The text is made when shown, in the reader's language."""

    __tablename__ = "notification"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    order_id = db.Column(db.Integer, db.ForeignKey("customer_order.id", ondelete="CASCADE"), nullable=False)
    status = db.Column(db.String(20), nullable=False)  # what the order moved to
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    read_at = db.Column(UTCDateTime)

    order = db.relationship(Order)

    __table_args__ = (db.Index("ix_notification_user_unread", "user_id", "read_at"),)


# --- the order's state machine ----------------------------------------------------------------------------------


def _order_history(order, from_status, to_status, actor, note):
    db.session.add(
        OrderEvent(
            order_id=order.id,
            from_status=from_status,
            to_status=to_status,
            actor_id=getattr(actor, "id", None),
            note=note,
        )
    )


_REASONED = (OrderStatus.REJECTED, OrderStatus.DISPUTED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def _values_on_move(to_status, note):
    now = utcnow()
    values = {"updated_at": now}
    if to_status in _REASONED:
        values["status_reason"] = note
    if to_status == OrderStatus.PAID:
        values["paid_at"] = now
    if to_status == OrderStatus.SHIPPED:
        values["shipped_at"] = now
    if to_status == OrderStatus.COMPLETED:
        values["completed_at"] = now
    return values


S = OrderStatus
_BUYER, _SELLER, _COORDINATOR = (Role.BUYER,), (Role.SELLER,), (Role.COORDINATOR,)
ORDER_STATES = StateMachine(
    kind="order",
    model=Order,
    statuses={
        S.AWAITING_PAYMENT: Status(_l("Awaiting payment"), "warning text-dark"),
        S.PAID: Status(_l("Paid"), "info text-dark"),
        S.ACCEPTED: Status(_l("Accepted"), "primary"),
        S.READY: Status(_l("Ready"), "primary"),
        S.SHIPPED: Status(_l("Shipped"), "primary"),
        S.DELIVERED: Status(_l("Delivered"), "success"),
        S.COMPLETED: Status(_l("Completed"), "success"),
        S.CANCELLED: Status(_l("Cancelled"), "secondary"),
        S.REJECTED: Status(_l("Rejected"), "danger"),
        S.DISPUTED: Status(_l("Disputed"), "danger"),
        S.REFUNDED: Status(_l("Refunded"), "dark"),
    },
    actions=(
        # The buyer's.
        action(
            "cancel",
            _l("Cancel order"),
            [S.AWAITING_PAYMENT, S.PAID],
            S.CANCELLED,
            _BUYER,
            style="btn-outline-danger",
            needs_reason=True,
            confirm=_l("Cancel this order? The IKM will not deliver it."),
        ),
        action(
            "confirm_receipt", _l("Confirm receipt"), [S.SHIPPED, S.DELIVERED], S.COMPLETED, _BUYER, style="btn-success"
        ),
        action(
            "dispute",
            _l("Report a problem"),
            [S.SHIPPED, S.DELIVERED],
            S.DISPUTED,
            _BUYER,
            style="btn-outline-danger",
            needs_reason=True,
        ),
        # The seller's.
        action("accept", _l("Accept order"), [S.PAID], S.ACCEPTED, _SELLER, style="btn-success"),
        action(
            "reject",
            _l("Reject order"),
            [S.PAID],
            S.REJECTED,
            _SELLER,
            style="btn-outline-danger",
            needs_reason=True,
            confirm=_l("Reject this order? The buyer gets the money back."),
        ),
        # A share of a sentra order is declined, not rejected: its quantity goes to the other IKMs (sentra_orders.py).
        action(
            "decline",
            _l("Decline this share"),
            [S.PAID],
            S.REJECTED,
            _SELLER,
            style="btn-outline-danger",
            needs_reason=True,
            confirm=_l("Decline this share? Its quantity goes to the other IKMs of the sentra and the buyer is told."),
        ),
        action("mark_ready", _l("Ready for pickup or dispatch"), [S.ACCEPTED], S.READY, _SELLER, style="btn-primary"),
        # "ship" is the shipping form's own button: it needs the delivery-note number.
        action("ship", _l("Ship"), [S.READY], S.SHIPPED, _SELLER, style="btn-primary"),
        action("mark_delivered", _l("Mark as delivered"), [S.SHIPPED], S.DELIVERED, _SELLER, style="btn-primary"),
        # The coordinator's: a dispute ends completed (the IKM is paid) or refunded (the buyer is).
        action(
            "resolve_completed",
            _l("Resolve: complete (pay the IKM)"),
            [S.DISPUTED],
            S.COMPLETED,
            _COORDINATOR,
            style="btn-success",
            needs_reason=True,
        ),
        action(
            "resolve_refunded",
            _l("Resolve: refund the buyer"),
            [S.DISPUTED],
            S.REFUNDED,
            _COORDINATOR,
            style="btn-outline-danger",
            needs_reason=True,
            confirm=_l("Refund the buyer? The stock goes back to the IKM's listing."),
        ),
    ),
    system_moves={
        S.AWAITING_PAYMENT: {S.PAID, S.CANCELLED},  # paid through the payment interface, or expired
        S.SHIPPED: {S.COMPLETED},  # confirmed automatically AUTO_CONFIRM_DAYS after shipping
        S.DELIVERED: {S.COMPLETED},
    },
    audit_prefix="order",
    audit_by_action=True,
    audit_details=lambda order: {"number": order.number},
    history=_order_history,
    values_on_move=_values_on_move,
)


C = CheckoutStatus
CHECKOUT_STATES = StateMachine(
    kind="checkout",
    model=Checkout,
    statuses={
        C.AWAITING_PAYMENT: Status(_l("Awaiting payment"), "warning text-dark"),
        C.PAID: Status(_l("Paid"), "success"),
        C.EXPIRED: Status(_l("Expired"), "secondary"),
        C.CANCELLED: Status(_l("Cancelled"), "secondary"),
    },
    actions=(),
    system_moves={C.AWAITING_PAYMENT: {C.PAID, C.EXPIRED, C.CANCELLED}},
    audit_prefix="checkout",
    audit_details=lambda checkout: {"number": checkout.number},
)
