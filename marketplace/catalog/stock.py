"""Stock of its own: a listing's stock moves only here, by a delta, and every move is explained.

`reserve`, `release` and `adjust` are each ONE conditional UPDATE by a delta, checked by its row count:

    UPDATE listing SET stock = stock - :q WHERE id = :id AND stock >= :q

The database decides at the moment of the write, so two orders never take the same last unit and stock never
goes below zero, whatever runs at the same time: on PostgreSQL a second UPDATE of the row waits for the first
one's lock and then checks its condition again on the committed row; on SQLite writers take turns. A refused
move (no row matched) raises a DomainError and changes nothing. Each move adds a StockMovement (signed delta,
stock after, reason, actor) in the same transaction, so a listing's movements always add up to its stock.

The UPDATE is a statement, not an ORM flush of the Listing: it leaves the listing's moderation `version` (and
`updated_at`) alone, so an order's reservation never makes a coordinator's decision or a seller's save "changed
meanwhile". The Listing in the session, when it is loaded, gets the new stock as its committed value.

A listing starts with the stock it is created with (`Listing(stock=...)`, or `set_initial` before it is first
saved): the INSERT writes an 'initial' movement for it (the `after_insert` hook below). Once the listing is
saved, `listing.stock = ...` raises DirectStockWrite.

Several listings in one transaction (an order of several lines, later): call these inside one @operation, in
ascending listing id, e.g. `for line in sorted(lines, key=lambda line: line.listing_id): reserve(...)`. On
PostgreSQL each UPDATE keeps its row locked until the commit; taking the locks in one global order makes two
checkouts that share listings queue one behind the other instead of deadlocking. (A single
`SELECT id FROM listing WHERE id IN (...) ORDER BY id FOR UPDATE` before the moves would take them the same way.)
"""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, insert, inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from marketplace.catalog.models import Listing, StockMovement, StockReason
from marketplace.core.errors import DomainError
from marketplace.core.money import format_quantity
from marketplace.core.transaction import operation
from marketplace.extensions import db

PLACES = Decimal("0.001")  # Numeric(12, 3)
MAX_STOCK = Decimal("999999999.999")
_INITIAL_ACTOR = "stock_initial_actor_id"


class OutOfStock(DomainError):
    """Less stock than asked for: nothing was taken."""

    code = "out_of_stock"
    field = "stock"

    def __init__(self, available, requested):
        super().__init__(_l("Not enough stock: only %(available)s left.", available=format_quantity(available)))
        self.available = available
        self.requested = requested


class StockChangedMeanwhile(DomainError):
    """The stock is no longer the value the new one was based on (an order took or gave back some meanwhile)."""

    code = "stock_changed"
    field = "stock"

    def __init__(self, current):
        super().__init__(
            _l("Stock changed meanwhile (now %(stock)s): check it and save again.", stock=format_quantity(current))
        )
        self.current = current


class StockTooLarge(DomainError):
    code = "stock_too_large"
    field = "stock"

    def __init__(self):
        super().__init__(_l("Stock can be at most %(max)s.", max=format_quantity(MAX_STOCK)))


class DirectStockWrite(RuntimeError):
    """A programming error: a saved listing's stock was assigned instead of moved."""


# --- the three moves -------------------------------------------------------------------------------------------


@operation
def reserve(listing_id, quantity, actor=None, reason=StockReason.RESERVED):
    """Take `quantity` (> 0) out of a listing's stock, or raise OutOfStock and change nothing."""
    quantity = _positive(quantity)
    stock_after = _update(listing_id, -quantity, Listing.stock >= quantity)
    if stock_after is None:
        raise OutOfStock(_current(listing_id), quantity)
    return _record(listing_id, -quantity, stock_after, reason, actor)


@operation
def release(listing_id, quantity, actor=None, reason=StockReason.RELEASED):
    """Give `quantity` (> 0) back to a listing's stock."""
    quantity = _positive(quantity)
    stock_after = _update(listing_id, quantity, Listing.stock <= MAX_STOCK - quantity)
    if stock_after is None:
        _current(listing_id)  # raises LookupError for an unknown listing
        raise StockTooLarge()
    return _record(listing_id, quantity, stock_after, reason, actor)


