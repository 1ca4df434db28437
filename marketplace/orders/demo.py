"""Orders part of the demo world: the demo buyers' delivery addresses, Jombang's delivery tariff and a year of orders.

The orders go through the real services (cart, checkout, payment, each move of the lifecycle, reviews), so stock,
numbers, events, audit entries and notifications are what the application itself makes. The services stamp the
clock of the moment on what they write; each step is then dated back to when it happened in the demo's story by
plain UPDATEs of the rows written since the previous step, so the history reads as spread over the past year. Old
notifications are read and the demo's mails are recorded as sent: a year of history is not news to deliver.

Deterministic (a fixed random seed) and added once: nothing is done when any checkout exists."""

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

from flask import current_app
from sqlalchemy import case, delete, func, literal, select, update

from marketplace.accounts.models import OrganizationStatus, Sentra, User
from marketplace.catalog.models import Listing, ListingStatus, ProductType, StockMovement, StockReason
from marketplace.catalog.services import is_publicly_visible
from marketplace.catalog.stock import adjust
from marketplace.core.models import AuditEntry, OutboxMessage, SubmissionToken
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import WIB, UTCDateTime, utcnow
from marketplace.extensions import db
from marketplace.orders import services
from marketplace.orders.models import (
    CartItem,
    Checkout,
    DeliveryAddress,
    DeliveryMethod,
    DeliveryTariff,
    DeliveryUnitFee,
    Notification,
    Order,
    OrderEvent,
    Review,
    Shipment,
)
from marketplace.orders.payment import mark_checkout_paid
from marketplace.pricing.models import PriceSchedule

SEED = 20261101
SENTRA = "slag-aluminium-jombang"
COORDINATOR = "koordinator@jombang.example.com"
SELLERS = [f"ikm{n}@jombang.example.com" for n in range(1, 7)]
# How often each IKM sells, relative to the others: the competition monitor shows uneven shares.
SELLER_WEIGHTS = [5, 4, 3, 6, 2, 4]
BUYERS = ["pembeli@pabrik.example.com", "pembeli2@pabrik.example.com"]

# label, recipient, phone, address, regency; the first is the company's plant, the second a project site.
ADDRESSES = {
    "pembeli@pabrik.example.com": [
        (
            "Pabrik Sidoarjo",
            "Bpk. Hendra Wijaya (Gudang Bahan Baku)",
            "031 8970 1234",
            "Jl. Raya Berbek Industri II No. 21, Kec. Waru",
            "Kabupaten Sidoarjo",
        ),
        (
            "Proyek Gudang Krian",
            "Bpk. Slamet Riyadi (Pelaksana Proyek)",
            "0812 3300 4411",
            "Jl. Raya Krian KM 3, Desa Sidomojo, Kec. Krian",
            "Kabupaten Sidoarjo",
        ),
    ],
    "pembeli2@pabrik.example.com": [
        (
            "Pabrik Gresik",
            "Ibu Ratna Sari (Bagian Penerimaan)",
            "031 3981 5678",
            "Kawasan Industri Gresik, Jl. Tri Dharma No. 8, Kec. Kebomas",
            "Kabupaten Gresik",
        ),
        (
            "Proyek Perluasan Pabrik Driyorejo",
            "Bpk. Agus Salim (Pengawas Lapangan)",
            "0813 3100 2277",
            "Jl. Raya Legundi No. 45, Desa Cangkir, Kec. Driyorejo",
            "Kabupaten Gresik",
        ),
    ],
}

BASE_FEE_IDR = 150_000
# Rupiah per unit of each product type, from Jombang to the buyers' sites in Gerbangkertosusila.
UNIT_FEES_IDR = {
    "paving-k300-6cm": 2_500,  # per m², about 135 kg
    "paving-k225-8cm": 3_000,  # per m², about 180 kg
    "bata-ringan-60x20x10": 35_000,  # per m³
    "batako-press": 150,  # per piece
    "aluminium-ingot-adc12": 150,  # per kg
    "slag-flux": 150_000,  # per tonne
}

