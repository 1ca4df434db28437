"""Orders' operations: the cart, planning and placing a checkout, moving orders through their lifecycle, expiry and
automatic confirmation, reviews and reorders; and the queries the order pages show."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.accounts.models import Organization, OrganizationStatus
from marketplace.catalog.models import Listing, ListingStatus, StockReason
from marketplace.catalog.stock import MAX_STOCK, OutOfStock, release, reserve
from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError, InvalidTransition
from marketplace.core.money import format_quantity, line_total_idr, ppn_idr, round_idr
from marketplace.core.notes import register_notes, system_note
from marketplace.core.outbox import enqueue_mail, external_url
from marketplace.core.reasons import require_reason
from marketplace.core.roles import Role
from marketplace.core.submissions import claim_submission, record_submission
from marketplace.core.timeutil import WIB, utcnow
from marketplace.core.transaction import operation
from marketplace.extensions import db
from marketplace.orders.models import (
    CHECKOUT_STATES,
    ORDER_STATES,
    CartItem,
    Checkout,
    CheckoutStatus,
    DeliveryAddress,
    DeliveryMethod,
    DeliveryTariff,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Review,
    Shipment,
)
from marketplace.orders.notify import tell_of_move
from marketplace.orders.payment import refund, release_to_ikm
from marketplace.pricing.services import unit_prices_for

MAX_CART_ITEMS = 50

register_notes(
    {
        "orders.payment_expired": _l("Not paid within the payment deadline: cancelled and the stock returned."),
        "orders.auto_confirmed": _l("Receipt confirmed automatically %(days)s days after shipping."),
        "orders.placed": _l("Order placed."),
    }
)


class CartRefused(DomainError):
    field = "quantity"


class CheckoutRefused(DomainError):
    pass


class LineProblem(CheckoutRefused):
    """A line of the cart cannot be bought as it is: nothing was reserved, and the buyer sees which line and why."""

    code = "line_problem"

    def __init__(self, title, reason):
        super().__init__(_l("%(title)s: %(reason)s", title=title, reason=reason))
        self.title = title
        self.reason = reason


class PricesChanged(CheckoutRefused):
    """Something the buyer saw on the review page (a price, a fee) changed: they look again and confirm again."""

    code = "prices_changed"

    def __init__(self):
        super().__init__(_l("Prices or fees changed since you looked: check the new amounts and confirm again."))


class OrderRefused(DomainError):
    pass


# --- who may see and do what ------------------------------------------------------------------------------------


def is_buyer_order(user, order):
    """Every user of the buyer company sees its orders."""
    return user.is_authenticated and user.role == Role.BUYER and order.buyer_organization_id == user.organization_id


def is_seller_order(user, order):
    return user.is_authenticated and user.role == Role.SELLER and order.seller_organization_id == user.organization_id


def is_sentra_order(user, order):
    return user.is_authenticated and user.role == Role.COORDINATOR and order.sentra_id == user.sentra_id


def is_own_cart_item(user, item):
    return user.is_authenticated and item.user_id == user.id


def is_own_checkout(user, checkout):
    return user.is_authenticated and user.role == Role.BUYER and checkout.buyer_organization_id == user.organization_id


def is_own_address(user, address):
    return (
        user.is_authenticated
        and user.role == Role.BUYER
        and address.organization_id == user.organization_id
        and address.archived_at is None
    )


def _require_buyer(user):
    if user.role != Role.BUYER or user.organization is None or user.organization.status != OrganizationStatus.APPROVED:
        raise CartRefused(_l("Only a buyer company's users can order."), field=None)


# --- quantities and prices --------------------------------------------------------------------------------------


def quantity_problem(listing, quantity):
    """Why `quantity` of `listing` cannot be ordered (a translatable message), or None."""
    unit = listing.product_type.unit_label
    if quantity is None or quantity <= 0 or quantity > MAX_STOCK:
        return _l("Enter a quantity above 0.")
    if quantity != quantity.quantize(Decimal("0.001")):
        return _l("A quantity has at most 3 decimals.")
    if quantity < listing.min_order:
        return _l("The minimum order is %(qty)s %(unit)s.", qty=format_quantity(listing.min_order), unit=unit)
    if quantity % listing.order_multiple:
        return _l("Order in multiples of %(qty)s %(unit)s.", qty=format_quantity(listing.order_multiple), unit=unit)
    if quantity > listing.stock:
        return _l("Not enough stock: only %(available)s left.", available=format_quantity(listing.stock))
    return None


def sale_problem(listing, unit_price_idr):
    """Why a listing cannot be bought at all now (paused, suspended, its price outside the band), or None."""
    if listing.status != ListingStatus.ACTIVE or listing.organization.status != OrganizationStatus.APPROVED:
        return _l("This listing is not for sale any more.")
    if unit_price_idr is None:
        return _l("Its price is outside the sentra's band: it cannot be bought until the IKM corrects it.")
    return None


# --- the cart ---------------------------------------------------------------------------------------------------


@dataclass
class CartLine:
    item: CartItem
    listing: Listing
    unit_price_idr: int | None
    line_total_idr: int
    problem: object = None  # a translatable message: this line cannot be checked out as it is

    @property
    def price_changed(self):
        return self.unit_price_idr is not None and self.unit_price_idr != self.item.seen_unit_price_idr


@dataclass
class CartGroup:
    """The lines of one IKM: they become one order."""

    seller: Organization
    lines: list = field(default_factory=list)

    @property
    def subtotal_idr(self):
        return sum(line.line_total_idr for line in self.lines)


@dataclass
class Cart:
    groups: list

    @property
    def lines(self):
        return [line for group in self.groups for line in group.lines]

    @property
    def subtotal_idr(self):
        return sum(group.subtotal_idr for group in self.groups)

    @property
    def changed(self):
        return [line for line in self.lines if line.price_changed]

    @property
    def problems(self):
        return [line for line in self.lines if line.problem is not None]

    @property
    def spans_sentras(self):
        """Products of more than one sentra: each sentra is paid separately, so they are checked out apart."""
        return len({group.seller.sentra_id for group in self.groups}) > 1


SEVERAL_SENTRAS = _l(
    "Your cart holds products of more than one sentra, and each sentra is paid separately. "
    "Check out one sentra's products at a time: remove the others for now and add them again afterwards."
)


def _cart_items(user):
    return db.session.scalars(
        select(CartItem)
        .where(CartItem.user_id == user.id)
        .options(
            joinedload(CartItem.listing).joinedload(Listing.organization),
            joinedload(CartItem.listing).joinedload(Listing.product_type),
        )
        .order_by(CartItem.id)
    ).all()


def cart_of(user, moment=None):
    """The user's cart as it stands now: today's prices, each line's problem, grouped by IKM (a fixed number of
    queries whatever its size)."""
    items = _cart_items(user)
    prices = unit_prices_for([(item.listing, item.quantity) for item in items], moment)
    groups = {}
    for item in items:
        listing = item.listing
        _, price = prices[listing.id]
        problem = sale_problem(listing, price) or quantity_problem(listing, item.quantity)
        total = line_total_idr(price, item.quantity) if price is not None else 0
        group = groups.setdefault(listing.organization_id, CartGroup(seller=listing.organization))
        group.lines.append(
            CartLine(item=item, listing=listing, unit_price_idr=price, line_total_idr=total, problem=problem)
        )
    return Cart(groups=sorted(groups.values(), key=lambda g: (g.seller.name, g.seller.id)))


def cart_size(user):
    return db.session.scalar(select(func.count(CartItem.id)).where(CartItem.user_id == user.id))


@operation
def put_in_cart(user, listing, quantity, moment=None):
    """Put `quantity` of a listing in the user's cart (replacing the quantity already there: sending twice is
    harmless). Refused, changing nothing, when the listing cannot be bought or the quantity does not fit."""
    _require_buyer(user)
    _, price = unit_prices_for([(listing, quantity)], moment)[listing.id]
    problem = sale_problem(listing, price) or quantity_problem(listing, quantity)
    if problem is not None:
        raise CartRefused(problem)
    item = db.session.scalar(select(CartItem).where(CartItem.user_id == user.id, CartItem.listing_id == listing.id))
    if item is None:
        if cart_size(user) >= MAX_CART_ITEMS:
            raise CartRefused(_l("A cart holds at most %(n)d products: check out first.", n=MAX_CART_ITEMS))
        item = CartItem(user_id=user.id, listing_id=listing.id, quantity=quantity, seen_unit_price_idr=price)
        try:
            # The same listing sent twice at once: one row. The row is added inside the SAVEPOINT (begin_nested
            # flushes what is pending before it sets one), so a duplicate undoes only itself.
            with db.session.begin_nested():
                db.session.add(item)
                db.session.flush()
        except IntegrityError:
            item = db.session.scalar(
                select(CartItem).where(CartItem.user_id == user.id, CartItem.listing_id == listing.id)
            )
    item.quantity = quantity
    item.seen_unit_price_idr = price
    db.session.flush()
    return item


@operation
def update_cart(user, quantities, moment=None):
    """New quantities for the user's cart lines ({item id: quantity}); the prices shown are now the ones seen.

    All or nothing: a quantity that does not fit refuses the whole update, naming the line."""
    _require_buyer(user)
    items = {item.id: item for item in _cart_items(user)}
    for item_id, quantity in quantities.items():
        item = items.get(item_id)
        if item is None:
            continue  # removed in another tab meanwhile
        problem = quantity_problem(item.listing, quantity)
        if problem is not None:
            raise LineProblem(item.listing.title, problem)
        item.quantity = quantity
    prices = unit_prices_for([(item.listing, item.quantity) for item in items.values()], moment)
    for item in items.values():
        _, price = prices[item.listing_id]
        if price is not None:
            item.seen_unit_price_idr = price
    db.session.flush()


@operation
def remove_from_cart(user, item_id):
    """Take a line out of the user's cart (a line already gone is fine)."""
    db.session.execute(delete(CartItem).where(CartItem.id == item_id, CartItem.user_id == user.id))


