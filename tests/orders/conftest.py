"""Orders fixtures: a sentra whose three IKMs sell the same product type, for sentra orders."""

from decimal import Decimal

import pytest

from tests import factories


@pytest.fixture
def supply(catalog_world, db):
    """Jombang's paving K-300 from three IKMs: UD Approved (capacity 1,000 m² a month, stock 1,000), UD Dua (2,000,
    stock 2,000) and UD Tiga (1,000, stock 300); minimum 10 m², multiples of 10; the band's reference is Rp 85,000."""
    w = catalog_world
    # UD Approved's listing with the most stock is the one the allocator offers.
    w.approved_listing = factories.make_listing(
        w.ikm, w.product_type, stock=Decimal("1000"), capacity_per_month=Decimal("1000"), order_multiple=Decimal("10")
    )
    w.dua = factories.make_ikm(w.jombang, name="UD Dua")
    w.tiga = factories.make_ikm(w.jombang, name="UD Tiga", is_pkp=True)
    w.dua_seller = factories.make_user("seller", organization=w.dua)
    w.tiga_seller = factories.make_user("seller", organization=w.tiga)
    w.dua_listing = factories.make_listing(
        w.dua, w.product_type, stock=Decimal("2000"), capacity_per_month=Decimal("2000"), order_multiple=Decimal("10")
    )
    w.tiga_listing = factories.make_listing(
        w.tiga, w.product_type, stock=Decimal("300"), capacity_per_month=Decimal("1000"), order_multiple=Decimal("10")
    )
    db.session.commit()
    return w
