"""Sentra orders: a buyer orders a quantity of a product type from the sentra at its reference price, the fair
allocator (`allocation.py`) splits it across the sentra's IKMs, and the split the buyer confirms becomes one checkout
with one order per IKM, paid the usual way. An IKM may decline its share within SENTRA_ORDER_DECLINE_HOURS of the
payment: its quantity is allocated again among the others, by the same rule, in a new checkout that the money paid
for the share pays when it costs no more (the difference refunded through the payment interface); otherwise the
share is refunded and the buyer pays the new checkout. What nobody can take is refunded and told as a shortfall.

Every run of the allocator is a round that keeps what the allocator saw and gave: "why this split"."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Organization, OrganizationKind, OrganizationStatus
from marketplace.accounts.services import mail_coordinators, mail_organization
from marketplace.catalog.models import Listing, ListingStatus, ProductType
from marketplace.catalog.stock import MAX_STOCK
from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError
from marketplace.core.money import format_quantity, line_total_idr, ppn_idr
from marketplace.core.outbox import external_url
from marketplace.core.reasons import require_reason
from marketplace.core.roles import Role
from marketplace.core.submissions import claim_submission, record_submission
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import lock_rows, operation
from marketplace.extensions import db
from marketplace.orders import allocation
from marketplace.orders.models import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderStatus,
    SentraOrder,
    SentraOrderRound,
    explanation_rows,
)
from marketplace.orders.payment import pay_with_carried
from marketplace.orders.services import (
    LineProblem,
    _move,
    _number,
    addresses_of,
    create_checkout,
    delivery_fee_for,
    expire_unpaid,
    mail_checkout_placed,
    tariffs_for,
)
from marketplace.pricing.services import schedule_in_force, schedules_in_force, sentra_unit_price_idr

# v_i of the rule: what each IKM was allocated or sold of the product type in this many days before the order.
RECENT_DAYS = 90


class SentraOrderRefused(DomainError):
    code = "sentra_order_refused"


class SplitChanged(SentraOrderRefused):
    """Stock, prices or fees moved since the buyer looked at the split: they look at the new one and confirm again."""

    code = "split_changed"

    def __init__(self):
        super().__init__(_l("The split changed since you looked (stock, price or fees): check it and confirm again."))


# --- who may see and do what ------------------------------------------------------------------------------------


def is_own_sentra_order(user, sentra_order):
    return (
        user.is_authenticated and user.role == Role.BUYER and sentra_order.buyer_organization_id == user.organization_id
    )


def is_coordinated_sentra_order(user, sentra_order):
    return user.is_authenticated and user.role == Role.COORDINATOR and sentra_order.sentra_id == user.sentra_id


def may_view_sentra_order(user, sentra_order):
    """The buyer company and the sentra's coordinators see the split and why; the IKMs see their own order only."""
    return is_own_sentra_order(user, sentra_order) or is_coordinated_sentra_order(user, sentra_order)


# --- the candidates ---------------------------------------------------------------------------------------------


@dataclass
class Offer:
    """An IKM the allocator may give work to, through one listing, with the values the rule reads."""

    organization: Organization
    listing: Listing
    candidate: allocation.Candidate


