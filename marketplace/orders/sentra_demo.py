"""Sentra orders of the demo world: a year of Jombang's buyers ordering from the sentra, split by the fair allocator.

Told after the orders demo and with its machinery (`_Story`): each sentra order is placed through the real service
(`place_sentra_order`) at a moment of its month, paid, and its shares accepted, shipped and completed by the IKMs and
the buyer at moments in order. Three shares are declined by their IKM: the quantity is allocated again in a new
checkout, paid by the buyer or with the declined share's money (as the service decides), and completed too, but for
this morning's decline, whose new checkout is left as the service made it. The newest sentra order is paid and waits
for its IKMs' answer, so that an IKM can still decline its share. Each sentra order's rows are dated back before the
next one is planned: the allocator reads the last RECENT_DAYS of each IKM's volume by the orders' dates, and when it
last gave each a share.

Deterministic (a fixed random seed) and added once: nothing is done when any sentra order exists."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.accounts.models import Sentra, User
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import WIB
from marketplace.extensions import db
from marketplace.orders.demo import (
    BUILDING,
    BUYERS,
    COORDINATOR,
    PO_PREFIX,
    SELLERS,
    SENTRA,
    _Part,
    _Plan,
    _Story,
    tell_quietly,
)
from marketplace.orders.models import CheckoutStatus, DeliveryMethod, Order, SentraOrder, Shipment
from marketplace.orders.sentra_orders import (
    SentraOrderRequest,
    decline_share,
    offers,
    orderable_product_types,
    place_sentra_order,
    plan_sentra_order,
)

SEED = 20261202
# Sentra orders in each month of the past year, the oldest first: a couple a month.
PER_MONTH = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
# A share is declined in the first sentra order of these months (0: a year ago), or of a later one when that product
# type already had a decline, up to month DECLINE_BY: a later second round could not end before today.
DECLINE_MONTHS = (3, 8)
DECLINE_BY = 10
# A placed sentra order's story (the longest lead time is 10 days, then shipping, the buyer's confirmation and a
# review) ends within 23 days: the past ones are placed at least this long ago, so that all of theirs is over.
STORY_DAYS = 25

# How often each product type is ordered from the sentra, relative to the others (1 for any other).
TYPE_WEIGHTS = {"aluminium-ingot-adc12": 5, "paving-k300-6cm": 4, "slag-flux": 2}
# What a buyer orders from the sentra at once, per product type (in its unit), and the step of the round numbers they
# ask for: more than one IKM sells at once, which is why they ask the sentra.
QUANTITIES = {
    "paving-k300-6cm": (800, 3000, 50),
    "paving-k225-8cm": (400, 1500, 50),
    "bata-ringan-60x20x10": (30, 120, 5),
    "batako-press": (5000, 20000, 500),
    "aluminium-ingot-adc12": (3000, 8000, 250),
    "slag-flux": (8, 25, 1),
}
NOTES = [
    "",
    "",
    "Mohon sertakan hasil uji laboratorium sentra untuk kiriman setiap IKM.",
    "Kiriman dari beberapa IKM mohon dijadwalkan di hari yang sama.",
    "Untuk kebutuhan proyek bulan ini; hubungi bagian pembelian bila ada kendala.",
]
# Why an IKM declines its share: for the kind of product (the first word of the product type's slug), then what any
# IKM may say; each reason is given once before any is given again.
DECLINES = {
    "paving": ["Mesin press sedang diperbaiki, produksi paving berhenti sampai minggu depan. Mohon maaf."],
    "aluminium": ["Tungku peleburan sedang diperbaiki; ingot tidak bisa kami siapkan dalam waktu pesanan ini."],
}
ANY_DECLINE = [
    "Bahan baku slag belum datang dari pemasok, bagian ini tidak sanggup kami penuhi tepat waktu.",
    "Kapasitas produksi bulan ini sudah penuh oleh pesanan proyek; mohon dialihkan ke IKM lain.",
]


@dataclass
class _Told:
    """One sentra order as told: one _Plan per checkout of its rounds, the first round's first."""

    sentra_order: SentraOrder
    plans: list


