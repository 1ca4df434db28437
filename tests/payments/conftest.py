"""Payments fixtures: a sentra with its bank account and a 2.5 % platform fee, an IKM with a listing and a bank
account of its own, and orders placed through the real services."""

from decimal import Decimal

import pytest

from marketplace.payments.models import BankAccount, SentraPaymentSettings
from tests import factories

SENTRA_ACCOUNT = {"bank_name": "Bank Jatim", "account_number": "0011223344", "account_holder": "Koperasi Sentra"}


@pytest.fixture
def shop(catalog_world, db):
    w = catalog_world
    w.listing = factories.make_listing(
        w.ikm,
        w.product_type,
        title="Paving K-300 UD Approved",
        price_idr=85_000,
        stock=Decimal("1000"),
        min_order=Decimal("1"),
        index=False,
    )
    w.settings = SentraPaymentSettings(sentra_id=w.jombang.id, platform_fee_pct=Decimal("2.50"), **SENTRA_ACCOUNT)
    w.ikm_account = BankAccount(
        organization_id=w.ikm.id, bank_name="BRI", account_number="123456789", account_holder="UD Approved"
    )
    db.session.add_all([w.settings, w.ikm_account])
    db.session.commit()
    return w


def order_in(w, status, quantity=10):
    """A real order of `quantity` m² of w.listing by w.buyer, moved on to `status` by the services."""
    return factories.make_order(
        w.buyer, w.listing, quantity=quantity, status=status, seller=w.seller, coordinator=w.coordinator
    )