# What a buyer orders at once, per product type (in its unit).
QUANTITIES = {
    "paving-k300-6cm": (60, 450),
    "paving-k225-8cm": (60, 350),
    "bata-ringan-60x20x10": (8, 30),
    "batako-press": (1000, 6000),
    "aluminium-ingot-adc12": (300, 1800),
    "slag-flux": (1, 5),
}
BUILDING = ("paving-k300-6cm", "paving-k225-8cm", "bata-ringan-60x20x10", "batako-press")
PO_PREFIX = {"pembeli@pabrik.example.com": "PO/SPRT", "pembeli2@pabrik.example.com": "PO-ACN"}
NOTES = [
    "",
    "",
    "",
    "Mohon kirim pagi hari, masuk lewat gerbang 2.",
    "Sertakan sertifikat hasil uji laboratorium sentra.",
    "Bongkar muat dibantu tenaga dari kami.",
    "Hubungi pelaksana proyek satu jam sebelum truk tiba.",
]

REJECTIONS = [
    "Mesin press sedang diperbaiki, produksi berhenti sampai akhir bulan. Mohon maaf.",
    "Kapasitas produksi bulan ini sudah penuh oleh pesanan proyek; jadwal Bapak/Ibu tidak bisa kami penuhi.",
    "Setelah stok gudang dihitung ulang, barang yang siap kirim kurang dari pesanan.",
]
CANCELLATIONS = [
    "Salah memilih ketebalan paving, kami pesan ulang yang 8 cm.",
    "Proyek ditunda oleh pemilik gedung; mohon dana dikembalikan.",
]
# What went wrong, by kind of product (see _kind).
DISPUTES = {
    "paving": "Sebagian paving pecah di sudut saat dibongkar (sekitar 30 m²); mohon diganti.",
    "bata-ringan": "Bata ringan yang datang kurang 2 m³ dari jumlah di surat jalan.",
    "batako": "Sekitar 300 batako gempil dan retak saat diterima.",
    "aluminium-ingot": "Hasil uji laboratorium kami: kadar Si ingot di atas spesifikasi ADC12.",
    "slag-flux": "Karung flux basah dan menggumpal saat diterima.",
}
RESOLUTIONS = {
    "resolve_completed": "Dicek bersama di lokasi: selisihnya masih dalam toleransi dan IKM mengganti yang kurang "
    "pada pengiriman berikutnya tanpa biaya.",
    "resolve_refunded": "Uji ulang di laboratorium sentra membenarkan keluhan pembeli; barang diambil kembali oleh IKM "
    "dan dana dikembalikan.",
}
# A word of praise per kind of product, for good ratings.
PRAISE = {
    "paving": "Paving rapi, permukaan rata dan warnanya seragam.",
    "bata-ringan": "Ukuran bata presisi, pemasangan jadi cepat.",
    "batako": "Batako padat, hampir tidak ada yang gempil.",
    "aluminium-ingot": "Ingot bersih, komposisi sesuai sertifikat. Akan pesan lagi.",
    "slag-flux": "Flux kering dan halus, mudah ditabur di tungku.",
}
REVIEWS = {
    5: [
        "Barang sesuai spesifikasi, pengiriman tepat waktu. Terima kasih!",
        "Pelayanan cepat, sopir ramah dan bongkar muat rapi.",
        "",
    ],
    4: [
        "Kualitas bagus, hanya pengiriman mundur satu hari.",
        "Barang bagus, komunikasi lewat WhatsApp responsif.",
        "",
    ],
    3: ["Barang sesuai, tetapi pengiriman terlambat tiga hari tanpa kabar.", "Cukup baik, kemasan perlu diperbaiki."],
    2: ["Mutu kurang konsisten dibanding pesanan sebelumnya."],
    1: ["Barang datang jauh terlambat dan sebagian rusak."],
}
RATING_WEIGHTS = {5: 50, 4: 35, 3: 10, 2: 4, 1: 1}