# --- delivery ---------------------------------------------------------------------------------------------------


def addresses_of(organization_id):
    return db.session.scalars(
        select(DeliveryAddress)
        .where(DeliveryAddress.organization_id == organization_id, DeliveryAddress.archived_at.is_(None))
        .order_by(DeliveryAddress.label, DeliveryAddress.id)
    ).all()


def tariffs_for(sentra_ids):
    """{sentra id: its delivery tariff} for the sentras that have one (one query, fees included)."""
    rows = db.session.scalars(
        select(DeliveryTariff)
        .where(DeliveryTariff.sentra_id.in_(set(sentra_ids)))
        .options(selectinload(DeliveryTariff.unit_fees))
    ).all()
    return {tariff.sentra_id: tariff for tariff in rows}


def delivery_fee_idr(tariff, lines):
    """The sentra's fee for one order: its base fee plus each line's quantity times its product type's unit fee."""
    per_unit = sum(Decimal(tariff.fee_per_unit(line.listing.product_type_id)) * line.item.quantity for line in lines)
    return tariff.base_fee_idr + round_idr(per_unit)


def delivery_fee_for(tariff, product_type_id, quantity):
    """The sentra's fee for an order of one product type (a share of a sentra order)."""
    return tariff.base_fee_idr + round_idr(Decimal(tariff.fee_per_unit(product_type_id)) * quantity)


