"""Payment operations: a buyer's bank transfer and its proof, the coordinator's decision, money received from any
provider, refunds paid back, payouts to IKMs, and the settings they use (platform fee, bank accounts)."""

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Organization, OrganizationKind
from marketplace.accounts.services import mail_coordinators, mail_organization
from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError
from marketplace.core.money import format_idr
from marketplace.core.notes import register_notes, system_note
from marketplace.core.outbox import external_url
from marketplace.core.reasons import require_reason
from marketplace.core.roles import Role
from marketplace.core.storage import get_storage, save_in_transaction
from marketplace.core.submissions import claim_submission, record_submission
from marketplace.core.timeutil import WIB, utcnow
from marketplace.core.transaction import after_commit_then, lock_rows, operation
from marketplace.extensions import db
from marketplace.orders.models import Checkout, CheckoutStatus, Order
from marketplace.orders.payment import hold_deadline, mark_checkout_paid
from marketplace.payments import ledger, stripe_gateway
from marketplace.payments.models import (
    PAYMENT_STATES,
    PAYOUT_STATES,
    REFUND_STATES,
    BankAccount,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Payout,
    PayoutStatus,
    Refund,
    RefundStatus,
    SentraPaymentSettings,
    TransferProof,
)
from marketplace.payments.proofs import process_proof

log = logging.getLogger(__name__)

MAX_PAYOUT_IDR = 100_000_000_000  # Rp 100 billion: a typo guard, far above any IKM's balance


register_notes(
    {
        "payments.paid_twice": _l("The checkout was already paid another way: pay this back."),
        "payments.paid_too_late": _l("Paid after the checkout expired: pay it back to the buyer."),
        "payments.amount_differs": _l("Paid %(paid_idr)s, but the checkout is %(expected_idr)s."),
        "payments.paid_another_way": _l("Paid another way."),
    }
)


class PaymentRefused(DomainError):
    code = "payment_refused"


class PayoutRefused(PaymentRefused):
    code = "payout_refused"


# --- who may see what -------------------------------------------------------------------------------------------


def sentra_id_of(checkout):
    """The sentra whose escrow receives the checkout's money (a checkout holds orders of one sentra)."""
    return checkout.orders[0].sentra_id


def is_buyer_checkout(user, checkout):
    return user.role == Role.BUYER and checkout.buyer_organization_id == user.organization_id


def may_see_payment_of(user, checkout):
    """The buyer's company, the IKMs of the checkout, the coordinators of its sentra."""
    if is_buyer_checkout(user, checkout):
        return True
    if user.role == Role.SELLER:
        return any(order.seller_organization_id == user.organization_id for order in checkout.orders)
    return user.role == Role.COORDINATOR and sentra_id_of(checkout) == user.sentra_id


def is_sentra_payment(user, payment):
    return user.role == Role.COORDINATOR and payment.sentra_id == user.sentra_id


def is_sentra_refund(user, refund):
    return user.role == Role.COORDINATOR and refund.sentra_id == user.sentra_id


def is_sentra_payout(user, payout):
    return user.role == Role.COORDINATOR and payout.sentra_id == user.sentra_id


def may_see_proof(user, proof):
    return may_see_payment_of(user, proof.payment.checkout)


# --- settings ---------------------------------------------------------------------------------------------------


def settings_of(sentra_id):
    """The sentra's fee and bank account, or None if the admin has not set them."""
    return db.session.scalar(select(SentraPaymentSettings).where(SentraPaymentSettings.sentra_id == sentra_id))


@dataclass
class SentraPaymentInput:
    platform_fee_pct: Decimal
    bank_name: str
    account_number: str
    account_holder: str


