"""Payments, transfer proofs, Stripe events, refunds, the escrow ledger, payouts and the bank accounts they use."""

from flask_babel import lazy_gettext as _l

from marketplace.core.roles import Role
from marketplace.core.states import StateMachine, Status, action
from marketplace.core.timeutil import UTCDateTime, utcnow
from marketplace.extensions import db

# --- where money goes -------------------------------------------------------------------------------------------


class SentraPaymentSettings(db.Model):
    """What the admin sets per sentra: the platform fee, and the bank account buyers transfer to (its escrow)."""

    __tablename__ = "sentra_payment_settings"

    id = db.Column(db.Integer, primary_key=True)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="CASCADE"), nullable=False, unique=True)
    # Percent of each completed order kept by the sentra; 0 allowed. Two decimals: 2.5 %.
    platform_fee_pct = db.Column(db.Numeric(5, 2), nullable=False, default=0)
    bank_name = db.Column(db.String(80), nullable=False, default="")
    account_number = db.Column(db.String(30), nullable=False, default="")
    account_holder = db.Column(db.String(120), nullable=False, default="")
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    sentra = db.relationship("Sentra")

    __table_args__ = (
        db.CheckConstraint("platform_fee_pct >= 0 AND platform_fee_pct < 100", name="platform_fee_pct_range"),
    )

    @property
    def has_bank_account(self):
        return bool(self.bank_name and self.account_number and self.account_holder)


class BankAccount(db.Model):
    """An IKM's account for payouts, kept by its owner."""

    __tablename__ = "ikm_bank_account"

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    bank_name = db.Column(db.String(80), nullable=False)
    account_number = db.Column(db.String(30), nullable=False)
    account_holder = db.Column(db.String(120), nullable=False)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    organization = db.relationship("Organization")


# --- payments ---------------------------------------------------------------------------------------------------


class PaymentMethod:
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


class PaymentStatus:
    PENDING = "pending"  # waiting for the money (a transfer, a Stripe session still open)
    SUBMITTED = "submitted"  # a transfer proof waits for the coordinator; a Stripe payment is processing
    SUCCEEDED = "succeeded"  # the money is in: the checkout is paid
    FAILED = "failed"  # Stripe said no, or the session expired
    FLAGGED = "flagged"  # the amount paid is not the checkout's total: the coordinator looks at it
    CANCELLED = "cancelled"  # the checkout expired or was cancelled, or another attempt replaced this one
    OPEN = (PENDING, SUBMITTED)


class Payment(db.Model):
    """One attempt to pay a checkout: a bank transfer (with its proofs) or a Stripe Checkout Session."""

    __tablename__ = "payment"

    id = db.Column(db.Integer, primary_key=True)
    checkout_id = db.Column(db.Integer, db.ForeignKey("checkout.id", ondelete="RESTRICT"), nullable=False, index=True)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False, index=True)
    method = db.Column(db.String(16), nullable=False)
    attempt = db.Column(db.Integer, nullable=False, default=1)
    status = db.Column(db.String(12), nullable=False, default=PaymentStatus.PENDING, index=True)
    amount_idr = db.Column(db.BigInteger, nullable=False)  # what was asked for
    paid_amount_idr = db.Column(db.BigInteger)  # what the provider says came in
    # Bank transfers: the code the buyer writes in the transfer's news, to find it on the statement.
    reference = db.Column(db.String(40), nullable=False, unique=True)
    stripe_session_id = db.Column(db.String(255), unique=True)
    stripe_session_url = db.Column(db.String(1000))
    stripe_payment_intent_id = db.Column(db.String(255), unique=True)
    status_note = db.Column(db.String(1000))
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    succeeded_at = db.Column(UTCDateTime)

    checkout = db.relationship("Checkout")
    sentra = db.relationship("Sentra")
    proofs = db.relationship("TransferProof", back_populates="payment", order_by="TransferProof.id")

    __table_args__ = (
        db.CheckConstraint("method IN ('bank_transfer', 'stripe')", name="payment_method"),
        db.CheckConstraint(
            "status IN ('pending', 'submitted', 'succeeded', 'failed', 'flagged', 'cancelled')", name="payment_status"
        ),
        db.CheckConstraint("amount_idr > 0 AND (paid_amount_idr IS NULL OR paid_amount_idr >= 0)", name="amounts"),
        db.UniqueConstraint("checkout_id", "method", "attempt", name="one_payment_per_attempt"),
        # At most one payment of a checkout may succeed: money taken twice is refused by the database.
        db.Index(
            "ix_payment_one_success",
            "checkout_id",
            unique=True,
            sqlite_where=db.text("status = 'succeeded'"),
            postgresql_where=db.text("status = 'succeeded'"),
        ),
    )


