"""Stock of its own: reserve, release and adjust move it by a delta in one conditional UPDATE, never below zero,
each move explained by a stock movement, and never touching the listing's moderation version."""

import re
import threading
from decimal import Decimal

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from marketplace.catalog import stock
from marketplace.catalog.models import Listing, StockMovement
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import transaction
from marketplace.extensions import db
from tests import factories
from tests.catalog.test_listings import form, form_from, new_listing
from tests.conftest import login
from tests.helpers import table_counts


def stock_in_database(listing_id):
    """What another reader sees, not what the session remembers."""
    db.session.expire_all()
    return db.session.scalar(select(Listing.stock).where(Listing.id == listing_id))


def movements(listing_id):
    return db.session.scalars(
        select(StockMovement).where(StockMovement.listing_id == listing_id).order_by(StockMovement.id)
    ).all()


def movements_sum(listing_id):
    return sum((m.delta for m in movements(listing_id)), Decimal("0"))


def version_in_database(listing_id):
    db.session.expire_all()
    return db.session.scalar(select(Listing.version).where(Listing.id == listing_id))


def in_english(world, who):
    user = getattr(world, who)
    user.locale = "en"  # messages as written in the code, whatever the catalogs hold
    db.session.commit()
    return user


# --- each move: exactly its delta, one movement ---------------------------------------------------------------


def test_reserve_takes_exactly_its_quantity_and_writes_one_movement(catalog_world):
    listing = catalog_world.active_listing
    before = len(movements(listing.id))
    movement = stock.reserve(listing.id, Decimal("12.5"), actor=catalog_world.buyer)
    assert stock_in_database(listing.id) == Decimal("487.5")
    assert len(movements(listing.id)) == before + 1
    assert (movement.delta, movement.stock_after, movement.reason, movement.actor_id) == (
        Decimal("-12.5"),
        Decimal("487.5"),
        "reserved",
        catalog_world.buyer.id,
    )


def test_release_gives_back_exactly_its_quantity_and_writes_one_movement(catalog_world):
    listing = catalog_world.active_listing
    before = len(movements(listing.id))
    movement = stock.release(listing.id, Decimal("0.125"))
    assert stock_in_database(listing.id) == Decimal("500.125")
    assert len(movements(listing.id)) == before + 1
    assert (movement.delta, movement.stock_after, movement.reason, movement.actor_id) == (
        Decimal("0.125"),
        Decimal("500.125"),
        "released",
        None,
    )


@pytest.mark.parametrize("delta, after", [(Decimal("-499.999"), Decimal("0.001")), (Decimal("20"), Decimal("520"))])
def test_adjust_by_a_delta_moves_exactly_that_and_writes_one_movement(catalog_world, delta, after):
    listing = catalog_world.active_listing
    before = len(movements(listing.id))
    movement = stock.adjust(listing.id, delta, actor=catalog_world.seller)
    assert stock_in_database(listing.id) == after
    assert len(movements(listing.id)) == before + 1
    assert (movement.delta, movement.stock_after, movement.reason) == (delta, after, "seller_set")


def test_adjust_to_a_new_value_moves_by_the_difference_from_the_expected_one(catalog_world):
    listing = catalog_world.active_listing
    movement = stock.adjust(listing.id, new=Decimal("120"), expected=Decimal("500"), actor=catalog_world.seller)
    assert stock_in_database(listing.id) == Decimal("120")
    assert (movement.delta, movement.stock_after, movement.actor_id) == (
        Decimal("-380"),
        Decimal("120"),
        catalog_world.seller.id,
    )


def test_movements_add_up_to_the_stock_from_the_listings_creation_on(client, catalog_world, login_as):
    login_as("seller")
    listing = new_listing(client, catalog_world, stock="1200.5")
    [initial] = movements(listing.id)
    assert (initial.reason, initial.delta, initial.stock_after, initial.actor_id) == (
        "initial",
        Decimal("1200.5"),
        Decimal("1200.5"),
        catalog_world.seller.id,
    )
    stock.reserve(listing.id, Decimal("200.5"))
    stock.release(listing.id, Decimal("50"))
    stock.adjust(listing.id, Decimal("-0.001"))
    stock.adjust(listing.id, new=Decimal("7"), expected=Decimal("1049.999"))
    assert stock_in_database(listing.id) == Decimal("7") == movements_sum(listing.id)
    assert movements(listing.id)[-1].stock_after == Decimal("7")


