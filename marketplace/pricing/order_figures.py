"""What the competition monitor asks of orders, without importing them.

The monitor's shares of quantity and revenue come from completed orders, its fairness figures from sentra orders,
and the layers run `pricing < orders`:
pricing states here what it needs (`OrderFigures`) and orders installs its answer when the app is made
(`marketplace.orders.figures.install`). Asking before it is installed raises, as the catalog's price rules do: the
monitor never reads "no orders" because a piece of the app was left out.
"""

from decimal import Decimal
from typing import NamedTuple, Protocol

from marketplace.core.ports import Port


class SellerSales(NamedTuple):
    organization_id: int
    name: str
    quantity: Decimal  # in the product type's unit
    revenue_idr: int  # the lines' totals: before delivery fees and PPN


class SentraOrderShares(NamedTuple):
    organization_id: int
    name: str
    quantity: Decimal  # allocated to the IKM by sentra orders (shares declined or cancelled unpaid left out)
    declines: int  # shares of sentra orders it declined


class OrderFigures(Protocol):
    def completed_sales(self, sentra_id, product_type_id, since, until) -> list[SellerSales]:
        """What each IKM of the sentra sold of the product type in orders completed between `since` and `until`
        (inclusive), one row per IKM that sold any, in one aggregate query."""

    def sentra_order_shares(self, sentra_id, product_type_id, since, until) -> list[SentraOrderShares]:
        """What each IKM of the sentra was allocated of the product type by sentra orders placed between `since` and
        `until`, and how many shares it declined: one row per IKM with either, in one aggregate query."""


_PORT = Port("order figures")
install_order_figures = _PORT.install


def order_figures() -> OrderFigures:
    return _PORT.get()