# --- planning a checkout ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryChoice:
    method: str  # DeliveryMethod
    address_id: int | None = None


@dataclass
class OrderPlan:
    group: CartGroup
    method: str
    address: DeliveryAddress | None
    delivery_fee_idr: int
    ppn_rate: Decimal
    ppn_idr: int

    @property
    def seller(self):
        return self.group.seller

    @property
    def subtotal_idr(self):
        return self.group.subtotal_idr

    @property
    def total_idr(self):
        return self.subtotal_idr + self.delivery_fee_idr + self.ppn_idr

    @property
    def line_items(self):
        return [
            (line.listing, line.item.quantity, line.unit_price_idr, line.line_total_idr) for line in self.group.lines
        ]


@dataclass
class CheckoutPlan:
    orders: list

    @property
    def total_idr(self):
        return sum(plan.total_idr for plan in self.orders)

    @property
    def fingerprint(self):
        """What the buyer confirms: each line's price and quantity and each order's fees. A change means a new look."""
        summary = [
            [
                plan.seller.id,
                plan.method,
                plan.address.one_line() if plan.address else None,
                plan.delivery_fee_idr,
                plan.ppn_idr,
                [[line.listing.id, str(line.item.quantity), line.unit_price_idr] for line in plan.group.lines],
            ]
            for plan in self.orders
        ]
        return hashlib.sha256(json.dumps(summary).encode()).hexdigest()[:32]


