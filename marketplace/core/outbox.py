"""Mail through an outbox: enqueue in the caller's transaction, deliver later with retries."""

import smtplib
import sys
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.core.models import OutboxMessage
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import after_commit, operation, transaction
from marketplace.extensions import db

BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 6 * 60 * 60


def external_url(endpoint, **values):
    """An absolute link for mail, always on BASE_URL: never on the Host header a request happened to carry."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def enqueue_mail(to_address, subject, template, locale="id", **context):
    """Render mail/<template>.txt in the recipient's language and add it to the outbox."""
    with force_locale(locale or "id"):
        subject_text = " ".join(str(subject).split())  # one line, whatever names it carries
        body_text = render_template(f"mail/{template}.txt", **context)
    message = OutboxMessage(
        to_address=to_address, subject=subject_text[:200], body_text=body_text, next_try_at=utcnow()
    )
    db.session.add(message)
    if current_app.config.get("MAIL_ECHO_AFTER_COMMIT"):
        after_commit(lambda: _echo(to_address, subject_text, body_text))
    return message


def _echo(to_address, subject, body):
    print(f"\n--- mail to {to_address}: {subject}\n{body}\n--- end of mail", file=sys.stdout, flush=True)


class ConsoleBackend:
    """Prints each message: the development default."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, email):
        self.stream.write(email.as_string() + "\n")
        self.stream.flush()


class SmtpBackend:
    """Delivers through an SMTP server configured by SMTP_* environment variables."""

    def __init__(self, config):
        self.config = config

    def send(self, email):
        cfg = self.config
        smtp_class = smtplib.SMTP_SSL if cfg["SMTP_SSL"] else smtplib.SMTP
        with smtp_class(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
            if cfg["SMTP_STARTTLS"] and not cfg["SMTP_SSL"]:
                smtp.starttls()
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
            smtp.send_message(email)


def backend_from_config(config):
    name = config.get("MAIL_BACKEND", "console")
    if name == "smtp":
        return SmtpBackend(config)
    if name == "console":
        return ConsoleBackend()
    raise ValueError(f"unknown MAIL_BACKEND {name!r}")


def build_email(message, sender):
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body_text)
    return email


def backoff_delay(attempts):
    """Wait 1, 2, 4, 8 … minutes after each failure, at most six hours."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def _claim_next(now, after_id):
    """The next due message, locked for this transaction on PostgreSQL so no other sender takes it."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_try_at <= now, OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def deliver_due(backend, now=None, batch_size=100):
    """Send the messages that are due, one per transaction; returns (sent, failed_this_round)."""
    now = now or utcnow()
    config = current_app.config
    sent = failed = 0
    last_id = 0
    for _ in range(batch_size):
        # One transaction per message: its end releases this message's lock; the next one is claimed anew.
        with transaction():
            message = _claim_next(now, last_id)
            if message is None:
                break
            last_id = message.id
            message.attempts += 1
            try:
                backend.send(build_email(message, config["MAIL_FROM"]))
            except Exception as exc:  # any delivery failure is retried later, never lost
                failed += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                    message.status = "failed"
                else:
                    message.next_try_at = now + backoff_delay(message.attempts)
            else:
                sent += 1
                message.status = "sent"
                message.sent_at = now
                message.last_error = None
    return sent, failed


@operation
def retry_failed(now=None):
    """Put the messages that gave up back in the queue (after an outage has been fixed)."""
    now = now or utcnow()
    failed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).all()
    for message in failed:
        message.status = "pending"
        message.attempts = 0
        message.next_try_at = now
    return len(failed)


def stuck_messages():
    """Messages that gave up, or that have failed at least once and still wait."""
    return db.session.scalars(
        select(OutboxMessage)
        .where(
            (OutboxMessage.status == "failed") | ((OutboxMessage.status == "pending") & (OutboxMessage.attempts > 0))
        )
        .order_by(OutboxMessage.id)
    ).all()
