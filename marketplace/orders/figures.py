"""Orders' answer to what the competition monitor asks (marketplace/pricing/order_figures.py), installed at app
start."""

from decimal import Decimal

from sqlalchemy import case, func, select

from marketplace.accounts.models import Organization
from marketplace.extensions import db
from marketplace.orders.models import Order, OrderLine, OrderStatus
from marketplace.pricing.order_figures import SellerSales, SentraOrderShares, install_order_figures


class CompletedOrderFigures:
    def completed_sales(self, sentra_id, product_type_id, since, until):
        rows = db.session.execute(
            select(
                Organization.id,
                Organization.name,
                func.sum(OrderLine.quantity),
                func.sum(OrderLine.line_total_idr),
            )
            .select_from(Order)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Organization, Organization.id == Order.seller_organization_id)
            .where(
                Order.sentra_id == sentra_id,
                Order.status == OrderStatus.COMPLETED,
                Order.completed_at.between(since, until),
                OrderLine.product_type_id == product_type_id,
            )
            .group_by(Organization.id, Organization.name)
            .order_by(Organization.id)
        ).all()
        return [SellerSales(org_id, name, quantity, int(revenue)) for org_id, name, quantity, revenue in rows]

    def sentra_order_shares(self, sentra_id, product_type_id, since, until):
        got = Order.status.not_in(OrderStatus.NOT_TAKEN)
        rows = db.session.execute(
            select(
                Organization.id,
                Organization.name,
                func.coalesce(func.sum(case((got, OrderLine.quantity), else_=0)), 0),
                func.count(func.distinct(case((Order.status == OrderStatus.REJECTED, Order.id)))),
            )
            .select_from(Order)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Organization, Organization.id == Order.seller_organization_id)
            .where(
                Order.sentra_id == sentra_id,
                Order.sentra_order_id.is_not(None),
                Order.created_at.between(since, until),
                OrderLine.product_type_id == product_type_id,
            )
            .group_by(Organization.id, Organization.name)
            .order_by(Organization.id)
        ).all()
        return [
            SentraOrderShares(org_id, name, Decimal(quantity), declines) for org_id, name, quantity, declines in rows
        ]


def install(app):
    install_order_figures(app, CompletedOrderFigures())
