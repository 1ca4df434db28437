"""Junk to every form: a page with errors, never a 500, and nothing stored."""

import pytest

from marketplace.accounts import forms, tokens
from marketplace.accounts.models import Invitation
from marketplace.catalog import forms as catalog_forms
from marketplace.orders import delivery_forms
from marketplace.orders import forms as order_forms
from marketplace.payments import forms as payment_forms
from marketplace.pricing import forms as pricing_forms
from tests.helpers import table_counts

JUNK = [
    "",
    "x" * 10_000,
    "<script>alert('x')</script>",
    "' OR '1'='1'; DROP TABLE user_account; --",
    "名前 ☃ 😀 \u202e مرحبا",
    "-1",
    "1e309",
    "null\x00byte",
    "../../etc/passwd",
    "{{ 7*7 }}",
]


def _reset_link(world):
    token = tokens.make_token(
        tokens.RESET_SALT, {"uid": world.seller.id, "fp": tokens.password_fingerprint(world.seller)}
    )
    return f"/password/reset/{token}"


def _invitation_link(world):
    from marketplace.extensions import db

    invitation = Invitation(organization=world.buyer_org, email="baru@example.com", invited_by=world.buyer)
    db.session.add(invitation)
    db.session.commit()
    return "/invitations/" + tokens.make_token(tokens.INVITE_SALT, {"inv": invitation.id, "email": invitation.email})


# (who is signed in, url builder, form class whose fields are posted)
FORMS = {
    "register_buyer": (None, lambda w: "/register/buyer", forms.BuyerRegistrationForm),
    "register_seller": (None, lambda w: "/register/seller", forms.SellerRegistrationForm),
    "login": (None, lambda w: "/login", forms.LoginForm),
    "resend_verification": (None, lambda w: "/verify/resend", forms.EmailOnlyForm),
    "forgot_password": (None, lambda w: "/password/forgot", forms.EmailOnlyForm),
    "reset_password": (None, _reset_link, forms.ResetPasswordForm),
    "accept_invitation": (None, _invitation_link, forms.AcceptInvitationForm),
    "change_password": ("buyer", lambda w: "/account/password", forms.ChangePasswordForm),
    "profile": ("buyer", lambda w: "/account/profile", forms.ProfileForm),
    "edit_buyer_organization": ("buyer", lambda w: "/account/organization/edit", forms.BuyerOrganizationForm),
    "edit_seller_organization": ("seller", lambda w: "/account/organization/edit", forms.SellerOrganizationForm),
    "invite_member": ("buyer", lambda w: "/account/members/invite", forms.InviteForm),
    "new_sentra": ("admin", lambda w: "/admin/sentras/new", forms.SentraForm),
    "edit_sentra": ("admin", lambda w: f"/admin/sentras/{w.jombang.id}/edit", forms.SentraForm),
    "new_staff": ("admin", lambda w: "/admin/staff/new", forms.StaffUserForm),
    "decision": (
        "coordinator",
        lambda w: f"/coordinator/organizations/{w.pending_ikm.id}/decision",
        forms.DecisionForm,
    ),
    "new_listing": ("seller", lambda w: "/seller/listings/new", catalog_forms.NewListingForm),
    "edit_listing": ("seller", lambda w: f"/seller/listings/{w.draft_listing.id}/edit", catalog_forms.EditListingForm),
    "moderate_listing": (
        "coordinator",
        lambda w: f"/coordinator/listings/{w.pending_listing.id}",
        catalog_forms.ModerationForm,
    ),
    "new_product_type": ("admin", lambda w: "/catalog/product-types/new", catalog_forms.ProductTypeForm),
    "edit_product_type": (
        "admin",
        lambda w: f"/catalog/product-types/{w.product_type.id}/edit",
        catalog_forms.ProductTypeForm,
    ),
    "new_category": ("admin", lambda w: "/catalog/categories/new", catalog_forms.CategoryForm),
    "edit_category": ("admin", lambda w: f"/catalog/categories/{w.category.id}/edit", catalog_forms.CategoryForm),
    # The quick stock edit sits on a list: it answers with the list and an error message.
    "set_stock": ("seller", lambda w: f"/seller/listings/{w.draft_listing.id}/stock", catalog_forms.StockForm),
}
FORMS["new_schedule"] = (
    "coordinator",
    lambda w: f"/coordinator/prices/{w.product_type.id}/new",
    pricing_forms.PriceScheduleForm,
)
FORMS["new_price_request"] = (
    "seller",
    lambda w: f"/seller/listings/{w.draft_listing.id}/price-request",
    pricing_forms.PriceChangeRequestForm,
)
FORMS["decide_price_request"] = (
    "coordinator",
    lambda w: f"/coordinator/price-requests/{w.price_request.id}",
    pricing_forms.PriceRequestDecisionForm,
)
FORMS["sanction"] = (
    "coordinator",
    lambda w: f"/coordinator/organizations/{w.ikm.id}/sanctions",
    pricing_forms.SanctionForm,
)


