"""The fair allocator: how a sentra order's quantity is split across the sentra's IKMs.

Each IKM (a candidate) gets a share that respects its stock, its minimum order and its order multiple, and the split
keeps the largest load (recent volume plus share, over declared monthly capacity) as low as the greedy allows: the
quantity is poured in one increment at a time, always into the IKM whose load after the increment is lowest (water-
filling). Ties go to the IKM allocated least recently (never allocated first of all), then to the lowest id. An
increment that does not fit what is still to place ends that IKM's share; what nobody can take is the shortfall.
Because the walk never goes back, an IKM it passed over (its minimum was more than what was left) is then given one
order multiple at a time from the most loaded IKM while that lowers the largest load: no single such move is left
that would.

It is a pure function of plain values (no database, no request, no clock): the same candidates, in any order, give the
same split, so it can be tested on its own and every split can be explained from what it was given.

Quantities are Decimals with at most three decimals (the database keeps kilograms to the gram); loads are compared as
exact Fractions so that no rounding ever decides a tie.
"""

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

THOUSANDTH = Decimal("0.001")
LOAD_PLACES = Decimal("0.0001")

# Sorts before any real allocation time; aware because the application's datetimes are aware UTC.
_NEVER = datetime.min.replace(tzinfo=UTC)

# The bisection stops once this few increments (plus one per IKM) are left between its bounds: walking them one by
# one is cheaper than halving again.
_WALK_AT_MOST = 64
# Enough halvings to separate any two loads of realistic inputs; past it the walk still finishes, only slower.
_MAX_HALVINGS = 256
# Moves after the walk (see _settle) are a handful in practice; this only guards against a loop.
_MAX_MOVES = 10_000


@dataclass(frozen=True)
class Candidate:
    """An IKM that can take part of the order, with what the allocator needs to know of it."""

    id: int  # the IKM's organization id
    capacity: Decimal  # declared monthly capacity, > 0
    recent: Decimal  # allocated or sold in the last 90 days, >= 0
    stock: Decimal  # >= 0
    minimum: Decimal  # smallest order it accepts, > 0
    multiple: Decimal  # it sells in multiples of this, > 0
    last_allocated_at: datetime | None = None


@dataclass(frozen=True)
class Share:
    """What one candidate gets."""

    candidate: Candidate
    quantity: Decimal  # Decimal("0.000") when it gets nothing

    @property
    def load(self) -> Decimal:
        """(recent + quantity) / capacity, rounded half up to 4 decimals: for showing, never for deciding."""
        return _shown(_load(self.candidate, self.quantity))

    @property
    def load_before(self) -> Decimal:
        """recent / capacity, rounded half up to 4 decimals."""
        return _shown(_load(self.candidate, Decimal(0)))


@dataclass(frozen=True)
class Allocation:
    """The split of `requested`: one share per candidate, in rank order (see `rank`)."""

    requested: Decimal
    shares: tuple[Share, ...]

    @property
    def allocated(self) -> Decimal:
        return sum((share.quantity for share in self.shares), Decimal("0.000"))

    @property
    def shortfall(self) -> Decimal:
        return self.requested - self.allocated

    @property
    def largest_load(self) -> Fraction | None:
        """The exact largest load among the candidates that get something; None when nobody does."""
        loads = [_load(share.candidate, share.quantity) for share in self.shares if share.quantity > 0]
        return max(loads, default=None)

    def quantity_of(self, candidate_id: int) -> Decimal:
        """What the candidate with this id gets; KeyError for an id that was not a candidate (a caller's mistake that
        should not pass for "gets nothing")."""
        for share in self.shares:
            if share.candidate.id == candidate_id:
                return share.quantity
        raise KeyError(candidate_id)