class DeliveryRefused(CheckoutRefused):
    code = "delivery_refused"


def plan_checkout(user, choices, moment=None, cart=None):
    """The orders a checkout of the user's cart would create with these delivery choices ({seller id:
    DeliveryChoice}), priced now; refused (naming the line or the IKM) when something cannot be bought. `cart`: the
    user's cart_of, when the caller has just read it (the review page)."""
    _require_buyer(user)
    cart = cart if cart is not None else cart_of(user, moment)
    if not cart.groups:
        raise CheckoutRefused(_l("Your cart is empty."))
    for line in cart.lines:
        if line.problem is not None:
            raise LineProblem(line.listing.title, line.problem)
    if cart.spans_sentras:
        # Each sentra holds the money for its own IKMs, in its own bank account: one checkout pays one sentra.
        raise CheckoutRefused(SEVERAL_SENTRAS)
    addresses = {address.id: address for address in addresses_of(user.organization_id)}
    tariffs = tariffs_for(group.seller.sentra_id for group in cart.groups)
    rate = current_app.config["PPN_RATE"]
    plans = []
    for group in cart.groups:
        choice = choices.get(group.seller.id) or DeliveryChoice(DeliveryMethod.PICKUP)
        address, fee = None, 0
        if choice.method == DeliveryMethod.DELIVERY:
            tariff = tariffs.get(group.seller.sentra_id)
            if tariff is None:
                raise DeliveryRefused(
                    _l("%(ikm)s: the sentra does not deliver yet; choose pickup.", ikm=group.seller.name)
                )
            address = addresses.get(choice.address_id)
            if address is None:
                raise DeliveryRefused(_l("%(ikm)s: choose one of your saved addresses.", ikm=group.seller.name))
            fee = delivery_fee_idr(tariff, group.lines)
        elif choice.method != DeliveryMethod.PICKUP:
            raise DeliveryRefused(_l("Choose pickup or delivery."))
        plans.append(
            OrderPlan(
                group=group,
                method=choice.method,
                address=address,
                delivery_fee_idr=fee,
                ppn_rate=rate,
                # A PKP IKM bills the delivery with the goods: both are its taxable amount (DPP).
                ppn_idr=ppn_idr(group.subtotal_idr + fee, group.seller.is_pkp, rate),
            )
        )
    return CheckoutPlan(orders=plans)


def _number(prefix, row, moment):
    return f"{prefix}-{moment.astimezone(WIB).year}-{row.id:06d}"


@operation
def place_checkout(user, choices, po_number, note, seen_fingerprint, submission_token, moment=None):
    """Confirm the user's cart: one checkout holding one order per IKM, awaiting payment, with the stock of every
    line reserved, or nothing at all (the first line that cannot be had is named). The prices must still be those
    the buyer confirmed (`seen_fingerprint`), else PricesChanged and nothing happens."""
    claim = claim_submission(user, submission_token)
    now = moment or utcnow()
    expire_unpaid(now)  # stock held by checkouts past their deadline goes back before this one reserves any
    plan = plan_checkout(user, choices, now)
    if plan.fingerprint != seen_fingerprint:
        raise PricesChanged()
    checkout = create_checkout(user, user, plan.orders, po_number, note, now)
    db.session.execute(delete(CartItem).where(CartItem.user_id == user.id))
    mail_checkout_placed(user, checkout)
    record_submission(claim, checkout)
    return checkout