def seed_sentra_orders():
    """A year of sentra orders in Jombang (once, after the orders demo); returns how many sentra orders exist."""
    if db.session.scalar(select(SentraOrder.id).limit(1)) is None:
        sentra = db.session.scalar(select(Sentra).where(Sentra.slug == SENTRA))
        emails = [*SELLERS, *BUYERS, COORDINATOR]
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
        if sentra is not None and set(users) == set(emails):
            tell_quietly(_SentraStory(sentra, users))
    return db.session.scalar(select(func.count(SentraOrder.id)))


class _SentraStory(_Story):
    """The orders demo's story (its cast, its moves, its dating back), told of sentra orders."""

    def __init__(self, sentra, users):
        super().__init__(sentra, users)
        self.rng.seed(SEED)  # its own sequence of draws, apart from the orders demo's
        self.sellers = {self.users[email].organization_id: self.users[email] for email in SELLERS}
        self.po_numbers = {}
        # How many IKMs sell each product type from stock: the sentra orders are for those at least two sell.
        self.ikms_selling = {}
        for listings in self.listings.values():
            for type_id in {listing.product_type_id for listing in listings}:
                self.ikms_selling[type_id] = self.ikms_selling.get(type_id, 0) + 1
        self.declined_by, self.declined_types, self.reasons_given = set(), set(), []
        # The IKMs' surat jalan numbering goes on after the orders demo's.
        shipped = db.session.execute(
            select(Order.seller_organization_id, func.count(Shipment.id))
            .join(Shipment, Shipment.order_id == Order.id)
            .group_by(Order.seller_organization_id)
        ).all()
        self.note_numbers = {self.sellers[org].id: count for org, count in shipped if org in self.sellers}

    def tell(self):
        if not self.has_prices:
            return  # the sentra has no prices: nothing can be ordered from it
        past = sorted((self._moment_in(month), month) for month, count in enumerate(PER_MONTH) for _ in range(count))
        owed, months = 0, set()
        for when, month in past:
            if month in DECLINE_MONTHS and month not in months:
                owed += 1
            months.add(month)
            if self._tell_past(when, decline=owed > 0 and month <= DECLINE_BY, any_type=month == DECLINE_BY):
                owed -= 1
        self._tell_under_way()
        db.session.flush()

    # --- when -------------------------------------------------------------------------------------------------

    def _calendar_month(self, month):
        """(year, month) of calendar month `month` of the story (0: a year ago, 11: last month)."""
        today = self.now.astimezone(WIB).date()
        year, index = divmod(today.year * 12 + today.month - 1 - (12 - month), 12)
        return year, index + 1

    def _moment_in(self, month):
        """A working-hours moment (WIB) in calendar month `month` of the story, at least STORY_DAYS days ago."""
        today = self.now.astimezone(WIB).date()
        start = date(*self._calendar_month(month), 1)
        first = max(start, today - timedelta(days=364))
        last = max(first, min(start + timedelta(days=27), today - timedelta(days=STORY_DAYS)))
        day = first + timedelta(days=self.rng.randint(0, (last - first).days))
        local = datetime.combine(day, time(self.rng.randint(8, 15), self.rng.randint(0, 59)), tzinfo=WIB)
        return local.astimezone(UTC)

    def _working_before(self, at):
        """`at`, or late in the afternoon of the last working day (WIB) when it falls in the evening or at night."""
        local = at.astimezone(WIB)
        if 8 <= local.hour < 17:
            return at
        day = local.date() - timedelta(days=1 if local.hour < 8 else 0)
        return datetime.combine(day, time(16, self.rng.randint(0, 59)), tzinfo=WIB).astimezone(UTC)

    def _minutes(self, low, high):
        return timedelta(minutes=self.rng.randint(low, high))

    # --- what is ordered --------------------------------------------------------------------------------------

    def _request(self, when, wide=False):
        """What a buyer asks the sentra for at `when` and the IKMs' listings that may get a share; None when no
        product type can be split (a price in force and at least two IKMs with stock). A `wide` request is for a
        product type the most IKMs sell, in the upper half of the usual quantities: a share of it declined is split
        again among several IKMs."""
        types = [t for t in orderable_product_types(self.sentra.id, when) if self.ikms_selling.get(t.id, 0) >= 2]
        if not types:
            return None
        if wide:
            most = max(self.ikms_selling[t.id] for t in types)
            types = [t for t in types if self.ikms_selling[t.id] == most]
        product_type = self.rng.choices(types, [TYPE_WEIGHTS.get(t.slug, 1) for t in types])[0]
        candidates = [o for o in offers(self.sentra.id, product_type.id, when) if o.listing.id in self.original_stock]
        low, high, step = QUANTITIES.get(product_type.slug, (10, 100, 10))
        quantity = Decimal(self.rng.randint((low + high) // 2 // step if wide else low // step, high // step) * step)
        building = product_type.slug in BUILDING
        buyer = self.users[BUYERS[0] if building else BUYERS[1]]
        plant, site = self.addresses[buyer.email]
        method, address = DeliveryMethod.PICKUP, None
        if self.rng.random() < 0.7:
            method, address = DeliveryMethod.DELIVERY, (site if building and self.rng.random() < 0.6 else plant)
        year = when.astimezone(WIB).year
        count = self.po_numbers[buyer.email, year] = self.po_numbers.get((buyer.email, year), 0) + 1
        request = SentraOrderRequest(
            product_type_id=product_type.id,
            quantity=quantity,
            method=method,
            address_id=address.id if address else None,
            po_number=f"{PO_PREFIX[buyer.email]}/{year}/SO-{count:03d}",
            note=self.rng.choice(NOTES),
        )
        return buyer, request, candidates

    # --- telling it -------------------------------------------------------------------------------------------

    def _place(self, when, wide=False):
        """Place a sentra order at `when` (its IKMs having stock for all of it): a _Told with its first checkout."""
        marks = dict(self.marks)
        asked = self._request(when, wide)
        if asked is None:
            return None
        buyer, request, candidates = asked
        for offer in candidates:
            # Every IKM could take the whole order: the split is the allocator's rule, not whose stock ran out.
            self._restock(self.sellers[offer.organization.id], offer.listing, request.quantity, when)
        plan = plan_sentra_order(buyer, self.sentra, request, moment=when)
        sentra_order = place_sentra_order(
            buyer, self.sentra, request, plan.fingerprint, False, new_submission_token(), moment=when
        )
        self._stamp(when)
        first = self._plan_of(sentra_order, buyer, when, marks)
        return _Told(sentra_order, [first])

    @staticmethod
    def _last_round(sentra_order):
        db.session.expire(sentra_order, ["rounds"])
        return sentra_order.rounds[-1]

    def _plan_of(self, sentra_order, buyer, when, marks):
        """The newest round's checkout as a _Plan of the orders demo, each share to be completed (None: the round
        has no checkout, nobody could take the quantity)."""
        checkout = self._last_round(sentra_order).checkout
        if checkout is None:
            return None
        delivery = sentra_order.delivery_method == DeliveryMethod.DELIVERY
        flow = "completed" if delivery else "completed_pickup"
        parts = [
            _Part(
                self.sellers[order.seller_organization_id],
                flow,
                [(line.listing, line.quantity) for line in order.lines],
                order=order,
            )
            for order in sorted(checkout.orders, key=lambda order: order.id)
        ]
        return _Plan(buyer, parts, False, when=when, delivery=delivery, checkout=checkout, marks=marks)

    def _tell_past(self, when, decline, any_type=False):
        """One sentra order of the past year, over by now. With `decline`, one of its shares is declined if no share
        of that product type was yet (or with `any_type`); True if one was."""
        told = self._place(when)
        if told is None:
            return False
        plan = told.plans[0]
        steps = self._steps(plan)
        fresh = told.sentra_order.product_type_id not in self.declined_types
        declined = self._decliner(plan) if decline and (fresh or any_type) else None
        if declined is not None:
            steps = [step for step in steps if step[1] is not declined]
            paid = next(at for at, _, action in steps if action == "pay")
            # Inside the time to decline, answered in working hours: at most 23 hours after the payment.
            at = min(self._working_hours(paid + self._minutes(2 * 60, 8 * 60)), paid + timedelta(hours=23))
            steps.append((at, declined, "decline"))
        self._run(told, [(at, plan, part, action) for at, part, action in steps])
        return declined is not None

    def _run(self, told, steps, pay_again=True):
        """Make the moves in time order, each stamped with its moment, then date the rows they wrote. A decline adds
        its new round's checkout, and with `pay_again` the moves that complete it."""
        queue = list(steps)
        while queue:
            queue.sort(key=lambda step: (step[0], step[3] != "pay"))
            at, plan, part, action = queue.pop(0)
            if action == "decline":
                again = self._decline(told, part, at)
                self._stamp(at)
                if again is None:
                    continue
                told.plans.append(again)
                steps = self._steps(again) if pay_again else []
                if again.checkout.status == CheckoutStatus.PAID:
                    # Paid with the money of the declined share (it cost no more): the buyer has nothing to pay.
                    for carried in again.parts:
                        carried.times["paid"] = carried.times["last"] = at
                    steps = [step for step in steps if step[2] != "pay"]
                queue += [(when, again, p, act) for when, p, act in steps]
                continue
            self._do(plan, part, action, at)
            self._stamp(at)
        for plan in told.plans:
            self._date_rows(plan)

    def _tell_under_way(self):
        """Two sentra orders of the last two days: one whose share an IKM declined this morning (or late yesterday),
        its new checkout waiting for the buyer's payment before its deadline or, paid with the declined share's
        money, for its IKMs' answer; and the newest, paid and waiting for its IKMs' answer inside the time to
        decline."""
        declined_at = self._working_before(self.now - timedelta(hours=1) - self._minutes(0, 45))
        paid = declined_at - self._minutes(13 * 60, 22 * 60)  # a transfer, at any hour
        placed = self._working_before(paid - self._minutes(30, 150))
        # The newest of all, first in the lists: both may fall in the same afternoon, yesterday's.
        newest = max(self._working_before(self.now - timedelta(hours=3) - self._minutes(0, 60)), placed)
        newest += self._minutes(5, 30) if newest == placed else timedelta(0)
        for when, kind in [(placed, "declined"), (newest, "waiting")]:
            told = self._place(when, wide=kind == "declined")
            if told is None:
                continue
            plan = told.plans[0]
            if kind == "waiting":
                self._run(told, [(when + self._minutes(30, 100), plan, None, "pay")])
                continue
            steps = [(paid, plan, None, "pay")]
            declined = self._decliner(plan)
            for part in plan.parts:
                if part is declined:
                    steps.append((declined_at, plan, part, "decline"))
                else:
                    steps.append((declined_at + self._minutes(5, 50), plan, part, "accept"))
            self._run(told, steps, pay_again=False)

    def _decliner(self, plan):
        """The share to decline: of an IKM that has not declined yet, if any (another IKM sells the product type
        too: a sentra order is only made of such)."""
        fresh = [part for part in plan.parts if part.seller.organization_id not in self.declined_by]
        part = self.rng.choice(fresh or plan.parts)
        self.declined_by.add(part.seller.organization_id)
        return part

    def _reason(self, product_type):
        reasons = [*DECLINES.get(product_type.slug.split("-")[0], []), *ANY_DECLINE]
        reason = min(reasons, key=lambda r: (self.reasons_given.count(r), reasons.index(r)))
        self.reasons_given.append(reason)
        return reason

    def _decline(self, told, part, at):
        """The IKM declines its share at `at`; the new round's checkout as a _Plan (None if nobody could take it)."""
        sentra_order = told.sentra_order
        others = [
            o for o in offers(self.sentra.id, sentra_order.product_type_id, at) if o.listing.id in self.original_stock
        ]
        quantity = sum((line.quantity for line in part.order.lines), Decimal("0"))
        for offer in others:
            if offer.organization.id != part.seller.organization_id:
                self._restock(self.sellers[offer.organization.id], offer.listing, quantity, at)
        decline_share(part.seller, part.order, self._reason(sentra_order.product_type), moment=at)
        self.declined_types.add(sentra_order.product_type_id)
        part.times["last"] = at
        return self._plan_of(sentra_order, sentra_order.placed_by, at, told.plans[0].marks)