@operation
def save_sentra_settings(admin, sentra, values):
    """The admin sets a sentra's platform fee and the bank account buyers transfer to."""
    if admin.role != Role.ADMIN:
        raise PaymentRefused(_l("Only the platform admin sets fees and the sentra's bank account."))
    fee = Decimal(values.platform_fee_pct)
    if not Decimal(0) <= fee < Decimal(100) or fee != fee.quantize(Decimal("0.01")):
        raise PaymentRefused(_l("Enter a percentage from 0 to 99.99."), field="platform_fee_pct")
    settings = settings_of(sentra.id)
    before = None
    if settings is None:
        settings = SentraPaymentSettings(sentra_id=sentra.id)
        db.session.add(settings)
    else:
        before = _settings_record(settings)
    settings.platform_fee_pct = fee
    settings.bank_name = values.bank_name
    settings.account_number = values.account_number
    settings.account_holder = values.account_holder
    settings.updated_by_id = admin.id
    settings.updated_at = utcnow()
    db.session.flush()
    record_audit(admin, "sentra.payment_settings", sentra, before=before, after=_settings_record(settings))
    return settings


def _settings_record(settings):
    return {
        "platform_fee_pct": str(settings.platform_fee_pct),
        "bank": describe_account(settings),
    }


def bank_account_of(organization_id):
    return db.session.scalar(select(BankAccount).where(BankAccount.organization_id == organization_id))


@dataclass
class BankAccountInput:
    bank_name: str
    account_number: str
    account_holder: str


@operation
def save_bank_account(user, values):
    """An IKM's owner sets the account its payouts go to."""
    if user.role != Role.SELLER or not user.is_owner:
        raise PaymentRefused(_l("Only an owner of the IKM sets its bank account."))
    account = bank_account_of(user.organization_id)
    before = None
    if account is None:
        account = BankAccount(organization_id=user.organization_id)
        db.session.add(account)
    else:
        before = {"account": describe_account(account)}
    account.bank_name = values.bank_name
    account.account_number = values.account_number
    account.account_holder = values.account_holder
    account.updated_by_id = user.id
    account.updated_at = utcnow()
    db.session.flush()
    record_audit(
        user,
        "organization.bank_account",
        user.organization,
        before=before,
        after={"account": describe_account(account)},
    )
    return account


def describe_account(account):
    """An IKM's or a sentra's account on one line: "BRI 0123456 a.n. UD Paving"."""
    return f"{account.bank_name} {account.account_number} a.n. {account.account_holder}"


# --- paying a checkout ------------------------------------------------------------------------------------------


def bank_payment_of(checkout_id):
    return db.session.scalar(
        select(Payment)
        .where(Payment.checkout_id == checkout_id, Payment.method == PaymentMethod.BANK_TRANSFER)
        .options(selectinload(Payment.proofs).joinedload(TransferProof.uploaded_by))
    )


@dataclass(frozen=True)
class PaymentPage:
    checkout: object
    settings: object  # the sentra's bank account (None: not set)
    bank_payment: object  # None until a proof is sent
    payments: list  # every attempt, newest first
    refunds: list
    stripe_enabled: bool

    @property
    def may_pay(self):
        return self.checkout.status == CheckoutStatus.AWAITING_PAYMENT

    @property
    def proof_waiting(self):
        return self.bank_payment is not None and self.bank_payment.status == PaymentStatus.SUBMITTED


def payment_page(checkout):
    """What the payment page of a checkout shows, in a fixed number of queries."""
    payments = db.session.scalars(
        select(Payment)
        .where(Payment.checkout_id == checkout.id)
        .options(selectinload(Payment.proofs).joinedload(TransferProof.uploaded_by))
        .order_by(Payment.id.desc())
    ).all()
    refunds = db.session.scalars(
        select(Refund)
        .join(Order, Order.id == Refund.order_id)
        .where(Order.checkout_id == checkout.id)
        .order_by(Refund.id)
    ).all()
    return PaymentPage(
        checkout=checkout,
        settings=settings_of(sentra_id_of(checkout)),
        bank_payment=next((p for p in payments if p.method == PaymentMethod.BANK_TRANSFER), None),
        payments=payments,
        refunds=refunds,
        stripe_enabled=stripe_gateway.enabled(),
    )


def _payable(checkout, now):
    if checkout.status != CheckoutStatus.AWAITING_PAYMENT:
        raise PaymentRefused(_l("This checkout is not waiting for payment."))
    if checkout.is_overdue(now):
        raise PaymentRefused(_l("The payment deadline has passed: the orders were cancelled."))