def create_checkout(actor, buyer, order_plans, po_number, note, now, sentra_order=None):
    """A checkout placed by `actor` (None: the system, re-allocating a declined share) for the buyer user `buyer`,
    awaiting payment, with one order per plan (each has seller,
    method, address, delivery_fee_idr, ppn_rate, ppn_idr, subtotal_idr, total_idr and `line_items`: (listing,
    quantity, unit price, line total)), the stock of every line reserved, or LineProblem naming the first line that
    cannot be had (the caller's operation then undoes everything)."""
    po_number = (po_number or "").strip()[:60]
    note = (note or "").strip()[:1000]
    hours = current_app.config["PAYMENT_DEADLINE_HOURS"]
    checkout = Checkout(
        buyer_organization_id=buyer.organization_id,
        placed_by_id=buyer.id,
        status=CheckoutStatus.AWAITING_PAYMENT,
        total_idr=sum(plan.total_idr for plan in order_plans),
        po_number=po_number,
        note=note,
        created_at=now,
        pay_by=now + timedelta(hours=hours),
        sentra_order_id=getattr(sentra_order, "id", None),
    )
    db.session.add(checkout)
    db.session.flush()
    checkout.number = _number("CK", checkout, now)
    orders = []
    for order_plan in order_plans:
        order = Order(
            checkout=checkout,
            seller_organization_id=order_plan.seller.id,
            buyer_organization_id=buyer.organization_id,
            sentra_id=order_plan.seller.sentra_id,
            placed_by_id=buyer.id,
            status=OrderStatus.AWAITING_PAYMENT,
            delivery_method=order_plan.method,
            delivery_address=order_plan.address.one_line() if order_plan.address else "",
            delivery_address_id=order_plan.address.id if order_plan.address else None,
            seller_is_pkp=order_plan.seller.is_pkp,
            subtotal_idr=order_plan.subtotal_idr,
            delivery_fee_idr=order_plan.delivery_fee_idr,
            ppn_idr=order_plan.ppn_idr,
            ppn_rate=order_plan.ppn_rate,
            total_idr=order_plan.total_idr,
            po_number=po_number,
            note=note,
            created_at=now,
            updated_at=now,
            sentra_order_id=getattr(sentra_order, "id", None),
        )
        for listing, quantity, unit_price, line_total in order_plan.line_items:
            order.lines.append(
                OrderLine(
                    listing_id=listing.id,
                    product_type_id=listing.product_type_id,
                    product_name=listing.product_type.name,
                    listing_title=listing.title,
                    unit=listing.product_type.unit,
                    quantity=quantity,
                    unit_price_idr=unit_price,
                    line_total_idr=line_total,
                )
            )
        db.session.add(order)
        orders.append(order)
    db.session.flush()
    for order in orders:
        order.number = _number("PS", order, now)
        db.session.add(
            OrderEvent(
                order_id=order.id,
                from_status=None,
                to_status=OrderStatus.AWAITING_PAYMENT,
                actor_id=getattr(actor, "id", None),
                note=system_note("orders.placed"),
                at=now,
            )
        )
    # Every line's stock, in ascending listing id (row locks in one order: two checkouts queue, never deadlock).
    items = sorted((item for plan_ in order_plans for item in plan_.line_items), key=lambda item: item[0].id)
    for listing, quantity, _, _ in items:
        try:
            reserve(listing.id, quantity, actor=actor, reason=StockReason.RESERVED)
        except OutOfStock as error:
            raise LineProblem(listing.title, error.message) from error
    record_audit(
        actor,
        "checkout.placed",
        checkout,
        after={"number": checkout.number, "total_idr": checkout.total_idr, "orders": [o.number for o in orders]},
    )
    return checkout


def mail_checkout_placed(user, checkout):
    enqueue_mail(
        user.email,
        _l("Your order %(number)s: pay before the deadline", number=checkout.number),
        "checkout_placed",
        locale=user.locale,
        checkout=checkout,
        link=external_url("payments.pay_checkout", checkout_id=checkout.id),
    )


# --- the lifecycle ----------------------------------------------------------------------------------------------

_ENDS_UNFULFILLED = (OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.REFUNDED)


def _return_stock(order, actor):
    for line in sorted(order.lines, key=lambda line: line.listing_id):
        release(line.listing_id, line.quantity, actor=actor, reason=StockReason.RELEASED)


