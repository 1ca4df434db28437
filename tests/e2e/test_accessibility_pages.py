"""axe-core finds no WCAG 2.0/2.1 A or AA violation on the main pages of each role, on a phone and on a wide screen;
the Nu HTML checker, which checks every page the journeys load, finds what it must."""

import pytest

from marketplace.extensions import db
from marketplace.orders.models import CartItem, DeliveryAddress, DeliveryTariff
from tests import factories
from tests.e2e.conftest import PHONE_HEIGHT, PHONE_WIDTH, _check_html_of, assert_accessible, sign_in

pytestmark = pytest.mark.e2e

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": PHONE_WIDTH, "height": PHONE_HEIGHT}


@pytest.fixture
def world():
    """One sentra with a price band, an IKM with live, waiting and priced listings, and a person per role."""
    sentra = factories.make_sentra(slug="sentra-aksesibel", name="Sentra Aksesibel", description="Sentra paving block.")
    ikm = factories.make_ikm(sentra, name="UD Paving Aksesibel")
    category = factories.make_category(name="Paving block", slug="paving-aksesibel")
    product_type = factories.make_product_type(category, name="Paving K-300 aksesibel", slug="paving-k300-aksesibel")
    factories.make_schedule(sentra, product_type, reference=85_000, floor=80_000, ceiling=90_000, tiers=[("100", "5")])
    listing = factories.make_listing(ikm, product_type, title="Paving segi enam aksesibel", price_idr=85_000)
    waiting = factories.make_listing(ikm, product_type, status="pending_review", title="Paving kotak menunggu")
    seller = factories.make_user("seller", organization=ikm)
    price_request = factories.make_price_request(listing, price=95_000, requested_by=seller)
    coordinator = factories.make_user("coordinator", sentra=sentra)
    admin = factories.make_user("admin")
    buyer = factories.make_user("buyer", organization=factories.make_buyer_org(name="PT Pembeli Aksesibel"))
    db.session.add_all(
        [
            DeliveryTariff(sentra_id=sentra.id, base_fee_idr=150_000),
            DeliveryAddress(
                organization_id=buyer.organization_id,
                label="Pabrik Sidoarjo",
                recipient="Budi",
                phone="0311234567",
                address="Jl. Raya Berbek 21",
                regency="Kabupaten Sidoarjo",
                province="Jawa Timur",
            ),
        ]
    )
    # A completed order (its page has the review form), a paid one (the IKM's buttons), a disputed one (the
    # coordinator's), and a line in the cart (the cart and the checkout have something to show).
    completed = factories.make_order(buyer, listing, 10, status="completed", seller=seller)
    paid = factories.make_order(buyer, listing, 10, status="paid", seller=seller)
    disputed = factories.make_order(buyer, listing, 10, status="disputed", seller=seller)
    db.session.add(CartItem(user_id=buyer.id, listing_id=listing.id, quantity=10, seen_unit_price_idr=80_000))
    db.session.commit()
    return {
        "buyer": buyer,
        "completed": completed,
        "paid": paid,
        "disputed": disputed,
        "sentra": sentra,
        "ikm": ikm,
        "listing": listing,
        "waiting": waiting,
        "price_request": price_request,
        "product_type": product_type,
        "seller": seller,
        "coordinator": coordinator,
        "admin": admin,
    }


def check_pages(page, paths, viewport):
    page.set_viewport_size(viewport)
    found = []
    for path in paths:
        page.goto(path)
        try:
            assert_accessible(page)
        except AssertionError as error:
            found.append(str(error))
    assert found == [], "\n\n".join(found)


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_visitor_pages(page, world, viewport):
    check_pages(
        page,
        [
            "/",
            "/products",
            f"/products/{world['product_type'].category.slug}",
            f"/listings/{world['listing'].id}",
            f"/ikm/{world['ikm'].id}",
            f"/sentra/{world['sentra'].slug}",
            f"/sentra/{world['sentra'].slug}/harga-acuan",
            "/login",
            "/register",
            "/register/seller",
            "/register/buyer",
            "/password/forgot",
        ],
        viewport,
    )


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_seller_pages(page, world, viewport):
    sign_in(page, world["seller"].email, factories.PASSWORD)
    listing_id = world["listing"].id
    check_pages(
        page,
        [
            "/seller/listings",
            "/seller/listings/new",
            f"/seller/listings/{listing_id}/edit",
            f"/seller/listings/{listing_id}/price-request",
            "/seller/price-requests",
            "/seller/orders",
            f"/orders/{world['paid'].id}",
            "/notifications",
            "/account/organization",
            "/account/members",
            "/account/profile",
        ],
        viewport,
    )


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_coordinator_pages(page, world, viewport):
    sign_in(page, world["coordinator"].email, factories.PASSWORD)
    check_pages(
        page,
        [
            "/coordinator/",
            f"/coordinator/organizations/{world['ikm'].id}",
            f"/coordinator/organizations/{world['ikm'].id}/sanctions",
            "/coordinator/listings",
            f"/coordinator/listings/{world['waiting'].id}",
            "/coordinator/prices",
            f"/coordinator/prices/{world['product_type'].id}/new",
            "/coordinator/price-requests",
            f"/coordinator/price-requests/{world['price_request'].id}",
            "/coordinator/competition",
            "/coordinator/orders",
            f"/orders/{world['disputed'].id}",
            "/coordinator/delivery-tariff",
            "/catalog/product-types",
        ],
        viewport,
    )


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_buyer_pages(page, world, viewport):
    sign_in(page, world["buyer"].email, factories.PASSWORD)
    check_pages(
        page,
        [
            f"/listings/{world['listing'].id}",
            "/cart",
            "/checkout",
            "/orders",
            "/checkouts",
            f"/checkouts/{world['paid'].checkout_id}",
            f"/orders/{world['completed'].id}",
            f"/orders/{world['paid'].id}",
            "/addresses",
            "/addresses/new",
            "/notifications",
        ],
        viewport,
    )


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_admin_pages(page, world, viewport):
    sign_in(page, world["admin"].email, factories.PASSWORD)
    check_pages(
        page,
        [
            "/catalog/product-types",
            "/catalog/product-types/new",
            f"/catalog/product-types/{world['product_type'].id}/edit",
            "/admin/sentras",
            "/admin/sentras/new",
            "/admin/staff",
            "/admin/staff/new",
        ],
        viewport,
    )


# The Nu HTML checker that checks every page the journeys load (tests/e2e/conftest.py) finds what it must.

INVALID_PAGE = (
    b"<!doctype html><html lang=id><title>x</title>"
    b"<p><span>a</p><select required><option value=0>Pilih</option></select>"
)


def test_the_html_checker_reports_errors_in_the_html_a_page_was_served_with(browser, html_checker):
    context = browser.new_context()
    try:
        page = context.new_page()
        problems = []
        page.route(
            "http://checked.invalid/",
            lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=INVALID_PAGE),
        )
        # The very check every journey's page load gets (new_page), called here on the response itself so the
        # context is not closed before it has run.
        _check_html_of(page.goto("http://checked.invalid/"), page, html_checker, problems, set())
    finally:
        context.close()
    assert any("Unclosed element “span”" in problem for problem in problems), problems
    assert any("The first child “option” element" in problem for problem in problems), problems
    assert all(problem.startswith("HTML error at /: line 1: ") for problem in problems), problems


def test_the_html_checker_passes_a_valid_page(html_checker):
    assert html_checker.errors(b"<!doctype html><html lang=id><title>x</title><p>Paving</p>") == []