@operation
def submit_transfer_proof(user, checkout, stream, submission_token):
    """The buyer sends a proof of their bank transfer: the sentra's coordinators are asked to check it, and the
    checkout waits for them instead of expiring. Another proof may follow (a second transfer, a clearer photo)."""
    claim = claim_submission(user, submission_token)
    if not is_buyer_checkout(user, checkout):
        raise PaymentRefused(_l("This checkout is not yours."))
    # Two first proofs at once (two tabs) must not both open the payment: its checkout's rows are locked first.
    lock_payments_of(checkout.id)
    checkout = db.session.get(Checkout, checkout.id, with_for_update=True, populate_existing=True)
    _payable(checkout, utcnow())
    stripe_processing = db.session.scalar(
        select(Payment.id).where(
            Payment.checkout_id == checkout.id,
            Payment.method == PaymentMethod.STRIPE,
            Payment.status == PaymentStatus.SUBMITTED,
        )
    )
    if stripe_processing is not None:
        raise PaymentRefused(
            _l("A payment of this checkout is being checked: wait for the answer before paying again.")
        )
    sentra_id = sentra_id_of(checkout)
    settings = settings_of(sentra_id)
    if settings is None or not settings.has_bank_account:
        raise PaymentRefused(_l("The sentra has not given its bank account yet. Please contact its coordinator."))
    proof_file = process_proof(stream)
    payment = bank_payment_of(checkout.id)
    if payment is None:
        payment = Payment(
            checkout_id=checkout.id,
            sentra_id=sentra_id,
            method=PaymentMethod.BANK_TRANSFER,
            attempt=1,
            status=PaymentStatus.PENDING,
            amount_idr=checkout.total_idr,
            reference=checkout.number,
            created_by_id=user.id,
        )
        db.session.add(payment)
        db.session.flush()
    elif payment.status not in PaymentStatus.OPEN:
        raise PaymentRefused(_l("This transfer was already decided: look at the payment page again."))
    # Apart from public media: the photo route serves only listing/ and product-type/ keys; proofs have their own.
    key = get_storage().new_key("private/proof", proof_file.extension)
    save_in_transaction(key, proof_file.data)
    proof = TransferProof(
        payment_id=payment.id,
        storage_key=key,
        content_type=proof_file.content_type,
        size_bytes=len(proof_file.data),
        uploaded_by_id=user.id,
    )
    db.session.add(proof)
    db.session.flush()
    if payment.status == PaymentStatus.PENDING:
        PAYMENT_STATES.move(payment, PaymentStatus.SUBMITTED, user, extra_values={"amount_idr": checkout.total_idr})
    hold_deadline(checkout.id, checking=True)
    record_audit(user, "payment.proof_uploaded", payment, after={"proof_id": proof.id, "checkout": checkout.number})
    mail_coordinators(
        sentra_id,
        _l("Transfer proof to check: %(number)s", number=checkout.number),
        "transfer_proof_waiting",
        checkout=checkout,
        payment=payment,
        link=external_url("payments.sentra_payments"),
    )
    record_submission(claim, proof)
    return proof


@operation
def decide_transfer(user, payment, action_name, reason=None):
    """The coordinator confirms the transfer is on the sentra's statement (the checkout is paid), or rejects the
    proof with a reason (the buyer is asked for another; the deadline applies again)."""
    if not is_sentra_payment(user, payment):
        raise PaymentRefused(_l("This payment is not of your sentra."))
    if payment.method != PaymentMethod.BANK_TRANSFER:
        # A Stripe payment being processed is Stripe's to decide, by its events.
        raise PaymentRefused(_l("Only a bank transfer is confirmed or rejected here."))
    payment = locked_payment(payment.id)
    act = PAYMENT_STATES.check(payment, action_name, user.role)
    if act.name == "confirm":
        # What the buyer was asked to transfer when the proof came: a total that changed since is flagged.
        _settle_received(payment, payment.amount_idr, user, note=None)
        return payment
    note = require_reason(reason)
    PAYMENT_STATES.move(payment, PaymentStatus.PENDING, user, note=note, action_name=act.name)
    latest = payment.proofs[-1] if payment.proofs else None
    if latest is not None:
        latest.rejected_reason = note
    _release_hold_unless_another_is_checked(payment)
    checkout = payment.checkout
    mail_organization(
        checkout.buyer_organization,
        _l("Transfer proof not accepted: %(number)s", number=checkout.number),
        "transfer_proof_rejected",
        checkout=checkout,
        reason=note,
        link=external_url("payments.pay_checkout", checkout_id=checkout.id),
    )
    return payment