# What becomes of an order after it is placed: the moves, in order ("pay" is the checkout's).
FLOWS = {
    "awaiting_payment": [],
    "expired": ["expire"],
    "cancelled_unpaid": ["cancel"],
    "paid": ["pay"],
    "cancelled_paid": ["pay", "cancel"],
    "rejected": ["pay", "reject"],
    "accepted": ["pay", "accept"],
    "ready": ["pay", "accept", "mark_ready"],
    "shipped": ["pay", "accept", "mark_ready", "ship"],
    "delivered": ["pay", "accept", "mark_ready", "ship", "mark_delivered"],
    "completed": ["pay", "accept", "mark_ready", "ship", "mark_delivered", "confirm_receipt", "review"],
    "completed_pickup": ["pay", "accept", "mark_ready", "ship", "confirm_receipt", "review"],
    "completed_auto": ["pay", "accept", "mark_ready", "ship", "auto_confirm"],
    "disputed": ["pay", "accept", "mark_ready", "ship", "mark_delivered", "dispute"],
    "dispute_completed": ["pay", "accept", "mark_ready", "ship", "mark_delivered", "dispute", "resolve_completed"],
    "refunded": ["pay", "accept", "mark_ready", "ship", "mark_delivered", "dispute", "resolve_refunded"],
}
# Orders under way today, newest history: how many checkouts end in each of these.
OPEN = {"awaiting_payment": 3, "paid": 3, "accepted": 3, "ready": 2, "shipped": 3, "delivered": 2, "disputed": 2}
# Orders of the past year that did not end completed (the rest of the year's checkouts are completed).
ENDED_OTHERWISE = {
    "completed_auto": 2,
    "dispute_completed": 1,
    "refunded": 2,
    "rejected": 3,
    "cancelled_paid": 1,
    "cancelled_unpaid": 1,
    "expired": 1,
}
CHECKOUTS_PER_MONTH = [3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6]  # the oldest month first: business grows

# Tracked tables: the columns that say when a row was written, dated back step by step.
_DATED = [
    (OrderEvent.__table__, ("at",)),
    (Notification.__table__, ("created_at",)),
    (AuditEntry.__table__, ("at",)),
    (StockMovement.__table__, ("created_at",)),
    (OutboxMessage.__table__, ("created_at", "next_try_at", "sent_at")),
    (Shipment.__table__, ("shipped_at",)),
    (Review.__table__, ("created_at",)),
    (SubmissionToken.__table__, ("created_at",)),
]


@dataclass
class _Part:
    """One IKM's order in a planned checkout."""

    seller: User
    flow: str
    lines: list = field(default_factory=list)  # (listing, quantity)
    order: Order | None = None
    times: dict = field(default_factory=dict)


@dataclass
class _Plan:
    buyer: User
    parts: list
    under_way: bool  # under way today: dated back from now, not placed in a past month
    when: datetime | None = None
    delivery: bool = True
    checkout: Checkout | None = None
    marks: dict = field(default_factory=dict)  # the tracked tables' last ids before the checkout was made


def seed_delivery(sentra, coordinator, buyers):
    """The demo buyers' saved addresses and the sentra's delivery tariff; found again by label and sentra."""
    for buyer in buyers:
        for label, recipient, phone, address, regency in ADDRESSES[buyer.email]:
            exists = db.session.scalar(
                select(DeliveryAddress.id).where(
                    DeliveryAddress.organization_id == buyer.organization_id, DeliveryAddress.label == label
                )
            )
            if not exists:
                db.session.add(
                    DeliveryAddress(
                        organization_id=buyer.organization_id,
                        label=label,
                        recipient=recipient,
                        phone=phone,
                        address=address,
                        regency=regency,
                        province="Jawa Timur",
                    )
                )
    if db.session.scalar(select(DeliveryTariff.id).where(DeliveryTariff.sentra_id == sentra.id)) is None:
        types = {pt.slug: pt.id for pt in db.session.scalars(select(ProductType))}
        db.session.add(
            DeliveryTariff(
                sentra_id=sentra.id,
                base_fee_idr=BASE_FEE_IDR,
                updated_by_id=coordinator.id,
                unit_fees=[
                    DeliveryUnitFee(product_type_id=types[slug], fee_per_unit_idr=fee)
                    for slug, fee in UNIT_FEES_IDR.items()
                    if slug in types
                ],
            )
        )
    db.session.flush()


