"""One access policy: every route declares who may use it, and each role gets what it should."""

import pytest

from marketplace.core.access import AccessPolicy, policy_for
from tests import factories
from tests.conftest import add_catalog

ROLES = ("anonymous", "buyer", "seller", "coordinator", "admin")

# Expected outcome per role: "ok" (served), "login" (sent to sign in), "home" (signed-in users
# are sent away from anonymous-only pages), 403, or 404 (another organization's or sentra's object).
OK, LOGIN, HOME = "ok", "login", "home"


def every_role(outcome):
    return dict.fromkeys(ROLES, outcome)


def only(*roles, others=403):
    expected = {role: (OK if role in roles else others) for role in ROLES}
    expected["anonymous"] = LOGIN
    return expected


ANONYMOUS_ONLY = {"anonymous": OK, "buyer": HOME, "seller": HOME, "coordinator": HOME, "admin": HOME}
SIGNED_IN = {"anonymous": LOGIN, "buyer": OK, "seller": OK, "coordinator": OK, "admin": OK}


def viewers(*roles):
    """A public route where only some roles see the object; the others get 404, as if it did not exist."""
    return {role: (OK if role in roles else 404) for role in ROLES}


# endpoint -> list of (method, url builder, expected outcomes)
MATRIX = {
    "static": [("GET", lambda w: "/static/css/app.css", every_role(OK))],
    "core.healthz": [("GET", lambda w: "/healthz", every_role(OK))],
    "core.set_language": [("POST", lambda w: "/language", every_role(OK))],
    "catalog.home": [("GET", lambda w: "/", every_role(OK))],
    "pricing.coordinator_prices": [("GET", lambda w: "/coordinator/prices", only("coordinator"))],
    "pricing.new_schedule": [
        ("GET", lambda w: f"/coordinator/prices/{w.product_type.id}/new", only("coordinator")),
        ("POST", lambda w: f"/coordinator/prices/{w.product_type.id}/new", only("coordinator")),
        ("GET", lambda w: "/coordinator/prices/2147483647/new", {**only("coordinator"), "coordinator": 404}),
    ],
    "pricing.new_price_request": [
        ("GET", lambda w: f"/seller/listings/{w.draft_listing.id}/price-request", only("seller")),
        ("POST", lambda w: f"/seller/listings/{w.draft_listing.id}/price-request", only("seller")),
        # Another IKM's listing: as if it did not exist.
        (
            "GET",
            lambda w: f"/seller/listings/{w.neighbour_draft.id}/price-request",
            {**only("seller"), "seller": 404},
        ),
    ],
    "pricing.seller_requests": [("GET", lambda w: "/seller/price-requests", only("seller"))],
    "pricing.withdraw_price_request": [
        ("POST", lambda w: f"/seller/price-requests/{w.price_request.id}/withdraw", only("seller")),
        (
            "POST",
            lambda w: f"/seller/price-requests/{w.neighbour_request.id}/withdraw",
            {**only("seller"), "seller": 404},
        ),
    ],
    "pricing.coordinator_requests": [("GET", lambda w: "/coordinator/price-requests", only("coordinator"))],
    "pricing.coordinator_request": [
        ("GET", lambda w: f"/coordinator/price-requests/{w.price_request.id}", only("coordinator")),
        ("POST", lambda w: f"/coordinator/price-requests/{w.price_request.id}", only("coordinator")),
        # Another sentra's request: the Jombang coordinator can neither see nor decide it.
        (
            "GET",
            lambda w: f"/coordinator/price-requests/{w.ceper_request.id}",
            {**only("coordinator"), "coordinator": 404},
        ),
        (
            "POST",
            lambda w: f"/coordinator/price-requests/{w.ceper_request.id}",
            {**only("coordinator"), "coordinator": 404},
        ),
    ],
    "pricing.competition": [("GET", lambda w: "/coordinator/competition", only("coordinator"))],
    "pricing.sanctions": [
        ("GET", lambda w: f"/coordinator/organizations/{w.ikm.id}/sanctions", only("coordinator")),
        ("POST", lambda w: f"/coordinator/organizations/{w.ikm.id}/sanctions", only("coordinator")),
        (
            "GET",
            lambda w: f"/coordinator/organizations/{w.ceper_ikm.id}/sanctions",
            {**only("coordinator"), "coordinator": 404},
        ),
        (
            "POST",
            lambda w: f"/coordinator/organizations/{w.ceper_ikm.id}/sanctions",
            {**only("coordinator"), "coordinator": 404},
        ),
        (
            "GET",
            lambda w: f"/coordinator/organizations/{w.buyer_org.id}/sanctions",
            {**only("coordinator"), "coordinator": 404},
        ),
    ],
    "pricing.reference_prices": [
        ("GET", lambda w: f"/sentra/{w.jombang.slug}/harga-acuan", every_role(OK)),
        ("GET", lambda w: "/sentra/no-such-sentra/harga-acuan", every_role(404)),
    ],
    "catalog.browse": [
        ("GET", lambda w: "/products", every_role(OK)),
        ("GET", lambda w: f"/products/{w.category.slug}", every_role(OK)),
        ("GET", lambda w: f"/products/{w.category.slug}/{w.product_type.slug}", every_role(OK)),
        ("GET", lambda w: "/products/no-such-category", every_role(404)),
    ],
    "catalog.listing_detail": [
        ("GET", lambda w: f"/listings/{w.active_listing.id}", every_role(OK)),
        # The seller's own draft: the IKM, its coordinator and admins only.
        ("GET", lambda w: f"/listings/{w.draft_listing.id}", viewers("seller", "coordinator", "admin")),
        # Another Jombang IKM's draft: not the seller's.
        ("GET", lambda w: f"/listings/{w.neighbour_draft.id}", viewers("coordinator", "admin")),
        # A draft in another sentra: not the Jombang coordinator's.
        ("GET", lambda w: f"/listings/{w.ceper_draft.id}", viewers("admin")),
    ],
    "catalog.ikm_profile": [
        ("GET", lambda w: f"/ikm/{w.ikm.id}", every_role(OK)),
        ("GET", lambda w: f"/ikm/{w.pending_ikm.id}", every_role(404)),
        ("GET", lambda w: f"/ikm/{w.buyer_org.id}", every_role(404)),
    ],
    "catalog.sentra_page": [
        ("GET", lambda w: f"/sentra/{w.jombang.slug}", every_role(OK)),
        ("GET", lambda w: "/sentra/no-such-sentra", every_role(404)),
    ],
    "catalog.media": [
        ("GET", lambda w: "/media/listing/aa/does-not-exist.webp", every_role(404)),
        ("GET", lambda w: "/media/../../etc/passwd", every_role(404)),
        # A draft's photo (stored, see matrix_world): its IKM, its sentra's coordinator and admins; a neighbour's draft.
        ("GET", lambda w: f"/media/{w.photo.thumb_key}", viewers("seller", "coordinator", "admin")),
        ("GET", lambda w: f"/media/{w.neighbour_photo.display_key}", viewers("coordinator", "admin")),
    ],
    "catalog.seller_listings": [("GET", lambda w: "/seller/listings", only("seller"))],
    "catalog.new_listing": [("GET", lambda w: "/seller/listings/new", only("seller"))],
    "catalog.edit_listing": [
        ("GET", lambda w: f"/seller/listings/{w.draft_listing.id}/edit", only("seller")),
        ("GET", lambda w: f"/seller/listings/{w.neighbour_draft.id}/edit", {**only("seller"), "seller": 404}),
    ],
    "catalog.listing_action": [
        ("POST", lambda w: f"/seller/listings/{w.draft_listing.id}/action", only("seller")),
        ("POST", lambda w: f"/seller/listings/{w.neighbour_draft.id}/action", {**only("seller"), "seller": 404}),
    ],
    "catalog.set_stock": [
        ("POST", lambda w: f"/seller/listings/{w.draft_listing.id}/stock", only("seller")),
        ("POST", lambda w: f"/seller/listings/{w.neighbour_draft.id}/stock", {**only("seller"), "seller": 404}),
    ],
    "catalog.photo_cover": [
        ("POST", lambda w: f"/seller/listings/{w.draft_listing.id}/photos/{w.photo.id}/cover", only("seller")),
        # A photo id that belongs to another listing is refused even on the seller's own listing.
        (
            "POST",
            lambda w: f"/seller/listings/{w.draft_listing.id}/photos/{w.neighbour_photo.id}/cover",
            {**only("seller"), "seller": 404},
        ),
    ],
    "catalog.photo_delete": [
        (
            "POST",
            lambda w: f"/seller/listings/{w.neighbour_draft.id}/photos/{w.neighbour_photo.id}/delete",
            {**only("seller"), "seller": 404},
        ),
        ("POST", lambda w: f"/seller/listings/{w.draft_listing.id}/photos/{w.photo.id}/delete", only("seller")),
    ],
    "catalog.moderation_queue": [("GET", lambda w: "/coordinator/listings", only("coordinator"))],
    "catalog.moderate_listing": [
        ("GET", lambda w: f"/coordinator/listings/{w.pending_listing.id}", only("coordinator")),
        ("POST", lambda w: f"/coordinator/listings/{w.pending_listing.id}", only("coordinator")),
        ("GET", lambda w: f"/coordinator/listings/{w.ceper_draft.id}", {**only("coordinator"), "coordinator": 404}),
    ],
    # Coordinators read the shared product types; only the admin creates or changes them.
    "catalog.product_types": [("GET", lambda w: "/catalog/product-types", only("coordinator", "admin"))],
    "catalog.new_product_type": [
        ("GET", lambda w: "/catalog/product-types/new", only("admin")),
        ("POST", lambda w: "/catalog/product-types/new", only("admin")),
    ],
    "catalog.edit_product_type": [
        ("GET", lambda w: f"/catalog/product-types/{w.product_type.id}/edit", only("admin")),
        ("POST", lambda w: f"/catalog/product-types/{w.product_type.id}/edit", only("admin")),
    ],
    "catalog.new_category": [
        ("GET", lambda w: "/catalog/categories/new", only("admin")),
        ("POST", lambda w: "/catalog/categories/new", only("admin")),
    ],
    "catalog.edit_category": [
        ("GET", lambda w: f"/catalog/categories/{w.category.id}/edit", only("admin")),
        ("POST", lambda w: f"/catalog/categories/{w.category.id}/edit", only("admin")),
    ],
    "accounts.register": [("GET", lambda w: "/register", ANONYMOUS_ONLY)],
    "accounts.register_buyer": [("GET", lambda w: "/register/buyer", ANONYMOUS_ONLY)],
    "accounts.register_seller": [("GET", lambda w: "/register/seller", ANONYMOUS_ONLY)],
    "accounts.registered": [("GET", lambda w: "/register/done", ANONYMOUS_ONLY)],
    "accounts.verify_email": [
        ("GET", lambda w: "/verify/not-a-token", every_role(OK)),
        ("POST", lambda w: "/verify/not-a-token", every_role(OK)),
    ],
    "accounts.resend_verification": [("GET", lambda w: "/verify/resend", ANONYMOUS_ONLY)],
    "accounts.login": [("GET", lambda w: "/login", ANONYMOUS_ONLY)],
    "accounts.logout": [("POST", lambda w: "/logout", SIGNED_IN)],
    "accounts.sign_out_everywhere": [("POST", lambda w: "/account/sessions/end-all", SIGNED_IN)],
    "accounts.confirm_business_email": [
        ("GET", lambda w: "/organization/email/not-a-token", every_role(OK)),
        ("POST", lambda w: "/organization/email/not-a-token", every_role(OK)),
    ],
    "accounts.dashboard": [("GET", lambda w: "/account", SIGNED_IN)],
    "accounts.forgot_password": [("GET", lambda w: "/password/forgot", every_role(OK))],
    "accounts.reset_password": [("GET", lambda w: "/password/reset/not-a-token", every_role(OK))],
    "accounts.change_password": [("GET", lambda w: "/account/password", SIGNED_IN)],
    "accounts.profile": [("GET", lambda w: "/account/profile", SIGNED_IN)],
    "accounts.organization": [("GET", lambda w: "/account/organization", only("buyer", "seller"))],
    "accounts.edit_organization": [("GET", lambda w: "/account/organization/edit", only("buyer", "seller"))],
    "accounts.members": [("GET", lambda w: "/account/members", only("buyer", "seller"))],
    "accounts.invite_member": [("POST", lambda w: "/account/members/invite", only("buyer", "seller"))],
    "accounts.remove_member": [
        # The buyer's own colleague: allowed for the buyer (owner); a seller of another organization gets 404.
        (
            "POST",
            lambda w: f"/account/members/{w.buyer_colleague.id}/remove",
            {**only("buyer", "seller"), "seller": 404},
        ),
        # Another company's user: never reachable, not even by an owner.
        (
            "POST",
            lambda w: f"/account/members/{w.other_buyer.id}/remove",
            {**only("buyer", "seller"), "buyer": 404, "seller": 404},
        ),
    ],
    "accounts.reactivate_member": [
        (
            "POST",
            lambda w: f"/account/members/{w.buyer_colleague.id}/reactivate",
            {**only("buyer", "seller"), "seller": 404},
        ),
        (
            "POST",
            lambda w: f"/account/members/{w.other_buyer.id}/reactivate",
            {**only("buyer", "seller"), "buyer": 404, "seller": 404},
        ),
    ],
    "accounts.admin_set_staff_active": [
        ("POST", lambda w: f"/admin/staff/{w.other_coordinator.id}/active", only("admin")),
        # Buyers and sellers are no staff: not managed on this page.
        ("POST", lambda w: f"/admin/staff/{w.buyer.id}/active", {**only("admin"), "admin": 404}),
    ],
    "accounts.admin_send_password_link": [
        ("POST", lambda w: f"/admin/staff/{w.other_coordinator.id}/password-link", only("admin")),
        ("POST", lambda w: f"/admin/staff/{w.seller.id}/password-link", {**only("admin"), "admin": 404}),
    ],
    "accounts.revoke_invitation": [
        (
            "POST",
            lambda w: f"/account/invitations/{w.other_invitation.id}/revoke",
            {**only("buyer", "seller"), "buyer": 404, "seller": 404},
        ),
    ],
    "accounts.accept_invitation": [("GET", lambda w: "/invitations/not-a-token", ANONYMOUS_ONLY)],
    "accounts.admin_sentras": [("GET", lambda w: "/admin/sentras", only("admin"))],
    "accounts.admin_new_sentra": [("GET", lambda w: "/admin/sentras/new", only("admin"))],
    "accounts.admin_edit_sentra": [("GET", lambda w: f"/admin/sentras/{w.jombang.id}/edit", only("admin"))],
    "accounts.admin_staff": [("GET", lambda w: "/admin/staff", only("admin"))],
    "accounts.admin_new_staff": [("GET", lambda w: "/admin/staff/new", only("admin"))],
    "coordination.dashboard": [("GET", lambda w: "/coordinator/", only("coordinator"))],
    # Orders. The buyer's company (any colleague), the seller IKM and its sentra's coordinator see an order; the
    # others get 404 on pages and 403 on actions (refused, nothing changes).
    "orders.add_to_cart": [("POST", lambda w: f"/cart/add/{w.active_listing.id}", only("buyer"))],
    "orders.cart": [("GET", lambda w: "/cart", only("buyer"))],
    "orders.update_cart_line": [
        ("POST", lambda w: f"/cart/{w.cart_item.id}", only("buyer")),
        ("POST", lambda w: f"/cart/{w.other_cart_item.id}", {**only("buyer"), "buyer": 404}),
    ],
    "orders.remove_cart_line": [
        ("POST", lambda w: f"/cart/{w.cart_item.id}/remove", only("buyer")),
        ("POST", lambda w: f"/cart/{w.other_cart_item.id}/remove", {**only("buyer"), "buyer": 404}),
    ],
    "orders.accept_cart_prices": [("POST", lambda w: "/cart/prices-seen", only("buyer"))],
    "orders.checkout": [("GET", lambda w: "/checkout", only("buyer"))],
    "orders.buyer_checkouts": [("GET", lambda w: "/checkouts", only("buyer"))],
    "orders.buyer_checkout": [
        ("GET", lambda w: f"/checkouts/{w.order.checkout_id}", only("buyer")),
        ("GET", lambda w: f"/checkouts/{w.other_order.checkout_id}", {**only("buyer"), "buyer": 404}),
    ],
    "orders.buyer_orders": [("GET", lambda w: "/orders", only("buyer"))],
    "orders.seller_orders": [("GET", lambda w: "/seller/orders", only("seller"))],
    "orders.coordinator_orders": [("GET", lambda w: "/coordinator/orders", only("coordinator"))],
    "orders.order_detail": [
        ("GET", lambda w: f"/orders/{w.order.id}", only("buyer", "seller", "coordinator")),
        # Another company's order of another sentra's IKM: nobody here sees it.
        (
            "GET",
            lambda w: f"/orders/{w.other_order.id}",
            {**only("buyer", "seller", "coordinator", others=403), "buyer": 404, "seller": 404, "coordinator": 404},
        ),
    ],
    "orders.order_action": [
        ("POST", lambda w: f"/orders/{w.order.id}/action", only("buyer", "seller", "coordinator")),
        ("POST", lambda w: f"/orders/{w.other_order.id}/action", only(others=403)),
    ],
    "orders.review_order": [
        ("POST", lambda w: f"/orders/{w.order.id}/review", only("buyer")),
        ("POST", lambda w: f"/orders/{w.other_order.id}/review", {**only("buyer"), "buyer": 404}),
    ],
    "orders.reorder": [
        ("POST", lambda w: f"/orders/{w.order.id}/reorder", only("buyer")),
        ("POST", lambda w: f"/orders/{w.other_order.id}/reorder", {**only("buyer"), "buyer": 404}),
    ],
    "orders.invoice_pdf": [
        ("GET", lambda w: f"/orders/{w.order.id}/invoice.pdf", only("buyer", "seller", "coordinator")),
        (
            "GET",
            lambda w: f"/orders/{w.other_order.id}/invoice.pdf",
            {**only("buyer", "seller", "coordinator"), **dict.fromkeys(("buyer", "seller", "coordinator"), 404)},
        ),
    ],
    "orders.delivery_note_pdf": [
        ("GET", lambda w: f"/orders/{w.accepted_order.id}/delivery-note.pdf", only("buyer", "seller", "coordinator")),
        # A paid order the IKM has not accepted has no delivery note yet.
        (
            "GET",
            lambda w: f"/orders/{w.order.id}/delivery-note.pdf",
            {**only("buyer", "seller", "coordinator"), **dict.fromkeys(("buyer", "seller", "coordinator"), 404)},
        ),
    ],
    "orders.addresses": [("GET", lambda w: "/addresses", only("buyer"))],
    "orders.new_address": [("GET", lambda w: "/addresses/new", only("buyer"))],
    "orders.edit_address": [
        ("GET", lambda w: f"/addresses/{w.address.id}/edit", only("buyer")),
        ("GET", lambda w: f"/addresses/{w.other_address.id}/edit", {**only("buyer"), "buyer": 404}),
    ],
    "orders.archive_address": [
        ("POST", lambda w: f"/addresses/{w.address.id}/archive", only("buyer")),
        ("POST", lambda w: f"/addresses/{w.other_address.id}/archive", {**only("buyer"), "buyer": 404}),
    ],
    "orders.delivery_tariff": [("GET", lambda w: "/coordinator/delivery-tariff", only("coordinator"))],
    "orders.notifications": [("GET", lambda w: "/notifications", only("buyer", "seller", "coordinator"))],
    "orders.read_notifications": [("POST", lambda w: "/notifications/read", only("buyer", "seller", "coordinator"))],
    "orders.new_sentra_order": [
        ("GET", lambda w: "/sentra/jombang/order", only("buyer")),
        ("GET", lambda w: "/sentra/nowhere/order", {**only("buyer"), "buyer": 404}),
    ],
    "orders.place_sentra_order": [("POST", lambda w: "/sentra/jombang/order", only("buyer"))],
    "orders.sentra_order_list": [("GET", lambda w: "/sentra-orders", only("buyer", "coordinator"))],
    "orders.sentra_order_detail": [
        ("GET", lambda w: f"/sentra-orders/{w.sentra_order.id}", only("buyer", "coordinator")),
        # Another company's sentra order in another sentra.
        (
            "GET",
            lambda w: f"/sentra-orders/{w.other_sentra_order.id}",
            {**only("buyer", "coordinator"), "buyer": 404, "coordinator": 404},
        ),
    ],
    "orders.decline_share": [
        ("POST", lambda w: f"/orders/{w.sentra_share.id}/decline", only("seller")),
        ("POST", lambda w: f"/orders/{w.other_sentra_share.id}/decline", {**only("seller"), "seller": 404}),
    ],
    # Payments: a checkout's payment page and its proofs are for the buyer company, the IKMs of the checkout and
    # the sentra's coordinators; another company's checkout of another sentra is nobody's here.
    "payments.pay_checkout": [
        ("GET", lambda w: f"/payments/checkouts/{w.order.checkout_id}", only("buyer", "seller", "coordinator")),
        (
            "GET",
            lambda w: f"/payments/checkouts/{w.other_order.checkout_id}",
            {**only("buyer", "seller", "coordinator"), **dict.fromkeys(("buyer", "seller", "coordinator"), 404)},
        ),
    ],
    "payments.upload_proof": [
        ("POST", lambda w: f"/payments/checkouts/{w.order.checkout_id}/proof", only("buyer")),
        ("POST", lambda w: f"/payments/checkouts/{w.other_order.checkout_id}/proof", {**only("buyer"), "buyer": 404}),
    ],
    "payments.proof_file": [
        ("GET", lambda w: f"/payments/proofs/{w.proof.id}", only("buyer", "seller", "coordinator")),
        (
            "GET",
            lambda w: f"/payments/proofs/{w.other_proof.id}",
            {**only("buyer", "seller", "coordinator"), **dict.fromkeys(("buyer", "seller", "coordinator"), 404)},
        ),
    ],
    "payments.sentra_payments": [("GET", lambda w: "/payments/sentra", only("coordinator"))],
    "payments.decide_payment": [
        ("POST", lambda w: f"/payments/payments/{w.payment.id}/decision", only("coordinator")),
        (
            "POST",
            lambda w: f"/payments/payments/{w.other_payment.id}/decision",
            {**only("coordinator"), "coordinator": 404},
        ),
    ],
    "payments.record_refund": [
        ("POST", lambda w: f"/payments/refunds/{w.refund.id}/transfer", only("coordinator")),
        (
            "POST",
            lambda w: f"/payments/refunds/{w.other_refund.id}/transfer",
            {**only("coordinator"), "coordinator": 404},
        ),
    ],
    "payments.payouts": [("GET", lambda w: "/payments/payouts", only("coordinator"))],
    "payments.new_payout": [("POST", lambda w: "/payments/payouts", only("coordinator"))],
    "payments.void_payout": [
        ("POST", lambda w: f"/payments/payouts/{w.payout.id}/void", only("coordinator")),
        ("POST", lambda w: f"/payments/payouts/{w.other_payout.id}/void", {**only("coordinator"), "coordinator": 404}),
    ],
    "payments.balances_csv": [("GET", lambda w: "/payments/payouts/balances.csv", only("coordinator"))],
    "payments.payouts_csv": [("GET", lambda w: "/payments/payouts/payouts.csv", only("coordinator"))],
    "payments.balance": [("GET", lambda w: "/payments/balance", only("seller"))],
    "payments.bank_account": [
        ("GET", lambda w: "/payments/bank-account", only("seller")),
        ("POST", lambda w: "/payments/bank-account", only("seller")),
    ],
    "payments.sentra_settings": [
        ("GET", lambda w: f"/payments/admin/sentras/{w.jombang.id}", only("admin")),
        ("POST", lambda w: f"/payments/admin/sentras/{w.jombang.id}", only("admin")),
        ("GET", lambda w: "/payments/admin/sentras/2147483647", {**only("admin"), "admin": 404}),
    ],
    "payments.start_stripe_payment": [
        ("POST", lambda w: f"/payments/checkouts/{w.order.checkout_id}/stripe", only("buyer")),
        ("POST", lambda w: f"/payments/checkouts/{w.other_order.checkout_id}/stripe", {**only("buyer"), "buyer": 404}),
    ],
    "payments.stripe_return": [
        ("GET", lambda w: f"/payments/checkouts/{w.order.checkout_id}/stripe/return", only("buyer")),
        (
            "GET",
            lambda w: f"/payments/checkouts/{w.other_order.checkout_id}/stripe/return",
            {**only("buyer"), "buyer": 404},
        ),
    ],
    # Stripe's webhook answers only where Stripe is configured (not in this test app): 404 for everyone.
    "payments.stripe_webhook": [("POST", lambda w: "/payments/stripe/webhook", every_role(404))],
    "coordination.organization_detail": [
        ("GET", lambda w: f"/coordinator/organizations/{w.pending_ikm.id}", only("coordinator")),
        # An IKM of another sentra: the Jombang coordinator cannot see it.
        ("GET", lambda w: f"/coordinator/organizations/{w.other_ikm.id}", {**only("coordinator"), "coordinator": 404}),
        # A buyer company is no IKM of any sentra.
        ("GET", lambda w: f"/coordinator/organizations/{w.buyer_org.id}", {**only("coordinator"), "coordinator": 404}),
    ],
    "coordination.decide_organization": [
        ("POST", lambda w: f"/coordinator/organizations/{w.pending_ikm.id}/decision", only("coordinator")),
        (
            "POST",
            lambda w: f"/coordinator/organizations/{w.other_ikm.id}/decision",
            {**only("coordinator"), "coordinator": 404},
        ),
    ],
}