@operation
def adjust(listing_id, delta=None, *, new=None, expected=None, actor=None, reason=StockReason.SELLER_SET):
    """Move a listing's stock by `delta`, or set it to `new` if it still is `expected` (what the person saw).

    With `new`/`expected` the UPDATE is `WHERE stock = :expected`: a stock that moved meanwhile raises
    StockChangedMeanwhile naming the current value, and changes nothing. No change (delta 0) writes nothing and
    checks nothing. Returns the StockMovement, or None."""
    if delta is None:
        if new is None or expected is None:
            raise TypeError("adjust() takes a delta, or a new value with the expected one")
        new, expected = _quantity(new), _quantity(expected)
        if not (0 <= new <= MAX_STOCK):
            raise ValueError(f"a stock of {new} cannot be stored")
        delta = new - expected
        condition = Listing.stock == expected
    else:
        if new is not None or expected is not None:
            raise TypeError("adjust() takes a delta, or a new value with the expected one, not both")
        delta = _quantity(delta)
        condition = Listing.stock >= -delta if delta < 0 else Listing.stock <= MAX_STOCK - delta
    if delta == 0:
        return None
    stock_after = _update(listing_id, delta, condition)
    if stock_after is None:
        current = _current(listing_id)
        if expected is not None:
            raise StockChangedMeanwhile(current)
        if delta < 0:
            raise OutOfStock(current, -delta)
        raise StockTooLarge()
    return _record(listing_id, delta, stock_after, reason, actor)


def set_initial(listing, quantity, actor=None):
    """The stock a new, not yet saved listing starts with; its 'initial' movement is written with the INSERT."""
    quantity = _quantity(quantity)
    if not (0 <= quantity <= MAX_STOCK):
        raise ValueError(f"a stock of {quantity} cannot be stored")
    listing.stock = quantity  # refused (DirectStockWrite) once the listing is saved
    inspect(listing).info[_INITIAL_ACTOR] = getattr(actor, "id", None)


# --- inside ----------------------------------------------------------------------------------------------------


def _quantity(value):
    """A Decimal of at most 3 places (ints are fine; floats are not quantities)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError("quantities are Decimal (or int), never float")
    value = Decimal(value)
    try:
        exact = value.is_finite() and value == value.quantize(PLACES)
    except InvalidOperation:
        exact = False
    if not exact:
        raise ValueError(f"a quantity has at most 3 decimals: {value}")
    return value.quantize(PLACES)


def _positive(value):
    value = _quantity(value)
    if value <= 0:
        raise ValueError(f"a quantity to move must be more than 0: {value}")
    return value


def _update(listing_id, delta, condition):
    """The one conditional UPDATE: the stock after it, or None when no row matched (nothing changed)."""
    statement = (
        update(Listing)
        .where(Listing.id == listing_id, condition)
        # round(): SQLite computes in binary floating point; rounding back to 3 places keeps every stored stock the
        # double nearest its decimal value, so `stock >= :q` and `stock = :expected` stay exact (a no-op on
        # PostgreSQL's numeric). updated_at is named so that its onupdate does not fire: it, like `version`, says
        # when the listing's content changed, and the movements say when its stock did.
        .values(stock=func.round(Listing.stock + delta, 3), updated_at=Listing.updated_at)
        .returning(Listing.stock)
        .execution_options(synchronize_session=False)
    )
    stock_after = db.session.execute(statement).scalar()
    if stock_after is not None:
        loaded = db.session.identity_map.get(identity_key(Listing, listing_id))
        if loaded is not None:
            set_committed_value(loaded, "stock", stock_after)
    return stock_after


def _current(listing_id):
    current = db.session.scalar(select(Listing.stock).where(Listing.id == listing_id))
    if current is None:
        raise LookupError(f"no listing {listing_id}")
    return current


def _record(listing_id, delta, stock_after, reason, actor):
    if reason not in StockReason.ALL:
        raise ValueError(f"unknown stock movement reason {reason!r}")
    movement = StockMovement(
        listing_id=listing_id,
        delta=delta,
        stock_after=stock_after,
        reason=reason,
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(movement)
    db.session.flush()
    return movement


# --- the listing's side: a new listing's stock is explained, a saved listing's stock is not assigned -----------


@event.listens_for(Listing, "after_insert")
def _initial_movement(mapper, connection, listing):
    stock = listing.__dict__.get("stock")
    connection.execute(
        insert(StockMovement.__table__).values(
            listing_id=listing.id,
            delta=stock,
            stock_after=stock,
            reason=StockReason.INITIAL,
            actor_id=inspect(listing).info.pop(_INITIAL_ACTOR, None),
        )
    )


@event.listens_for(Listing.stock, "set")
def _refuse_direct_write(listing, value, old, initiator):
    if inspect(listing).has_identity:
        raise DirectStockWrite(
            "A saved listing's stock moves only through marketplace.catalog.stock (reserve, release, adjust)."
        )
