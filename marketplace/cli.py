"""Command-line tools: `flask create-user`, `flask send-mail`, `flask seed-demo`, and each domain's clock commands
(`flask pricing …`, `flask orders …`, `flask payments …`)."""

import click
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.accounts.models import Sentra, User
from marketplace.accounts.services import create_staff_user
from marketplace.accounts.sessions import purge_old_sessions
from marketplace.core.errors import DomainError
from marketplace.core.outbox import backend_from_config, deliver_due, stuck_messages
from marketplace.core.outbox import retry_failed as requeue_failed
from marketplace.core.passwords import password_problem
from marketplace.core.roles import Role
from marketplace.core.submissions import purge_old_submissions
from marketplace.core.timeutil import format_wib
from marketplace.core.transaction import transaction
from marketplace.demo import seed_demo
from marketplace.extensions import db
from marketplace.orders.services import auto_confirm, expire_unpaid
from marketplace.payments.cli import payments_group
from marketplace.pricing.services import apply_due


def register_cli(app):
    app.cli.add_command(pricing_group)
    app.cli.add_command(orders_group)
    app.cli.add_command(payments_group)
    app.cli.add_command(create_user_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_submissions_command)
    app.cli.add_command(purge_sessions_command)


@click.command("create-user")
@click.option("--role", type=click.Choice([Role.COORDINATOR, Role.ADMIN]), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the email's local part).")
@click.option("--sentra", "sentra_slug", default=None, help="The coordinator's sentra slug.")
@click.option("--password", default=None, help="Set a password now instead of mailing a set-password link.")
def create_user_command(role, email, full_name, sentra_slug, password):
    """Create a staff account (coordinator of one sentra, or admin)."""

    email = email.strip().lower()
    sentra = None
    if role == Role.COORDINATOR:
        if not sentra_slug:
            raise click.UsageError("--sentra is required for a coordinator")
        sentra = db.session.scalar(select(Sentra).where(Sentra.slug == sentra_slug))
        if sentra is None:
            raise click.UsageError(f"no sentra with slug {sentra_slug!r}")
    if password is not None:
        with force_locale("en"):
            problem = password_problem(password, (email, full_name, sentra.name if sentra else None))
        if problem:
            raise click.UsageError(f"--password refused: {problem}")
    try:
        user = create_staff_user(None, email, full_name or email.split("@")[0], role, sentra, password=password)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"created {user.role} {user.email}" + (f" for {sentra.slug}" if sentra else ""))


@click.command("send-mail")
@click.option("--stuck", is_flag=True, help="Only list the messages that failed or wait to be retried.")
@click.option("--retry-failed", is_flag=True, help="Queue the messages that gave up again, then send.")
@click.option("--batch-size", default=100, show_default=True)
def send_mail_command(stuck, retry_failed, batch_size):
    """Deliver the outbox (console or SMTP backend), retrying failures with backoff."""

    if current_app.config.get("PRODUCTION") and current_app.config["MAIL_BACKEND"] == "console" and not stuck:
        raise click.ClickException("MAIL_BACKEND=console in production would print links to the log: configure SMTP.")
    if retry_failed:
        click.echo(f"queued again: {requeue_failed()}")
    if not stuck:
        sent, failed = deliver_due(backend_from_config(current_app.config), batch_size=batch_size)
        click.echo(f"sent {sent}, failed {failed}")
    waiting = stuck_messages()
    if waiting:
        click.echo(f"{len(waiting)} stuck:")
    for message in waiting:
        retry = "gave up" if message.status == "failed" else f"next try {format_wib(message.next_try_at)}"
        click.echo(
            f"  #{message.id} to {message.to_address} | {message.subject} | "
            f"{message.attempts} attempts, {retry} | {message.last_error}"
        )


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo_command(if_empty):
    """Load the demo world (idempotent)."""

    if current_app.config.get("PRODUCTION"):
        raise click.ClickException("The demo world (with its published passwords) is never loaded in production.")
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("database already has data: demo not loaded")
        return
    with transaction():
        summary = seed_demo()
    click.echo("demo data ready: " + ", ".join(f"{k} {v}" for k, v in summary.items()))


@click.group("pricing")
def pricing_group():
    """Price schedules."""


@pricing_group.command("apply-due")
def apply_due_command():
    """Apply the schedules that have come into force: reprice fixed listings, suspend out-of-band ones, notify."""

    repriced, suspended = apply_due()
    click.echo(f"repriced {repriced}, suspended for pricing {suspended}")


@click.group("orders")
def orders_group():
    """Orders: the clock's part of their lifecycle (run every few minutes from cron or a systemd timer)."""


@orders_group.command("expire-unpaid")
def expire_unpaid_command():
    """Cancel the orders of checkouts not paid by their deadline (PAYMENT_DEADLINE_HOURS) and return their stock."""

    click.echo(f"expired {expire_unpaid()} unpaid checkouts")


@orders_group.command("auto-confirm")
def auto_confirm_command():
    """Complete the orders shipped more than AUTO_CONFIRM_DAYS ago whose buyer did not confirm receipt."""

    click.echo(f"confirmed {auto_confirm()} orders automatically")


@click.command("purge-submissions")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1))
def purge_submissions_command(days):
    """Forget the one-time tokens of forms sent more than DAYS ago (now and then: a table that only grows)."""

    removed = purge_old_submissions(days)
    click.echo(f"forgot {removed} submission tokens")


@click.command("purge-sessions")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1))
def purge_sessions_command(days):
    """Delete sign-ins that ended or expired more than DAYS ago (now and then: a table that only grows)."""

    removed = purge_old_sessions(days)
    click.echo(f"deleted {removed} old sign-ins")