def _payment_values(to_status, note):
    values = {"updated_at": utcnow(), "status_note": note}
    if to_status == PaymentStatus.SUCCEEDED:
        values["succeeded_at"] = utcnow()
    return values


P = PaymentStatus
PAYMENT_STATES = StateMachine(
    kind="payment",
    model=Payment,
    statuses={
        P.PENDING: Status(_l("Waiting for payment"), "warning text-dark"),
        P.SUBMITTED: Status(_l("Being checked"), "info text-dark"),
        P.SUCCEEDED: Status(_l("Received"), "success"),
        P.FAILED: Status(_l("Failed"), "danger"),
        P.FLAGGED: Status(_l("Amount does not match"), "danger"),
        P.CANCELLED: Status(_l("Cancelled"), "secondary"),
    },
    actions=(
        # The coordinator's, on a bank transfer whose proof waits: the money is on the statement, or it is not.
        action(
            "confirm",
            _l("Confirm: money received"),
            [P.SUBMITTED],
            P.SUCCEEDED,
            (Role.COORDINATOR,),
            style="btn-success",
        ),
        action(
            "reject_proof",
            _l("Reject proof"),
            [P.SUBMITTED],
            P.PENDING,
            (Role.COORDINATOR,),
            style="btn-outline-danger",
            needs_reason=True,
            confirm=_l("Reject this proof? The buyer is asked to send another."),
        ),
    ),
    system_moves={
        P.PENDING: {P.SUBMITTED, P.SUCCEEDED, P.FAILED, P.FLAGGED, P.CANCELLED},
        P.SUBMITTED: {P.SUCCEEDED, P.FAILED, P.FLAGGED, P.CANCELLED},
        # A Stripe session that expired may still be paid by a late event: Stripe's word is the last.
        P.FAILED: {P.SUCCEEDED, P.FLAGGED},
        # A replaced attempt (an older Stripe session) may still be paid: that money counts, or is flagged.
        P.CANCELLED: {P.SUCCEEDED, P.FLAGGED},
    },
    audit_prefix="payment",
    audit_by_action=True,
    audit_details=lambda payment: {"reference": payment.reference, "checkout_id": payment.checkout_id},
    values_on_move=_payment_values,
)


class TransferProof(db.Model):
    """A photo or PDF of a bank transfer, uploaded by the buyer; stored apart from public media."""

    __tablename__ = "transfer_proof"

    id = db.Column(db.Integer, primary_key=True)
    payment_id = db.Column(db.Integer, db.ForeignKey("payment.id", ondelete="CASCADE"), nullable=False, index=True)
    storage_key = db.Column(db.String(200), nullable=False, unique=True)
    content_type = db.Column(db.String(40), nullable=False)  # image/webp or application/pdf, as re-encoded
    size_bytes = db.Column(db.Integer, nullable=False)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    rejected_reason = db.Column(db.String(1000))

    payment = db.relationship(Payment, back_populates="proofs")
    uploaded_by = db.relationship("User")

    __table_args__ = (db.CheckConstraint("content_type IN ('image/webp', 'application/pdf')", name="proof_type"),)


class StripeEvent(db.Model):
    """Each Stripe event handled, by its id: written in the same transaction as its effect, so a repeat is a no-op."""

    __tablename__ = "stripe_event"

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.String(255), nullable=False, unique=True)
    type = db.Column(db.String(80), nullable=False)
    outcome = db.Column(db.String(40), nullable=False)
    received_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


