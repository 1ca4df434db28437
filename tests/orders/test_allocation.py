"""The fair allocator (marketplace/orders/allocation.py): whatever the candidates, a split places the quantity or states
an exact shortfall, respects every IKM's stock, minimum and multiple, does not depend on the order of the candidates,
and is the plain greedy water-filling walk (written out again here, one increment at a time); over a year of orders,
each IKM's share of the volume follows its share of the capacity."""

import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.orders.allocation import Allocation, Candidate, Share, allocate, first_increment, rank

D = Decimal


def candidate(id, capacity=100, recent=0, stock=10_000, minimum=1, multiple=1, last_allocated_at=None):
    return Candidate(
        id=id,
        capacity=D(capacity),
        recent=D(recent),
        stock=D(stock),
        minimum=D(minimum),
        multiple=D(multiple),
        last_allocated_at=last_allocated_at,
    )


def quantities(allocation):
    return {share.candidate.id: share.quantity for share in allocation.shares}


# --- the rule written out again: one increment at a time --------------------------------------------------------


def reference_walk(quantity, candidates):
    """The plain greedy: of the increments every candidate could take next, take the one with the lowest load after
    it (ties: never allocated, then allocated longest ago, then the lowest id) if it fits what is left, else that
    candidate is done. Returns the amounts by id and the ids of the candidates that were done because an increment
    did not fit."""
    amounts = {c.id: D(0) for c in candidates}
    live = {c.id: c for c in candidates}
    skipped = set()
    left = quantity

    def increment(c):
        if amounts[c.id]:
            return c.multiple
        return (c.minimum / c.multiple).to_integral_value(rounding=ROUND_CEILING) * c.multiple

    def key(c):
        allocated_at = c.last_allocated_at
        order = (allocated_at is not None, allocated_at or datetime.min.replace(tzinfo=UTC), c.id)
        return Fraction(c.recent + amounts[c.id] + increment(c)) / Fraction(c.capacity), order

    keys = {}
    while left > 0:
        for c in list(live.values()):
            if amounts[c.id] + increment(c) > c.stock:
                del live[c.id]
        if not live:
            break
        for c in live.values():
            if c.id not in keys:
                keys[c.id] = key(c)
        chosen = min(live.values(), key=lambda c: keys[c.id])
        step = increment(chosen)
        del keys[chosen.id]
        if step > left:
            del live[chosen.id]
            skipped.add(chosen.id)
            continue
        amounts[chosen.id] += step
        left -= step
    return amounts, skipped


def loads(candidates, amounts):
    return {c.id: (Fraction(c.recent) + Fraction(amounts[c.id])) / Fraction(c.capacity) for c in candidates}


# --- strategies ---------------------------------------------------------------------------------------------------

MULTIPLES = [D(1), D(2), D(5), D(10), D("0.5")]
WHEN = [datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)]


def amounts(low, high):
    """Whole numbers mostly, sometimes grams."""
    return st.one_of(
        st.integers(low, high).map(D),
        st.decimals(min_value=D(low), max_value=D(high), places=3),
    )


# Round capacities from a short list make equal loads, so the tie rule is exercised, not only the ratios.
CAPACITIES = st.one_of(st.sampled_from([D(100), D(200), D(500), D(1000)]), amounts(1, 5000))
MINIMUMS = st.one_of(st.integers(1, 200).map(D), st.sampled_from([D("0.5"), D("2.5"), D("7.25")]))
LAST_ALLOCATED = st.one_of(
    st.none(),
    st.sampled_from(WHEN),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC)),
)


@st.composite
def candidate_lists(draw, max_size=8):
    ids = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=max_size, unique=True))
    return [
        Candidate(
            id=id,
            capacity=draw(CAPACITIES),
            recent=draw(st.one_of(st.just(D(0)), amounts(0, 5000))),
            stock=draw(amounts(0, 5000)),
            minimum=draw(MINIMUMS),
            multiple=draw(st.sampled_from(MULTIPLES)),
            last_allocated_at=draw(LAST_ALLOCATED),
        )
        for id in ids
    ]