def _buyer_cart_line(world):
    """A line in the world buyer's cart (the cart and checkout forms need one)."""
    from marketplace.extensions import db
    from marketplace.orders.models import CartItem

    item = db.session.scalar(db.select(CartItem).where(CartItem.user_id == world.buyer.id))
    if item is None:
        item = CartItem(
            user_id=world.buyer.id, listing_id=world.active_listing.id, quantity=10, seen_unit_price_idr=85_000
        )
        db.session.add(item)
        db.session.commit()
    return item


def _completed_order(world):
    from marketplace.extensions import db
    from tests import factories

    order = factories.make_order(world.buyer, world.active_listing, 10, status="completed", seller=world.seller)
    db.session.commit()
    return f"/orders/{order.id}/review"


FORMS["add_to_cart"] = ("buyer", lambda w: f"/cart/add/{w.active_listing.id}", order_forms.CartQuantityForm)
FORMS["update_cart_line"] = ("buyer", lambda w: f"/cart/{_buyer_cart_line(w).id}", order_forms.CartQuantityForm)
FORMS["checkout"] = ("buyer", lambda w: _buyer_cart_line(w) and "/checkout", order_forms.CheckoutForm)
FORMS["review_order"] = ("buyer", _completed_order, order_forms.ReviewForm)


def _buyer_address(world):
    from marketplace.extensions import db
    from marketplace.orders.models import DeliveryAddress

    address = DeliveryAddress(
        organization_id=world.buyer_org.id,
        label="Pabrik",
        recipient="Budi",
        phone="0311234567",
        address="Jl. Raya 1",
        regency="Sidoarjo",
        province="Jawa Timur",
    )
    db.session.add(address)
    db.session.commit()
    return f"/addresses/{address.id}/edit"


FORMS["new_address"] = ("buyer", lambda w: "/addresses/new", delivery_forms.NewAddressForm)
FORMS["edit_address"] = ("buyer", _buyer_address, delivery_forms.AddressForm)
FORMS["delivery_tariff"] = ("coordinator", lambda w: "/coordinator/delivery-tariff", delivery_forms.DeliveryTariffForm)


def _awaiting_checkout(world):
    """A checkout of the world buyer's waiting for payment, to a sentra with a bank account: the proof form's page."""
    from marketplace.extensions import db
    from marketplace.payments.models import SentraPaymentSettings
    from tests import factories

    db.session.add(
        SentraPaymentSettings(sentra_id=world.jombang.id, bank_name="BRI", account_number="12345", account_holder="K")
    )
    order = factories.make_order(world.buyer, world.active_listing, 10, status="awaiting_payment", seller=world.seller)
    return f"/payments/checkouts/{order.checkout_id}/proof"


def _refund_due(world):
    """An order rejected after payment: a refund for the coordinator to transfer back and record."""
    from marketplace.extensions import db
    from marketplace.payments.models import Refund
    from tests import factories

    order = factories.make_order(world.buyer, world.active_listing, 10, status="rejected", seller=world.seller)
    refund = db.session.scalar(db.select(Refund).where(Refund.order_id == order.id))
    return f"/payments/refunds/{refund.id}/transfer"


