"""What the catalog asks of set pricing, without importing it.

The layers run `core < accounts < catalog < pricing`: pricing reads and writes listings, so the catalog may not
import pricing. Yet a listing's price must fit the schedule in force, and only such listings are public. The
catalog therefore states here what it needs (`PriceRules`), and pricing installs its answer when the app is made
(`marketplace.pricing.rules.install`). Asking before pricing is installed raises: a listing never goes live
unchecked because a piece of the app was left out.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from marketplace.core.ports import Port


class PriceRules(Protocol):
    """A schedule handed back is read only through `is_fixed`, `reference_idr`, `floor_idr`, `ceiling_idr` and
    `allows(price_idr)`."""

    def schedule_in_force(self, sentra_id, product_type_id):
        """The schedule in force for a sentra and product type today, or None."""

    def schedules_for(self, listings):
        """{listing id: the schedule in force for its sentra and product type, or None}, in one query whatever the
        number of listings (their organizations loaded)."""

    def exception_holds(self, listing, schedule):
        """The coordinator approved this listing's own price under `schedule`."""

    def price_allowed(self, listing, schedule):
        """May the listing sell at its price under `schedule` (None: nothing may sell)?"""

    def restrict_to_allowed_prices(self, query):
        """`query` (listings joined to their organization) narrowed to listings whose price the schedule in force
        allows, checked in SQL on every read."""

    def listing_form_context(self, organization, listing):
        """What the seller's listing form shows of pricing: the bands in force, a waiting price-change request."""

    def waiting_request_count(self, organization_id):
        """How many of the IKM's price-change requests wait for the coordinator."""

    def record_refused_price(self, user, schedule, price_idr, product_type_id, listing=None):
        """Count a price the band refused, in a transaction of its own (the competition monitor shows them)."""


# Where a price sits against the sentra's schedule, for buyers: the price is the sentra's, and how far from the
# reference. The band bar on the listing page marks the price in BAND_STEPS steps from floor (0) to ceiling.
BAND_STEPS = 20


@dataclass(frozen=True)
class PricePosition:
    # "fixed", "reference" (at it), "below" or "above" it inside the band; outside it "approved" (the coordinator's
    # exception lets it sell) or "outside" (it may not sell at that price: a draft, a suspended listing)
    kind: str
    percent: int = 0  # how far from the reference, in whole percent of it
    step: int | None = None  # 0..BAND_STEPS inside the band; None for fixed and approved prices


def price_position(price_idr, schedule, on_sale=True):
    """Where `price_idr` sits under `schedule` (None without a schedule). `on_sale`: the listing is public, so a
    price outside the band is one the coordinator approved."""
    if schedule is None:
        return None
    if schedule.is_fixed:
        return PricePosition("fixed")
    if not schedule.floor_idr <= price_idr <= schedule.ceiling_idr:
        return PricePosition("approved" if on_sale else "outside")
    width = schedule.ceiling_idr - schedule.floor_idr
    step = BAND_STEPS // 2 if width == 0 else _rounded(Decimal(price_idr - schedule.floor_idr) * BAND_STEPS / width)
    difference = price_idr - schedule.reference_idr
    percent = _rounded(Decimal(abs(difference)) * 100 / schedule.reference_idr)
    if percent == 0:
        return PricePosition("reference", 0, step)
    return PricePosition("below" if difference < 0 else "above", percent, step)


def _rounded(value):
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


_PORT = Port("price rules")
install_price_rules = _PORT.install


def price_rules() -> PriceRules:
    return _PORT.get()