QUANTITIES = amounts(1, 20_000)
SMALL_QUANTITIES = amounts(1, 2_000)
PROPERTIES = settings(max_examples=200, deadline=None)


# --- properties ---------------------------------------------------------------------------------------------------


@PROPERTIES
@given(quantity=QUANTITIES, candidates=candidate_lists())
def test_what_is_allocated_plus_the_shortfall_is_exactly_what_was_requested(quantity, candidates):
    allocation = allocate(quantity, candidates)

    assert allocation.requested == quantity
    assert allocation.allocated + allocation.shortfall == quantity
    assert allocation.shortfall >= 0


@PROPERTIES
@given(quantity=QUANTITIES, candidates=candidate_lists())
def test_every_share_is_within_stock_nothing_or_at_least_the_minimum_and_a_multiple_of_the_multiple(
    quantity, candidates
):
    allocation = allocate(quantity, candidates)

    assert [share.candidate for share in allocation.shares] == sorted(candidates, key=rank)
    for share in allocation.shares:
        c = share.candidate
        assert 0 <= share.quantity <= c.stock
        assert share.quantity == 0 or share.quantity >= c.minimum
        assert share.quantity % c.multiple == 0
        assert share.quantity.as_tuple().exponent == -3


@PROPERTIES
@given(quantity=QUANTITIES, candidates=candidate_lists(), data=st.data())
def test_the_same_candidates_in_any_order_get_the_same_split(quantity, candidates, data):
    shuffled = data.draw(st.permutations(candidates))

    assert quantities(allocate(quantity, shuffled)) == quantities(allocate(quantity, candidates))


@PROPERTIES
@given(quantity=QUANTITIES, candidates=candidate_lists())
def test_a_shortfall_is_only_what_no_candidate_could_take_one_more_increment_of(quantity, candidates):
    allocation = allocate(quantity, candidates)

    if allocation.shortfall > 0:
        for share in allocation.shares:
            c = share.candidate
            step = c.multiple if share.quantity else first_increment(c)
            assert share.quantity + step > c.stock or step > allocation.shortfall


@PROPERTIES
@given(quantity=SMALL_QUANTITIES, candidates=candidate_lists())
def test_the_split_is_the_plain_greedy_walk_unless_it_passed_an_ikm_over(quantity, candidates):
    """Where the walk passed nobody over (no increment that did not fit), nothing is moved after it: the split is the
    walk's. Where it did, moves after it may only lower the largest load, placing the same quantity."""
    expected, skipped = reference_walk(quantity, candidates)
    allocation = allocate(quantity, candidates)

    if not skipped:
        assert quantities(allocation) == expected
    else:
        assert allocation.allocated >= sum(expected.values())
        assert max(loads(candidates, quantities(allocation)).values()) <= max(loads(candidates, expected).values())


@PROPERTIES
@given(quantity=SMALL_QUANTITIES, candidates=candidate_lists())
def test_no_feasible_move_of_one_order_multiple_lowers_the_largest_load(quantity, candidates):
    """For every pair of IKMs, moving one multiple (of the giver or of the receiver) that both can hold never lowers
    the largest load of all candidates, those at 0 included."""
    allocation = allocate(quantity, candidates)
    amounts = quantities(allocation)
    before = max(loads(candidates, amounts).values())

    for giver in candidates:
        for receiver in candidates:
            if giver.id == receiver.id:
                continue
            for delta in {giver.multiple, receiver.multiple}:
                kept, received = amounts[giver.id] - delta, amounts[receiver.id] + delta
                feasible = (
                    (kept == 0 or (kept >= giver.minimum and kept % giver.multiple == 0))
                    and kept >= 0
                    and received <= receiver.stock
                    and received >= receiver.minimum
                    and received % receiver.multiple == 0
                )
                if feasible:
                    moved = {**amounts, giver.id: kept, receiver.id: received}
                    assert max(loads(candidates, moved).values()) >= before


