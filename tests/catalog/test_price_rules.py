"""The catalog asks set pricing through a port that the app factory fills (layers: catalog < pricing)."""

import pytest
from flask import Flask

from marketplace.catalog.price_rules import price_rules
from marketplace.pricing.rules import SetPricingRules


def test_the_app_installs_set_pricing_as_the_catalogs_price_rules(app):
    with app.app_context():
        assert isinstance(price_rules(), SetPricingRules)


def test_an_app_without_price_rules_refuses_to_answer_instead_of_allowing_every_price():
    with Flask("bare").app_context(), pytest.raises(RuntimeError, match="No price rules installed"):
        price_rules()