def seed_orders():
    """Addresses, the tariff and a year of Jombang's orders (once); returns how many orders exist."""
    sentra = db.session.scalar(select(Sentra).where(Sentra.slug == SENTRA))
    users = {
        u.email: u for u in db.session.scalars(select(User).where(User.email.in_([*SELLERS, *BUYERS, COORDINATOR])))
    }
    buyers = [users[email] for email in BUYERS]
    seed_delivery(sentra, users[COORDINATOR], buyers)
    if db.session.scalar(select(Checkout.id).limit(1)) is None:
        tell_quietly(_Story(sentra, users))
    return db.session.scalar(select(func.count(Order.id)))


def tell_quietly(story):
    """Tell a demo story without printing its mail: a year of demo mail is not shown on `make run`."""
    echo = current_app.config.get("MAIL_ECHO_AFTER_COMMIT")
    current_app.config["MAIL_ECHO_AFTER_COMMIT"] = False
    try:
        story.tell()
    finally:
        current_app.config["MAIL_ECHO_AFTER_COMMIT"] = echo


def _kind(part):
    """paving, bata-ringan, batako, aluminium-ingot or slag-flux: what an order is mostly of."""
    slug = part.lines[0][0].product_type.slug
    return next((kind for kind in DISPUTES if slug.startswith(kind)), "paving")


