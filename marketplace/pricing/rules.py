"""Set pricing's answer to what the catalog asks (marketplace/catalog/price_rules.py), installed at app start."""

from sqlalchemy import select

from marketplace.accounts.models import Organization
from marketplace.catalog.models import Listing
from marketplace.catalog.price_rules import install_price_rules
from marketplace.pricing import services
from marketplace.pricing.forms import WithdrawForm
from marketplace.pricing.models import PriceMode, PriceSchedule


def _schedule_in_force_id():
    """Correlated: the id of the schedule in force for the listing's sentra and product type."""
    return (
        select(PriceSchedule.id)
        .where(
            PriceSchedule.sentra_id == Organization.sentra_id,
            PriceSchedule.product_type_id == Listing.product_type_id,
            PriceSchedule.effective_from <= services.today_wib(),
        )
        .order_by(PriceSchedule.effective_from.desc(), PriceSchedule.id.desc())
        .limit(1)
        .correlate(Listing, Organization)
        .scalar_subquery()
    )


class SetPricingRules:
    def schedule_in_force(self, sentra_id, product_type_id):
        return services.schedule_in_force(sentra_id, product_type_id)

    def schedules_for(self, listings):
        pairs = {(listing.organization.sentra_id, listing.product_type_id) for listing in listings}
        in_force = services.schedules_in_force(pairs=pairs)
        return {
            listing.id: in_force.get((listing.organization.sentra_id, listing.product_type_id)) for listing in listings
        }

    def exception_holds(self, listing, schedule):
        return services.exception_holds(listing, schedule)

    def price_allowed(self, listing, schedule):
        return services.price_allowed(listing, schedule)

    def restrict_to_allowed_prices(self, query):
        # Checked on every read, so a new band hides out-of-band listings from its first day, before
        # `flask pricing apply-due` suspends them.
        return query.join(PriceSchedule, PriceSchedule.id == _schedule_in_force_id()).where(
            (PriceSchedule.mode == PriceMode.FIXED)
            | Listing.price_idr.between(PriceSchedule.floor_idr, PriceSchedule.ceiling_idr)
            | (Listing.price_exception_schedule_id == PriceSchedule.id)
        )

    def listing_form_context(self, organization, listing):
        bands = services.in_force_by_product_type(services.schedules_of_sentra(organization.sentra_id))
        return {
            "bands": bands,
            "pending_request": services.pending_request_for(listing) if listing else None,
            "price_exception": listing is not None
            and services.exception_holds(listing, bands.get(listing.product_type_id)),
            "withdraw_form": WithdrawForm(),
        }

    def waiting_request_count(self, organization_id):
        return services.waiting_request_count(organization_id)

    def record_refused_price(self, user, schedule, price_idr, product_type_id, listing=None):
        services.record_out_of_band_attempt(user, schedule, price_idr, product_type_id, listing=listing)


def install(app):
    install_price_rules(app, SetPricingRules())
