"""Pasar Sentra: a B2B marketplace for the IKMs of Indonesia's Sentra IKM clusters."""

import logging
import os
from types import SimpleNamespace

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_loaded_from_cookie
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace import accounts, catalog, coordination, core, orders, payments, pricing
from marketplace.accounts import sessions
from marketplace.accounts.models import ORGANIZATION_STATES
from marketplace.catalog.models import LISTING_STATES
from marketplace.catalog.price_rules import price_position
from marketplace.cli import register_cli
from marketplace.config import DEFAULT_SECRET_KEY, INSTANCE_DIR, MIN_PRODUCTION_SECRET_BYTES, config_from_environment
from marketplace.core.access import init_access
from marketplace.core.errors_views import register_error_handlers
from marketplace.core.flashing import init_flashing
from marketplace.core.language import apply_language_parameter, language_alternates, select_locale, vary_on_language
from marketplace.core.money import format_idr, format_quantity, plain_quantity
from marketplace.core.notes import note_text
from marketplace.core.roles import Role
from marketplace.core.routing import BoundedIntConverter
from marketplace.core.security import set_security_headers
from marketplace.core.timeutil import format_day, format_wib
from marketplace.core.transaction import init_transaction_events
from marketplace.core.uploads import init_request_limits
from marketplace.extensions import babel, csrf, db, limiter, login_manager, migrate
from marketplace.orders import figures as order_figures
from marketplace.orders import reputation as order_reputation
from marketplace.orders.models import CHECKOUT_STATES, ORDER_STATES
from marketplace.payments import escrow as payment_escrow
from marketplace.payments.models import PAYMENT_STATES, PAYOUT_STATES, REFUND_STATES
from marketplace.pricing import rules as pricing_rules
from marketplace.pricing.models import PRICE_REQUEST_STATES


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite as a real default: WAL, a busy timeout and foreign keys on every connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_app(config=None):
    """Build the app. `config` is a class or mapping; by default it comes from the environment."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    app.config.from_object(config_from_environment())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    if app.config.get("PRODUCTION"):
        _check_production_settings(app)
    if app.config.get("PROXY_COUNT"):
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    logging.basicConfig(level=logging.INFO)
    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_hooks(app)

    init_request_limits(app)  # the first before_request hook: it must run before CSRFProtect reads the form

    register_cli(app)
    return app


def _check_production_settings(app):
    """Refuse settings that are fine on a laptop and dangerous on the internet."""
    secret = app.config["SECRET_KEY"] or ""
    if secret == DEFAULT_SECRET_KEY:
        raise RuntimeError("Refusing to start in production with the default SECRET_KEY: set SECRET_KEY.")
    if len(secret.encode() if isinstance(secret, str) else secret) < MIN_PRODUCTION_SECRET_BYTES:
        raise RuntimeError(
            f"Refusing to start in production with a SECRET_KEY shorter than {MIN_PRODUCTION_SECRET_BYTES} bytes:"
            ' make one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    if not os.environ.get("BASE_URL"):
        raise RuntimeError("Refusing to start in production without BASE_URL: mailed links are built on it.")
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        logging.getLogger(__name__).warning(
            "Rate limits use in-memory storage: each worker counts alone. Set RATELIMIT_STORAGE_URI to Redis."
        )


def _init_extensions(app):

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Before the access policy (registered with the blueprints): ?lang= works on a page that asks to sign in too.
    app.before_request(apply_language_parameter)
    app.after_request(vary_on_language)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    login_manager.login_message = _l("Please sign in to open that page.")

    # Sign-ins live on the server (accounts/sessions.py): a copied cookie dies with its sign-in.
    login_manager.user_loader(sessions.load_user)
    # Bound to this app: connected for any sender, every app made in a process would rotate the cookie again.
    user_loaded_from_cookie.connect(
        lambda sender, user: sessions.rotate_remembered_session(user), sender=app, weak=False
    )

    init_transaction_events()


def _register_blueprints(app):

    app.register_blueprint(core.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(coordination.bp, url_prefix="/coordinator")
    app.register_blueprint(pricing.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(payments.bp, url_prefix="/payments")
    init_access(app)
    register_error_handlers(app)
    # The catalog asks set pricing through a port (catalog/price_rules.py) instead of importing it.
    pricing_rules.install(app)
    # Likewise the catalog's reviews (catalog/reputation.py) and the monitor's sales (pricing/order_figures.py).
    order_reputation.install(app)
    order_figures.install(app)
    # Orders tell the escrow of payments what happened to the money (orders/payment.py).
    payment_escrow.install(app)


def _register_template_helpers(app):

    app.jinja_env.filters["idr"] = format_idr
    app.jinja_env.filters["wib"] = format_wib
    app.jinja_env.filters["qty"] = format_quantity
    app.jinja_env.filters["plain_qty"] = plain_quantity
    app.jinja_env.filters["date_id"] = format_day
    app.jinja_env.filters["note"] = note_text
    init_flashing(app)

    # Templates ask the state machines for labels, badge colours and the buttons to show.
    app.jinja_env.globals["states"] = SimpleNamespace(
        organization=ORGANIZATION_STATES,
        listing=LISTING_STATES,
        price_request=PRICE_REQUEST_STATES,
        order=ORDER_STATES,
        checkout=CHECKOUT_STATES,
        payment=PAYMENT_STATES,
        refund=REFUND_STATES,
        payout=PAYOUT_STATES,
    )
    app.jinja_env.globals["available_actions"] = lambda machine, obj: machine.available_actions(obj, current_user)
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["language_alternates"] = language_alternates
    app.jinja_env.globals["price_position"] = price_position

    @app.context_processor
    def inject_globals():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}


def _register_hooks(app):

    app.after_request(set_security_headers)

    @app.after_request
    def _no_store_for_signed_in(response):
        # Pages with personal data must not be cached by shared machines or proxies.
        if current_user.is_authenticated and request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