@operation
def money_received(payment_id, paid_amount_idr, note=None):
    """A provider says the money of a payment came in (Stripe's webhook or reconcile): the checkout is paid, or the
    payment is flagged for the coordinator when the amount differs or the checkout can no longer be paid. Saying it
    twice changes nothing."""
    payment = locked_payment(payment_id)
    if payment is None:
        raise LookupError(f"no payment {payment_id}")
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.FLAGGED):
        return payment
    return _settle_received(payment, paid_amount_idr, None, note)


def lock_payments_of(checkout_id):
    """Lock every payment row of a checkout, in id order (core.transaction.lock_rows).

    The one lock order of payments: all the checkout's payments, then the checkout. Settling one payment may cancel
    the others (a transfer confirmed while a Stripe page is open), so locking only the one at hand would let a
    confirmation and a Stripe event on the same checkout wait for each other."""
    lock_rows(Payment, Payment.checkout_id == checkout_id)


def locked_payment(payment_id):
    """A payment read afresh after its checkout's payments are locked (lock_payments_of); None if there is none."""
    checkout_id = db.session.scalar(select(Payment.checkout_id).where(Payment.id == payment_id))
    if checkout_id is None:
        return None
    lock_payments_of(checkout_id)
    return db.session.get(Payment, payment_id, populate_existing=True)


def _settle_received(payment, paid_amount_idr, actor, note):
    # The caller has locked the checkout's payments (lock_payments_of); the checkout comes next, read afresh. Its
    # state is checked here rather than by catching mark_checkout_paid's refusal in a SAVEPOINT: on SQLite a
    # SAVEPOINT that opens the transaction is committed by its RELEASE. A change slipping in between on SQLite makes
    # mark_checkout_paid refuse, and the whole operation rolls back.
    checkout = db.session.get(Checkout, payment.checkout_id, with_for_update=True, populate_existing=True)
    if checkout.status == CheckoutStatus.PAID:
        return _flag(payment, paid_amount_idr, actor, system_note("payments.paid_twice"))
    if checkout.status != CheckoutStatus.AWAITING_PAYMENT or checkout.is_overdue(utcnow()):
        return _flag(payment, paid_amount_idr, actor, system_note("payments.paid_too_late"))
    if paid_amount_idr != checkout.total_idr:
        return _flag(
            payment,
            paid_amount_idr,
            actor,
            system_note("payments.amount_differs", paid_idr=paid_amount_idr, expected_idr=checkout.total_idr),
        )
    mark_checkout_paid(checkout.id, reference=payment.reference, actor=actor)
    PAYMENT_STATES.move(
        payment,
        PaymentStatus.SUCCEEDED,
        actor,
        note=note,
        action_name="confirm",
        extra_values={"paid_amount_idr": paid_amount_idr},
    )
    # Another attempt waiting for money (a Stripe page left open) is over: this one paid. One whose money is said to
    # be on its way (a transfer proof, a delayed Stripe method) stays: if that money comes too, it is flagged to pay
    # back rather than forgotten.
    for other in db.session.scalars(
        select(Payment).where(
            Payment.checkout_id == checkout.id, Payment.id != payment.id, Payment.status == PaymentStatus.PENDING
        )
    ):
        PAYMENT_STATES.move(other, PaymentStatus.CANCELLED, None, note=system_note("payments.paid_another_way"))
        if other.stripe_session_id:
            # Its page at Stripe is closed too, once this is saved: the buyer cannot pay there twice.
            session_id = other.stripe_session_id
            after_commit_then(lambda session_id=session_id: _close_stripe_session(session_id))
    return payment