def test_every_route_declares_an_access_policy(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules() if policy_for(app, rule.endpoint) is None]
    assert missing == []


def test_every_route_is_in_the_role_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(MATRIX)


def test_a_route_without_a_policy_is_refused(app, client):
    """Fail closed: the hook refuses an endpoint whose view carries no declaration."""
    view = app.view_functions["catalog.home"]
    policy = view.access_policy
    del view.access_policy
    try:
        assert client.get("/").status_code == 403
    finally:
        view.access_policy = policy


def test_unknown_policy_names_are_rejected():
    with pytest.raises(ValueError):
        AccessPolicy(("superuser",))


CASES = [
    pytest.param(endpoint, index, method, build, role, expected[role], id=f"{endpoint}[{index}]-{role}")
    for endpoint, entries in MATRIX.items()
    for index, (method, build, expected) in enumerate(entries)
    for role in ROLES
]


def _add_orders(world, db):
    """An order of the world's buyer company from its IKM, and one of another company from a Ceper IKM; a cart line
    of the buyer and one of the other buyer."""
    from marketplace.orders.models import CartItem, DeliveryAddress

    ceper_listing = factories.make_listing(world.ceper_ikm, world.product_type)
    world.order = factories.make_order(world.buyer, world.active_listing, 10, status="paid", seller=world.seller)
    world.other_order = factories.make_order(world.other_buyer, ceper_listing, 10, status="paid")
    world.accepted_order = factories.make_order(
        world.buyer, world.active_listing, 10, status="accepted", seller=world.seller
    )
    world.address = DeliveryAddress(
        organization_id=world.buyer_org.id,
        label="Pabrik",
        recipient="Budi",
        phone="0311234567",
        address="Jl. Raya 1",
        regency="Sidoarjo",
        province="Jawa Timur",
    )
    world.other_address = DeliveryAddress(
        organization_id=world.other_buyer_org.id,
        label="Gudang",
        recipient="Sari",
        phone="0311234567",
        address="Jl. Raya 2",
        regency="Gresik",
        province="Jawa Timur",
    )
    db.session.add_all([world.address, world.other_address])
    world.cart_item = CartItem(
        user_id=world.buyer.id, listing_id=world.active_listing.id, quantity=10, seen_unit_price_idr=85_000
    )
    world.other_cart_item = CartItem(
        user_id=world.other_buyer.id, listing_id=world.active_listing.id, quantity=10, seen_unit_price_idr=85_000
    )
    db.session.add_all([world.cart_item, world.other_cart_item])
    db.session.commit()
    world.sentra_order = factories.make_sentra_order(world.buyer, world.jombang, world.product_type, paid=True)
    world.other_sentra_order = factories.make_sentra_order(
        world.other_buyer, world.other_sentra, world.product_type, paid=True
    )
    world.sentra_share = world.sentra_order.rounds[0].checkout.orders[0]
    world.other_sentra_share = world.other_sentra_order.rounds[0].checkout.orders[0]


