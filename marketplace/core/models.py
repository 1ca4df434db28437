"""Shared tables: the append-only audit log, the mail outbox and one-time submission tokens."""

from marketplace.core.timeutil import UTCDateTime, utcnow
from marketplace.extensions import db


class AuditEntry(db.Model):
    """Who did what to which object, with the state before and after. Append-only."""

    __tablename__ = "audit_entry"

    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Kept as text too, so the entry still says who it was if the account goes away.
    actor_label = db.Column(db.String(254), nullable=False)
    action = db.Column(db.String(64), nullable=False, index=True)
    object_type = db.Column(db.String(64), nullable=False)
    object_id = db.Column(db.Integer, nullable=False)
    before = db.Column(db.JSON)
    after = db.Column(db.JSON)
    note = db.Column(db.String(1000))
    at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    __table_args__ = (db.Index("ix_audit_entry_object", "object_type", "object_id"),)


class OutboxMessage(db.Model):
    """An email waiting to be delivered, written in the same transaction as its cause."""

    __tablename__ = "outbox_message"

    STATUSES = ("pending", "sent", "failed")

    id = db.Column(db.Integer, primary_key=True)
    to_address = db.Column(db.String(254), nullable=False)
    subject = db.Column(db.String(200), nullable=False)
    body_text = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text)
    status = db.Column(db.String(16), nullable=False, default="pending", index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_try_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_error = db.Column(db.String(1000))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = db.Column(UTCDateTime)

    __table_args__ = (
        db.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        db.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )


class SubmissionToken(db.Model):
    """A form's one-time token, claimed by the operation it started: a replay of the form finds it taken.

    Inserted first thing in the operation's transaction, so a failed operation gives its token back. It
    remembers what the submit made, so that a replay can answer with the same page as the first submit.
    """

    __tablename__ = "submission_token"

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(64), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    object_type = db.Column(db.String(64))
    object_id = db.Column(db.Integer)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        db.UniqueConstraint("user_id", "token"),
        db.CheckConstraint("(object_type IS NULL) = (object_id IS NULL)", name="object_named_whole"),
    )