# --- refusals change nothing ------------------------------------------------------------------------------------


def test_reserving_more_than_there_is_raises_out_of_stock_and_changes_nothing(catalog_world):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(stock.OutOfStock) as refused:
        stock.reserve(listing.id, Decimal("500.001"))
    with force_locale("en"):
        assert str(refused.value.message) == "Not enough stock: only 500 left."
    assert refused.value.available == Decimal("500")
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


def test_adjusting_below_zero_or_against_a_stale_value_changes_nothing(catalog_world):
    listing = catalog_world.active_listing
    before = table_counts()
    with pytest.raises(stock.OutOfStock):
        stock.adjust(listing.id, Decimal("-500.001"))
    with pytest.raises(stock.StockChangedMeanwhile) as refused:
        stock.adjust(listing.id, new=Decimal("10"), expected=Decimal("499"))
    with force_locale("en"):
        assert str(refused.value.message) == "Stock changed meanwhile (now 500): check it and save again."
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


def test_a_saved_listings_stock_cannot_be_assigned(catalog_world):
    listing = catalog_world.active_listing
    with pytest.raises(stock.DirectStockWrite):
        listing.stock = Decimal("1")
    assert stock_in_database(listing.id) == Decimal("500")


# --- the seller's forms send the value they saw ------------------------------------------------------------------