def offers(sentra_id, product_type_id, now, excluded=()):
    """The candidates for a product type in a sentra, in three queries: the active listings of approved IKMs with a
    declared capacity (one per IKM: the one with the most stock, then the lowest id), what each got in the last
    RECENT_DAYS days, and when each was last given a share of a sentra order."""
    listings = db.session.scalars(
        select(Listing)
        .join(Organization, Organization.id == Listing.organization_id)
        .where(
            Organization.sentra_id == sentra_id,
            Organization.kind == OrganizationKind.IKM,
            Organization.status == OrganizationStatus.APPROVED,
            Listing.product_type_id == product_type_id,
            Listing.status == ListingStatus.ACTIVE,
            Listing.capacity_per_month > 0,
            Listing.organization_id.not_in(list(excluded)),
        )
        .options(joinedload(Listing.organization), joinedload(Listing.product_type))
        .order_by(Listing.organization_id, Listing.stock.desc(), Listing.id)
    ).all()
    chosen = {}
    for listing in listings:
        chosen.setdefault(listing.organization_id, listing)
    if not chosen:
        return []
    ids = list(chosen)
    recent = dict(
        db.session.execute(
            select(Order.seller_organization_id, func.sum(OrderLine.quantity))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(
                Order.seller_organization_id.in_(ids),
                Order.sentra_id == sentra_id,
                OrderLine.product_type_id == product_type_id,
                # The window ends at `now` too: planned for a past moment, what came after it does not count.
                Order.created_at.between(now - timedelta(days=RECENT_DAYS), now),
                Order.status.not_in(OrderStatus.NOT_TAKEN),
            )
            .group_by(Order.seller_organization_id)
        ).all()
    )
    last = dict(
        db.session.execute(
            select(Order.seller_organization_id, func.max(Order.created_at))
            .join(SentraOrder, SentraOrder.id == Order.sentra_order_id)
            .where(
                Order.seller_organization_id.in_(ids),
                SentraOrder.product_type_id == product_type_id,
                Order.created_at <= now,
            )
            .group_by(Order.seller_organization_id)
        ).all()
    )
    return [
        Offer(
            organization=listing.organization,
            listing=listing,
            candidate=allocation.Candidate(
                id=organization_id,
                capacity=Decimal(listing.capacity_per_month),
                recent=Decimal(recent.get(organization_id) or 0),
                stock=Decimal(listing.stock),
                minimum=Decimal(listing.min_order),
                multiple=Decimal(listing.order_multiple),
                last_allocated_at=last.get(organization_id),
            ),
        )
        for organization_id, listing in chosen.items()
    ]


def orderable_product_types(sentra_id, moment=None):
    """The product types a buyer can order from the sentra now: a price in force and at least one IKM selling it."""
    types = db.session.scalars(
        select(ProductType)
        .join(Listing, Listing.product_type_id == ProductType.id)
        .join(Organization, Organization.id == Listing.organization_id)
        .where(
            Organization.sentra_id == sentra_id,
            Organization.status == OrganizationStatus.APPROVED,
            Listing.status == ListingStatus.ACTIVE,
            Listing.capacity_per_month > 0,
        )
        .distinct()
        .order_by(ProductType.name, ProductType.id)
    ).all()
    in_force = schedules_in_force(moment, pairs={(sentra_id, t.id) for t in types})
    return [t for t in types if (sentra_id, t.id) in in_force]


# --- planning a split -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentraOrderRequest:
    product_type_id: int
    quantity: Decimal
    method: str = DeliveryMethod.PICKUP
    address_id: int | None = None
    po_number: str = ""
    note: str = ""


@dataclass
class ShareLine:
    """One IKM's share, priced as an order: the same unit price for all, its own delivery fee and PPN."""

    offer: Offer
    quantity: Decimal
    unit_price_idr: int
    method: str
    address: object
    delivery_fee_idr: int
    ppn_rate: Decimal
    ppn_idr: int

    @property
    def seller(self):
        return self.offer.organization

    @property
    def subtotal_idr(self):
        return line_total_idr(self.unit_price_idr, self.quantity)

    @property
    def total_idr(self):
        return self.subtotal_idr + self.delivery_fee_idr + self.ppn_idr

    @property
    def line_items(self):
        return [(self.offer.listing, self.quantity, self.unit_price_idr, self.subtotal_idr)]


