"""Telling the other side of an order that it moved: a mail through the outbox and a line in the bell list.

Who hears of a move: the side that did not make it (the buyer's company when the IKM acts, the IKM when the buyer
acts, both when the coordinator or the system does); a dispute also reaches the sentra's coordinators. Written in
the transaction of the move, so a move and its news are saved together or not at all."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import User
from marketplace.accounts.services import coordinators_of, mail_coordinators, mail_organization
from marketplace.core.outbox import external_url
from marketplace.core.roles import Role
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import operation
from marketplace.extensions import db
from marketplace.orders.models import Notification, OrderStatus

BUYER, SELLER, COORDINATOR = "buyer", "seller", "coordinator"

# A move the system makes (actor None) is news for these sides.
_SYSTEM_AUDIENCE = {
    OrderStatus.PAID: (BUYER, SELLER),
    OrderStatus.COMPLETED: (BUYER, SELLER),
}


def audience(order, to_status, actor):
    """The sides that hear of a move of `order` to `to_status` made by `actor` (None: the system)."""
    role = getattr(actor, "role", None)
    if to_status == OrderStatus.CANCELLED and order.paid_at is None:
        # Never paid, so never the IKM's to handle: only the buyer hears, and only when the clock cancelled it.
        return [BUYER] if role is None else []
    if role == Role.BUYER:
        sides = [SELLER]
    elif role == Role.SELLER:
        sides = [BUYER]
    elif role is None:
        sides = list(_SYSTEM_AUDIENCE.get(to_status, (BUYER, SELLER)))
    else:
        sides = [BUYER, SELLER]
    if to_status == OrderStatus.DISPUTED:
        sides.append(COORDINATOR)
    return sides


def _members(organization_id):
    return db.session.scalars(
        select(User).where(User.organization_id == organization_id, User.deactivated_at.is_(None))
    ).all()


def tell_of_move(order, to_status, actor):
    """Mail and notify each side that should hear of the move (see `audience`)."""
    for side in audience(order, to_status, actor):
        if side == COORDINATOR:
            users = coordinators_of(order.sentra_id)
            mail_coordinators(
                order.sentra_id,
                _move_subject(order, to_status),
                "order_moved",
                order=order,
                to_status=to_status,
                link=external_url("orders.order_detail", order_id=order.id),
            )
        else:
            organization = order.buyer_organization if side == BUYER else order.seller_organization
            users = _members(organization.id)
            mail_organization(
                organization,
                _move_subject(order, to_status),
                "order_moved",
                order=order,
                to_status=to_status,
                link=external_url("orders.order_detail", order_id=order.id),
            )
        db.session.add_all(Notification(user_id=user.id, order_id=order.id, status=to_status) for user in users)


_SUBJECTS = {
    OrderStatus.PAID: lambda number: _l("Order %(number)s is paid", number=number),
    OrderStatus.ACCEPTED: lambda number: _l("Order %(number)s was accepted", number=number),
    OrderStatus.READY: lambda number: _l("Order %(number)s is ready", number=number),
    OrderStatus.SHIPPED: lambda number: _l("Order %(number)s was shipped", number=number),
    OrderStatus.DELIVERED: lambda number: _l("Order %(number)s was delivered", number=number),
    OrderStatus.COMPLETED: lambda number: _l("Order %(number)s is completed", number=number),
    OrderStatus.CANCELLED: lambda number: _l("Order %(number)s was cancelled", number=number),
    OrderStatus.REJECTED: lambda number: _l("Order %(number)s was rejected", number=number),
    OrderStatus.DISPUTED: lambda number: _l("A problem was reported with order %(number)s", number=number),
    OrderStatus.REFUNDED: lambda number: _l("Order %(number)s was refunded", number=number),
}


def _move_subject(order, to_status):
    # Lazy, with its number: translated in the language of the mail it heads (enqueue_mail renders under the
    # recipient's locale) or of the page that lists it, not in the language of the person who made the move.
    return _SUBJECTS[to_status](order.number)


def notification_text(notification):
    """The line the bell list shows, in the reader's language."""
    return _move_subject(notification.order, notification.status)


def unread_count(user):
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_of(user, page, per_page=30):
    """One page of the user's notifications, newest first, with their orders (two queries)."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(joinedload(Notification.order))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@operation
def mark_all_read(user):
    """The user has seen every notification up to now."""
    return db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