def _add_payments(world, db):
    """A bank transfer with its proof for the world's order and for the Ceper one, a refund due and a payout in
    each sentra."""
    from datetime import date

    from marketplace.core.storage import get_storage
    from marketplace.payments.models import Payment, Payout, Refund, TransferProof

    def transfer(order, key):
        payment = Payment(
            checkout_id=order.checkout_id,
            sentra_id=order.sentra_id,
            method="bank_transfer",
            status="submitted",
            amount_idr=order.total_idr,
            reference=order.checkout.number,
        )
        payment.proofs.append(TransferProof(storage_key=key, content_type="image/webp", size_bytes=12))
        get_storage().save(key, b"RIFF\x00\x00\x00\x00WEBP")
        return payment

    world.payment = transfer(world.order, "private/proof/aa/one.webp")
    world.other_payment = transfer(world.other_order, "private/proof/aa/two.webp")
    world.refund = Refund(
        order_id=world.accepted_order.id, sentra_id=world.jombang.id, method="bank_transfer", status="due", amount_idr=1
    )
    world.other_refund = Refund(
        order_id=world.other_order.id,
        sentra_id=world.other_sentra.id,
        method="bank_transfer",
        status="due",
        amount_idr=1,
    )
    payouts = [
        Payout(
            organization_id=ikm.id, sentra_id=ikm.sentra_id, amount_idr=1, paid_on=date(2026, 11, 1), bank_reference="R"
        )
        for ikm in (world.ikm, world.ceper_ikm)
    ]
    world.payout, world.other_payout = payouts
    db.session.add_all([world.payment, world.other_payment, world.refund, world.other_refund, *payouts])
    db.session.commit()
    world.proof, world.other_proof = world.payment.proofs[0], world.other_payment.proofs[0]


