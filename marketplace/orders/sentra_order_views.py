"""Sentra-order pages: the buyer's "order from the sentra" (the proposed split, why, and the confirmation), the list
and page of sentra orders for the buyer and the coordinator. The IKM declines its share on its order's page
(views.py)."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marketplace.accounts.models import Sentra
from marketplace.core.access import allow, object_or_404
from marketplace.core.errors import DomainError
from marketplace.core.flashing import flash
from marketplace.core.forms import show_error
from marketplace.core.roles import Role
from marketplace.core.routing import page_arg
from marketplace.core.submissions import DuplicateSubmission, already_sent
from marketplace.extensions import db
from marketplace.orders import bp, sentra_orders, services
from marketplace.orders.forms import SentraOrderConfirmForm, SentraOrderForm
from marketplace.orders.models import CHECKOUT_STATES, ORDER_STATES, SentraOrder


def _sentra(slug):
    return db.session.scalar(select(Sentra).where(Sentra.slug == slug)) or abort(404)


def _request_of(form):
    return sentra_orders.SentraOrderRequest(
        product_type_id=form.product_type.data,
        quantity=form.quantity.data,
        method=form.method.data,
        address_id=form.address.data,
        po_number=form.po_number.data or "",
        note=form.note.data or "",
    )


def _order_page(sentra, form, plan=None, confirm_form=None, status=200):
    return (
        render_template(
            "orders/sentra_order_new.html",
            sentra=sentra,
            form=form,
            plan=plan,
            confirm_form=confirm_form,
        ),
        status,
    )


def _forms(sentra, formdata, form_class=SentraOrderForm):
    product_types = sentra_orders.orderable_product_types(sentra.id)
    addresses = services.addresses_of(current_user.organization_id)
    # Looking at a split is a GET that writes nothing: no CSRF token to check there.
    form = form_class(formdata=formdata, meta={} if form_class is SentraOrderConfirmForm else {"csrf": False})
    form.set_choices(product_types, addresses, str(get_locale()))
    return form


def _confirm_form_for(plan):
    """The confirmation's token and fingerprint; the values it sends again are the looked-at form's (the page copies
    them into hidden fields)."""
    confirm = SentraOrderConfirmForm(formdata=None)
    confirm.fingerprint.data = plan.fingerprint
    return confirm


@bp.get("/sentra/<slug>/order")
@allow(Role.BUYER)
def new_sentra_order(slug):
    """Order from the sentra: the form; with its values (a GET: nothing is written), the split the allocator proposes
    and why, and the confirmation."""
    sentra = _sentra(slug)
    looked = "quantity" in request.args
    form = _forms(sentra, request.args if looked else None)
    if not looked:
        form.product_type.data = request.args.get("product_type", type=int)
        return _order_page(sentra, form)
    if not form.validate():
        return _order_page(sentra, form)
    try:
        plan = sentra_orders.plan_sentra_order(current_user, sentra, _request_of(form))
    except DomainError as error:
        show_error(form, error, fallback="quantity")
        return _order_page(sentra, form)
    return _order_page(sentra, form, plan, _confirm_form_for(plan))


@bp.post("/sentra/<slug>/order")
@allow(Role.BUYER)
def place_sentra_order(slug):
    sentra = _sentra(slug)
    form = _forms(sentra, request.form, SentraOrderConfirmForm)
    if not form.validate():
        return _order_page(sentra, form)
    data = _request_of(form)
    try:
        placed = sentra_orders.place_sentra_order(
            current_user,
            sentra,
            data,
            form.fingerprint.data,
            form.accept_partial.data,
            form.submission_token.data,
        )
    except DuplicateSubmission as duplicate:
        made = duplicate.made(SentraOrder)
        return already_sent(
            url_for("orders.sentra_order_detail", sentra_order_id=made) if made else url_for("orders.sentra_order_list")
        )
    except DomainError as error:
        return _refused(sentra, data, error)
    flash(
        _l("Sentra order %(number)s placed: pay before the deadline so the IKMs can start.", number=placed.number),
        "success",
    )
    return redirect(url_for("payments.pay_checkout", checkout_id=placed.rounds[0].checkout_id))


def _refused(sentra, data, error):
    """The confirmation refused: the split as it stands now, to look at again. A split that changed meanwhile (another
    order took the stock) is a conflict, said above it (409); the buyer's own answer that is missing (the yes to a
    partial quantity) or no longer fits is said beside its field."""
    changed = isinstance(error, sentra_orders.SplitChanged)
    status = 409 if changed else 200
    look = _forms(sentra, request.form)
    try:
        plan = sentra_orders.plan_sentra_order(current_user, sentra, data)
    except DomainError as again:
        show_error(look, again, fallback="quantity")
        return _order_page(sentra, look, status=status)
    confirm = _confirm_form_for(plan)
    if changed:
        flash(error.message, "warning")
    else:
        show_error(confirm if error.field == "accept_partial" else look, error, fallback="quantity")
    return _order_page(sentra, look, plan, confirm, status=status)


@bp.get("/sentra-orders")
@allow(Role.BUYER, Role.COORDINATOR)
def sentra_order_list():
    if current_user.role == Role.BUYER:
        pagination = sentra_orders.sentra_orders_page(page_arg(), buyer_organization_id=current_user.organization_id)
    else:
        pagination = sentra_orders.sentra_orders_page(page_arg(), sentra_id=current_user.sentra_id)
    return render_template("orders/sentra_orders.html", pagination=pagination)


@bp.get("/sentra-orders/<int:sentra_order_id>")
@allow(Role.BUYER, Role.COORDINATOR)
def sentra_order_detail(sentra_order_id):
    object_or_404(SentraOrder, sentra_order_id, sentra_orders.may_view_sentra_order)
    sentra_order = sentra_orders.sentra_order_for_page(sentra_order_id)
    orders = sentra_orders.orders_of(sentra_order)
    return render_template(
        "orders/sentra_order.html",
        sentra_order=sentra_order,
        orders=orders,
        allocated=sentra_orders.allocated_quantity(orders),
        order_states=ORDER_STATES,
        checkout_states=CHECKOUT_STATES,
    )