FORMS["upload_proof"] = ("buyer", _awaiting_checkout, payment_forms.ProofForm)
FORMS["record_refund"] = ("coordinator", _refund_due, payment_forms.RefundTransferForm)
FORMS["new_payout"] = ("coordinator", lambda w: "/payments/payouts", payment_forms.PayoutForm)
FORMS["bank_account"] = ("seller", lambda w: "/payments/bank-account", payment_forms.BankAccountForm)
FORMS["sentra_settings"] = (
    "admin",
    lambda w: f"/payments/admin/sentras/{w.jombang.id}",
    payment_forms.SentraPaymentForm,
)
FORMS["place_sentra_order"] = ("buyer", lambda w: "/sentra/jombang/order", order_forms.SentraOrderConfirmForm)
# The cart's forms sit on pages of their own: they answer with a redirect and a message.
REDIRECTING_FORMS = {"set_stock", "add_to_cart", "update_cart_line"}


def field_names(form_class, app):
    with app.test_request_context():
        return [f.name for f in form_class(meta={"csrf": False})]


def junk_payload(names, junk):
    # A repeated password is junk only if it differs; a matching one would be a legitimate password.
    return {name: (junk + "~" if name == "confirm_password" else junk) for name in names}


# Routes that post a bare button (CSRF only) or a choice, not a form with fields.
BUTTON_ROUTES = {
    "accounts.logout",
    "accounts.sign_out_everywhere",
    "accounts.confirm_business_email",
    "accounts.verify_email",
    "accounts.remove_member",
    "accounts.reactivate_member",
    "accounts.revoke_invitation",
    "accounts.admin_set_staff_active",
    "accounts.admin_send_password_link",
    "catalog.listing_action",
    "pricing.withdraw_price_request",
    "catalog.photo_cover",
    "catalog.photo_delete",
    "core.set_language",
    "orders.remove_cart_line",
    "orders.accept_cart_prices",
    "orders.reorder",
    "orders.read_notifications",
    "orders.archive_address",
    # An action on an order: its junk (unknown actions, short reasons, empty delivery notes) is tried in
    # tests/orders/test_order_pages.py, where an unknown action is a 409 rather than a form error.
    "orders.order_action",
    # An IKM's decline of its share has one free-text field, its reason: its junk (short reasons, another IKM's
    # share, too late, not paid) is tried in tests/orders/test_sentra_order_pages.py.
    "orders.decline_share",
    # The coordinator's decision on a transfer proof and the voiding of a payout: their junk (unknown decisions,
    # short reasons) is tried in tests/payments/test_payment_pages.py. Stripe's routes take no form of ours: the
    # buyer's button, and the webhook whose junk (bad signatures, tampered bodies) tests/payments tries.
    "payments.decide_payment",
    "payments.void_payout",
    "payments.start_stripe_payment",
    "payments.stripe_webhook",
}


def test_every_form_route_gets_junk(app, catalog_world):
    world = catalog_world
    """A new POST route must join FORMS (or BUTTON_ROUTES), so that junk reaches it too."""
    adapter = app.url_map.bind("localhost")
    with app.test_request_context():
        covered = {adapter.match(build(world), method="POST")[0] for _, build, _ in FORMS.values()}
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posting - BUTTON_ROUTES == covered


@pytest.mark.parametrize("junk", [*JUNK, None], ids=[f"junk{i}" for i in range(len(JUNK))] + ["missing-fields"])
@pytest.mark.parametrize("form_name", list(FORMS))
def test_junk_gets_errors_and_changes_nothing(app, client, catalog_world, login_as, form_name, junk):
    who, build_url, form_class = FORMS[form_name]
    url = build_url(catalog_world)
    if who:
        login_as(who)
    payload = {} if junk is None else junk_payload(field_names(form_class, app), junk)
    before = table_counts()
    response = client.post(url, data=payload, follow_redirects=form_name in REDIRECTING_FORMS)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    assert "invalid-feedback" in page or (form_name in REDIRECTING_FORMS and "alert-danger" in page)
    assert "<script>alert('x')</script>" not in page
    assert table_counts() == before