@pytest.fixture
def matrix_world(world, db):
    from marketplace.accounts.models import Invitation

    world.other_invitation = Invitation(organization=world.other_buyer_org, email="x@example.com")
    db.session.add(world.other_invitation)
    db.session.commit()
    add_catalog(world, db)
    _add_orders(world, db)
    _add_payments(world, db)
    from marketplace.core.storage import get_storage

    for key in (world.photo.thumb_key, world.neighbour_photo.display_key):
        get_storage().save(key, b"RIFF\x00\x00\x00\x00WEBP")  # the photo routes answer only for stored files
    return world


@pytest.mark.parametrize(("endpoint", "index", "method", "build", "role", "expected"), CASES)
def test_role_matrix(client, matrix_world, login_as, endpoint, index, method, build, role, expected):
    if role != "anonymous":
        login_as(role)
    url = build(matrix_world)
    response = client.open(url, method=method)
    location = response.headers.get("Location", "")
    if expected == OK:
        assert response.status_code in (200, 302), response.status_code
        assert not location.startswith("/login?next=")
    elif expected == LOGIN:
        assert response.status_code == 302
        assert location.startswith("/login")
    elif expected == HOME:
        assert response.status_code == 302
        assert location == "/"
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("coordinator", "/coordinator/organizations/99999999999999999999999"),
        ("admin", "/admin/sentras/99999999999999999999999/edit"),
        ("buyer", "/account/members/99999999999999999999999/remove"),
    ],
)
def test_ids_too_large_for_the_database_are_not_found(client, login_as, who, url):
    login_as(who)
    method = "POST" if url.endswith("remove") else "GET"
    assert client.open(url, method=method).status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999999", "-5", "abc", "0"])
def test_page_numbers_out_of_range_still_give_a_page(client, login_as, page):
    login_as("admin")
    assert client.get(f"/admin/staff?page={page}").status_code == 200
    login_as("coordinator")
    assert client.get(f"/coordinator/?page={page}").status_code == 200
