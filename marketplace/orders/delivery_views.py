"""The buyer companies' delivery addresses and the sentras' delivery tariffs: pages."""

from flask import redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marketplace.catalog.models import ProductType
from marketplace.core.access import allow, object_or_404
from marketplace.core.errors import DomainError
from marketplace.core.flashing import flash
from marketplace.core.forms import show_error, values_of
from marketplace.core.roles import Role
from marketplace.core.submissions import DuplicateSubmission, already_sent
from marketplace.extensions import db
from marketplace.orders import bp, delivery, services
from marketplace.orders.delivery_forms import AddressForm, NewAddressForm, delivery_tariff_form_for
from marketplace.orders.forms import EmptyForm
from marketplace.orders.models import DeliveryAddress

# --- a buyer company's addresses --------------------------------------------------------------------------------


@bp.get("/addresses")
@allow(Role.BUYER)
def addresses():
    rows = services.addresses_of(current_user.organization_id)
    return render_template(
        "orders/addresses.html", addresses=rows, limit=delivery.MAX_ADDRESSES, full=len(rows) >= delivery.MAX_ADDRESSES
    )


@bp.route("/addresses/new", methods=["GET", "POST"])
@allow(Role.BUYER)
def new_address():
    form = NewAddressForm()
    if form.validate_on_submit():
        try:
            address = delivery.create_address(
                current_user,
                values_of(form, delivery.AddressDetails),
                submission_token=form.submission_token.data,
            )
        except DuplicateSubmission:
            return already_sent(url_for("orders.addresses"))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_l("Address saved: %(label)s.", label=address.label), "success")
            return redirect(url_for("orders.addresses"))
    return render_template("orders/address_form.html", form=form, address=None)


@bp.route("/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@allow(Role.BUYER)
def edit_address(address_id):
    address = object_or_404(DeliveryAddress, address_id, services.is_own_address)
    form = AddressForm(obj=address)
    if form.validate_on_submit():
        try:
            delivery.update_address(current_user, address, values_of(form, delivery.AddressDetails))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_l("Address saved: %(label)s.", label=address.label), "success")
            return redirect(url_for("orders.addresses"))
    return render_template("orders/address_form.html", form=form, address=address)


@bp.post("/addresses/<int:address_id>/archive")
@allow(Role.BUYER)
def archive_address(address_id):
    address = object_or_404(DeliveryAddress, address_id, services.is_own_address)
    if EmptyForm().validate():
        label = address.label
        delivery.archive_address(current_user, address)
        flash(_l("Address archived: %(label)s. Orders placed with it keep their copy.", label=label), "success")
    return redirect(url_for("orders.addresses"))


# --- the sentra's delivery tariff -------------------------------------------------------------------------------

EXAMPLE_QUANTITY = 100


def _example(tariff, product_types):
    """(product type, quantity, fee) for the page's worked example: a product type with a fee per unit if any."""
    if tariff is None or not product_types:
        return None
    product_type = next((pt for pt in product_types if tariff.fee_per_unit(pt.id)), product_types[0])
    return product_type, EXAMPLE_QUANTITY, delivery.example_fee_idr(tariff, product_type.id, EXAMPLE_QUANTITY)


@bp.route("/coordinator/delivery-tariff", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def delivery_tariff():
    product_types = db.session.scalars(select(ProductType).order_by(ProductType.name)).all()
    tariff = delivery.tariff_of(current_user.sentra_id)
    form = delivery_tariff_form_for(product_types, str(get_locale()))
    if not form.is_submitted():
        form.fill(tariff)
    if form.validate_on_submit():
        try:
            delivery.save_tariff(current_user, form.base_fee_idr.data, form.fees_per_unit())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_l("Delivery tariff saved: checkout charges it from now on."), "success")
            return redirect(url_for("orders.delivery_tariff"))
    return render_template(
        "orders/delivery_tariff.html",
        form=form,
        sentra=current_user.sentra,
        tariff=tariff,
        product_types=product_types,
        example=_example(tariff, product_types),
        changed_by=delivery.last_changed_by(tariff),
    )