@dataclass
class SplitPlan:
    product_type: ProductType
    requested: Decimal
    unit_price_idr: int
    method: str
    address: object
    result: allocation.Allocation
    offers: list
    lines: list = field(default_factory=list)

    @property
    def allocated(self):
        return self.result.allocated

    @property
    def shortfall(self):
        return self.result.shortfall

    @property
    def total_idr(self):
        return sum(line.total_idr for line in self.lines)

    def explanation(self):
        """What the allocator saw and gave, one row per candidate in its order: kept with the round, shown as "why
        this split"."""
        by_id = {offer.organization.id: offer for offer in self.offers}
        rows = []
        for share in self.result.shares:
            offer = by_id[share.candidate.id]
            candidate = share.candidate
            rows.append(
                {
                    "organization_id": candidate.id,
                    "name": offer.organization.name,
                    "listing_id": offer.listing.id,
                    "lead_time_days": offer.listing.lead_time_days,
                    "capacity": str(candidate.capacity),
                    "recent": str(candidate.recent),
                    "stock": str(candidate.stock),
                    "minimum": str(candidate.minimum),
                    "multiple": str(candidate.multiple),
                    "quantity": str(share.quantity),
                    "load_before": str(share.load_before),
                    "load": str(share.load),
                }
            )
        return rows

    @property
    def why(self):
        return explanation_rows(self.explanation())

    @property
    def fingerprint(self):
        """What the buyer confirms: each IKM's quantity, the unit price and each order's fees."""
        summary = [
            str(self.requested),
            self.unit_price_idr,
            self.method,
            self.address.one_line() if self.address else None,
            [
                [line.seller.id, line.offer.listing.id, str(line.quantity), line.delivery_fee_idr, line.ppn_idr]
                for line in self.lines
            ],
        ]
        return hashlib.sha256(json.dumps(summary).encode()).hexdigest()[:32]


def _require_buyer(user):
    if user.role != Role.BUYER or user.organization is None or user.organization.status != OrganizationStatus.APPROVED:
        raise SentraOrderRefused(_l("Only a buyer company's users can order."))


def _check_quantity(quantity):
    if quantity is None or quantity <= 0 or quantity > MAX_STOCK:
        raise SentraOrderRefused(_l("Enter a quantity above 0."), field="quantity")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise SentraOrderRefused(_l("A quantity has at most 3 decimals."), field="quantity")


def _split(product_type, quantity, price_for, method, address, offers_, rate, tariff):
    """Run the allocator over the offers and price each share as an order, at the unit price `price_for` gives for
    the quantity placed."""
    result = allocation.allocate(quantity, [offer.candidate for offer in offers_])
    unit_price = price_for(result.allocated)
    plan = SplitPlan(
        product_type=product_type,
        requested=quantity,
        unit_price_idr=unit_price,
        method=method,
        address=address,
        result=result,
        offers=offers_,
    )
    by_id = {offer.organization.id: offer for offer in offers_}
    for share in result.shares:
        if share.quantity <= 0:
            continue
        offer = by_id[share.candidate.id]
        fee = delivery_fee_for(tariff, product_type.id, share.quantity) if method == DeliveryMethod.DELIVERY else 0
        subtotal = line_total_idr(unit_price, share.quantity)
        plan.lines.append(
            ShareLine(
                offer=offer,
                quantity=share.quantity,
                unit_price_idr=unit_price,
                method=method,
                address=address,
                delivery_fee_idr=fee,
                ppn_rate=rate,
                # A PKP IKM bills the delivery with the goods: both are its taxable amount (DPP).
                ppn_idr=ppn_idr(subtotal + fee, offer.organization.is_pkp, rate),
            )
        )
    return plan


