"""Fixtures: `app`, `db`, `client`, a world with every role, and a helper to sign in as any user.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. Each test runs
in a transaction rolled back at its end, or commits for real and has every table emptied after it
(`real_commits`, see REAL_COMMITS_TESTS).
"""

import os
import tempfile
import threading
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import flask_migrate
import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from marketplace import create_app
from marketplace.config import TestConfig, normalise_database_url
from marketplace.extensions import db as _db
from tests import factories


def _database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    # A file, not :memory:, so that the browser tests' server thread sees the same data.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def suite_database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def database_url(suite_database_url):
    """The suite's database for a second app or connection: a test that asks for it commits for real."""
    return suite_database_url


# Uploaded photos of the whole test run go to a throwaway folder, never to instance/.
UPLOAD_ROOT = tempfile.mkdtemp(prefix="pasar-sentra-uploads-")


def make_config(database_url, **overrides):
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_ROOT": UPLOAD_ROOT, **overrides}
    return type("Config", (TestConfig,), settings)


@pytest.fixture(scope="session")
def app(suite_database_url):
    app = create_app(make_config(suite_database_url))

    # Tests keep one app context open across requests, so `g` would outlive a request: Flask-Login
    # caches the user there and Flask-Babel the locale. Real requests each get a new `g`.
    def _fresh_g_per_request():
        for name in list(g):
            g.pop(name)

    # First of all hooks, before the access policy looks at the user.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g_per_request)

    with app.app_context():
        # The schema comes from the migrations, as in production (the search tables exist only there).
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        # Every test starts from empty tables, reference data included: factories make what a test needs.
        empty_all_tables()
    return app


def empty_all_tables():
    tables = [t.name for t in _db.metadata.sorted_tables]
    if _db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        _db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            _db.session.execute(text(f'DELETE FROM "{name}"'))
        _db.session.execute(text("DELETE FROM listing_fts"))
    _db.session.commit()


# Each test runs inside one database transaction that is rolled back when it ends: the session is
# bound to that connection with join_transaction_mode="create_savepoint", so a commit of the code
# only releases a SAVEPOINT and a rollback goes back to one. Tests whose data another connection
# must see keep real commits, and every table is emptied after them: they are marked `real_commits`,
# by hand or by pytest_collection_modifyitems below when
#  - they are browser journeys (marked e2e: the live server is another app, in another thread);
#  - they use one of these fixtures, directly or through another fixture:
REAL_COMMITS_FIXTURES = {
    # the suite's database for a second app (its own engine and connections) or for the empty
    # database of the migration tests; `app` itself uses suite_database_url
    "database_url",
}
#  - or they are listed here (a module, or one test with or without its parameters):
REAL_COMMITS_TESTS = {
    # reads what was committed through a connection of its own
    "tests/core/test_transaction.py",
    # threads at once, each with its own session and connection
    "tests/core/test_submissions.py::test_parallel_submits_of_one_schedule_form_create_one_schedule",
    "tests/catalog/test_stock.py::test_parallel_reservations_never_sell_a_unit_twice",
}
# A test left out by mistake fails with a message saying so: its teardown reports a commit made on
# another connection, and the database refuses use from another thread.


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "real_commits: the test commits for real and every table is emptied after it (tests/conftest.py)"
    )


def _needs_real_commits(item):
    nodeid = item.nodeid
    listed = any(nodeid == name or nodeid.startswith((f"{name}::", f"{name}[")) for name in REAL_COMMITS_TESTS)
    uses = REAL_COMMITS_FIXTURES & set(getattr(item, "fixturenames", ()))
    return listed or bool(uses) or item.get_closest_marker("e2e") is not None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _needs_real_commits(item):
            item.add_marker("real_commits")


@pytest.fixture(autouse=True)
def _app_context(request, app):
    """Every test runs in an app context and starts with empty tables."""
    with app.app_context():
        if request.node.get_closest_marker("real_commits"):
            yield
            _db.session.remove()
            empty_all_tables()
        else:
            with _rolled_back_at_the_end(request.node.nodeid):
                yield


# Set while a test runs in a rolled-back transaction: a commit seen on any connection then is a
# commit that will not be rolled back (another app or engine), reported by the test's teardown.
_commits_elsewhere = None


@event.listens_for(Engine, "commit")
def _note_commit_elsewhere(connection):
    if _commits_elsewhere is not None:
        _commits_elsewhere.append(connection)