# --- refunds ----------------------------------------------------------------------------------------------------


class RefundStatus:
    DUE = "due"  # bank transfer: the coordinator is to transfer it back and record it
    PENDING = "pending"  # Stripe: asked, or about to be
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # Stripe refused or could not be reached: tried again by `flask payments reconcile`


class Refund(db.Model):
    """Money a buyer gets back for one order, by the way it was paid."""

    __tablename__ = "refund"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(
        db.Integer, db.ForeignKey("customer_order.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    payment_id = db.Column(db.Integer, db.ForeignKey("payment.id", ondelete="RESTRICT"), index=True)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False, index=True)
    method = db.Column(db.String(16), nullable=False)
    status = db.Column(db.String(12), nullable=False, index=True)
    amount_idr = db.Column(db.BigInteger, nullable=False)
    reason = db.Column(db.String(1000))
    stripe_refund_id = db.Column(db.String(255), unique=True)
    bank_reference = db.Column(db.String(120))
    paid_on = db.Column(db.Date)
    status_note = db.Column(db.String(1000))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    completed_at = db.Column(UTCDateTime)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))

    order = db.relationship("Order")
    payment = db.relationship(Payment)

    __table_args__ = (
        db.CheckConstraint("method IN ('bank_transfer', 'stripe')", name="refund_method"),
        db.CheckConstraint("status IN ('due', 'pending', 'succeeded', 'failed')", name="refund_status"),
        db.CheckConstraint("amount_idr > 0", name="refund_amount_positive"),
    )


def _refund_values(to_status, note):
    values = {"updated_at": utcnow(), "status_note": note}
    if to_status == RefundStatus.SUCCEEDED:
        values["completed_at"] = utcnow()
    return values


R = RefundStatus
REFUND_STATES = StateMachine(
    kind="refund",
    model=Refund,
    statuses={
        R.DUE: Status(_l("To transfer back"), "warning text-dark"),
        R.PENDING: Status(_l("Processing"), "info text-dark"),
        R.SUCCEEDED: Status(_l("Refunded"), "success"),
        R.FAILED: Status(_l("Failed, retrying"), "danger"),
    },
    actions=(),  # the coordinator's "record the transfer back" is its own form (bank reference, date)
    system_moves={R.DUE: {R.SUCCEEDED}, R.PENDING: {R.SUCCEEDED, R.FAILED}, R.FAILED: {R.PENDING, R.SUCCEEDED}},
    audit_prefix="refund",
    audit_details=lambda refund: {"order_id": refund.order_id, "amount_idr": refund.amount_idr},
    values_on_move=_refund_values,
)


# --- payouts ----------------------------------------------------------------------------------------------------


class PayoutStatus:
    RECORDED = "recorded"
    VOIDED = "voided"  # recorded by mistake: the balance gets it back, the ledger keeps both entries


class Payout(db.Model):
    """Money the sentra transferred from escrow to an IKM's bank account, recorded by a coordinator."""

    __tablename__ = "payout"

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False, index=True)
    status = db.Column(db.String(10), nullable=False, default=PayoutStatus.RECORDED)
    amount_idr = db.Column(db.BigInteger, nullable=False)
    paid_on = db.Column(db.Date, nullable=False)
    bank_reference = db.Column(db.String(120), nullable=False)
    # A copy of the account it went to, as it was then.
    bank_account = db.Column(db.String(300), nullable=False, default="")
    note = db.Column(db.String(1000), nullable=False, default="")
    status_note = db.Column(db.String(1000))
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    organization = db.relationship("Organization")
    recorded_by = db.relationship("User")

    __table_args__ = (
        db.CheckConstraint("amount_idr > 0", name="payout_amount_positive"),
        db.CheckConstraint("status IN ('recorded', 'voided')", name="payout_status"),
    )