def plan_sentra_order(user, sentra, data: SentraOrderRequest, moment=None):
    """The split the allocator proposes for the buyer's request, priced now (nothing is written); refused with a
    clear message when the sentra cannot take the order as asked."""
    _require_buyer(user)
    now = moment or utcnow()
    _check_quantity(data.quantity)
    product_type = db.session.get(ProductType, data.product_type_id) if data.product_type_id else None
    if product_type is None:
        raise SentraOrderRefused(_l("Choose a product type."), field="product_type")
    schedule = schedule_in_force(sentra.id, product_type.id, now)
    if schedule is None:
        raise SentraOrderRefused(
            _l("The sentra has no price in force for this product type yet: it cannot be ordered from the sentra."),
            field="product_type",
        )
    address, tariff = None, None
    if data.method == DeliveryMethod.DELIVERY:
        tariff = tariffs_for([sentra.id]).get(sentra.id)
        if tariff is None:
            raise SentraOrderRefused(_l("The sentra does not deliver yet; choose pickup."), field="method")
        address = {a.id: a for a in addresses_of(user.organization_id)}.get(data.address_id)
        if address is None:
            raise SentraOrderRefused(_l("Choose one of your saved addresses."), field="address")
    elif data.method != DeliveryMethod.PICKUP:
        raise SentraOrderRefused(_l("Choose pickup or delivery."), field="method")
    offers_ = offers(sentra.id, product_type.id, now)
    if not offers_:
        raise SentraOrderRefused(_l("No IKM of the sentra sells this product type now."), field="product_type")
    # The tier is the one the whole quantity reaches: with a shortfall, the quantity actually bought.
    plan = _split(
        product_type,
        data.quantity,
        lambda placed: sentra_unit_price_idr(schedule, placed),
        data.method,
        address,
        offers_,
        current_app.config["PPN_RATE"],
        tariff,
    )
    if plan.allocated <= 0:
        raise SentraOrderRefused(
            _l("The sentra's IKMs cannot supply this quantity now (stock, minimum orders or multiples)."),
            field="quantity",
        )
    return plan


# --- placing it -------------------------------------------------------------------------------------------------


@operation
def place_sentra_order(
    user, sentra, data: SentraOrderRequest, seen_fingerprint, accept_partial, submission_token, moment=None
):
    """Confirm the split the buyer saw: a sentra order, its first round and one checkout with one order per IKM, the
    stock of every share reserved, or nothing at all. A split that changed meanwhile (another buyer took the stock)
    is SplitChanged; a shortfall needs the buyer's yes (`accept_partial`)."""
    claim = claim_submission(user, submission_token)
    now = moment or utcnow()
    expire_unpaid(now)  # stock held by checkouts past their deadline goes back before this one reserves any
    plan = plan_sentra_order(user, sentra, data, now)
    if plan.fingerprint != seen_fingerprint:
        raise SplitChanged()
    if plan.shortfall > 0 and not accept_partial:
        raise SentraOrderRefused(
            _l(
                "The sentra can supply only %(qty)s %(unit)s now: accept the partial quantity or cancel.",
                qty=format_quantity(plan.allocated),
                unit=plan.product_type.unit_label,
            ),
            field="accept_partial",
        )
    sentra_order = SentraOrder(
        sentra_id=sentra.id,
        product_type_id=plan.product_type.id,
        buyer_organization_id=user.organization_id,
        placed_by_id=user.id,
        quantity=data.quantity,
        unit_price_idr=plan.unit_price_idr,
        delivery_method=plan.method,
        delivery_address_id=plan.address.id if plan.address else None,
        po_number=(data.po_number or "").strip()[:60],
        note=(data.note or "").strip()[:1000],
        created_at=now,
    )
    db.session.add(sentra_order)
    db.session.flush()
    sentra_order.number = _number("SO", sentra_order, now)
    checkout = _checkout_for(user, user, sentra_order, plan, now)
    _add_round(sentra_order, 1, plan, checkout, now)
    record_audit(
        user,
        "sentra_order.placed",
        sentra_order,
        after={
            "number": sentra_order.number,
            "quantity": str(data.quantity),
            "allocated": str(plan.allocated),
            "split": {str(line.seller.id): str(line.quantity) for line in plan.lines},
        },
    )
    mail_checkout_placed(user, checkout)
    record_submission(claim, sentra_order)
    return sentra_order


def _checkout_for(actor, buyer, sentra_order, plan, now):
    try:
        return create_checkout(actor, buyer, plan.lines, sentra_order.po_number, sentra_order.note, now, sentra_order)
    except LineProblem as error:
        # The allocator read the stock a moment ago and another order took it since: nothing is kept.
        raise SplitChanged() from error


def _add_round(sentra_order, number, plan, checkout, now, declined_order=None):
    db.session.add(
        SentraOrderRound(
            sentra_order_id=sentra_order.id,
            number=number,
            quantity=plan.requested,
            allocated=plan.allocated,
            checkout_id=checkout.id if checkout else None,
            declined_order_id=declined_order.id if declined_order else None,
            explanation=plan.explanation(),
            created_at=now,
        )
    )


