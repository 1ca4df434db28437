"""Order documents (invoice, delivery note) as PDF: pages.

Whoever may see the order (its buyer company, its IKM, its sentra's coordinator) may download them; before a
document exists for an order (no invoice before payment, no delivery note before the IKM accepted), its link is a 404
like somebody else's order."""

from flask import abort, make_response
from flask_login import current_user

from marketplace.core.access import allow
from marketplace.core.roles import Role
from marketplace.orders import bp, documents, services


def _document_order(order_id, exists):
    order = services.order_for_page(order_id)
    if order is None or not services.may_act(current_user, order) or not exists(order):
        abort(404)
    return order


def _pdf(content, filename):
    response = make_response(content)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/orders/<int:order_id>/invoice.pdf")
@allow(Role.BUYER, Role.SELLER, Role.COORDINATOR)
def invoice_pdf(order_id):
    order = _document_order(order_id, documents.has_invoice)
    return _pdf(documents.invoice_pdf(order), f"faktur-{order.number}.pdf")


@bp.get("/orders/<int:order_id>/delivery-note.pdf")
@allow(Role.BUYER, Role.SELLER, Role.COORDINATOR)
def delivery_note_pdf(order_id):
    order = _document_order(order_id, documents.has_delivery_note)
    return _pdf(documents.delivery_note_pdf(order), f"surat-jalan-{order.number}.pdf")