def _move(order, to_status, actor, note=None, action_name=None, extra_values=None, refund_idr=None):
    """One move and what follows it: stock back and money back when a paid order ends unfulfilled (all of it, or
    `refund_idr` when part of it pays other orders), the news told."""
    from_status = order.status
    unpaid = from_status == OrderStatus.AWAITING_PAYMENT and to_status in _ENDS_UNFULFILLED
    if unpaid:
        _leave_checkout_total(order)
    ORDER_STATES.move(order, to_status, actor, note=note, action_name=action_name, extra_values=extra_values)
    if to_status in _ENDS_UNFULFILLED:
        _return_stock(order, actor)
        if from_status in OrderStatus.PAID_STATES:
            refund(order, actor, note, refund_idr)
        if unpaid:
            _close_checkout_if_nothing_left(order.checkout, actor)
    elif to_status == OrderStatus.COMPLETED:
        release_to_ikm(order, actor)
    tell_of_move(order, to_status, actor)


def _leave_checkout_total(order):
    """What is left to pay is the orders still awaiting payment: one UPDATE by a delta on the checkout's row, made
    before the order's move, so that two cancellations at once both count and a cancellation and the payment take
    the rows in the same order as mark_checkout_paid (checkout, then orders) instead of deadlocking."""
    checkout = order.checkout
    left = db.session.execute(
        update(Checkout)
        .where(Checkout.id == checkout.id, Checkout.status == CheckoutStatus.AWAITING_PAYMENT)
        .values(total_idr=Checkout.total_idr - order.total_idr)
        .returning(Checkout.total_idr)
        .execution_options(synchronize_session=False)
    ).scalar()
    if left is not None:
        set_committed_value(checkout, "total_idr", left)


def _close_checkout_if_nothing_left(checkout, actor):
    # Counted in the database: an order another user cancelled meanwhile is not as this session remembers it.
    left = db.session.scalar(
        select(func.count(Order.id)).where(Order.checkout_id == checkout.id, Order.status != OrderStatus.CANCELLED)
    )
    if checkout.status == CheckoutStatus.AWAITING_PAYMENT and not left:
        CHECKOUT_STATES.move(checkout, CheckoutStatus.CANCELLED, actor)


def page_actions(order, user):
    """The buttons an order's page shows: the state machine's, but a sentra order's share is declined (its own form)
    rather than rejected, and an order of the cart is never "declined"."""
    hidden = {"decline", "reject"} if order.sentra_order_id else {"decline"}
    return [act for act in ORDER_STATES.available_actions(order, user) if act.name not in hidden]


def may_act(user, order):
    return is_buyer_order(user, order) or is_seller_order(user, order) or is_sentra_order(user, order)


@operation
def act_on_order(user, order, action_name, reason=None, delivery_note_number=None, moment=None):
    """A person moves an order by one of the actions its page offers them; anything else is InvalidTransition."""
    if not may_act(user, order):
        raise OrderRefused(_l("This order is not yours to act on."))
    _catch_up(order, moment)
    act = ORDER_STATES.check(order, action_name, user.role)
    if act.name == "decline" or (act.name == "reject" and order.sentra_order_id):
        # A share of a sentra order is declined with its own form: its quantity is allocated again.
        raise OrderRefused(
            _l("A share of a sentra order is declined with the form on its page, within the time to decline.")
        )
    if act.name == "cancel" and order.status == OrderStatus.AWAITING_PAYMENT and order.checkout.payment_check_since:
        # The buyer says the money was sent for the whole checkout: its total stays as the sentra checks it.
        raise OrderRefused(_l("A payment of this checkout is being checked: wait for the sentra's answer to cancel."))
    note = require_reason(reason) if act.needs_reason else ((reason or "").strip()[:1000] or None)
    extra = None
    if act.name == "ship":
        number = " ".join((delivery_note_number or "").split())
        if not number:
            raise OrderRefused(_l("Enter the delivery note (surat jalan) number."), field="delivery_note_number")
        if len(number) > 60:
            raise OrderRefused(_l("At most 60 characters."), field="delivery_note_number")
        extra = {"delivery_note_number": number}
        db.session.add(Shipment(order_id=order.id, delivery_note_number=number, created_by_id=user.id))
    _move(order, act.target, user, note=note, action_name=act.name, extra_values=extra)
    return order


