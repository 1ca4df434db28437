"""Services take plain values (dataclasses), never form data: the browser and a future API call the same ones."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from marketplace.accounts.forms import SellerOrganizationForm
from marketplace.accounts.services import OrganizationDetails
from marketplace.catalog.forms import EditListingForm
from marketplace.catalog.services import ListingDetails
from marketplace.core.forms import values_of, yes_no

ROOT = Path(__file__).resolve().parents[2] / "marketplace"


def test_values_of_takes_the_fields_the_input_names_and_leaves_the_rest(app):
    with app.test_request_context(method="POST"):
        form = EditListingForm(
            formdata=MultiDict(
                {
                    "product_type_id": "3",
                    "title": "Paving K-300",
                    "price_idr": "85000",
                    "stock": "12.5",
                    "expected_stock": "10",
                    "min_order": "1",
                    "order_multiple": "1",
                    "lead_time_days": "4",
                    "capacity_per_month": "900",
                }
            )
        )
        form.product_type_id.choices = [(3, "Paving")]
        details = values_of(form, ListingDetails)
    assert details == ListingDetails(
        product_type_id=3,
        title="Paving K-300",
        price_idr=85_000,
        stock=Decimal("12.5"),
        expected_stock=Decimal("10"),
        min_order=Decimal("1"),
        order_multiple=Decimal("1"),
        lead_time_days=4,
        capacity_per_month=Decimal("900"),
    )


def test_values_of_lets_the_caller_override_a_value(app):
    with app.test_request_context(method="POST"):
        form = SellerOrganizationForm(formdata=MultiDict({"name": "UD Maju", "is_pkp": "yes"}))
        details = values_of(form, OrganizationDetails, email="usaha@maju.example.com")
    assert details.name == "UD Maju" and details.is_pkp is True and details.email == "usaha@maju.example.com"


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("no", False), (True, True), (False, False)])
def test_yes_no_gives_a_bool(value, expected):
    assert yes_no(value) is expected


@pytest.mark.parametrize("junk", ["", "YES", "maybe", "1", None])
def test_yes_no_refuses_anything_else(junk):
    with pytest.raises(ValueError):
        yes_no(junk)


def test_a_junk_yes_no_answer_is_a_field_error_not_a_no(app):
    with app.test_request_context(method="POST"):
        form = SellerOrganizationForm(formdata=MultiDict({"is_pkp": "maybe"}))
        form.validate()
        assert form.is_pkp.errors


def _subscripts_of_data(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "data":
            yield node.lineno


def test_no_service_reads_form_data_and_no_view_passes_it():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text())
        if path.name == "services.py":
            found += [f"{path.name}:{line} data[...]" for line in _subscripts_of_data(tree)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "data" and ast.unparse(node) == "form.data":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} form.data")
    assert found == []