# --- declining a share ------------------------------------------------------------------------------------------


def decline_deadline(order):
    """Until when the IKM may decline its share (None: not a share it can decline)."""
    if order.sentra_order_id is None or order.paid_at is None:
        return None
    return order.paid_at + timedelta(hours=current_app.config["SENTRA_ORDER_DECLINE_HOURS"])


def may_decline(user, order, moment=None):
    deadline = decline_deadline(order)
    return (
        deadline is not None
        and user.is_authenticated
        and user.role == Role.SELLER
        and order.seller_organization_id == user.organization_id
        and order.status == OrderStatus.PAID
        and (moment or utcnow()) <= deadline
    )


@operation
def decline_share(user, order, reason, moment=None):
    """The IKM declines its share of a sentra order: the order is closed, its stock returned, and its quantity
    allocated again among the sentra's other IKMs (the same rule) in a new checkout. Through the payment interface,
    the money paid for the share pays that checkout when it costs no more (the difference refunded); else the share
    is refunded whole and the buyer pays the new checkout. The buyer is told either way. Returns the sentra order."""
    now = moment or utcnow()
    if order.sentra_order_id is None:
        raise SentraOrderRefused(_l("Only a share of a sentra order can be declined."))
    if not may_decline(user, order, now):
        if order.status != OrderStatus.PAID:
            raise SentraOrderRefused(_l("This share can no longer be declined: it is not waiting for your answer."))
        raise SentraOrderRefused(
            _l(
                "The time to decline has passed (%(hours)s hours after payment): deliver it, or ask the coordinator.",
                hours=current_app.config["SENTRA_ORDER_DECLINE_HOURS"],
            )
        )
    note = require_reason(reason)
    # Two IKMs of one sentra order declining at once take turns: each round is numbered and allocated after the last.
    lock_rows(SentraOrder, SentraOrder.id == order.sentra_order_id)
    sentra_order = db.session.get(SentraOrder, order.sentra_order_id, populate_existing=True)
    quantity = sum((line.quantity for line in order.lines), Decimal("0"))
    declined_by = db.session.scalars(
        select(Order.seller_organization_id).where(
            Order.sentra_order_id == sentra_order.id, Order.status == OrderStatus.REJECTED
        )
    ).all()
    number = 1 + db.session.scalar(
        select(func.count(SentraOrderRound.id)).where(SentraOrderRound.sentra_order_id == sentra_order.id)
    )
    plan = _reallocation(sentra_order, quantity, set(declined_by) | {order.seller_organization_id}, now)
    buyer = sentra_order.placed_by
    if buyer is None:
        # Nobody of the buyer company to place new orders for: the share is refunded whole, nothing placed again.
        plan.lines, plan.result = [], allocation.Allocation(plan.requested, ())
    # The buyer's money for the declined share pays the orders that take it over when they cost no more (the same
    # unit price; PPN and delivery fees follow each IKM): only the difference is refunded. When they cost more, the
    # share is refunded whole and the buyer pays the new checkout.
    carried = bool(plan.lines) and plan.total_idr <= order.total_idr
    refund_idr = order.total_idr - plan.total_idr if carried else order.total_idr
    _move(order, OrderStatus.REJECTED, user, note=note, action_name="decline", refund_idr=refund_idr)
    # The new orders are the system's doing, not the declining IKM's: placed and paid with no actor, so that their
    # IKMs hear of them as of a payment (notify.py) and the timeline says so.
    checkout = _checkout_for(None, buyer, sentra_order, plan, now) if plan.lines else None
    if carried:
        pay_with_carried(checkout, order, None, now)
    _add_round(sentra_order, number, plan, checkout, now, declined_order=order)
    record_audit(
        user,
        "sentra_order.declined",
        sentra_order,
        after={
            "order": order.number,
            "quantity": str(quantity),
            "reallocated": {str(line.seller.id): str(line.quantity) for line in plan.lines},
            "carried_idr": plan.total_idr if carried else 0,
            "refund_idr": refund_idr,
        },
        note=note,
    )
    mail_organization(
        sentra_order.buyer_organization,
        _l("Sentra order %(number)s: an IKM declined its share", number=sentra_order.number),
        "sentra_order_declined",
        sentra_order=sentra_order,
        declined=order,
        quantity=quantity,
        plan=plan,
        checkout=checkout,
        carried=carried,
        refund_idr=refund_idr,
        link=external_url("orders.sentra_order_detail", sentra_order_id=sentra_order.id),
        pay_link=external_url("payments.pay_checkout", checkout_id=checkout.id) if checkout and not carried else None,
    )
    # The coordinators follow declines (they are counted on the competition monitor).
    mail_coordinators(
        sentra_order.sentra_id,
        _l(
            "Sentra order %(number)s: %(ikm)s declined its share",
            number=sentra_order.number,
            ikm=order.seller_organization.name,
        ),
        "sentra_order_declined_coordinator",
        sentra_order=sentra_order,
        declined=order,
        quantity=quantity,
        reason=note,
        plan=plan,
        link=external_url("orders.sentra_order_detail", sentra_order_id=sentra_order.id),
    )
    return sentra_order


