"""An order's life: payment or expiry, the moves each side may make from each status (and nothing else), stock and
money back when a paid order ends unfulfilled, automatic confirmation, who may act, who hears of it, reviews and
reorders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.catalog import services as catalog
from marketplace.core.errors import InvalidTransition
from marketplace.core.models import AuditEntry, OutboxMessage
from marketplace.core.reasons import ReasonTooShort
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders import payment, services
from marketplace.orders.models import Checkout, Notification, Order, OrderEvent, OrderStatus, Review, Shipment
from marketplace.orders.payment import CheckoutNotPayable
from marketplace.orders.services import OrderRefused
from tests import factories
from tests.helpers import table_counts
from tests.orders.test_checkout_rules import add_ikm, cart_rows, english, place, stock_of

REASON = "Alasan uji coba"
NOTE_NUMBER = "SJ-2026-0001"


@pytest.fixture
def trade(catalog_world, db):
    """UD Approved sells 100 m² of paving (minimum 1) and 50 of a second product; the buyer company has two users."""
    w = catalog_world
    w.listing = factories.make_listing(
        w.ikm,
        w.product_type,
        title="Paving K-300 UD Approved",
        stock=Decimal("100"),
        min_order=Decimal("1"),
        index=False,
    )
    w.second_type = factories.make_product_type(w.category, slug="paving-k400", name="Paving block K-400")
    factories.make_schedule(w.jombang, w.second_type, floor=50_000, reference=95_000, ceiling=150_000)
    w.second = factories.make_listing(
        w.ikm,
        w.second_type,
        title="Paving K-400 UD Approved",
        price_idr=95_000,
        stock=Decimal("50"),
        min_order=Decimal("1"),
        index=False,
    )
    db.session.commit()
    return w


def order_in(w, status, quantity=10):
    """A real order of `quantity` of w.listing by w.buyer, moved on to `status` by the services."""
    return factories.make_order(
        w.buyer, w.listing, quantity=quantity, status=status, seller=w.seller, coordinator=w.coordinator
    )


def fresh(order):
    db.session.expire_all()
    return db.session.get(Order, order.id)


def last_event(order):
    return db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id.desc())
    ).first()


def audit_actions(order):
    return db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "Order", AuditEntry.object_id == order.id)
        .order_by(AuditEntry.id)
    ).all()


def refund_entries(order):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "order.refund_due", AuditEntry.object_id == order.id)
    ).all()


def pay(checkout, moment=None):
    return payment.mark_checkout_paid(checkout.id, reference="BCA-123", moment=moment)


# --- the transition table ----------------------------------------------------------------------------------------

# Who takes each action, and the moves the issue allows: (status, action) -> the status it leads to.
ACTORS = {
    "cancel": "buyer",
    "confirm_receipt": "buyer",
    "dispute": "buyer",
    "accept": "seller",
    "reject": "seller",
    "mark_ready": "seller",
    "ship": "seller",
    "mark_delivered": "seller",
    "resolve_completed": "coordinator",
    "resolve_refunded": "coordinator",
}
ALLOWED = {
    ("awaiting_payment", "cancel"): "cancelled",
    ("paid", "cancel"): "cancelled",
    ("paid", "accept"): "accepted",
    ("paid", "reject"): "rejected",
    ("accepted", "mark_ready"): "ready",
    ("ready", "ship"): "shipped",
    ("shipped", "mark_delivered"): "delivered",
    ("shipped", "confirm_receipt"): "completed",
    ("delivered", "confirm_receipt"): "completed",
    ("shipped", "dispute"): "disputed",
    ("delivered", "dispute"): "disputed",
    ("disputed", "resolve_completed"): "completed",
    ("disputed", "resolve_refunded"): "refunded",
}
REFUSED = [(status, name) for status in OrderStatus.ALL for name in ACTORS if (status, name) not in ALLOWED]


@pytest.mark.parametrize("status, action_name", sorted(ALLOWED), ids=[f"{s}-{a}" for s, a in sorted(ALLOWED)])
def test_an_allowed_action_moves_the_order_and_writes_its_event_with_actor_and_note(trade, status, action_name):
    order = order_in(trade, status)
    actor = getattr(trade, ACTORS[action_name])
    services.act_on_order(actor, order, action_name, reason=REASON, delivery_note_number=NOTE_NUMBER)
    target = ALLOWED[(status, action_name)]
    assert fresh(order).status == target
    event = last_event(order)
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (status, target, actor.id, REASON)
    assert audit_actions(order)[-1] in (f"order.{action_name}", "order.refund_due")


@pytest.mark.parametrize("status, action_name", REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_an_action_not_allowed_from_a_status_is_refused_and_changes_nothing(trade, status, action_name):
    order = order_in(trade, status)
    actor = getattr(trade, ACTORS[action_name])
    before, stock_before = table_counts(), stock_of(trade.listing.id)
    with pytest.raises(InvalidTransition):
        services.act_on_order(actor, order, action_name, reason=REASON, delivery_note_number=NOTE_NUMBER)
    assert fresh(order).status == status
    assert table_counts() == before
    assert stock_of(trade.listing.id) == stock_before


WRONG_ROLES = [
    (name, role) for name, right in ACTORS.items() for role in ("buyer", "seller", "coordinator") if role != right
]


@pytest.mark.parametrize("action_name, role", WRONG_ROLES, ids=[f"{a}-by-{r}" for a, r in WRONG_ROLES])
def test_an_action_of_another_role_is_refused_even_from_its_own_status(trade, action_name, role):
    status = next(s for (s, a) in ALLOWED if a == action_name)
    order = order_in(trade, status)
    before = table_counts()
    with pytest.raises(InvalidTransition):
        services.act_on_order(getattr(trade, role), order, action_name, reason=REASON, delivery_note_number=NOTE_NUMBER)
    assert fresh(order).status == status
    assert table_counts() == before


def test_an_action_no_page_offers_is_refused(trade):
    order = order_in(trade, "paid")
    with pytest.raises(InvalidTransition):
        services.act_on_order(trade.seller, order, "bogus")
    assert fresh(order).status == "paid"


def test_every_user_of_the_buyer_company_may_act_on_its_orders(trade):
    order = order_in(trade, "shipped")
    services.act_on_order(trade.buyer_colleague, order, "confirm_receipt")
    assert fresh(order).status == "completed"


# --- reasons, stock and money back -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, action_name",
    [
        ("paid", "reject"),
        ("paid", "cancel"),
        ("shipped", "dispute"),
        ("disputed", "resolve_completed"),
        ("disputed", "resolve_refunded"),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   ok  "], ids=["none", "empty", "short"])
def test_an_action_that_needs_a_reason_is_refused_without_one(trade, status, action_name, reason):
    order = order_in(trade, status)
    before = table_counts()
    with pytest.raises(ReasonTooShort):
        services.act_on_order(getattr(trade, ACTORS[action_name]), order, action_name, reason=reason)
    assert fresh(order).status == status
    assert table_counts() == before


def test_a_rejected_order_returns_its_stock(trade):
    order = order_in(trade, "paid", quantity=12)
    assert stock_of(trade.listing.id) == Decimal("88")
    services.act_on_order(trade.seller, order, "reject", reason="Mesin press rusak")
    assert stock_of(trade.listing.id) == Decimal("100")


def test_a_rejected_order_records_the_refund_of_its_total(trade):
    order = order_in(trade, "paid")
    services.act_on_order(trade.seller, order, "reject", reason="Mesin press rusak")
    order = fresh(order)
    assert order.refund_due_idr == order.total_idr == 850_000
    (entry,) = refund_entries(order)
    assert (entry.actor_id, entry.after, entry.note) == (
        trade.seller.id,
        {"refund_due_idr": 850_000},
        "Mesin press rusak",
    )


def test_the_reason_of_a_rejection_is_kept_on_the_order(trade):
    order = order_in(trade, "paid")
    services.act_on_order(trade.seller, order, "reject", reason="  Mesin press rusak ")
    assert fresh(order).status_reason == "Mesin press rusak"


def test_a_buyer_cancelling_after_payment_is_refunded_and_the_stock_returns(trade):
    order = order_in(trade, "paid", quantity=12)
    services.act_on_order(trade.buyer, order, "cancel", reason="Proyek ditunda")
    order = fresh(order)
    assert (order.status, order.refund_due_idr) == ("cancelled", order.total_idr)
    assert len(refund_entries(order)) == 1
    assert stock_of(trade.listing.id) == Decimal("100")


def test_a_buyer_cancelling_before_payment_returns_the_stock_and_owes_no_refund(trade):
    order = order_in(trade, "awaiting_payment", quantity=12)
    services.act_on_order(trade.buyer, order, "cancel", reason="Salah pesan")
    order = fresh(order)
    assert (order.status, order.refund_due_idr, refund_entries(order)) == ("cancelled", 0, [])
    assert stock_of(trade.listing.id) == Decimal("100")


def test_cancelling_the_only_order_of_an_unpaid_checkout_cancels_the_checkout(trade):
    order = order_in(trade, "awaiting_payment")
    services.act_on_order(trade.buyer, order, "cancel", reason="Salah pesan")
    assert fresh(order).checkout.status == "cancelled"


def _two_orders(w):
    """One unpaid checkout of two orders: UD Approved's and a neighbour's."""
    neighbour, _ = add_ikm(w.jombang, "UD Tetangga Baru")
    neighbours = factories.make_listing(
        neighbour, w.product_type, title="Paving tetangga", min_order=Decimal("1"), index=False
    )
    db.session.commit()
    services.put_in_cart(w.buyer, w.listing, Decimal("10"))
    services.put_in_cart(w.buyer, neighbours, Decimal("10"))
    checkout = place(w.buyer)
    mine = next(o for o in checkout.orders if o.seller_organization_id == w.ikm.id)
    theirs = next(o for o in checkout.orders if o.seller_organization_id == neighbour.id)
    return checkout, mine, theirs


def test_cancelling_one_of_two_unpaid_orders_leaves_the_checkout_awaiting_payment(trade):
    checkout, mine, theirs = _two_orders(trade)
    services.act_on_order(trade.buyer, mine, "cancel", reason="Salah pesan")
    db.session.expire_all()
    assert (db.session.get(Checkout, checkout.id).status, fresh(theirs).status) == (
        "awaiting_payment",
        "awaiting_payment",
    )


def test_cancelling_one_of_two_unpaid_orders_lowers_what_the_checkout_asks_to_be_paid(trade):
    # The checkout page's "To pay" (and whatever takes the money) reads checkout.total_idr: after the cancellation
    # it must be the other order's total, or the buyer pays for goods nobody will deliver and is owed no refund.
    checkout, mine, theirs = _two_orders(trade)
    services.act_on_order(trade.buyer, mine, "cancel", reason="Salah pesan")
    db.session.expire_all()
    assert db.session.get(Checkout, checkout.id).total_idr == fresh(theirs).total_idr


def test_paying_a_checkout_after_one_order_was_cancelled_pays_the_other_only(trade):
    checkout, mine, theirs = _two_orders(trade)
    services.act_on_order(trade.buyer, mine, "cancel", reason="Salah pesan")
    pay(checkout)
    assert (fresh(mine).status, fresh(theirs).status) == ("cancelled", "paid")


def test_resolving_a_dispute_as_completed_keeps_the_sale(trade):
    order = order_in(trade, "disputed", quantity=12)
    services.act_on_order(trade.coordinator, order, "resolve_completed", reason="Barang sesuai pesanan")
    order = fresh(order)
    assert (order.status, order.refund_due_idr, refund_entries(order)) == ("completed", 0, [])
    assert stock_of(trade.listing.id) == Decimal("88")


def test_resolving_a_dispute_as_refunded_returns_the_stock_and_records_the_refund(trade):
    order = order_in(trade, "disputed", quantity=12)
    services.act_on_order(trade.coordinator, order, "resolve_refunded", reason="Barang pecah")
    order = fresh(order)
    assert (order.status, order.refund_due_idr) == ("refunded", order.total_idr)
    assert len(refund_entries(order)) == 1
    assert stock_of(trade.listing.id) == Decimal("100")


# --- shipping ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [None, "", "   ", "S" * 61], ids=["none", "empty", "blank", "too-long"])
def test_shipping_needs_a_delivery_note_number(trade, number):
    order = order_in(trade, "ready")
    before = table_counts()
    with pytest.raises(OrderRefused) as refused:
        services.act_on_order(trade.seller, order, "ship", delivery_note_number=number)
    assert refused.value.field == "delivery_note_number"
    assert fresh(order).status == "ready"
    assert table_counts() == before


def test_shipping_records_a_shipment_with_its_delivery_note_number(trade):
    order = order_in(trade, "ready")
    services.act_on_order(trade.seller, order, "ship", delivery_note_number="  SJ/2026/  0042 ")
    order = fresh(order)
    shipments = db.session.scalars(select(Shipment).where(Shipment.order_id == order.id)).all()
    assert [(s.delivery_note_number, s.created_by_id) for s in shipments] == [("SJ/2026/ 0042", trade.seller.id)]
    assert (order.delivery_note_number, order.shipped_at is not None) == ("SJ/2026/ 0042", True)


# --- payment and expiry ------------------------------------------------------------------------------------------


def test_paying_a_checkout_makes_its_orders_paid(trade):
    order = order_in(trade, "awaiting_payment")
    pay(order.checkout)
    order = fresh(order)
    assert (order.status, order.checkout.status, order.checkout.payment_reference) == ("paid", "paid", "BCA-123")
    assert order.paid_at is not None


def test_paying_a_checkout_twice_changes_nothing_the_second_time(trade):
    order = order_in(trade, "awaiting_payment")
    pay(order.checkout)
    before = table_counts()
    assert pay(order.checkout).status == "paid"
    assert table_counts() == before
    assert fresh(order).status == "paid"


def test_a_checkout_past_its_payment_deadline_cannot_be_paid(trade):
    order = order_in(trade, "awaiting_payment")
    late = order.checkout.pay_by + timedelta(seconds=1)
    before = table_counts()
    with pytest.raises(CheckoutNotPayable):
        pay(order.checkout, moment=late)
    assert table_counts() == before
    assert fresh(order).checkout.status == "awaiting_payment"


def test_a_checkout_that_expired_cannot_be_paid(trade):
    order = order_in(trade, "awaiting_payment")
    services.expire_unpaid(order.checkout.pay_by + timedelta(seconds=1))
    with pytest.raises(CheckoutNotPayable):
        pay(fresh(order).checkout, moment=order.checkout.created_at)
    assert fresh(order).status == "cancelled"


def test_expiry_cancels_the_unpaid_orders_past_their_deadline_and_returns_their_stock(trade):
    checkout, mine, theirs = _two_orders(trade)
    assert services.expire_unpaid(checkout.pay_by + timedelta(seconds=1)) == 1
    assert (fresh(mine).status, fresh(theirs).status) == ("cancelled", "cancelled")
    assert stock_of(trade.listing.id) == Decimal("100")
    assert last_event(mine).actor_id is None


def test_expiry_marks_the_checkout_expired(trade):
    order = order_in(trade, "awaiting_payment")
    services.expire_unpaid(order.checkout.pay_by + timedelta(seconds=1))
    assert fresh(order).checkout.status == "expired"


def test_expiry_leaves_checkouts_within_their_deadline_alone(trade):
    order = order_in(trade, "awaiting_payment")
    assert services.expire_unpaid(order.checkout.pay_by - timedelta(seconds=1)) == 0
    assert (fresh(order).status, fresh(order).checkout.status) == ("awaiting_payment", "awaiting_payment")
    assert stock_of(trade.listing.id) == Decimal("90")


def test_expiry_leaves_paid_checkouts_alone(trade):
    order = order_in(trade, "paid")
    assert services.expire_unpaid(order.checkout.pay_by + timedelta(days=1)) == 0
    assert fresh(order).status == "paid"


def test_reading_a_checkout_past_its_deadline_expires_it(trade):
    order = order_in(trade, "awaiting_payment")
    services.catch_up_checkout(order.checkout, moment=order.checkout.pay_by + timedelta(seconds=1))
    order = fresh(order)
    assert (order.status, order.checkout.status) == ("cancelled", "expired")
    assert stock_of(trade.listing.id) == Decimal("100")


def test_reading_a_checkout_within_its_deadline_changes_nothing(trade):
    order = order_in(trade, "awaiting_payment")
    before = table_counts()
    services.catch_up_checkout(order.checkout, moment=order.checkout.pay_by - timedelta(seconds=1))
    assert table_counts() == before


def test_a_checkout_gives_back_the_stock_of_overdue_checkouts_before_it_reserves(trade):
    small = factories.make_listing(
        trade.ikm, trade.product_type, title="Stok terakhir", stock=Decimal("10"), min_order=Decimal("1"), index=False
    )
    db.session.commit()
    services.put_in_cart(trade.buyer_colleague, small, Decimal("10"))
    seen = services.plan_checkout(trade.buyer_colleague, {}).fingerprint
    services.put_in_cart(trade.buyer, small, Decimal("10"))
    first = place(trade.buyer)  # takes the last 10, and is never paid
    later = first.pay_by + timedelta(hours=1)
    second = services.place_checkout(trade.buyer_colleague, {}, "", "", seen, new_submission_token(), moment=later)
    db.session.expire_all()
    assert (db.session.get(Checkout, first.id).orders[0].status, second.orders[0].status) == (
        "cancelled",
        "awaiting_payment",
    )
    assert stock_of(small.id) == Decimal("0")


# --- automatic confirmation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["shipped", "delivered"])
def test_orders_shipped_longer_ago_than_the_confirmation_period_are_completed(trade, app, status):
    order = order_in(trade, status)
    days = app.config["AUTO_CONFIRM_DAYS"]
    assert services.auto_confirm(moment=order.shipped_at + timedelta(days=days, seconds=1)) == 1
    order = fresh(order)
    assert (order.status, last_event(order).actor_id) == ("completed", None)
    assert order.completed_at is not None


def test_orders_shipped_within_the_confirmation_period_wait_for_the_buyer(trade, app):
    order = order_in(trade, "shipped")
    days = app.config["AUTO_CONFIRM_DAYS"]
    assert services.auto_confirm(moment=order.shipped_at + timedelta(days=days, seconds=-1)) == 0
    assert fresh(order).status == "shipped"


def test_disputed_orders_are_never_confirmed_automatically(trade, app):
    order = order_in(trade, "disputed")
    assert services.auto_confirm(moment=order.shipped_at + timedelta(days=365)) == 0
    assert fresh(order).status == "disputed"


def test_reading_an_order_shipped_long_ago_confirms_it(trade, app):
    order = order_in(trade, "shipped")
    services.catch_up_order(order, moment=order.shipped_at + timedelta(days=app.config["AUTO_CONFIRM_DAYS"] + 1))
    assert fresh(order).status == "completed"


# --- who may act -------------------------------------------------------------------------------------------------


def _seller_of_another_ikm(w):
    return add_ikm(w.jombang, "UD Lain")[1]


def _buyer_of_another_company(w):
    return w.other_buyer


def _coordinator_of_another_sentra(w):
    return w.other_coordinator


@pytest.mark.parametrize(
    "status, action_name, outsider",
    [
        ("paid", "accept", _seller_of_another_ikm),
        ("paid", "reject", _seller_of_another_ikm),
        ("paid", "cancel", _buyer_of_another_company),
        ("shipped", "confirm_receipt", _buyer_of_another_company),
        ("disputed", "resolve_refunded", _coordinator_of_another_sentra),
    ],
    ids=["seller-accept", "seller-reject", "buyer-cancel", "buyer-confirm", "coordinator-resolve"],
)
def test_a_person_outside_the_order_may_not_act_on_it_and_nothing_changes(trade, status, action_name, outsider):
    order = order_in(trade, status)
    user = outsider(trade)
    db.session.commit()
    before, stock_before = table_counts(), stock_of(trade.listing.id)
    with pytest.raises(OrderRefused):
        services.act_on_order(user, order, action_name, reason=REASON, delivery_note_number=NOTE_NUMBER)
    assert fresh(order).status == status
    assert table_counts() == before
    assert stock_of(trade.listing.id) == stock_before


# --- who hears of a move -----------------------------------------------------------------------------------------


class News:
    """The notifications and mails written after it was made."""

    def __init__(self):
        self.notification = db.session.scalar(select(func.coalesce(func.max(Notification.id), 0)))
        self.mail = db.session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))

    def notified(self, order):
        return sorted(
            (n.user_id, n.status)
            for n in db.session.scalars(
                select(Notification).where(Notification.id > self.notification, Notification.order_id == order.id)
            )
        )

    def mailed(self):
        return sorted(db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.id > self.mail)))


def test_a_sellers_move_is_news_for_every_user_of_the_buyer_company(trade):
    order = order_in(trade, "paid")
    news = News()
    services.act_on_order(trade.seller, order, "accept")
    assert news.notified(order) == sorted([(trade.buyer.id, "accepted"), (trade.buyer_colleague.id, "accepted")])
    # Mail goes to the company's owners and its business address.
    assert news.mailed() == sorted([trade.buyer.email, trade.buyer_org.email])


def test_a_buyers_move_is_news_for_the_ikm(trade):
    order = order_in(trade, "shipped")
    news = News()
    services.act_on_order(trade.buyer, order, "confirm_receipt")
    assert news.notified(order) == [(trade.seller.id, "completed")]
    assert news.mailed() == sorted([trade.seller.email, trade.ikm.email])


def test_a_dispute_is_news_for_the_ikm_and_the_sentras_coordinators(trade):
    order = order_in(trade, "shipped")
    news = News()
    services.act_on_order(trade.buyer, order, "dispute", reason="Paving retak 20 buah")
    assert news.notified(order) == sorted([(trade.seller.id, "disputed"), (trade.coordinator.id, "disputed")])
    assert news.mailed() == sorted([trade.seller.email, trade.ikm.email, trade.coordinator.email])


def test_a_coordinators_decision_is_news_for_both_sides(trade):
    order = order_in(trade, "disputed")
    news = News()
    services.act_on_order(trade.coordinator, order, "resolve_refunded", reason="Barang pecah")
    assert news.notified(order) == sorted(
        [(trade.buyer.id, "refunded"), (trade.buyer_colleague.id, "refunded"), (trade.seller.id, "refunded")]
    )
    # Both sides hear of the decision; the sentra's coordinators get the refund to transfer back (payments).
    assert news.mailed() == sorted(
        [trade.buyer.email, trade.buyer_org.email, trade.seller.email, trade.ikm.email, trade.coordinator.email]
    )


def test_a_payment_is_news_for_both_sides(trade):
    order = order_in(trade, "awaiting_payment")
    news = News()
    pay(order.checkout)
    assert news.notified(order) == sorted(
        [(trade.buyer.id, "paid"), (trade.buyer_colleague.id, "paid"), (trade.seller.id, "paid")]
    )


def test_an_expiry_is_news_for_the_buyer_only(trade):
    order = order_in(trade, "awaiting_payment")
    news = News()
    services.expire_unpaid(order.checkout.pay_by + timedelta(seconds=1))
    assert news.notified(order) == sorted([(trade.buyer.id, "cancelled"), (trade.buyer_colleague.id, "cancelled")])
    assert news.mailed() == sorted([trade.buyer.email, trade.buyer_org.email])


def test_a_refused_move_tells_nobody(trade):
    order = order_in(trade, "paid")
    news = News()
    with pytest.raises(InvalidTransition):
        services.act_on_order(trade.seller, order, "mark_ready")
    assert (news.notified(order), news.mailed()) == ([], [])


# --- reviews -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", [1, 5])
def test_the_buyer_reviews_a_completed_order(trade, rating):
    order = order_in(trade, "completed")
    services.review_order(trade.buyer, order, rating, "  Rapi, tepat waktu ")
    (review,) = db.session.scalars(select(Review).where(Review.order_id == order.id)).all()
    assert (review.rating, review.comment, review.author_id, review.seller_organization_id) == (
        rating,
        "Rapi, tepat waktu",
        trade.buyer.id,
        trade.ikm.id,
    )


@pytest.mark.parametrize("status", ["paid", "shipped", "delivered", "disputed", "cancelled", "refunded"])
def test_an_order_that_is_not_completed_cannot_be_reviewed(trade, status):
    order = order_in(trade, status)
    with pytest.raises(OrderRefused):
        services.review_order(trade.buyer, order, 5, "")
    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_an_order_is_reviewed_once(trade):
    order = order_in(trade, "completed")
    services.review_order(trade.buyer, order, 5, "Bagus")
    before = table_counts()
    with pytest.raises(OrderRefused) as refused:
        services.review_order(trade.buyer_colleague, order, 1, "Jelek")
    assert english(refused.value.message) == "This order has already been reviewed."
    assert table_counts() == before


@pytest.mark.parametrize("rating", [0, 6, -1, "5", 4.5, True, None])
def test_a_rating_outside_one_to_five_is_refused(trade, rating):
    order = order_in(trade, "completed")
    with pytest.raises(OrderRefused) as refused:
        services.review_order(trade.buyer, order, rating, "")
    assert refused.value.field == "rating"
    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_another_company_may_not_review_an_order(trade):
    order = order_in(trade, "completed")
    with pytest.raises(OrderRefused):
        services.review_order(trade.other_buyer, order, 5, "")
    assert db.session.scalar(select(func.count(Review.id))) == 0


# --- reorders ----------------------------------------------------------------------------------------------------


def _two_line_order(w):
    services.put_in_cart(w.buyer, w.listing, Decimal("10"))
    services.put_in_cart(w.buyer, w.second, Decimal("4"))
    (order,) = place(w.buyer).orders
    pay(order.checkout)
    return order


def test_a_reorder_puts_the_orders_lines_back_in_the_cart(trade):
    order = _two_line_order(trade)
    result = services.reorder(trade.buyer, order)
    assert sorted(result.added) == sorted([trade.listing.title, trade.second.title])
    assert result.skipped == []
    assert sorted((row.listing_id, row.quantity) for row in cart_rows(trade.buyer)) == sorted(
        [(trade.listing.id, Decimal("10")), (trade.second.id, Decimal("4"))]
    )


def test_a_reorder_names_the_lines_that_cannot_be_had_and_adds_the_others(trade):
    order = _two_line_order(trade)
    catalog.seller_action(trade.seller, trade.second, "pause")
    result = services.reorder(trade.buyer, order)
    assert result.added == [trade.listing.title]
    assert [(title, english(reason)) for title, reason in result.skipped] == [
        (trade.second.title, "This listing is not for sale any more.")
    ]
    assert [row.listing_id for row in cart_rows(trade.buyer)] == [trade.listing.id]


def test_a_reorder_of_more_than_the_stock_left_names_the_line(trade):
    order = _two_line_order(trade)  # 46 of the second product left
    services.put_in_cart(trade.buyer_colleague, trade.second, Decimal("46"))
    place(trade.buyer_colleague)
    result = services.reorder(trade.buyer, order)
    assert [title for title, _ in result.skipped] == [trade.second.title]


def test_another_company_may_not_reorder_an_order(trade):
    order = order_in(trade, "completed")
    with pytest.raises(OrderRefused):
        services.reorder(trade.other_buyer, order)
    assert cart_rows(trade.other_buyer) == []


def test_the_moment_of_a_move_is_kept(trade):
    start = utcnow()
    order = order_in(trade, "completed")
    order = fresh(order)
    assert start <= order.paid_at <= order.shipped_at <= order.completed_at