class _Story:
    def __init__(self, sentra, users):
        self.rng = random.Random(SEED)
        self.now = utcnow().replace(microsecond=0)
        self.sentra = sentra
        self.users = users
        self.coordinator = users[COORDINATOR]
        self.deadline = timedelta(hours=current_app.config["PAYMENT_DEADLINE_HOURS"])
        self.auto_confirm = timedelta(days=current_app.config["AUTO_CONFIRM_DAYS"])
        self.addresses = {}  # buyer email: (plant, project site)
        for email in BUYERS:
            saved = {a.label: a for a in services.addresses_of(users[email].organization_id)}
            self.addresses[email] = tuple(saved[row[0]] for row in ADDRESSES[email])
        self.listings = self._listings()
        self.original_stock = {listing.id: listing.stock for ls in self.listings.values() for listing in ls}
        self.marks = self._last_ids()
        self.stamps = {}  # table name: [(last id written by a step, when the step happened)]
        self.note_numbers = {}
        self.has_prices = self._has_prices() is not None

    # --- the cast ---------------------------------------------------------------------------------------------

    def _listings(self):
        """Each demo IKM's listings a buyer can buy today (public, in stock), by owner email."""
        found = {}
        for email in SELLERS:
            seller = self.users[email]
            if seller.organization.status != OrganizationStatus.APPROVED:
                continue
            listings = db.session.scalars(
                select(Listing)
                .where(Listing.organization_id == seller.organization_id, Listing.status == ListingStatus.ACTIVE)
                .order_by(Listing.id)
            ).all()
            found[email] = [ls for ls in listings if ls.stock > 0 and is_publicly_visible(ls)]
        return {email: listings for email, listings in found.items() if listings}

    def _has_prices(self):
        """Whether the sentra prices anything: the pricing demo's first schedules are older than the year of orders,
        so each order is priced as on the day it was placed."""
        return db.session.scalar(select(PriceSchedule.id).where(PriceSchedule.sentra_id == self.sentra.id).limit(1))

    def _plans(self):
        rng = self.rng
        sellers = [email for email in SELLERS if email in self.listings]
        weights = [SELLER_WEIGHTS[SELLERS.index(email)] for email in sellers]

        past_flows = ["completed"] * sum(CHECKOUTS_PER_MONTH)
        slots = rng.sample(range(len(past_flows)), sum(ENDED_OTHERWISE.values()))
        for flow, slot in zip([flow for flow, n in ENDED_OTHERWISE.items() for _ in range(n)], slots, strict=True):
            past_flows[slot] = flow
        # Every IKM completes a few orders, at random moments of the year; the others go by the weights.
        guaranteed = [email for _ in range(2) for email in sellers]
        completed = [n for n, flow in enumerate(past_flows) if flow == "completed"]
        assigned = dict(zip(rng.sample(completed, len(guaranteed)), guaranteed, strict=True))
        plans = []
        for n, flow in enumerate(past_flows):
            seller = assigned.get(n) or rng.choices(sellers, weights)[0]
            if flow == "completed" and rng.random() < 0.3:
                flow = "completed_pickup"
            plans.append(self._plan(seller, flow, under_way=False))
        months = [month for month, count in enumerate(CHECKOUTS_PER_MONTH) for _ in range(count)]
        for plan, month in zip(plans, months, strict=True):
            plan.when = self._in_month(month)

        # Checkouts holding two IKMs' orders: a project's paving and bricks, a foundry's ingot and flux.
        plans.append(self._pair([("ikm1", "paving-k300"), ("ikm3", "bata-ringan")], ["completed", "completed"], 4))
        plans.append(self._pair([("ikm6", "paving-k300"), ("ikm5", "batako")], ["completed", "rejected"], 8))
        open_plans = [self._pair([("ikm4", "aluminium-ingot"), ("ikm2", "slag-flux")], ["accepted", "paid"], None)]
        rotation = [email for _ in range(4) for email in rng.sample(sellers, len(sellers))]
        for flow, count in OPEN.items():  # the IKMs in turn: each has some orders to handle today
            open_plans += [self._plan(rotation.pop(), flow, under_way=True) for _ in range(count)]
        plans = sorted((plan for plan in plans if plan is not None), key=lambda plan: plan.when)
        open_plans = [plan for plan in open_plans if plan is not None]
        rng.shuffle(open_plans)
        # Under way today: placed in the last weeks; awaiting payment last of all, so still payable.
        open_plans.sort(key=lambda plan: plan.parts[0].flow == "awaiting_payment")
        return plans + open_plans

    def _plan(self, seller_email, flow, under_way):
        rng = self.rng
        listings = self.listings[seller_email]
        first = rng.choice(listings)
        chosen = [first]
        others = [listing for listing in listings if listing.id != first.id]
        if others and rng.random() < 0.25:
            chosen.append(rng.choice(others))
        building = first.product_type.slug in BUILDING
        buyer_email = BUYERS[0] if (rng.random() < 0.65) == building else BUYERS[1]
        part = _Part(self.users[seller_email], flow, [(listing, self._quantity(listing)) for listing in chosen])
        return _Plan(self.users[buyer_email], [part], under_way, delivery=self._delivered(flow))

    def _delivered(self, *flows):
        """Delivery by the sentra's tariff (always when the IKM marks it delivered), or the buyer's truck."""
        if any("mark_delivered" in FLOWS[flow] for flow in flows):
            return True
        return "completed_pickup" not in flows and self.rng.random() < 0.5

    def _pair(self, wanted, flows, month):
        """One checkout holding two IKMs' orders: [(ikm, product type slug prefix)], their flows."""
        parts = []
        for (ikm, kind), flow in zip(wanted, flows, strict=True):
            email = f"{ikm}@jombang.example.com"
            listing = next((ls for ls in self.listings.get(email, ()) if ls.product_type.slug.startswith(kind)), None)
            if listing is None:
                return None
            parts.append(_Part(self.users[email], flow, [(listing, self._quantity(listing))]))
        building = parts[0].lines[0][0].product_type.slug in BUILDING
        buyer = self.users[BUYERS[0] if building else BUYERS[1]]
        plan = _Plan(buyer, parts, month is None, delivery=self._delivered(*flows))
        if month is not None:
            plan.when = self._in_month(month)
        return plan

    def _quantity(self, listing):
        low, high = QUANTITIES.get(listing.product_type.slug, (1, 10))
        wanted = max(Decimal(self.rng.randint(low, high)), listing.min_order)
        step = listing.order_multiple
        return (wanted / step).to_integral_value(rounding=ROUND_CEILING) * step

    def _in_month(self, month):
        """A working-hours moment (WIB) in calendar month `month` of the story (0: a year ago, 11: last month), never
        in the last three weeks: they belong to the orders under way."""
        today = self.now.astimezone(WIB).date()
        year, index = divmod(today.year * 12 + today.month - 1 - (12 - month), 12)
        first = max(date(year, index + 1, 1), today - timedelta(days=364))
        last = min(date(year, index + 1, 1) + timedelta(days=27), today - timedelta(days=20))
        day = first + timedelta(days=self.rng.randint(0, max((last - first).days, 0)))
        local = datetime.combine(day, time(self.rng.randint(8, 15), self.rng.randint(0, 59)), tzinfo=WIB)
        return local.astimezone(UTC)

    def _steps(self, plan):
        """[(when, part or None for the checkout, action)], in time order, from when the checkout is placed."""
        rng = self.rng

        def hours(low, high):
            return timedelta(minutes=rng.randint(low * 60, high * 60))

        steps = []
        paid = plan.when + self._before_deadline(20 * 60)  # a transfer or a card payment, at any hour
        for part in plan.parts:
            at = plan.when
            lead = max(int(part.lines[0][0].lead_time_days), 1)
            for action in FLOWS[part.flow]:
                if action == "pay":
                    at = paid
                    continue
                if action == "expire":
                    at += self.deadline + timedelta(minutes=rng.randint(1, 600))
                elif action == "cancel" and "pay" not in FLOWS[part.flow]:
                    at += self._before_deadline(6 * 60)
                elif action == "auto_confirm":
                    at += self.auto_confirm + timedelta(minutes=rng.randint(5, 300))
                else:  # people act in working hours
                    at = self._working_hours(
                        at
                        + {
                            "cancel": hours(2, 40),
                            "reject": hours(3, 30),
                            "accept": hours(2, 30),
                            "mark_ready": hours(lead * 12, lead * 24),
                            "ship": hours(2, 20),
                            "mark_delivered": hours(4, 30),
                            "confirm_receipt": hours(2, 48),
                            "review": hours(1, 72),
                            "dispute": hours(3, 40),
                            "resolve_completed": hours(24, 96),
                            "resolve_refunded": hours(24, 96),
                        }[action]
                    )
                steps.append((at, part, action))
        if any(action == "pay" for part in plan.parts for action in FLOWS[part.flow]):
            steps.append((paid, None, "pay"))
        steps.sort(key=lambda step: (step[0], step[2] != "pay"))
        return steps

    def _before_deadline(self, minutes):
        """Some time after a checkout is placed, at most `minutes` and well inside its payment deadline."""
        deadline = int(self.deadline.total_seconds()) // 60
        return timedelta(minutes=self.rng.randint(min(30, deadline // 4), min(minutes, deadline // 2)))

    def _working_hours(self, at):
        """`at`, or the next morning (WIB) when it falls in the evening or at night."""
        local = at.astimezone(WIB)
        if 7 <= local.hour < 20:
            return at
        day = local.date() + timedelta(days=1 if local.hour >= 20 else 0)
        morning = datetime.combine(day, time(self.rng.randint(7, 10), self.rng.randint(0, 59)), tzinfo=WIB)
        return morning.astimezone(UTC)

    def _date(self, plan, steps):
        """Move the story by whole days (its hours stay): a past month's ends before yesterday, the checkouts under
        way end today, those awaiting payment were placed in the last hours (their deadline is still ahead)."""
        rng = self.rng
        day = timedelta(days=1)
        end = steps[-1][0] if steps else plan.when
        if not plan.under_way:
            latest = self.now - day
            shift = -day * math.ceil((end - latest) / day) if end > latest else timedelta(0)
        elif not steps:  # awaiting payment
            shift = self.now - self._before_deadline(8 * 60) - plan.when
        else:
            flow = plan.parts[0].flow
            # Shipped and delivered ones within a day, so that none is yet due for confirmation by the system.
            margin = timedelta(minutes=rng.randint(60, (24 if flow in ("shipped", "delivered") else 72) * 60))
            shift = day * math.floor((self.now - margin - end) / day)
        plan.when += shift
        return [(at + shift, part, action) for at, part, action in steps]

    # --- telling it -------------------------------------------------------------------------------------------

    def tell(self):
        if not self.has_prices:
            return  # the sentra has no prices: nothing can be sold
        db.session.execute(delete(CartItem).where(CartItem.user_id.in_([self.users[e].id for e in BUYERS])))
        for plan in self._plans():
            if plan.when is None:  # under way: laid out from a month ago, then moved by whole days to end by now
                plan.when = self._in_month(12)
            steps = self._date(plan, self._steps(plan))
            self._place(plan)
            for at, part, action in steps:
                self._do(plan, part, action, at)
                self._stamp(at)
            self._date_rows(plan)
        db.session.flush()

    def _place(self, plan):
        buyer = plan.buyer
        moment = plan.when
        plan.marks = dict(self.marks)
        for part in plan.parts:
            for listing, quantity in part.lines:
                self._restock(part.seller, listing, quantity, plan.when)
        for part in plan.parts:
            for listing, quantity in part.lines:
                services.put_in_cart(buyer, listing, quantity, moment=moment)
        plant, site = self.addresses[buyer.email]
        choices = {}
        for part in plan.parts:
            if plan.delivery:
                building = part.lines[0][0].product_type.slug in BUILDING
                address = site if building and self.rng.random() < 0.6 else plant
                choices[part.seller.organization_id] = services.DeliveryChoice(DeliveryMethod.DELIVERY, address.id)
            else:
                choices[part.seller.organization_id] = services.DeliveryChoice(DeliveryMethod.PICKUP)
        checkout_plan = services.plan_checkout(buyer, choices, moment=moment)
        year = plan.when.astimezone(WIB).year
        po_number = f"{PO_PREFIX[buyer.email]}/{year}/{self.rng.randint(100, 999):04d}"
        checkout = services.place_checkout(
            buyer,
            choices,
            po_number,
            self.rng.choice(NOTES),
            checkout_plan.fingerprint,
            new_submission_token(),
            moment=moment,
        )
        by_seller = {order.seller_organization_id: order for order in checkout.orders}
        for part in plan.parts:
            part.order = by_seller[part.seller.organization_id]
        plan.checkout = checkout
        self._stamp(plan.when)

    def _restock(self, seller, listing, quantity, when):
        """The IKM counts in a production run when an order would take its stock below half of what it had."""
        keep = self.original_stock[listing.id] / 2
        if listing.stock - quantity >= keep:
            return
        batch = max(listing.capacity_per_month / 4, listing.order_multiple)
        runs = ((quantity + keep - listing.stock) / batch).to_integral_value(rounding=ROUND_CEILING)
        delta = (runs * batch).quantize(Decimal("1"), rounding=ROUND_CEILING)
        adjust(listing.id, delta, actor=seller, reason=StockReason.SELLER_SET)
        self._stamp(when - timedelta(hours=self.rng.randint(4, 48)))

    def _do(self, plan, part, action, at):
        moment = at
        buyer, checkout = plan.buyer, plan.checkout
        if action == "pay":
            mark_checkout_paid(checkout.id, reference="demo", moment=moment)
            for p in plan.parts:
                p.times["paid"] = p.times["last"] = at
            return
        order = part.order
        if action == "expire":
            services.catch_up_checkout(checkout, moment=checkout.pay_by + timedelta(minutes=1))
        elif action == "auto_confirm":
            # Nobody confirmed receipt: the order completes itself AUTO_CONFIRM_DAYS after it was shipped.
            services.catch_up_order(order, moment=order.shipped_at + self.auto_confirm + timedelta(minutes=1))
            part.times["completed"] = at
        elif action == "review":
            if self.rng.random() < 0.15:
                return  # not every buyer rates what they received
            rating = self.rng.choices(list(RATING_WEIGHTS), list(RATING_WEIGHTS.values()))[0]
            comments = REVIEWS[rating] + ([PRAISE[_kind(part)]] * 2 if rating >= 4 else [])
            services.review_order(buyer, order, rating, self.rng.choice(comments))
            return  # a review is not a move: the order's updated_at stays
        else:
            actor, reason, note_number = part.seller, None, None
            if action in ("cancel", "confirm_receipt", "dispute"):
                actor = buyer
            elif action in RESOLUTIONS:
                actor = self.coordinator
            if action == "cancel":
                reason = CANCELLATIONS[0] if part.flow == "cancelled_unpaid" else CANCELLATIONS[1]
            elif action == "reject":
                reason = self.rng.choice(REJECTIONS)
            elif action == "dispute":
                reason = DISPUTES[_kind(part)]
            elif action in RESOLUTIONS:
                reason = RESOLUTIONS[action]
            elif action == "ship":
                note_number = self._note_number(part.seller, at)
                part.times["shipped"] = at
            if action in ("confirm_receipt", "resolve_completed"):
                part.times["completed"] = at
            services.act_on_order(actor, order, action, reason=reason, delivery_note_number=note_number, moment=moment)
        part.times["last"] = at

    def _note_number(self, seller, at):
        """The IKM's own surat jalan numbering: SJ/<initials>/<year>/<month>/<running number>."""
        initials = "".join(word[0] for word in seller.organization.name.split()[1:4]).upper()
        count = self.note_numbers[seller.id] = self.note_numbers.get(seller.id, 0) + 1
        local = at.astimezone(WIB)
        return f"SJ/{initials}/{local.year}/{local.month:02d}/{count:03d}"

    # --- dating it back ---------------------------------------------------------------------------------------

    @staticmethod
    def _last_ids():
        """{table name: its highest id}, for every tracked table in one query."""
        tables = [table for table, _ in _DATED]
        row = db.session.execute(select(*(select(func.max(t.c.id)).scalar_subquery() for t in tables))).one()
        return {table.name: last or 0 for table, last in zip(tables, row, strict=True)}

    def _stamp(self, when):
        """Every tracked row written since the last stamp happened at `when` (written by _write_stamps)."""
        db.session.flush()
        for name, latest in self._last_ids().items():
            if latest != self.marks[name]:
                self.stamps.setdefault(name, []).append((latest, when))
                self.marks[name] = latest

    def _write_stamps(self, since):
        """Date the rows of the stamps, one UPDATE per table: mail recorded as sent then, old news as read."""
        old = self.now - timedelta(days=3)
        for table, columns in _DATED:
            stamps = self.stamps.pop(table.name, None)
            if not stamps:
                continue

            ids = table.c.id
            values = {
                name: case(*((ids <= latest, literal(when, table.c[name].type)) for latest, when in stamps))
                for name in columns
            }
            if table.name == "outbox_message":
                values |= {"status": "sent", "attempts": 1}
            if table.name == "notification":
                read = [
                    (ids <= latest, literal(when + timedelta(hours=3) if when < old else None, UTCDateTime()))
                    for latest, when in stamps
                ]
                values["read_at"] = case(*read)
            db.session.execute(
                update(table)
                .where(ids > since[table.name], ids <= stamps[-1][0])
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def _date_rows(self, plan):
        """The checkout's and its orders' own dates (their numbers already carry the year: placed with that moment)."""
        self._write_stamps(plan.marks)
        checkout = plan.checkout
        values = {"created_at": plan.when, "pay_by": plan.when + self.deadline}
        if checkout.paid_at is not None:
            values["paid_at"] = min(part.times["paid"] for part in plan.parts if "paid" in part.times)
        db.session.execute(
            update(Checkout)
            .where(Checkout.id == checkout.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        for part in plan.parts:
            order = part.order
            values = {"created_at": plan.when, "updated_at": part.times.get("last", plan.when)}
            for column, key in (("paid_at", "paid"), ("shipped_at", "shipped"), ("completed_at", "completed")):
                if getattr(order, column) is not None:
                    values[column] = part.times[key]
            db.session.execute(
                update(Order).where(Order.id == order.id).values(**values).execution_options(synchronize_session=False)
            )
        db.session.expire(checkout)
        for part in plan.parts:
            db.session.expire(part.order)


def demo_counts():
    """What the summary of `flask seed-demo` says of orders."""
    return {
        "orders": db.session.scalar(select(func.count(Order.id))),
        "reviews": db.session.scalar(select(func.count(Review.id))),
        "delivery addresses": db.session.scalar(select(func.count(DeliveryAddress.id))),
    }