def _close_stripe_session(session_id):
    try:
        stripe_gateway.expire_checkout_session(session_id)
    except stripe_gateway.GatewayError as error:
        # Already complete or expired, or Stripe unreachable: a payment there is flagged by its event.
        log.info("stripe: session %s not closed (%s)", session_id, error.code)


def _flag(payment, paid_amount_idr, actor, message):
    """`message`: a stored note (system_note), shown to each reader in their language."""
    PAYMENT_STATES.move(
        payment,
        PaymentStatus.FLAGGED,
        actor,
        note=message,
        action_name="flag",
        extra_values={"paid_amount_idr": paid_amount_idr},
    )
    # Its check is over: unless another payment is still checked, the checkout's deadline applies again.
    _release_hold_unless_another_is_checked(payment)
    mail_coordinators(
        payment.sentra_id,
        _l("Payment to look at: %(reference)s", reference=payment.reference),
        "payment_flagged",
        payment=payment,
        message=message,
        link=external_url("payments.sentra_payments"),
    )
    return payment


def another_being_checked(payment):
    """Another payment of the checkout is being checked (a transfer proof, a delayed Stripe method)."""
    return (
        db.session.scalar(
            select(Payment.id).where(
                Payment.checkout_id == payment.checkout_id,
                Payment.id != payment.id,
                Payment.status == PaymentStatus.SUBMITTED,
            )
        )
        is not None
    )


def _release_hold_unless_another_is_checked(payment):
    if not another_being_checked(payment):
        hold_deadline(payment.checkout_id, checking=False)


@operation
def payment_failed(payment_id, note):
    """A provider says a payment failed (declined, expired): an open payment fails; any other stays as it is."""
    payment = locked_payment(payment_id)
    if payment is not None and payment.status in PaymentStatus.OPEN:
        PAYMENT_STATES.move(payment, PaymentStatus.FAILED, None, note=note, action_name="fail")
    return payment


# --- refunds ----------------------------------------------------------------------------------------------------


def open_refund(order, amount_idr, actor, reason):
    """What the buyer is owed for one order, by the way the checkout was paid: a Stripe refund to ask for, or a
    transfer back for the coordinator to make and record."""
    payment = db.session.scalar(
        select(Payment).where(Payment.checkout_id == order.checkout_id, Payment.status == PaymentStatus.SUCCEEDED)
    )
    by_stripe = payment is not None and payment.method == PaymentMethod.STRIPE
    refund = Refund(
        order_id=order.id,
        payment_id=payment.id if payment is not None else None,
        sentra_id=order.sentra_id,
        method=PaymentMethod.STRIPE if by_stripe else PaymentMethod.BANK_TRANSFER,
        status=RefundStatus.PENDING if by_stripe else RefundStatus.DUE,
        amount_idr=amount_idr,
        reason=(reason or "")[:1000] or None,
    )
    db.session.add(refund)
    db.session.flush()
    record_audit(
        actor, "refund.opened", refund, after={"order": order.number, "amount_idr": amount_idr, "method": refund.method}
    )
    if not by_stripe:
        mail_coordinators(
            order.sentra_id,
            _l("Refund to transfer back: %(number)s", number=order.number),
            "refund_due",
            order=order,
            refund=refund,
            link=external_url("payments.sentra_payments"),
        )
    return refund


# A Stripe refund Stripe itself refused (it has Stripe's id): reconcile leaves it, the coordinator pays it by bank.
_FAILED_AT_STRIPE = and_(Refund.status == RefundStatus.FAILED, Refund.stripe_refund_id.is_not(None))


@dataclass
class RefundTransferInput:
    bank_reference: str
    paid_on: date