def _reallocation(sentra_order, quantity, excluded, now):
    """The declined quantity split among the other IKMs, at the sentra order's unit price and delivery choice."""
    offers_ = offers(sentra_order.sentra_id, sentra_order.product_type_id, now, excluded=excluded)
    address = sentra_order.delivery_address if sentra_order.delivery_method == DeliveryMethod.DELIVERY else None
    tariff = tariffs_for([sentra_order.sentra_id]).get(sentra_order.sentra_id)
    method = sentra_order.delivery_method
    if method == DeliveryMethod.DELIVERY and (tariff is None or address is None):
        method, address = DeliveryMethod.PICKUP, None  # the tariff or the address went meanwhile
    return _split(
        sentra_order.product_type,
        quantity,
        lambda placed: sentra_order.unit_price_idr,  # the sentra order's price holds for every round
        method,
        address,
        offers_,
        current_app.config["PPN_RATE"],
        tariff,
    )


# --- what the pages show ----------------------------------------------------------------------------------------


def _sentra_order_options():
    return (
        joinedload(SentraOrder.product_type),
        joinedload(SentraOrder.buyer_organization),
        joinedload(SentraOrder.sentra),
    )


def sentra_orders_page(page, buyer_organization_id=None, sentra_id=None, per_page=20):
    """One page of sentra orders, newest first: a buyer company's or a sentra's, with their rounds."""
    query = select(SentraOrder).options(*_sentra_order_options(), selectinload(SentraOrder.rounds))
    if buyer_organization_id is not None:
        query = query.where(SentraOrder.buyer_organization_id == buyer_organization_id)
    if sentra_id is not None:
        query = query.where(SentraOrder.sentra_id == sentra_id)
    query = query.order_by(SentraOrder.created_at.desc(), SentraOrder.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def sentra_order_for_page(sentra_order_id):
    """A sentra order with its rounds, their checkouts and the orders of the split (a fixed number of queries)."""
    return db.session.scalar(
        select(SentraOrder)
        .where(SentraOrder.id == sentra_order_id)
        .options(
            *_sentra_order_options(),
            joinedload(SentraOrder.placed_by),
            selectinload(SentraOrder.rounds).joinedload(SentraOrderRound.checkout),
            selectinload(SentraOrder.rounds).joinedload(SentraOrderRound.declined_order),
        )
    )


def orders_of(sentra_order):
    """The orders of every round, oldest first, with their IKMs and lines (two queries)."""
    return db.session.scalars(
        select(Order)
        .where(Order.sentra_order_id == sentra_order.id)
        .options(joinedload(Order.seller_organization), selectinload(Order.lines))
        .order_by(Order.id)
    ).all()


def allocated_quantity(sentra_order_orders):
    """What the split holds now: the quantity of its orders not cancelled or declined."""
    return sum(
        (
            line.quantity
            for order in sentra_order_orders
            if order.status not in OrderStatus.NOT_TAKEN
            for line in order.lines
        ),
        Decimal("0"),
    )