@contextmanager
def _rolled_back_at_the_end(nodeid):
    """Route the app's sessions to one connection in a transaction, and roll that back at the end.

    Flask-SQLAlchemy's Session.get_bind picks the engine in `db.engines` and ignores a session's
    `bind`, so the connection takes the engine's place there: every session of this app (the test's,
    a request's, a command's) uses it, and `db.engine` is that connection until the test ends.
    """
    global _commits_elsewhere
    engines = _db.engines  # this app's own mapping
    engine = engines[None]
    connection = engine.connect()
    sqlite = connection.connection.driver_connection if engine.dialect.name == "sqlite" else None
    if sqlite is not None:
        # pysqlite begins transactions itself, and not before a SAVEPOINT: the first RELEASE would
        # commit. SQLAlchemy's recipe: the driver leaves transactions alone and BEGIN is ours.
        sqlite.isolation_level = None
    outer = connection.begin()
    if sqlite is not None:
        connection.exec_driver_sql("BEGIN")
    owner = threading.get_ident()

    @event.listens_for(connection, "before_cursor_execute")
    def _same_thread_only(*args):
        if threading.get_ident() != owner:
            raise RuntimeError(f"{nodeid} uses the database from another thread: add it to REAL_COMMITS_TESTS")

    factory = _db.session.session_factory
    join_mode = factory.kw.get("join_transaction_mode")
    _db.session.remove()
    factory.configure(join_transaction_mode="create_savepoint")
    engines[None] = connection
    _commits_elsewhere = []
    try:
        yield
    finally:
        _db.session.remove()
        engines[None] = engine
        if join_mode is None:
            factory.kw.pop("join_transaction_mode", None)
        else:
            factory.configure(join_transaction_mode=join_mode)
        committed_elsewhere, _commits_elsewhere = _commits_elsewhere, None
        if outer.is_active:
            outer.rollback()
        if sqlite is not None:
            sqlite.isolation_level = ""
        connection.close()
        if committed_elsewhere:
            empty_all_tables()
            pytest.fail(f"{nodeid} committed through another connection: mark it real_commits", pytrace=False)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, user):
    """Sign the client in as `user` without the login form (the form has tests of its own)."""
    from marketplace.accounts.sessions import start_session

    start_session(user)  # a real server-side sign-in, as the login form makes
    _db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def world(db):
    """Two sentras, IKMs in each status, two buyer companies and a user of every role."""
    jombang = factories.make_sentra(slug="jombang", name="Sentra Jombang")
    other = factories.make_sentra(slug="ceper", name="Sentra Ceper", regency="Kabupaten Klaten", province="Jawa Tengah")
    ikm = factories.make_ikm(jombang, name="UD Approved")
    pending_ikm = factories.make_ikm(jombang, status="pending", name="UD Pending")
    other_ikm = factories.make_ikm(other, status="pending", name="UD Other Sentra")
    buyer_org = factories.make_buyer_org(name="PT Satu")
    other_buyer_org = factories.make_buyer_org(name="PT Dua")
    w = SimpleNamespace(
        jombang=jombang,
        other_sentra=other,
        ikm=ikm,
        pending_ikm=pending_ikm,
        other_ikm=other_ikm,
        buyer_org=buyer_org,
        other_buyer_org=other_buyer_org,
        buyer=factories.make_user("buyer", organization=buyer_org),
        buyer_colleague=factories.make_user("buyer", organization=buyer_org, is_owner=False),
        other_buyer=factories.make_user("buyer", organization=other_buyer_org),
        seller=factories.make_user("seller", organization=ikm),
        pending_seller=factories.make_user("seller", organization=pending_ikm),
        coordinator=factories.make_user("coordinator", sentra=jombang),
        other_coordinator=factories.make_user("coordinator", sentra=other),
        admin=factories.make_user("admin"),
    )
    db.session.commit()
    return w


@pytest.fixture
def login_as(client, world):
    """login_as('buyer') signs the client in as the world's user of that role (or a given user)."""

    def _login(who):
        user = getattr(world, who) if isinstance(who, str) else who
        return login(client, user)

    return _login


def add_catalog(world, db):
    from marketplace.catalog.models import ListingPhoto

    world.category = factories.make_category(slug="paving-block")
    world.product_type = factories.make_product_type(world.category, slug="paving-k300")
    neighbour = factories.make_ikm(world.jombang, name="UD Tetangga")
    ceper_ikm = factories.make_ikm(world.other_sentra, name="UD Ceper")
    world.active_listing = factories.make_listing(world.ikm, world.product_type)
    world.draft_listing = factories.make_listing(world.ikm, world.product_type, status="draft")
    world.pending_listing = factories.make_listing(world.ikm, world.product_type, status="pending_review")
    world.neighbour_draft = factories.make_listing(neighbour, world.product_type, status="draft")
    world.ceper_draft = factories.make_listing(ceper_ikm, world.product_type, status="pending_review")
    world.photo = ListingPhoto(
        display_key="listing/aa/a.webp", thumb_key="listing/aa/b.webp", width=1, height=1, is_cover=True
    )
    world.neighbour_photo = ListingPhoto(
        display_key="listing/aa/c.webp", thumb_key="listing/aa/d.webp", width=1, height=1, is_cover=True
    )
    world.band = factories.make_schedule(
        world.jombang, world.product_type, floor=50_000, reference=85_000, ceiling=150_000
    )
    factories.make_schedule(world.other_sentra, world.product_type, floor=50_000, reference=85_000, ceiling=150_000)
    world.draft_listing.photos.append(world.photo)
    world.neighbour_draft.photos.append(world.neighbour_photo)
    world.ceper_ikm = ceper_ikm
    # Price-change requests waiting: the seller's own, a Jombang neighbour's, and one in Ceper.
    world.price_request = factories.make_price_request(world.active_listing, requested_by=world.seller)
    world.neighbour_request = factories.make_price_request(world.neighbour_draft)
    world.ceper_request = factories.make_price_request(world.ceper_draft)
    db.session.commit()
    return world


@pytest.fixture
def catalog_world(world, db):
    """The world plus a category, a product type and listings in several states and sentras."""
    return add_catalog(world, db)


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A brand-new empty database of the same kind as the suite's."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migration_app(empty_database_url, app):
    return create_app(make_config(empty_database_url))


@pytest.fixture
def migration_app_categories(migration_app):
    """The category names the migrations insert, in their order."""
    with migration_app.app_context():
        upgrade()
        names = [row[0] for row in _db.session.execute(text("SELECT name FROM category ORDER BY position"))]
        _db.session.remove()
        _db.engine.dispose()
    return names