@operation
def record_refund_transfer(user, refund, values):
    """The coordinator transferred a refund back to the buyer by bank and records it (bank reference, date)."""
    if not is_sentra_refund(user, refund):
        raise PaymentRefused(_l("This refund is not of your sentra."))
    _check_paid_on(values.paid_on)
    # Due: paid by bank transfer. Failed at Stripe for good (Stripe answered, and reconcile does not try again): the
    # sentra transfers it back by bank instead. A refund reconcile still retries is not the coordinator's to pay.
    failed_for_good = refund.status == RefundStatus.FAILED and refund.stripe_refund_id is not None
    if refund.status != RefundStatus.DUE and not failed_for_good:
        raise PaymentRefused(_l("This refund was already recorded."))
    REFUND_STATES.move(
        refund,
        RefundStatus.SUCCEEDED,
        user,
        extra_values={"bank_reference": values.bank_reference, "paid_on": values.paid_on, "recorded_by_id": user.id},
    )
    order = refund.order
    mail_organization(
        order.buyer_organization,
        _l("Refund transferred: %(number)s", number=order.number),
        "refund_paid",
        order=order,
        refund=refund,
        link=external_url("orders.order_detail", order_id=order.id),
    )
    return refund


def _check_paid_on(paid_on, field="paid_on"):
    today = utcnow().astimezone(WIB).date()
    if paid_on is None or paid_on > today:
        raise PaymentRefused(_l("Enter the day of the transfer: today or earlier."), field=field)
    if paid_on.year < 2020:
        raise PaymentRefused(_l("Enter the day of the transfer: today or earlier."), field=field)


# --- payouts ----------------------------------------------------------------------------------------------------


@dataclass
class PayoutInput:
    organization_id: int
    amount_idr: int
    paid_on: date
    bank_reference: str
    note: str = ""


@operation
def record_payout(user, values, submission_token):
    """The coordinator records a transfer from escrow to an IKM's bank account; never more than its balance."""
    claim = claim_submission(user, submission_token)
    if user.role != Role.COORDINATOR:
        raise PayoutRefused(_l("Only the sentra's coordinators record payouts."))
    # The IKM's row is locked first (PostgreSQL), so two payouts to one IKM take turns reading its balance.
    ikm = db.session.get(Organization, values.organization_id, with_for_update=True)
    if ikm is None or ikm.kind != OrganizationKind.IKM or ikm.sentra_id != user.sentra_id:
        raise PayoutRefused(_l("Choose an IKM of your sentra."), field="organization_id")
    amount = values.amount_idr
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_PAYOUT_IDR:
        raise PayoutRefused(_l("Enter a whole number of Rupiah above zero."), field="amount_idr")
    _check_paid_on(values.paid_on)
    account = bank_account_of(ikm.id)
    if account is None:
        raise PayoutRefused(
            _l("%(ikm)s has not entered a bank account yet: ask its owner to add one.", ikm=ikm.name),
            field="organization_id",
        )
    payout = Payout(
        organization_id=ikm.id,
        sentra_id=ikm.sentra_id,
        status=PayoutStatus.RECORDED,
        amount_idr=amount,
        paid_on=values.paid_on,
        bank_reference=values.bank_reference,
        bank_account=describe_account(account),
        note=values.note or "",
        recorded_by_id=user.id,
    )
    db.session.add(payout)
    db.session.flush()
    ledger.add_entry(EntryKind.PAYOUT, amount, ikm.sentra_id, ikm.id, user, payout_id=payout.id)
    db.session.flush()
    # Counted after the write: on SQLite the write took the database's lock, so no other payout slipped in between.
    available = ledger.balance_of(ikm.id).available_idr
    if available < 0:
        raise PayoutRefused(
            _l(
                "The balance of %(ikm)s is %(balance)s: a payout cannot be more.",
                ikm=ikm.name,
                balance=format_idr(available + amount),
            ),
            field="amount_idr",
        )
    record_audit(user, "payout.recorded", payout, after={"amount_idr": amount, "ikm": ikm.name})
    mail_organization(
        ikm,
        _l("Payout recorded: %(amount)s", amount=format_idr(amount)),
        "payout_recorded",
        payout=payout,
        link=external_url("payments.balance"),
    )
    record_submission(claim, payout)
    return payout