def first_increment(candidate: Candidate) -> Decimal:
    """The smallest quantity the candidate can be given: its minimum rounded up to its multiple."""
    step = _thousandths(candidate.multiple, "multiple")
    return _decimal(-(-_thousandths(candidate.minimum, "minimum") // step) * step)


def rank(candidate: Candidate) -> tuple:
    """Who goes first when loads tie: never allocated, then allocated longest ago, then the lowest id."""
    allocated_at = candidate.last_allocated_at
    return (allocated_at is not None, allocated_at or _NEVER, candidate.id)


def allocate(quantity: Decimal, candidates: Iterable[Candidate]) -> Allocation:
    """Split `quantity` across `candidates` (see the module's docstring); ValueError for input the rule cannot apply
    to."""
    candidates = tuple(candidates)
    requested = _thousandths(quantity, "quantity")
    if requested <= 0:
        raise ValueError(f"quantity must be > 0, not {quantity}")
    _check(candidates)
    sellers = sorted((_Seller(candidate) for candidate in candidates), key=lambda seller: seller.rank)
    remaining = _fill(sellers, requested)
    _settle(sellers, remaining)
    shares = tuple(Share(seller.candidate, _decimal(seller.amount)) for seller in sellers)
    return Allocation(_decimal(requested), shares)


# --- the walk -----------------------------------------------------------------------------------------------------


class _Seller:
    """A candidate during the walk, in whole thousandths so that amounts are plain integers.

    A load is (recent + amount) / capacity; both are scaled by 1000 here, which leaves the ratio as it is.
    """

    __slots__ = ("candidate", "rank", "recent", "capacity", "first", "step", "top", "amount")

    def __init__(self, candidate):
        self.candidate = candidate
        self.rank = rank(candidate)
        self.recent = Fraction(candidate.recent) * 1000
        self.capacity = Fraction(candidate.capacity) * 1000
        self.step = _thousandths(candidate.multiple, "multiple")
        self.first = -(-_thousandths(candidate.minimum, "minimum") // self.step) * self.step
        stock = _thousandths(candidate.stock, "stock")
        # The last amount of the sequence first, first + step, … that stock allows; 0 when even the first does not.
        self.top = 0 if self.first > stock else self.first + (stock - self.first) // self.step * self.step
        self.amount = 0

    def next_amount(self):
        return self.amount + (self.step if self.amount else self.first)

    def load_at(self, amount):
        return (self.recent + amount) / self.capacity

    def amount_at(self, level):
        """The largest amount of the sequence whose load is at most `level`, never below what it already has."""
        reach = math.floor(level * self.capacity - self.recent)
        if reach < self.first:
            return self.amount
        return max(self.amount, min(self.top, self.first + (reach - self.first) // self.step * self.step))

    def may_hold(self, amount):
        """Could the seller be given exactly `amount`: nothing, or at least its minimum, a multiple, within stock?"""
        return amount == 0 or (self.first <= amount <= self.top and amount % self.step == 0)

    def increments_between(self, low, high):
        if high == low:
            return 0
        if low == 0:
            return 1 + (high - self.first) // self.step
        return (high - low) // self.step


def _fill(sellers, remaining):
    """Walk the increments of all sellers in order of (load after the increment, rank), taking each that fits.

    Walking one increment at a time would take a billion steps for a million kilograms in grams, so the walk jumps
    ahead: every increment whose load is at most some level L comes before every increment above L, and if together
    they fit what is left, the walk would take each of them. Jumping to the highest such L found by bisection gives the
    same amounts as the plain walk; the walk then goes on increment by increment until it places everything or an
    increment does not fit. After an IKM drops out the others may again have far to go, so the jump is made again.
    """
    active = [seller for seller in sellers if seller.amount < seller.top]
    while active and remaining:
        wanted = sum(seller.top - seller.amount for seller in active)
        if wanted <= remaining:
            for seller in active:
                seller.amount = seller.top
            return remaining - wanted
        remaining -= _jump(active, remaining)
        remaining, dropped = _walk(active, remaining)
        active = [seller for seller in active if seller is not dropped and seller.amount < seller.top]
    return remaining


def _settle(sellers, remaining):
    """The walk never goes back: an IKM it passed over because its next increment (its minimum, say) was more than
    what was left may be the one that could relieve the most loaded IKM. So, while moving one order multiple from the
    single most loaded IKM to another lowers the largest load, make the best such move (lowest new largest load, then
    the receiver's rank, then the smaller move), and place again whatever the moves made room for. Each round either
    places more or lowers the largest load at the same total, so it ends; the bound is a guard, not the rule."""
    for _ in range(_MAX_MOVES):
        move = _best_move(sellers)
        if move is None:
            return
        giver, receiver, size = move
        giver.amount -= size
        receiver.amount += size
        remaining = _fill(sellers, remaining)


def _best_move(sellers):
    """(giver, receiver, size) of the best move that lowers the largest load, or None."""
    loads = {seller: seller.load_at(seller.amount) for seller in sellers}
    largest = max(loads.values(), default=None)
    at_largest = [seller for seller, load in loads.items() if load == largest]
    if len(at_largest) != 1 or at_largest[0].amount == 0:
        return None  # a tie at the top, or a load from recent volume alone: no single move lowers it
    giver = at_largest[0]
    best = None
    for receiver in sellers:
        if receiver is giver:
            continue
        rest = max((load for seller, load in loads.items() if seller not in (giver, receiver)), default=0)
        for size in sorted({giver.step, receiver.step}):
            if not (giver.may_hold(giver.amount - size) and receiver.may_hold(receiver.amount + size)):
                continue
            after = max(giver.load_at(giver.amount - size), receiver.load_at(receiver.amount + size), rest)
            if after < largest and (best is None or (after, receiver.rank, size) < best[0]):
                best = ((after, receiver.rank, size), receiver, size)
    return None if best is None else (giver, best[1], best[2])


def _jump(active, remaining):
    """Move every active seller to its amount at the highest level found whose increments all fit in `remaining`;
    returns how much that placed."""

    def amounts_at(level):
        return [seller.amount_at(level) for seller in active]

    def placed(amounts):
        return sum(amount - seller.amount for seller, amount in zip(active, amounts, strict=True))

    def increments(lows, highs):
        return sum(seller.increments_between(a, b) for seller, a, b in zip(active, lows, highs, strict=True))

    # At the lowest current load nobody moves; at the highest top load everybody takes all, more than `remaining`.
    low = min(seller.load_at(seller.amount) for seller in active)
    high = max(seller.load_at(seller.top) for seller in active)
    lows, highs = amounts_at(low), amounts_at(high)
    for _ in range(_MAX_HALVINGS):
        if increments(lows, highs) <= _WALK_AT_MOST + len(active):
            break
        middle = (low + high) / 2
        amounts = amounts_at(middle)
        if placed(amounts) <= remaining:
            low, lows = middle, amounts
        else:
            high, highs = middle, amounts
    taken = placed(lows)
    for seller, amount in zip(active, lows, strict=True):
        seller.amount = amount
    return taken


def _walk(active, remaining):
    """The plain greedy, one increment at a time, until everything is placed, nothing is left to take, or an increment
    does not fit; returns what is left and the seller that dropped out (None if none did)."""
    queue = [
        (seller.load_at(seller.next_amount()), seller.rank, seller) for seller in active if seller.amount < seller.top
    ]
    heapq.heapify(queue)
    while queue and remaining:
        _, _, seller = heapq.heappop(queue)
        size = seller.next_amount() - seller.amount
        if size > remaining:
            return remaining, seller
        seller.amount += size
        remaining -= size
        if seller.amount < seller.top:
            heapq.heappush(queue, (seller.load_at(seller.next_amount()), seller.rank, seller))
    return remaining, None


# --- values -------------------------------------------------------------------------------------------------------


def _check(candidates):
    seen = set()
    for candidate in candidates:
        if candidate.id in seen:
            raise ValueError(f"candidate {candidate.id} appears twice")
        seen.add(candidate.id)
        for name in ("capacity", "minimum", "multiple"):
            if _finite(getattr(candidate, name), name) <= 0:
                raise ValueError(f"candidate {candidate.id}: {name} must be > 0, not {getattr(candidate, name)}")
        for name in ("stock", "recent"):
            if _finite(getattr(candidate, name), name) < 0:
                raise ValueError(f"candidate {candidate.id}: {name} must be >= 0, not {getattr(candidate, name)}")
        for name in ("stock", "minimum", "multiple"):
            # A share is made of these: finer than a thousandth it could not be given back exactly.
            _thousandths(getattr(candidate, name), name)


def _finite(value, name):
    # Floats would bring binary fractions (0.1 is not a tenth) into a rule that promises exact sums.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value}")
    return value


def _thousandths(value, name):
    scaled = _finite(value, name).scaleb(3)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{name} has more than three decimals: {value}")
    return int(scaled)


def _decimal(thousandths):
    return Decimal(thousandths).scaleb(-3).quantize(THOUSANDTH)


def _load(candidate, quantity):
    return (Fraction(candidate.recent) + Fraction(quantity)) / Fraction(candidate.capacity)


def _shown(load):
    # Rounded half up from the exact value: rounding a Decimal quotient again could round twice.
    return Decimal(math.floor(load * 10_000 + Fraction(1, 2))).scaleb(-4).quantize(LOAD_PLACES)