def test_the_stock_form_applies_the_difference_to_what_orders_left(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    page = client.get("/seller/listings").get_data(as_text=True)
    assert 'name="expected_stock" value="500"' in page
    response = client.post(f"/seller/listings/{listing.id}/stock", data={"stock": "450", "expected_stock": "500"})
    assert response.status_code == 302
    assert stock_in_database(listing.id) == Decimal("450") == movements_sum(listing.id)
    assert movements(listing.id)[-1].reason == "seller_set"


def test_the_stock_form_with_a_stale_expected_value_is_refused_and_changes_nothing(client, catalog_world):
    seller = in_english(catalog_world, "seller")
    login(client, seller)
    listing = catalog_world.active_listing
    stock.reserve(listing.id, Decimal("3"))  # an order, after the seller's page showed 500
    before = table_counts()
    response = client.post(
        f"/seller/listings/{listing.id}/stock",
        data={"stock": "600", "expected_stock": "500"},
        follow_redirects=True,
    )
    assert "Stock changed meanwhile (now 497): check it and save again." in response.get_data(as_text=True)
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("497")


def test_the_stock_form_without_the_value_it_was_based_on_is_refused(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    before = table_counts()
    response = client.post(f"/seller/listings/{listing.id}/stock", data={"stock": "600"}, follow_redirects=True)
    assert "alert-danger" in response.get_data(as_text=True)
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("500")


def test_the_listing_form_refuses_a_stale_stock_and_offers_the_current_one(client, catalog_world):
    seller = in_english(catalog_world, "seller")
    login(client, seller)
    listing = catalog_world.active_listing
    page = client.get(f"/seller/listings/{listing.id}/edit").get_data(as_text=True)
    assert re.search(r'name="expected_stock" type="hidden" value="500"', page)
    sent = form_from(listing, stock="450", title="Judul yang berubah sekali")
    stock.reserve(listing.id, Decimal("3"))
    before = table_counts()
    response = client.post(f"/seller/listings/{listing.id}/edit", data=sent)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Stock changed meanwhile (now 497): check it and save again." in page
    # Nothing of the form was saved (the title neither); the page now carries the stock as it is.
    assert table_counts() == before
    assert stock_in_database(listing.id) == Decimal("497")
    assert db.session.get(Listing, listing.id).title != "Judul yang berubah sekali"
    assert re.search(r'name="expected_stock" type="hidden" value="497"', page)
    assert re.search(r'name="stock"[^>]* value="450"', page)  # what the seller typed stays
    again = client.post(f"/seller/listings/{listing.id}/edit", data={**sent, "expected_stock": "497"})
    assert again.status_code == 302
    assert stock_in_database(listing.id) == Decimal("450") == movements_sum(listing.id)


def test_the_listing_form_saves_other_fields_while_orders_move_the_stock(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.active_listing
    sent = form_from(listing, lead_time_days="3")  # stock sent back unchanged: 500, as the page showed
    stock.reserve(listing.id, Decimal("3"))
    response = client.post(f"/seller/listings/{listing.id}/edit", data=sent)
    assert response.status_code == 302
    assert db.session.get(Listing, listing.id).lead_time_days == 3
    assert stock_in_database(listing.id) == Decimal("497")  # the order's reservation stands


# --- stock moves never touch the moderation version ---------------------------------------------------------


def test_a_reservation_leaves_the_version_alone_and_refreshes_the_loaded_listing(catalog_world):
    listing = catalog_world.active_listing
    version = version_in_database(listing.id)
    loaded = db.session.get(Listing, listing.id)
    assert loaded.stock == Decimal("500")
    with transaction():
        stock.reserve(listing.id, Decimal("4"))
        # The same session's listing sees the move at once, without a refresh (and nothing is left to flush).
        assert loaded.stock == Decimal("496")
        assert not db.session.dirty
    assert version_in_database(listing.id) == version


def test_a_coordinators_decision_after_a_reservation_still_succeeds(client, catalog_world, login_as):
    listing = catalog_world.pending_listing
    login_as("coordinator")
    page = client.get(f"/coordinator/listings/{listing.id}").get_data(as_text=True)
    seen = re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', page).group(1)
    stock.reserve(listing.id, Decimal("1"))  # an order meanwhile
    response = client.post(
        f"/coordinator/listings/{listing.id}", data={"decision": "approve", "reason": "", "version": seen}
    )
    assert response.status_code == 302
    assert db.session.get(Listing, listing.id).status == "active"


# --- property: never negative, always explained ------------------------------------------------------------

QUANTITIES = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("60"), places=3)
MOVES = st.lists(
    st.one_of(
        st.tuples(st.just("reserve"), QUANTITIES),
        st.tuples(st.just("release"), QUANTITIES),
        st.tuples(st.just("adjust"), st.decimals(min_value=Decimal("-60"), max_value=Decimal("60"), places=3)),
        st.tuples(
            st.just("set"), st.decimals(min_value=Decimal("0"), max_value=Decimal("60"), places=3), st.booleans()
        ),
    ),
    max_size=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.decimals(min_value=Decimal("0"), max_value=Decimal("30"), places=3), moves=MOVES)
def test_no_sequence_of_moves_leaves_stock_negative_or_unexplained(catalog_world, start, moves):
    listing = factories.make_listing(catalog_world.ikm, catalog_world.product_type, stock=start, index=False)
    db.session.commit()
    expected = start
    for move in moves:
        name, quantity = move[0], move[1]
        try:
            if name == "reserve":
                stock.reserve(listing.id, quantity)
                expected -= quantity
            elif name == "release":
                stock.release(listing.id, quantity)
                expected += quantity
            elif name == "adjust":
                stock.adjust(listing.id, quantity)
                expected += quantity
            else:
                seen = expected if move[2] else expected + Decimal("0.5")  # a page older than the last move
                stock.adjust(listing.id, new=quantity, expected=seen)
                expected = quantity if seen == expected else expected
        except (stock.OutOfStock, stock.StockChangedMeanwhile):
            pass
        now = stock_in_database(listing.id)
        assert now == expected
        assert now >= 0
        assert movements_sum(listing.id) == now


# --- at the same moment ------------------------------------------------------------------------------------------


def _parallel_reservations(app, listing_id, threads):
    """`threads` threads, each in its own app context (its own session and connection), reserve 1 unit at once."""
    start = threading.Barrier(threads)
    outcomes = [None] * threads

    def reserve(i):
        with app.app_context():
            start.wait()
            try:
                stock.reserve(listing_id, Decimal("1"))
                outcomes[i] = "reserved"
            except stock.OutOfStock:
                outcomes[i] = "out of stock"
            except Exception as error:  # reported below, not lost in the thread
                outcomes[i] = repr(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=reserve, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return outcomes


def test_parallel_reservations_never_sell_a_unit_twice(app, catalog_world):
    # PostgreSQL: 50 at once (each UPDATE waits for the row lock, then checks `stock >= 1` again on the committed
    # row). SQLite, whose writers take turns on a busy timeout, runs a smaller crowd: still 2.5 times the stock.
    threads = 50 if db.engine.dialect.name == "postgresql" else 25
    listing = factories.make_listing(catalog_world.ikm, catalog_world.product_type, stock=Decimal("10"))
    db.session.commit()
    outcomes = _parallel_reservations(app, listing.id, threads)
    assert sorted(outcomes) == sorted(["reserved"] * 10 + ["out of stock"] * (threads - 10))
    assert stock_in_database(listing.id) == Decimal("0") == movements_sum(listing.id)
    assert len([m for m in movements(listing.id) if m.reason == "reserved"]) == 10


# --- the migration explains the stock that was there before it -------------------------------------------------


def test_the_migration_gives_each_existing_listing_an_initial_movement(migration_app):
    from flask_migrate import downgrade, upgrade

    with migration_app.app_context():
        upgrade(revision="0006_user_sessions")
        statements = [
            "INSERT INTO sentra (id, slug, name, regency, province, description, created_at)"
            " VALUES (1, 'jombang', 'Sentra Jombang', 'Kabupaten Jombang', 'Jawa Timur', '', :now)",
            "INSERT INTO organization (id, kind, name, nib, sentra_id, is_pkp, address, regency, province,"
            " contact_person, phone, email, status, created_at) VALUES (1, 'ikm', 'UD Uji', '9000000000001', 1,"
            " false, 'Jl. Uji', 'Kabupaten Jombang', 'Jawa Timur', 'Pak Uji', '0812345678', 'ikm@example.com',"
            " 'approved', :now)",
            "INSERT INTO product_type (id, category_id, slug, name, unit, spec, slag_kg_per_unit, created_at)"
            " VALUES (1, (SELECT min(id) FROM category), 'paving', 'Paving', 'm2', '', 12.5, :now)",
        ]
        for n, amount in enumerate(["500", "0", "12.345"], start=1):
            statements.append(
                "INSERT INTO listing (id, organization_id, product_type_id, title, description, price_idr, stock,"
                " min_order, order_multiple, lead_time_days, capacity_per_month, certification_note, status,"
                f" created_at, updated_at) VALUES ({n}, 1, 1, 'Paving {n}', '', 85000, {amount}, 1, 1, 7, 100, '',"
                " 'active', :now, :now)"
            )
        now = utcnow()
        if db.engine.dialect.name == "sqlite":
            now = now.replace(tzinfo=None)
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), {"now": now})
        upgrade(revision="0007_stock_movements")
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT listing_id, delta, stock_after, reason, actor_id FROM stock_movement ORDER BY listing_id")
            ).all()
        assert [(r[0], Decimal(str(r[1])), Decimal(str(r[2])), r[3], r[4]) for r in rows] == [
            (1, Decimal("500"), Decimal("500"), "initial", None),
            (2, Decimal("0"), Decimal("0"), "initial", None),
            (3, Decimal("12.345"), Decimal("12.345"), "initial", None),
        ]
        downgrade(revision="0006_user_sessions")
        upgrade(revision="0007_stock_movements")
        db.engine.dispose()


def test_the_new_listing_form_writes_its_stock_as_the_initial_movement(client, catalog_world, login_as):
    login_as("seller")
    before = table_counts()
    response = client.post("/seller/listings/new", data=form(catalog_world, stock="3.5"))
    assert response.status_code == 302
    after = table_counts()
    assert after["stock_movement"] == before["stock_movement"] + 1
    listing_id = int(response.headers["Location"].split("/")[-2])
    assert stock_in_database(listing_id) == Decimal("3.5") == movements_sum(listing_id)
