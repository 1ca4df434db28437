"""What the catalog asks of orders about an IKM's reviews, without importing orders.

Buyers review completed orders, and the reviews belong to orders; yet the IKM's profile and its listings show them.
The layers run `catalog < pricing < orders`, so the catalog states here what it shows (`Reputation`) and orders
installs its answer when the app is made (`marketplace.orders.reputation.install`). Asking before it is installed
raises, as the price rules do: a page never claims "no reviews yet" because a piece of the app was left out.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Protocol

from marketplace.core.money import format_number
from marketplace.core.ports import Port

# How many reviews the IKM's profile lists, newest first (the count says how many there are in all).
LATEST_REVIEWS = 10


class ReputationSummary(NamedTuple):
    average: Decimal | None  # the mean rating, rounded half up to one decimal; None without reviews
    count: int

    @property
    def average_text(self):
        """'4,5' (id) or '4.5' (en): always one decimal, in the reader's number style."""
        return "" if self.average is None else format_number(self.average, "0.0")


@dataclass(frozen=True)
class ShownReview:
    rating: int  # 1..5
    comment: str  # plain text, escaped when shown
    buyer_name: str  # the reviewing buyer company
    reviewed_on: date  # the calendar day in WIB


class Reputation(Protocol):
    def summary_for(self, organization_id) -> ReputationSummary:
        """The IKM's average rating and number of reviews, in one aggregate query."""

    def latest_for(self, organization_id, limit) -> list[ShownReview]:
        """The IKM's `limit` newest reviews, in one query."""


_PORT = Port("reputation")
install_reputation = _PORT.install


def reputation() -> Reputation:
    return _PORT.get()
