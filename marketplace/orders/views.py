"""Order pages: the buyer's cart, checkout, checkouts and orders; the IKM's incoming orders; the coordinator's view of
the sentra's orders; one order page for the three of them; the bell's notifications."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.catalog.models import Listing
from marketplace.catalog.services import may_view_listing
from marketplace.core.access import allow, object_or_404
from marketplace.core.errors import DomainError, InvalidTransition
from marketplace.core.flashing import flash
from marketplace.core.forms import show_error
from marketplace.core.roles import Role
from marketplace.core.routing import page_arg
from marketplace.core.submissions import DuplicateSubmission, already_sent
from marketplace.orders import bp, documents, notify, sentra_orders, services
from marketplace.orders.forms import (
    CartQuantityForm,
    DeclineShareForm,
    EmptyForm,
    OrderActionForm,
    OrderFilterForm,
    ReviewForm,
    checkout_form_for,
)
from marketplace.orders.models import CHECKOUT_STATES, ORDER_STATES, CartItem, Checkout, OrderStatus


@bp.app_context_processor
def _bell():
    # Called by base.html only for signed-in users other than admins: one COUNT query on those pages.
    return {"unread_notifications": lambda: notify.unread_count(current_user)}


# --- the cart ---------------------------------------------------------------------------------------------------


@bp.post("/cart/add/<int:listing_id>")
@allow(Role.BUYER)
def add_to_cart(listing_id):
    listing = object_or_404(Listing, listing_id, may_view_listing)
    form = CartQuantityForm()
    if not form.validate():
        for error in form.quantity.errors:
            flash(error, "danger")
        return redirect(url_for("catalog.listing_detail", listing_id=listing.id))
    try:
        services.put_in_cart(current_user, listing, form.quantity.data)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("catalog.listing_detail", listing_id=listing.id))
    flash(_l("In your cart: %(title)s.", title=listing.title), "success")
    return redirect(url_for("orders.cart"))


@bp.get("/cart")
@allow(Role.BUYER)
def cart():
    cart = services.cart_of(current_user)
    return render_template("orders/cart.html", cart=cart, button_form=EmptyForm())


def _own_cart_item(item_id):
    return object_or_404(CartItem, item_id, services.is_own_cart_item)


@bp.post("/cart/<int:item_id>")
@allow(Role.BUYER)
def update_cart_line(item_id):
    item = _own_cart_item(item_id)
    form = CartQuantityForm()
    if form.validate():
        try:
            services.update_cart(current_user, {item.id: form.quantity.data})
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("Cart updated."), "success")
    else:
        for error in form.quantity.errors:
            flash(_l("%(title)s: %(reason)s", title=item.listing.title, reason=error), "danger")
    return redirect(url_for("orders.cart"))


@bp.post("/cart/<int:item_id>/remove")
@allow(Role.BUYER)
def remove_cart_line(item_id):
    item = _own_cart_item(item_id)
    if EmptyForm().validate():
        title = item.listing.title
        services.remove_from_cart(current_user, item.id)
        flash(_l("Removed from your cart: %(title)s.", title=title), "info")
    return redirect(url_for("orders.cart"))


@bp.post("/cart/prices-seen")
@allow(Role.BUYER)
def accept_cart_prices():
    if EmptyForm().validate():
        try:
            services.update_cart(current_user, {})
        except DomainError as error:
            flash(error.message, "danger")
    return redirect(url_for("orders.cart"))


# --- checkout ---------------------------------------------------------------------------------------------------


def _choices_of(form, sellers):
    return {
        seller.id: services.DeliveryChoice(form.method_field(seller.id).data, form.address_field(seller.id).data)
        for seller in sellers
    }


@bp.route("/checkout", methods=["GET", "POST"])
@allow(Role.BUYER)
def checkout():
    """Choose delivery per IKM (GET, or POST back from review), review the orders (POST step=review), then confirm
    (POST step=confirm). Nothing is written before the confirmation."""
    cart = services.cart_of(current_user)
    # A POST is a review unless it says otherwise ("confirm", or "edit" back to the choices).
    step = request.form.get("step", "review") if request.method == "POST" else None
    # A confirmation sent again after it emptied the cart still reaches the service, which knows it as a replay.
    if not cart.groups and step != "confirm":
        flash(_l("Your cart is empty."), "info")
        return redirect(url_for("orders.cart"))
    sellers = [group.seller for group in cart.groups]
    addresses = services.addresses_of(current_user.organization_id)
    tariffs = services.tariffs_for(seller.sentra_id for seller in sellers)
    form = checkout_form_for(sellers, addresses, request.form if request.method == "POST" else None)
    context = {"cart": cart, "form": form, "addresses": addresses, "tariffs": tariffs}
    valid = step in ("review", "confirm") and form.validate()
    if step == "confirm" and not valid:
        # The choices the buyer confirmed no longer hold (an address archived meanwhile, say): back to them.
        flash(_l("Something you chose is no longer available: check your choices and review again."), "warning")
    if valid:
        choices = _choices_of(form, sellers)
        if step == "confirm":
            try:
                placed = services.place_checkout(
                    current_user,
                    choices,
                    form.po_number.data,
                    form.note.data,
                    form.fingerprint.data,
                    form.submission_token.data,
                )
            except DuplicateSubmission as duplicate:
                made = duplicate.made(Checkout)
                return already_sent(
                    url_for("orders.buyer_checkout", checkout_id=made) if made else url_for("orders.buyer_checkouts")
                )
            except services.PricesChanged as error:
                flash(error.message, "warning")
            except DomainError as error:
                flash(error.message, "danger")
                if not cart.groups:
                    return redirect(url_for("orders.cart"))
                return render_template("orders/checkout.html", **context), 409
            else:
                flash(_l("Order placed: pay before the deadline so the IKMs can start."), "success")
                return redirect(url_for("orders.buyer_checkout", checkout_id=placed.id))
        try:
            plan = services.plan_checkout(current_user, choices, cart=cart)
        except DomainError as error:
            show_error(form, error)
            return render_template("orders/checkout.html", **context), 409
        changed = step == "confirm"  # here only when the prices changed: the buyer looks again
        form.fingerprint.data = plan.fingerprint
        return render_template("orders/checkout_review.html", plan=plan, changed=changed, **context)
    return render_template("orders/checkout.html", **context)


# --- the buyer's checkouts and orders ---------------------------------------------------------------------------


@bp.get("/checkouts")
@allow(Role.BUYER)
def buyer_checkouts():
    form, filters = _filters(CHECKOUT_STATES)
    pagination = services.buyer_checkouts(current_user.organization_id, filters, page_arg())
    return render_template("orders/checkouts.html", form=form, pagination=pagination)


@bp.get("/checkouts/<int:checkout_id>")
@allow(Role.BUYER)
def buyer_checkout(checkout_id):
    checkout = object_or_404(Checkout, checkout_id, services.is_own_checkout)
    services.catch_up_checkout(checkout)
    checkout = services.checkout_for_page(checkout_id)
    return render_template("orders/checkout_detail.html", checkout=checkout)


def _filters(machine=ORDER_STATES):
    form = OrderFilterForm(formdata=request.args)
    form.set_statuses(machine)
    if request.args and not form.validate():
        return form, services.OrderFilters()
    return form, services.OrderFilters(
        status=form.status.data or None, date_from=form.date_from.data, date_to=form.date_to.data
    )


def _order_list(side, find, owner_id):
    form, filters = _filters()
    pagination = find(owner_id, filters, page_arg())
    return render_template("orders/orders.html", form=form, pagination=pagination, side=side)


@bp.get("/orders")
@allow(Role.BUYER)
def buyer_orders():
    return _order_list("buyer", services.buyer_orders, current_user.organization_id)


@bp.get("/seller/orders")
@allow(Role.SELLER)
def seller_orders():
    return _order_list("seller", services.seller_orders, current_user.organization_id)


@bp.get("/coordinator/orders")
@allow(Role.COORDINATOR)
def coordinator_orders():
    return _order_list("coordinator", services.sentra_orders, current_user.sentra_id)


# --- one order ----------------------------------------------------------------------------------------------------


def _order_of(order_id):
    order = services.order_for_page(order_id)
    if order is None or not services.may_act(current_user, order):
        abort(404)
    return order


def _order_page(order, status=200, action_form=None, review_form=None, decline_form=None):
    return (
        render_template(
            "orders/order.html",
            order=order,
            action_form=action_form or OrderActionForm(formdata=None),
            review_form=review_form or ReviewForm(formdata=None),
            decline_form=decline_form or DeclineShareForm(formdata=None),
            may_decline=sentra_orders.may_decline(current_user, order),
            decline_deadline=sentra_orders.decline_deadline(order),
            button_form=EmptyForm(),
            actions=services.page_actions(order, current_user),
            has_invoice=documents.has_invoice(order),
            has_delivery_note=documents.has_delivery_note(order),
        ),
        status,
    )


@bp.get("/orders/<int:order_id>")
@allow(Role.BUYER, Role.SELLER, Role.COORDINATOR)
def order_detail(order_id):
    order = _order_of(order_id)
    if order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        services.catch_up_order(order)
        order = _order_of(order_id)  # the commit expired what was loaded: load it again, in the page's queries
    return _order_page(order)


@bp.post("/orders/<int:order_id>/action")
@allow(Role.BUYER, Role.SELLER, Role.COORDINATOR)
def order_action(order_id):
    order = services.order_for_page(order_id)
    if order is None:
        abort(404)
    if not services.may_act(current_user, order):
        abort(403)  # somebody else's order: refused, nothing changes
    form = OrderActionForm()
    if not form.validate():
        return _order_page(order, action_form=form)
    try:
        services.act_on_order(current_user, order, form.action.data, form.reason.data, form.delivery_note_number.data)
    except InvalidTransition as error:
        flash(error.message, "danger")
        return _order_page(services.order_for_page(order_id), 409)
    except DomainError as error:
        show_error(form, error, fallback="reason")
        return _order_page(services.order_for_page(order_id), action_form=form)
    flash(_l("Order %(number)s: %(status)s.", number=order.number, status=ORDER_STATES.label(order.status)), "success")
    return redirect(url_for("orders.order_detail", order_id=order.id))


@bp.post("/orders/<int:order_id>/decline")
@allow(Role.SELLER)
def decline_share(order_id):
    """The IKM declines its share of a sentra order, with a reason."""
    order = _order_of(order_id)
    form = DeclineShareForm()
    if not form.validate():
        return _order_page(order, decline_form=form)
    try:
        sentra_orders.decline_share(current_user, order, form.reason.data)
    except DomainError as error:
        show_error(form, error, fallback="reason")
        return _order_page(services.order_for_page(order_id), decline_form=form)
    flash(_l("You declined this share: its quantity goes to the other IKMs and the buyer is told."), "success")
    return redirect(url_for("orders.order_detail", order_id=order_id))


@bp.post("/orders/<int:order_id>/review")
@allow(Role.BUYER)
def review_order(order_id):
    order = _order_of(order_id)
    form = ReviewForm()
    if form.validate():
        try:
            services.review_order(current_user, order, int(form.rating.data), form.comment.data)
        except DomainError as error:
            show_error(form, error, fallback="rating")
        else:
            flash(_l("Thank you: your review is on the IKM's page."), "success")
            return redirect(url_for("orders.order_detail", order_id=order.id))
    return _order_page(order, review_form=form)


@bp.post("/orders/<int:order_id>/reorder")
@allow(Role.BUYER)
def reorder(order_id):
    order = _order_of(order_id)
    if EmptyForm().validate():
        result = services.reorder(current_user, order)
        if result.added:
            flash(_l("Back in your cart: %(titles)s.", titles=", ".join(result.added)), "success")
        for title, reason in result.skipped:
            flash(_l("%(title)s: %(reason)s", title=title, reason=reason), "warning")
    return redirect(url_for("orders.cart"))


# --- notifications ----------------------------------------------------------------------------------------------


@bp.get("/notifications")
@allow(Role.BUYER, Role.SELLER, Role.COORDINATOR)
def notifications():
    pagination = notify.notifications_of(current_user, page_arg())
    return render_template(
        "orders/notifications.html",
        pagination=pagination,
        text_of=notify.notification_text,
        button_form=EmptyForm(),
    )


@bp.post("/notifications/read")
@allow(Role.BUYER, Role.SELLER, Role.COORDINATOR)
def read_notifications():
    if EmptyForm().validate():
        notify.mark_all_read(current_user)
    return redirect(url_for("orders.notifications"))