# --- examples -----------------------------------------------------------------------------------------------------


def test_equal_candidates_split_evenly():
    allocation = allocate(D(300), [candidate(1), candidate(2), candidate(3)])

    assert quantities(allocation) == {1: D(100), 2: D(100), 3: D(100)}
    assert allocation.shortfall == 0


def test_a_candidate_with_double_the_capacity_gets_double():
    allocation = allocate(D(300), [candidate(1, capacity=100), candidate(2, capacity=200)])

    assert quantities(allocation) == {1: D(100), 2: D(200)}


def test_recent_volume_counts_so_an_ikm_that_sold_recently_gets_less():
    allocation = allocate(D(150), [candidate(1, recent=50), candidate(2)])

    assert quantities(allocation) == {1: D(50), 2: D(100)}
    assert [share.load for share in allocation.shares] == [D("1.0000"), D("1.0000")]
    assert allocation.largest_load == 1


def test_a_tie_goes_to_the_never_allocated_ikm_first():
    allocation = allocate(D(1), [candidate(1, last_allocated_at=WHEN[0]), candidate(2)])

    assert quantities(allocation) == {1: D(0), 2: D(1)}


def test_a_tie_between_allocated_ikms_goes_to_the_one_allocated_longest_ago():
    allocation = allocate(D(1), [candidate(1, last_allocated_at=WHEN[1]), candidate(2, last_allocated_at=WHEN[0])])

    assert quantities(allocation) == {1: D(0), 2: D(1)}


def test_a_tie_between_ikms_allocated_at_the_same_time_goes_to_the_lowest_id():
    allocation = allocate(D(1), [candidate(2, last_allocated_at=WHEN[0]), candidate(1, last_allocated_at=WHEN[0])])

    assert quantities(allocation) == {1: D(1), 2: D(0)}


def test_shares_come_in_rank_order():
    candidates = [candidate(3, last_allocated_at=WHEN[0]), candidate(2), candidate(1, last_allocated_at=WHEN[1])]

    allocation = allocate(D(30), candidates)

    assert [share.candidate.id for share in allocation.shares] == [2, 3, 1]


def test_a_shortfall_is_stated_when_stock_is_short():
    allocation = allocate(D(100), [candidate(1, stock=30), candidate(2, stock="40.5", multiple="0.5")])

    assert quantities(allocation) == {1: D(30), 2: D("40.5")}
    assert allocation.allocated == D("70.5")
    assert allocation.shortfall == D("29.5")


def test_nothing_allocated_leaves_the_whole_quantity_as_shortfall():
    allocation = allocate(D(10), [candidate(1, stock=0), candidate(2, stock=5, minimum=6)])

    assert allocation.allocated == 0
    assert allocation.shortfall == D(10)
    assert allocation.largest_load is None


def test_a_minimum_order_larger_than_what_is_left_gives_that_ikm_nothing():
    """Both IKMs reach a load of 0.8 after 80 kg to the first; 50 kg are then left, less than the second's minimum of
    80, so the second gets nothing and the first takes the rest, even though 50/80 would have kept both lower: the
    greedy does not go back."""
    allocation = allocate(D(130), [candidate(1), candidate(2, minimum=80)])

    assert quantities(allocation) == {1: D(130), 2: D(0)}
    assert allocation.quantity_of(2) == D("0.000")
    assert allocation.largest_load == Fraction(13, 10)


def test_the_first_increment_is_the_minimum_rounded_up_to_the_multiple():
    assert first_increment(candidate(1, minimum=7, multiple=5)) == D(10)
    assert first_increment(candidate(1, minimum=10, multiple=5)) == D(10)
    assert first_increment(candidate(1, minimum="0.3", multiple="0.5")) == D("0.5")


def test_the_minimum_is_rounded_up_to_the_multiple_and_stock_down():
    allocation = allocate(D(100), [candidate(1, minimum=7, multiple=5, stock=23)])

    assert quantities(allocation) == {1: D(20)}


