"""Payments part of the demo world: the sentras' bank accounts and fees, the IKMs' accounts, a year of payouts, the
refunds of the past transferred back, and one transfer proof waiting for the coordinator.

Runs after the orders demo, whose payments and completions already wrote the ledger through the escrow (at the
moment of seeding): its entries are dated back here to when their orders were paid, completed or ended, then the
payouts go through the real service month by month, paying out what was released the month before. The last month
stays in the balances, so an IKM has money to see and a coordinator something to pay out. Added once: nothing is
done when any sentra has payment settings."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select, update

from marketplace.accounts.models import Organization, OrganizationKind, OrganizationStatus, Sentra, User
from marketplace.core.models import OutboxMessage
from marketplace.core.roles import Role
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import WIB, utcnow
from marketplace.extensions import db
from marketplace.orders.models import Checkout, CheckoutStatus, Order
from marketplace.payments import services
from marketplace.payments.models import (
    BankAccount,
    EntryKind,
    LedgerEntry,
    Payout,
    Refund,
    RefundStatus,
    SentraPaymentSettings,
)

# slug: (fee %, bank, account number, holder)
SENTRA_ACCOUNTS = {
    "slag-aluminium-jombang": (Decimal("2.00"), "Bank Jatim", "0061234567", "Koperasi Sentra Slag Aluminium Jombang"),
    "logam-ceper-klaten": (Decimal("0.00"), "BRI", "013201000123305", "UPT Logam Ceper"),
}
BANKS = ["BRI", "Bank Jatim", "BNI", "Mandiri", "BCA", "BSI"]
REFUND_DAYS = 2  # the coordinator transfers a refund back two days after the order ended
PAYOUT_DAY = 5  # payouts of a month's releases go out on the 5th of the next month


def seed_payment_settings():
    """The sentras' fees and bank accounts and the IKMs' accounts, before the orders demo runs (once): its completed
    orders are then charged the fee."""
    if db.session.scalar(select(func.count(SentraPaymentSettings.id))):
        return
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    for slug, (fee, bank, number, holder) in SENTRA_ACCOUNTS.items():
        sentra = db.session.scalar(select(Sentra).where(Sentra.slug == slug))
        if sentra is not None and admin is not None:
            services.save_sentra_settings(admin, sentra, services.SentraPaymentInput(fee, bank, number, holder))
    ikms = db.session.scalars(
        select(Organization)
        .where(Organization.kind == OrganizationKind.IKM, Organization.status == OrganizationStatus.APPROVED)
        .order_by(Organization.id)
    ).all()
    for index, ikm in enumerate(ikms):
        db.session.add(
            BankAccount(
                organization_id=ikm.id,
                bank_name=BANKS[index % len(BANKS)],
                account_number=f"{3100 + index:04d}0100{ikm.id:05d}",
                account_holder=ikm.name,
            )
        )
    db.session.flush()


def seed_payments():
    """The payments part of the demo after the orders demo (once): the ledger dated back, old refunds transferred
    back, a year of payouts, a transfer proof waiting."""
    if db.session.scalar(select(func.count(Payout.id))):
        return
    history_from = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    _date_the_ledger()
    _transfer_old_refunds_back()
    _pay_out_past_months()
    _proof_waiting()
    # The demo's mail is history (a year of payouts and refunds), recorded as sent like the orders demo's.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id > history_from)
        .values(status="sent", attempts=1, sent_at=OutboxMessage.created_at)
        .execution_options(synchronize_session=False)
    )


def _date_the_ledger():
    """Entries the escrow wrote while the orders demo ran, dated when their orders were paid, completed or ended."""
    order_time = {
        EntryKind.HELD: Order.paid_at,
        EntryKind.RELEASED: Order.completed_at,
        EntryKind.FEE: Order.completed_at,
        EntryKind.REFUND: Order.updated_at,
    }
    for kind, column in order_time.items():
        db.session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.kind == kind)
            .values(at=select(column).where(Order.id == LedgerEntry.order_id).scalar_subquery())
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.kind == EntryKind.RECEIVED)
        .values(at=select(Checkout.paid_at).where(Checkout.id == LedgerEntry.checkout_id).scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Refund)
        .values(created_at=select(Order.updated_at).where(Order.id == Refund.order_id).scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def _coordinator_of(sentra_id):
    return db.session.scalar(
        select(User).where(User.role == Role.COORDINATOR, User.sentra_id == sentra_id).order_by(User.id)
    )


def _transfer_old_refunds_back():
    """Every refund but those of the last days was transferred back by the coordinator."""
    now = utcnow()
    due = db.session.scalars(select(Refund).where(Refund.status == RefundStatus.DUE).order_by(Refund.id)).all()
    for refund in due:
        paid = refund.created_at + timedelta(days=REFUND_DAYS)
        coordinator = _coordinator_of(refund.sentra_id)
        if paid > now or coordinator is None:
            continue
        day = paid.astimezone(WIB).date()
        services.record_refund_transfer(
            coordinator, refund, services.RefundTransferInput(f"TRF/REFUND/{day:%Y%m%d}/{refund.id:04d}", day)
        )
        db.session.execute(
            update(Refund)
            .where(Refund.id == refund.id)
            .values(updated_at=paid, completed_at=paid)
            .execution_options(synchronize_session=False)
        )


def _month_start(day):
    return day.replace(day=1)


def _pay_out_past_months():
    """For each IKM, what was released to it in a month is paid out on the 5th of the next (last month excepted)."""
    today = utcnow().astimezone(WIB).date()
    this_month = _month_start(today)
    released = db.session.execute(
        select(LedgerEntry.organization_id, LedgerEntry.sentra_id, LedgerEntry.at, LedgerEntry.amount_idr)
        .where(LedgerEntry.kind == EntryKind.RELEASED)
        .order_by(LedgerEntry.at)
    ).all()
    monthly = {}
    for organization_id, sentra_id, at, amount in released:
        month = _month_start(at.astimezone(WIB).date())
        key = (organization_id, sentra_id, month)
        monthly[key] = monthly.get(key, 0) + amount
    last_month = _month_start(this_month - timedelta(days=1))
    for (organization_id, sentra_id, month), amount in sorted(monthly.items(), key=lambda item: item[0][2]):
        if month >= last_month:
            continue  # last month's and this month's releases wait in the balance
        coordinator = _coordinator_of(sentra_id)
        if coordinator is None:
            continue
        paid_on = _month_start(month + timedelta(days=32)).replace(day=PAYOUT_DAY)
        payout = services.record_payout(
            coordinator,
            services.PayoutInput(organization_id, amount, paid_on, f"TRF/{paid_on:%Y%m%d}/{organization_id:04d}", ""),
            new_submission_token(),
        )
        when = datetime.combine(paid_on, time(10, 0), tzinfo=WIB)
        db.session.execute(
            update(Payout)
            .where(Payout.id == payout.id)
            .values(created_at=when)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.payout_id == payout.id)
            .values(at=when)
            .execution_options(synchronize_session=False)
        )


def _proof_waiting():
    """The newest checkout of a cart awaiting payment has sent a transfer proof: the coordinator's to confirm (a sentra
    order's re-allocation waiting for payment stays the buyer's to pay, in the demo)."""
    checkout = db.session.scalar(
        select(Checkout)
        .where(Checkout.status == CheckoutStatus.AWAITING_PAYMENT, Checkout.sentra_order_id.is_(None))
        .order_by(Checkout.id.desc())
    )
    if checkout is None or checkout.placed_by is None:
        return
    services.submit_transfer_proof(
        checkout.placed_by, checkout, io.BytesIO(transfer_receipt(checkout)), new_submission_token()
    )


def transfer_receipt(checkout):
    """A picture of a mobile-banking receipt for the checkout, as buyers send them."""
    image = Image.new("RGB", (720, 960), (246, 248, 250))
    draw = ImageDraw.Draw(image)
    title, body = ImageFont.load_default(size=40), ImageFont.load_default(size=30)
    draw.rectangle((0, 0, 720, 140), fill=(0, 94, 158))
    draw.text((40, 48), "Transfer Berhasil", font=title, fill="white")
    settings = services.settings_of(services.sentra_id_of(checkout))
    rows = [
        ("Tanggal", checkout.created_at.astimezone(WIB).strftime("%d/%m/%Y %H:%M WIB")),
        ("Dari", checkout.buyer_organization.name[:28]),
        ("Ke", f"{settings.bank_name} {settings.account_number}" if settings else "-"),
        ("Penerima", (settings.account_holder if settings else "-")[:28]),
        ("Jumlah", f"Rp {checkout.total_idr:,}".replace(",", ".")),
        ("Berita", checkout.number),
        ("No. Ref", f"{checkout.id:06d}{date.today():%m%d}"),
    ]
    y = 200
    for label, value in rows:
        draw.text((40, y), label, font=body, fill=(90, 98, 110))
        draw.text((260, y), value, font=body, fill=(20, 24, 30))
        y += 90
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def demo_counts():
    """What the summary of `flask seed-demo` says of payments."""
    return {
        "payouts": db.session.scalar(select(func.count(Payout.id))),
        "ledger entries": db.session.scalar(select(func.count(LedgerEntry.id))),
    }