@operation
def void_payout(user, payout, reason):
    """A payout recorded by mistake is voided: its amount goes back to the IKM's balance (both entries stay)."""
    if not is_sentra_payout(user, payout):
        raise PayoutRefused(_l("This payout is not of your sentra."))
    act = PAYOUT_STATES.check(payout, "void", user.role)
    note = require_reason(reason)
    PAYOUT_STATES.move(payout, act.target, user, note=note, action_name=act.name)
    ledger.add_entry(
        EntryKind.PAYOUT_VOIDED, payout.amount_idr, payout.sentra_id, payout.organization_id, user, payout_id=payout.id
    )
    return payout


# --- pages ------------------------------------------------------------------------------------------------------


def sentra_work(sentra_id):
    """The coordinator's payments page: proofs to check, flagged payments, refunds to transfer back."""
    proofs_waiting = db.session.scalars(
        select(Payment)
        .where(
            Payment.sentra_id == sentra_id,
            Payment.status == PaymentStatus.SUBMITTED,
            Payment.method == PaymentMethod.BANK_TRANSFER,
        )
        .options(
            joinedload(Payment.checkout).joinedload(Checkout.buyer_organization),
            selectinload(Payment.proofs),
        )
        .order_by(Payment.updated_at)
    ).all()
    flagged = db.session.scalars(
        select(Payment)
        .where(Payment.sentra_id == sentra_id, Payment.status == PaymentStatus.FLAGGED)
        .options(joinedload(Payment.checkout).joinedload(Checkout.buyer_organization))
        .order_by(Payment.updated_at)
    ).all()
    refunds = db.session.scalars(
        select(Refund)
        .where(Refund.sentra_id == sentra_id, or_(Refund.status == RefundStatus.DUE, _FAILED_AT_STRIPE))
        .options(joinedload(Refund.order).joinedload(Order.buyer_organization))
        .order_by(Refund.created_at)
    ).all()
    return proofs_waiting, flagged, refunds


@dataclass(frozen=True)
class IkmBalanceRow:
    organization: object
    balance: object
    account: object


def sentra_balances(sentra_id):
    """Every IKM of the sentra with its balance and bank account (three queries), largest balance first."""
    ikms = db.session.scalars(
        select(Organization)
        .where(Organization.kind == OrganizationKind.IKM, Organization.sentra_id == sentra_id)
        .order_by(Organization.name)
    ).all()
    sums = ledger.balances(ikm.id for ikm in ikms)
    accounts = {
        account.organization_id: account
        for account in db.session.scalars(
            select(BankAccount).where(BankAccount.organization_id.in_([i.id for i in ikms]))
        )
    }
    rows = [IkmBalanceRow(ikm, sums[ikm.id], accounts.get(ikm.id)) for ikm in ikms]
    return sorted(rows, key=lambda row: (-row.balance.available_idr, row.organization.name))


def _payouts_of_sentra_query(sentra_id):
    return (
        select(Payout)
        .where(Payout.sentra_id == sentra_id)
        .options(joinedload(Payout.organization), joinedload(Payout.recorded_by))
    )


def payouts_of_sentra(sentra_id, page, per_page=20):
    """The sentra's payouts, newest first, a page at a time (with their IKMs and who recorded them)."""
    query = _payouts_of_sentra_query(sentra_id).order_by(Payout.paid_on.desc(), Payout.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def all_payouts_of_sentra(sentra_id):
    """Every payout of the sentra, oldest first, for its CSV (one query)."""
    return db.session.scalars(_payouts_of_sentra_query(sentra_id).order_by(Payout.paid_on, Payout.id)).all()


def payouts_of_ikm(organization_id, limit=50):
    return db.session.scalars(
        select(Payout)
        .where(Payout.organization_id == organization_id)
        .order_by(Payout.paid_on.desc(), Payout.id.desc())
        .limit(limit)
    ).all()


def entries_of_ikm(organization_id, page, per_page=25):
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.organization_id == organization_id, LedgerEntry.kind != EntryKind.RECEIVED)
        .options(joinedload(LedgerEntry.order), joinedload(LedgerEntry.payout))
        .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
