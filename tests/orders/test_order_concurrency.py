"""At the same moment: buyers racing for the last units, a double submit of one confirmation, two sellers accepting one
order. Each thread has its own app context (its own session and connection) and commits for real, so these tests
are marked real_commits (tests/conftest.py: every table is emptied after them). Like the stock's own race
(tests/catalog/test_stock.py), they run on PostgreSQL at full size and on SQLite, whose writers take turns on a busy
timeout, with a smaller crowd."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.catalog.models import StockMovement
from marketplace.core.errors import InvalidTransition
from marketplace.core.models import AuditEntry
from marketplace.core.submissions import DuplicateSubmission, new_submission_token
from marketplace.extensions import db
from marketplace.orders import payment, services
from marketplace.orders.models import CartItem, Checkout, Notification, Order, OrderEvent
from marketplace.orders.services import LineProblem
from tests import factories
from tests.orders.test_checkout_rules import english, stock_of

pytestmark = pytest.mark.real_commits


def _at_once(app, count, work):
    """Run work(i) in `count` threads at once, each in its own app context; what each returned or raised."""
    start = threading.Barrier(count)
    outcomes = [None] * count

    def run(i):
        with app.app_context():
            start.wait()
            try:
                outcomes[i] = ("ok", work(i))
            except Exception as error:  # kept for the assertions, not lost in the thread
                outcomes[i] = ("error", error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _rows(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_buyers_racing_for_the_last_ten_units_get_exactly_ten_checkouts(app, catalog_world):
    w = catalog_world
    crowd = 50 if db.engine.dialect.name == "postgresql" else 25
    listing = factories.make_listing(
        w.ikm,
        w.product_type,
        title="Paving K-300 stok terakhir",
        stock=Decimal("10"),
        min_order=Decimal("1"),
        index=False,
    )
    buyers = [factories.make_user("buyer", organization=factories.make_buyer_org()) for _ in range(crowd)]
    db.session.commit()
    for buyer in buyers:
        services.put_in_cart(buyer, listing, Decimal("1"))
    seen = [services.plan_checkout(buyer, {}).fingerprint for buyer in buyers]
    ids, listing_id, title = [buyer.id for buyer in buyers], listing.id, listing.title
    db.session.commit()

    def buy(i):
        buyer = db.session.get(User, ids[i])
        return services.place_checkout(buyer, {}, "", "", seen[i], new_submission_token()).id

    outcomes = _at_once(app, crowd, buy)

    placed = [value for kind, value in outcomes if kind == "ok"]
    refused = [value for kind, value in outcomes if kind == "error"]
    assert len(placed) == 10, [repr(error) for error in refused if not isinstance(error, LineProblem)]
    assert all(isinstance(error, LineProblem) for error in refused), [repr(error) for error in refused]
    assert {error.title for error in refused} == {title}
    assert {english(error.reason).lower() for error in refused} == {"not enough stock: only 0 left."}
    assert stock_of(listing_id) == Decimal("0")
    assert (_rows(Checkout), _rows(Order)) == (10, 10)
    reserved = StockMovement.listing_id == listing_id, StockMovement.reason == "reserved"
    assert _rows(StockMovement, *reserved) == 10
    # The buyers who lost keep their carts.
    assert _rows(CartItem) == crowd - 10


def test_one_confirmation_sent_twice_at_once_places_one_checkout(app, catalog_world):
    w = catalog_world
    listing = factories.make_listing(w.ikm, w.product_type, stock=Decimal("100"), min_order=Decimal("1"), index=False)
    db.session.commit()
    services.put_in_cart(w.buyer, listing, Decimal("10"))
    seen = services.plan_checkout(w.buyer, {}).fingerprint
    token, buyer_id, listing_id = new_submission_token(), w.buyer.id, listing.id
    db.session.commit()

    def confirm(i):
        return services.place_checkout(db.session.get(User, buyer_id), {}, "", "", seen, token).id

    outcomes = _at_once(app, 2, confirm)

    kinds = sorted(kind if kind == "ok" else type(value).__name__ for kind, value in outcomes)
    assert kinds == ["DuplicateSubmission", "ok"], outcomes
    (checkout_id,) = [value for kind, value in outcomes if kind == "ok"]
    (duplicate,) = [value for kind, value in outcomes if isinstance(value, DuplicateSubmission)]
    assert duplicate.made(Checkout) == checkout_id
    assert (_rows(Checkout), _rows(Order)) == (1, 1)
    assert stock_of(listing_id) == Decimal("90")


def test_two_sellers_accepting_one_order_at_once_accept_it_once(app, catalog_world):
    w = catalog_world
    listing = factories.make_listing(w.ikm, w.product_type, stock=Decimal("100"), min_order=Decimal("1"), index=False)
    colleague = factories.make_user("seller", organization=w.ikm, is_owner=False)
    db.session.commit()
    order = factories.make_order(w.buyer, listing, quantity=10, status="paid", seller=w.seller)
    order_id, sellers = order.id, [w.seller.id, colleague.id]
    db.session.commit()

    def accept(i):
        order = db.session.get(Order, order_id)
        return services.act_on_order(db.session.get(User, sellers[i]), order, "accept").status

    outcomes = _at_once(app, 2, accept)

    kinds = sorted(kind if kind == "ok" else type(value).__name__ for kind, value in outcomes)
    assert kinds == ["InvalidTransition", "ok"], outcomes
    assert all(isinstance(value, InvalidTransition) or value == "accepted" for _, value in outcomes)
    db.session.expire_all()
    assert db.session.get(Order, order_id).status == "accepted"
    assert _rows(OrderEvent, OrderEvent.order_id == order_id, OrderEvent.to_status == "accepted") == 1
    assert _rows(AuditEntry, AuditEntry.action == "order.accept") == 1
    # One notification for each of the buyer company's two users, not two each.
    assert _rows(Notification, Notification.order_id == order_id, Notification.status == "accepted") == 2


def _unpaid_checkout_of_two_orders(w):
    """One unpaid checkout: an order from UD Approved and one from a neighbour IKM; (checkout id, [order ids])."""
    neighbour = factories.make_ikm(w.jombang, name="UD Tetangga Baru")
    mine = factories.make_listing(w.ikm, w.product_type, stock=Decimal("100"), min_order=Decimal("1"), index=False)
    theirs = factories.make_listing(
        neighbour, w.product_type, stock=Decimal("100"), min_order=Decimal("1"), index=False
    )
    db.session.commit()
    services.put_in_cart(w.buyer, mine, Decimal("10"))
    services.put_in_cart(w.buyer, theirs, Decimal("20"))
    seen = services.plan_checkout(w.buyer, {}).fingerprint
    checkout = services.place_checkout(w.buyer, {}, "", "", seen, new_submission_token())
    ids = checkout.id, [order.id for order in checkout.orders], (mine.id, theirs.id)
    db.session.commit()
    return ids


def test_two_users_cancelling_both_unpaid_orders_of_a_checkout_at_once_cancel_the_checkout(app, catalog_world):
    w = catalog_world
    checkout_id, order_ids, listing_ids = _unpaid_checkout_of_two_orders(w)
    users = [w.buyer.id, w.buyer_colleague.id]

    def cancel(i):
        order = db.session.get(Order, order_ids[i])
        return services.act_on_order(db.session.get(User, users[i]), order, "cancel", reason="Salah pesan").status

    outcomes = _at_once(app, 2, cancel)

    assert outcomes == [("ok", "cancelled"), ("ok", "cancelled")]
    db.session.expire_all()
    checkout = db.session.get(Checkout, checkout_id)
    # Nothing is left to pay: the checkout is closed, and its total is what its open orders still cost.
    assert (checkout.status, checkout.total_idr) == ("cancelled", 0)
    assert [stock_of(listing_id) for listing_id in listing_ids] == [Decimal("100"), Decimal("100")]


class Interleaving:
    """Two operations in two threads, in a set order: the first one stops inside a step of the services (after
    `step` has run, so holding what it has written, uncommitted), the second one starts and runs into it, then the
    first one goes on. What each returned or raised is in `outcomes`."""

    def __init__(self, app, monkeypatch, step):
        self.app, self.outcomes = app, {}
        self.stopped, self.go_on = threading.Event(), threading.Event()
        original = getattr(services, step)

        def step_then_wait(*args, **kwargs):
            result = original(*args, **kwargs)
            if threading.current_thread().name == "first":
                self.stopped.set()
                self.go_on.wait(timeout=30)
            return result

        monkeypatch.setattr(services, step, step_then_wait)

    def _run(self, name, work):
        with self.app.app_context():
            try:
                self.outcomes[name] = ("ok", work())
            except Exception as error:  # kept for the assertions, not lost in the thread
                self.outcomes[name] = ("error", error)
            finally:
                db.session.remove()

    def run(self, first, second):
        threads = {
            name: threading.Thread(target=self._run, args=(name, work), name=name)
            for name, work in (("first", first), ("second", second))
        }
        threads["first"].start()
        assert self.stopped.wait(timeout=30), self.outcomes
        threads["second"].start()
        time.sleep(1)  # the second now waits for a row the first holds (PostgreSQL) or for the write lock (SQLite)
        self.go_on.set()
        for thread in threads.values():
            thread.join(timeout=60)
        return self.outcomes["first"], self.outcomes["second"]


def test_a_cancellation_and_the_payment_of_its_checkout_at_once_both_go_through(app, catalog_world, monkeypatch):
    # The buyer cancels one of two unpaid orders; the payment of the checkout comes in while the cancellation has
    # moved the order and is giving its stock back. Both must go through, one after the other: no deadlock.
    w = catalog_world
    checkout_id, order_ids, _ = _unpaid_checkout_of_two_orders(w)
    buyer_id = w.buyer.id

    def cancel():
        order = db.session.get(Order, order_ids[0])
        return services.act_on_order(db.session.get(User, buyer_id), order, "cancel", reason="Salah pesan").status

    cancelled, paid = Interleaving(app, monkeypatch, "_return_stock").run(
        cancel, lambda: payment.mark_checkout_paid(checkout_id, reference="BCA-1").status
    )

    assert (cancelled, paid) == (("ok", "cancelled"), ("ok", "paid"))
    db.session.expire_all()
    checkout = db.session.get(Checkout, checkout_id)
    assert [order.status for order in checkout.orders] == ["cancelled", "paid"]
    assert checkout.total_idr == checkout.orders[1].total_idr


def test_automatic_confirmation_while_a_buyer_confirms_one_order_still_completes_the_others(
    app, catalog_world, monkeypatch
):
    # The buyer's confirmation has moved its order but not committed yet when the nightly run starts: the run must
    # leave that order to the buyer and complete every other one, not give up on them all.
    w = catalog_world
    listing = factories.make_listing(w.ikm, w.product_type, stock=Decimal("100"), min_order=Decimal("1"), index=False)
    db.session.commit()
    confirming, other = (factories.make_order(w.buyer, listing, status="shipped", seller=w.seller) for _ in range(2))
    ids, buyer_id = (confirming.id, other.id), w.buyer.id
    later = other.shipped_at + timedelta(days=app.config["AUTO_CONFIRM_DAYS"] + 1)
    db.session.commit()

    def confirm():
        order = db.session.get(Order, ids[0])
        return services.act_on_order(db.session.get(User, buyer_id), order, "confirm_receipt").status

    confirmed, nightly = Interleaving(app, monkeypatch, "tell_of_move").run(
        confirm, lambda: services.auto_confirm(moment=later)
    )

    assert confirmed == ("ok", "completed")
    assert nightly == ("ok", 1)
    db.session.expire_all()
    assert [db.session.get(Order, order_id).status for order_id in ids] == ["completed", "completed"]
    completions = OrderEvent.order_id == ids[0], OrderEvent.to_status == "completed"
    assert _rows(OrderEvent, *completions) == 1
