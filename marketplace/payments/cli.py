"""`flask payments …`: the clock's part of payments (run every few minutes from cron or a systemd timer)."""

import click

from marketplace.payments.stripe_gateway import enabled as stripe_enabled
from marketplace.payments.stripe_payments import reconcile


@click.group("payments")
def payments_group():
    """Payments: ask Stripe about what its webhooks may not have told us."""


@payments_group.command("reconcile")
@click.option(
    "--older-than",
    "older_than_minutes",
    default=5,
    show_default=True,
    help="Ask about payments open this many minutes.",
)
def reconcile_command(older_than_minutes):
    """Ask Stripe about Stripe payments still open (webhooks lost) and send again the refunds not made yet."""
    if not stripe_enabled():
        click.echo("Stripe is not configured (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET): nothing to reconcile.")
        return
    counts = reconcile(older_than_minutes=older_than_minutes)
    click.echo(
        "payments: {payments_checked} checked, {payments_changed} changed; "
        "refunds: {refunds_checked} checked, {refunds_succeeded} succeeded; "
        "errors: {errors}".format(**counts)
    )