def _catch_up(order, moment=None):
    """Before anybody acts on it: an order whose payment deadline passed is expired, one shipped long ago confirmed."""
    now = moment or utcnow()
    if order.status == OrderStatus.AWAITING_PAYMENT and order.checkout.is_overdue(now):
        _expire(order.checkout)
    elif order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED) and order.shipped_at <= _auto_confirm_cutoff(now):
        _auto_confirm(order)


def _expire(checkout):
    # The checkout first: cancelling its last order would otherwise close it as cancelled by the buyer. Its row is
    # then this transaction's (a buyer's cancellation takes it first too), and its orders are read again: one may
    # have been cancelled since this session loaded them.
    CHECKOUT_STATES.move(checkout, CheckoutStatus.EXPIRED, None)
    waiting = db.session.scalars(
        select(Order)
        .where(Order.checkout_id == checkout.id, Order.status == OrderStatus.AWAITING_PAYMENT)
        .order_by(Order.id)
        .execution_options(populate_existing=True)
    ).all()
    for order in waiting:
        _move(order, OrderStatus.CANCELLED, None, note=system_note("orders.payment_expired"))


def _auto_confirm_cutoff(now):
    return now - timedelta(days=current_app.config["AUTO_CONFIRM_DAYS"])


def _auto_confirm(order):
    days = current_app.config["AUTO_CONFIRM_DAYS"]
    _move(order, OrderStatus.COMPLETED, None, note=system_note("orders.auto_confirmed", days=days))


@operation
def expire_unpaid(moment=None):
    """Cancel the orders of checkouts not paid by their deadline and return their stock; how many checkouts."""
    now = moment or utcnow()
    overdue = db.session.scalars(
        select(Checkout)
        .where(
            Checkout.status == CheckoutStatus.AWAITING_PAYMENT,
            Checkout.pay_by <= now,
            Checkout.payment_check_since.is_(None),
        )
        .order_by(Checkout.id)
        .with_for_update(skip_locked=True)
    ).all()
    return sum(_settle(_expire, checkout) for checkout in overdue)


@operation
def auto_confirm(moment=None):
    """Complete the orders shipped more than AUTO_CONFIRM_DAYS ago that nobody confirmed; how many."""
    cutoff = _auto_confirm_cutoff(moment or utcnow())
    due = db.session.scalars(
        select(Order)
        .where(Order.status.in_((OrderStatus.SHIPPED, OrderStatus.DELIVERED)), Order.shipped_at <= cutoff)
        .order_by(Order.id)
    ).all()
    return sum(_settle(_auto_confirm, order) for order in due)


@operation
def catch_up_checkout(checkout, moment=None):
    """What reading a checkout settles: past its payment deadline, it expires now (its stock goes back)."""
    if checkout.is_overdue(moment or utcnow()):
        _settle(_expire, checkout)


@operation
def catch_up_order(order, moment=None):
    """What reading an order settles: its checkout's payment deadline, its automatic confirmation."""
    _settle(_catch_up, order, moment)


def _settle(settle, *args):
    """Settle what the clock decided (an expiry, an automatic confirmation), whole or not at all; True if done.

    Somebody may have settled it, paid or confirmed it at the same moment (the timer's command, another reader, the
    buyer): that move is refused, undone to its SAVEPOINT, and the batch or the page goes on with what was saved."""
    try:
        with db.session.begin_nested():
            settle(*args)
    except InvalidTransition:
        db.session.expire_all()
        return False
    return True


# --- reviews and reorders ---------------------------------------------------------------------------------------


@operation
def review_order(user, order, rating, comment):
    """The buyer rates a completed order once (1–5, with an optional comment)."""
    if not is_buyer_order(user, order):
        raise OrderRefused(_l("This order is not yours to act on."))
    if order.status != OrderStatus.COMPLETED:
        raise OrderRefused(_l("An order can be reviewed once it is completed."), field="rating")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise OrderRefused(_l("Choose from 1 to 5 stars."), field="rating")
    review = Review(
        order_id=order.id,
        seller_organization_id=order.seller_organization_id,
        buyer_organization_id=order.buyer_organization_id,
        author_id=user.id,
        rating=rating,
        comment=(comment or "").strip()[:1000],
    )
    try:
        with db.session.begin_nested():
            db.session.add(review)
            db.session.flush()
    except IntegrityError as error:
        raise OrderRefused(_l("This order has already been reviewed."), field="rating") from error
    record_audit(user, "order.reviewed", order, after={"rating": rating})
    return review