PAYOUT_STATES = StateMachine(
    kind="payout",
    model=Payout,
    statuses={
        PayoutStatus.RECORDED: Status(_l("Paid out"), "success"),
        PayoutStatus.VOIDED: Status(_l("Voided"), "secondary"),
    },
    actions=(
        action(
            "void",
            _l("Void"),
            [PayoutStatus.RECORDED],
            PayoutStatus.VOIDED,
            (Role.COORDINATOR,),
            style="btn-outline-danger",
            needs_reason=True,
            confirm=_l("Void this payout? Its amount goes back to the IKM's balance."),
        ),
    ),
    audit_prefix="payout",
    audit_by_action=True,
    audit_details=lambda payout: {"amount_idr": payout.amount_idr, "organization_id": payout.organization_id},
    values_on_move=lambda to_status, note: {"status_note": note},
)


# --- the ledger -------------------------------------------------------------------------------------------------


class EntryKind:
    RECEIVED = "received"  # a buyer's payment came into the sentra's escrow (checkout)
    HELD = "held"  # the part of it held for one order
    RELEASED = "released"  # the order completed: credited to the IKM's balance, less the fee
    FEE = "fee"  # the platform fee kept from the order
    REFUND = "refund"  # the order ended unfulfilled: owed back to the buyer
    PAYOUT = "payout"  # transferred from the IKM's balance to its bank
    PAYOUT_VOIDED = "payout_voided"  # a payout recorded by mistake, given back to the balance
    # A declined share of a sentra order: what was held for it now pays the orders that took its quantity over.
    CARRIED = "carried"


class LedgerEntry(db.Model):
    """Append-only: balances are sums of entries, never a stored number. Amounts are positive; the kind says which
    way the money went."""

    __tablename__ = "ledger_entry"

    id = db.Column(db.Integer, primary_key=True)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), nullable=False, index=True)
    # The buyer company for a received entry; the IKM of the order or payout for every other.
    organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    kind = db.Column(db.String(16), nullable=False)
    amount_idr = db.Column(db.BigInteger, nullable=False)
    checkout_id = db.Column(db.Integer, db.ForeignKey("checkout.id", ondelete="RESTRICT"), index=True)
    order_id = db.Column(db.Integer, db.ForeignKey("customer_order.id", ondelete="RESTRICT"), index=True)
    payout_id = db.Column(db.Integer, db.ForeignKey("payout.id", ondelete="RESTRICT"), index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    order = db.relationship("Order")
    checkout = db.relationship("Checkout")
    payout = db.relationship(Payout)

    __table_args__ = (
        db.CheckConstraint(
            "kind IN ('received', 'held', 'released', 'fee', 'refund', 'carried', 'payout', 'payout_voided')",
            name="entry_kind",
        ),
        db.CheckConstraint("amount_idr > 0", name="entry_amount_positive"),
        db.CheckConstraint(
            "(kind = 'received' AND checkout_id IS NOT NULL) "
            "OR (kind IN ('held', 'released', 'fee', 'refund', 'carried') AND order_id IS NOT NULL) "
            "OR (kind IN ('payout', 'payout_voided') AND payout_id IS NOT NULL)",
            name="entry_names_its_object",
        ),
        # Each order is held, released, charged a fee and refunded at most once; each payout paid and voided once.
        db.Index(
            "ix_ledger_entry_once_per_order",
            "order_id",
            "kind",
            unique=True,
            sqlite_where=db.text("order_id IS NOT NULL"),
            postgresql_where=db.text("order_id IS NOT NULL"),
        ),
        db.Index(
            "ix_ledger_entry_once_per_payout",
            "payout_id",
            "kind",
            unique=True,
            sqlite_where=db.text("payout_id IS NOT NULL"),
            postgresql_where=db.text("payout_id IS NOT NULL"),
        ),
        db.Index(
            "ix_ledger_entry_once_per_checkout",
            "checkout_id",
            unique=True,
            sqlite_where=db.text("kind = 'received'"),
            postgresql_where=db.text("kind = 'received'"),
        ),
    )