def test_loads_are_shown_rounded_half_up_to_four_decimals():
    share = Share(candidate(1, capacity=32, recent=1), D(0))

    assert share.load_before == D("0.0313")
    assert Share(candidate(1, capacity=3), D(2)).load == D("0.6667")


def test_quantity_of_an_id_that_was_not_a_candidate_is_an_error():
    allocation = Allocation(D(1), ())

    with pytest.raises(KeyError):
        allocation.quantity_of(7)


@pytest.mark.parametrize(
    ("quantity", "candidates"),
    [
        (D(0), [candidate(1)]),
        (D(-5), [candidate(1)]),
        (D(10), [candidate(1, capacity=0)]),
        (D(10), [candidate(1, minimum=0)]),
        (D(10), [candidate(1, multiple=0)]),
        (D(10), [candidate(1, multiple=-1)]),
        (D(10), [candidate(1, stock=-1)]),
        (D(10), [candidate(1, recent=-1)]),
        (D(10), [candidate(1), candidate(1, capacity=200)]),
        (D("10.0001"), [candidate(1)]),
        (D("NaN"), [candidate(1)]),
    ],
    ids=[
        "zero quantity",
        "negative quantity",
        "zero capacity",
        "zero minimum",
        "zero multiple",
        "negative multiple",
        "negative stock",
        "negative recent",
        "duplicate id",
        "quantity finer than a gram",
        "not a number",
    ],
)
def test_input_the_rule_cannot_apply_to_is_refused(quantity, candidates):
    with pytest.raises(ValueError):
        allocate(quantity, candidates)


def test_a_million_in_thousandths_is_split_without_walking_every_gram():
    candidates = [
        candidate(1, capacity=1000, stock=1_000_000, minimum="0.001", multiple="0.001"),
        candidate(2, capacity=3000, recent=7, stock=1_000_000, minimum="0.001", multiple="0.001"),
        candidate(3, capacity="333.333", stock=250_000, minimum="0.001", multiple="0.001"),
    ]

    allocation = allocate(D(1_000_000), candidates)

    assert allocation.allocated == D(1_000_000)
    assert allocation.shortfall == 0


def test_a_lump_skipped_on_the_way_does_not_leave_the_rest_to_be_walked_gram_by_gram():
    candidates = [
        candidate(1, capacity=1, stock=2_000_000, minimum=2_000_000, multiple="0.001"),
        candidate(2, capacity=1, recent=3_000_000, stock=1_000_000, minimum="0.001", multiple="0.001"),
    ]

    allocation = allocate(D(1_000_000), candidates)

    assert quantities(allocation) == {1: D(0), 2: D(1_000_000)}


# --- a year of orders ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_over_a_year_each_ikms_share_of_the_volume_follows_its_share_of_the_capacity(seed):
    rng = random.Random(seed)
    capacities = {id: D(300 * id) for id in range(1, 11)}
    last_allocated_at = dict.fromkeys(capacities)
    history = []  # (when, IKM, quantity)
    now = datetime(2025, 1, 1, tzinfo=UTC)

    for _ in range(200):
        now += timedelta(days=rng.uniform(1.2, 2.4))
        since = now - timedelta(days=90)
        candidates = [
            Candidate(
                id=id,
                capacity=capacity,
                recent=sum((q for when, who, q in history if who == id and when > since), D(0)),
                stock=D(100_000),
                minimum=D(rng.randint(1, 5)),
                multiple=D(1),
                last_allocated_at=last_allocated_at[id],
            )
            for id, capacity in capacities.items()
        ]
        allocation = allocate(D(rng.randint(50, 2000)), candidates)
        assert allocation.shortfall == 0
        for share in allocation.shares:
            if share.quantity:
                history.append((now, share.candidate.id, share.quantity))
                last_allocated_at[share.candidate.id] = now

    total = sum(q for _, _, q in history)
    total_capacity = sum(capacities.values())
    for id, capacity in capacities.items():
        volume = sum(q for _, who, q in history if who == id)
        assert abs((volume / total) / (capacity / total_capacity) - 1) <= D("0.10"), id