@dataclass
class ReorderResult:
    added: list = field(default_factory=list)  # listing titles
    skipped: list = field(default_factory=list)  # (title, reason)


@operation
def reorder(user, order, moment=None):
    """Put a past order's lines back in the user's cart at today's prices; lines that cannot be had are named."""
    if not is_buyer_order(user, order):
        raise OrderRefused(_l("This order is not yours to act on."))
    result = ReorderResult()
    for line in order.lines:
        try:
            put_in_cart(user, line.listing, line.quantity, moment)
        except CartRefused as error:
            result.skipped.append((line.listing_title, error.message))
        else:
            result.added.append(line.listing_title)
    return result


# --- what the pages show ----------------------------------------------------------------------------------------


@dataclass
class OrderFilters:
    status: str | None = None
    date_from: object = None  # date, WIB
    date_to: object = None


def _filtered(query, filters, model=Order):
    """Orders (or checkouts) in the filters' status, placed between its days (WIB)."""
    if filters.status:
        query = query.where(model.status == filters.status)
    if filters.date_from:
        query = query.where(model.created_at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(model.created_at < _start_of(filters.date_to + timedelta(days=1)))
    return query


def _start_of(day):
    return datetime.combine(day, time.min, tzinfo=WIB)


def _list_options():
    return (
        joinedload(Order.seller_organization),
        joinedload(Order.buyer_organization),
        joinedload(Order.checkout),
        selectinload(Order.lines),
    )


def _order_page(condition, filters, page, first_status=None, per_page=20):
    """One page of the orders matching `condition` and the filters, newest first (those in `first_status` before)."""
    ordering = [Order.created_at.desc(), Order.id.desc()]
    if first_status is not None:
        ordering.insert(0, case((Order.status == first_status, 0), else_=1))
    query = _filtered(select(Order).where(condition).options(*_list_options()), filters).order_by(*ordering)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def buyer_orders(organization_id, filters, page):
    return _order_page(Order.buyer_organization_id == organization_id, filters, page)


def seller_orders(organization_id, filters, page):
    """The IKM's orders, those waiting for its answer (paid) first. An order never paid (waiting, or cancelled or
    expired unpaid) was never the IKM's to handle."""
    condition = (Order.seller_organization_id == organization_id) & Order.paid_at.is_not(None)
    return _order_page(condition, filters, page, first_status=OrderStatus.PAID)


def sentra_orders(sentra_id, filters, page):
    """All orders of the sentra's IKMs, disputes first."""
    return _order_page(Order.sentra_id == sentra_id, filters, page, first_status=OrderStatus.DISPUTED, per_page=30)


def _checkout_options():
    return (selectinload(Checkout.orders).joinedload(Order.seller_organization), joinedload(Checkout.placed_by))


def buyer_checkouts(organization_id, filters, page, per_page=20):
    query = select(Checkout).where(Checkout.buyer_organization_id == organization_id).options(*_checkout_options())
    query = _filtered(query, filters, Checkout).order_by(Checkout.created_at.desc(), Checkout.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def checkout_for_page(checkout_id):
    """A checkout with its orders and their IKMs and who placed it (a fixed number of queries)."""
    return db.session.scalar(select(Checkout).where(Checkout.id == checkout_id).options(*_checkout_options()))


def order_for_page(order_id):
    """An order with everything its page shows (a fixed number of queries), or None."""
    return db.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            joinedload(Order.seller_organization),
            joinedload(Order.buyer_organization),
            joinedload(Order.checkout),
            joinedload(Order.placed_by),
            joinedload(Order.review),
            selectinload(Order.lines).joinedload(OrderLine.product_type),
            selectinload(Order.events).joinedload(OrderEvent.actor),
        )
    )
