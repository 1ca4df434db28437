"""A real Stripe peer for the payments tests: localstripe, a recording Stripe front for what localstripe lacks, signed
events, and a live server of the app for localstripe's own webhook deliveries.

- `localstripe` (session): the localstripe server (PyPI) in a subprocess on a free port, killed at the end.
- `fake_stripe` (per test): a small HTTP server the app's Stripe library talks to (STRIPE_API_BASE). It records
  every request as sent (path, headers, form fields), answers Checkout Session calls itself (localstripe has none)
  and passes everything else on to localstripe.
- `stripe_on` (per test): the app configured for Stripe against `fake_stripe`.
- `localstripe_webhooks` (per test): a second app on the suite's database with CSRF on, served in a thread,
  registered as localstripe's webhook endpoint while the test runs. Tests that use it commit for real
  (`database_url`, see tests/conftest.py).

Test modules load this file with `pytest_plugins = ["tests.payments.stripe_fixtures"]` and import its helpers,
so pytest sees it imported before it is a plugin and cannot rewrite its asserts (it has none): PYTEST_DONT_REWRITE.
"""

import hashlib
import hmac
import itertools
import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
from sqlalchemy import select
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.extensions import db
from marketplace.payments import stripe_payments
from marketplace.payments.models import Payment, PaymentMethod
from tests.conftest import make_config
from tests.payments.conftest import order_in

SECRET_KEY = "sk_test_pasar_sentra"
WEBHOOK_SECRET = "whsec_test_pasar_sentra"
LOCALSTRIPE = Path(sys.executable).parent / "localstripe"
STRIPE_CONFIG = {
    "STRIPE_SECRET_KEY": SECRET_KEY,
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "STRIPE_MAX_NETWORK_RETRIES": 0,
}
_ids = itertools.count(1)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url, process, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (our own server on 127.0.0.1)
            return
        except urllib.error.HTTPError:
            return  # it answers (401 without a key)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"localstripe did not answer on {url}")


@pytest.fixture(scope="session")
def localstripe():
    """localstripe's base URL; its data lives in memory for the whole session (it also writes a copy to /tmp)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [str(LOCALSTRIPE), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(f"{base}/v1/customers", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- a recording Stripe front -----------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict
    fields: list  # the form fields as sent: [("line_items[0][price_data][unit_amount]", "8500000"), …]

    def field(self, name):
        values = [value for key, value in self.fields if key == name]
        if len(values) != 1:
            raise LookupError(f"{name} sent {len(values)} times: {values}")
        return values[0]

    def names(self):
        return [key for key, _ in self.fields]


@dataclass
class FakeStripe:
    """What the app's Stripe library sent, and the Checkout Sessions it was given."""

    url: str
    localstripe: str
    requests: list = field(default_factory=list)
    sessions: dict = field(default_factory=dict)
    answers_by_key: dict = field(default_factory=dict)
    refuse_sessions: bool = False  # answer session creation with Stripe's 400
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.sessions.clear()
            self.answers_by_key.clear()
            self.refuse_sessions = False

    def sent(self, method, path_pattern):
        with self.lock:
            return [r for r in self.requests if r.method == method and re.fullmatch(path_pattern, r.path)]

    def set_session(self, session_id, **changes):
        """Change what Stripe says of a session (paid, expired, …), as if the buyer had acted on Stripe's page."""
        with self.lock:
            self.sessions[session_id].update(changes)

    # the handler's side

    def create_session(self, fields, key):
        with self.lock:
            if key and key in self.answers_by_key:
                return 200, self.answers_by_key[key]  # Stripe answers a repeated idempotency key with its first answer
            if self.refuse_sessions:
                return 400, {"error": {"type": "invalid_request_error", "code": "parameter_invalid", "message": "No."}}
            values = dict(fields)
            session_id = f"cs_test_{next(_ids):06d}"
            amounts = [int(v) for k, v in fields if k.endswith("[price_data][unit_amount]")]
            session = {
                "id": session_id,
                "object": "checkout.session",
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "status": "open",
                "payment_status": "unpaid",
                "mode": values.get("mode"),
                "currency": "idr",
                "amount_total": sum(amounts),
                "client_reference_id": values.get("client_reference_id"),
                "expires_at": int(values["expires_at"]),
                "payment_intent": None,
                "metadata": {
                    name: values[f"metadata[{name}]"]
                    for name in ("checkout_id", "payment_id", "reference")
                    if f"metadata[{name}]" in values
                },
            }
            self.sessions[session_id] = session
            if key:
                self.answers_by_key[key] = session
            return 200, session

    def session_answer(self, session_id, expire=False):
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No."}}
            if expire:
                if session["status"] != "open":
                    return 400, {"error": {"type": "invalid_request_error", "message": "Not open."}}
                session["status"] = "expired"
            return 200, dict(session)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer()

    def do_DELETE(self):
        self._answer()

    def _answer(self):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        fields = parse_qsl(body.decode() if self.command == "POST" else split.query, keep_blank_values=True)
        with fake.lock:
            fake.requests.append(RecordedRequest(self.command, split.path, dict(self.headers.items()), fields))
        session_path = re.fullmatch(r"/v1/checkout/sessions(?:/([\w]+))?(/expire)?", split.path)
        if session_path and self.command == "POST" and session_path.group(1) is None:
            status, answer = fake.create_session(fields, self.headers.get("Idempotency-Key"))
        elif session_path and session_path.group(1):
            status, answer = fake.session_answer(session_path.group(1), expire=bool(session_path.group(2)))
        else:
            status, answer = self._forward(fake.localstripe, body)
        payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _forward(self, base, body):
        headers = {
            name: self.headers[name]
            for name in ("Authorization", "Content-Type", "Idempotency-Key", "Stripe-Version")
            if self.headers.get(name)
        }
        url = base + self.path  # localstripe on 127.0.0.1
        request = urllib.request.Request(url, data=body or None, headers=headers, method=self.command)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (localstripe on 127.0.0.1)
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture(scope="session")
def _fake_stripe_server(localstripe):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.fake = FakeStripe(url=f"http://127.0.0.1:{server.server_port}", localstripe=localstripe)
    thread = threading.Thread(target=server.serve_forever, name="fake-stripe", daemon=True)
    thread.start()
    yield server.fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def fake_stripe(_fake_stripe_server):
    _fake_stripe_server.reset()
    return _fake_stripe_server


@pytest.fixture
def stripe_on(app, fake_stripe, monkeypatch):
    """The app configured for Stripe, its library talking to `fake_stripe` (and through it to localstripe)."""
    for name, value in {**STRIPE_CONFIG, "STRIPE_API_BASE": fake_stripe.url}.items():
        monkeypatch.setitem(app.config, name, value)
    return fake_stripe


# --- the buyer on Stripe's side ---------------------------------------------------------------------------------


def stripe_client(base):
    """The Stripe library as the buyer's side of Stripe: what Stripe's hosted page would do, at localstripe."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": base}, max_network_retries=0)


def stripe_metadata(payment):
    return {"checkout_id": str(payment.checkout_id), "payment_id": str(payment.id), "reference": payment.reference}


def pay_at_stripe(base, payment, amount_idr=None, card="pm_card_visa"):
    """The buyer pays a payment at localstripe: a confirmed PaymentIntent in IDR carrying the payment's metadata, as
    a Checkout Session makes one. A declined card raises stripe.CardError (localstripe still reports the failure)."""
    return stripe_client(base).v1.payment_intents.create(
        {
            "amount": (payment.amount_idr if amount_idr is None else amount_idr) * 100,
            "currency": "idr",
            "payment_method": card,
            "confirm": True,
            "metadata": stripe_metadata(payment),
        }
    )


def decline_at_stripe(base, amount_idr, metadata):
    """A card declined at localstripe: the PaymentIntent left waiting for another payment method."""
    client = stripe_client(base)
    params = {"amount": amount_idr * 100, "currency": "idr", "confirm": True, "metadata": metadata}
    try:
        client.v1.payment_intents.create({**params, "payment_method": "pm_card_chargeCustomerFail"})
    except stripe.CardError as declined:
        # localstripe names the failed charge, and the charge its PaymentIntent.
        charge_id = declined.json_body["error"]["charge"]
        return client.v1.payment_intents.retrieve(client.v1.charges.retrieve(charge_id).payment_intent)
    raise AssertionError("localstripe did not decline pm_card_chargeCustomerFail")


# --- signed events ----------------------------------------------------------------------------------------------


def signature_header(payload, secret=WEBHOOK_SECRET, timestamp=None):
    """Stripe's Stripe-Signature: t=<timestamp>,v1=<HMAC-SHA256 of "timestamp.payload" with the endpoint's secret>."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_body(event_type, obj, event_id=None):
    return {
        "id": event_id or f"evt_test_{next(_ids):06d}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": obj},
    }


def session_object(payment, amount_idr=None, payment_status="paid", status="complete", intent_id="pi_test_1"):
    """A Checkout Session as Stripe sends it in an event, for a payment the app opened."""
    return {
        "id": payment.stripe_session_id,
        "object": "checkout.session",
        "url": None,
        "status": status,
        "payment_status": payment_status,
        "mode": "payment",
        "currency": "idr",
        "amount_total": (payment.amount_idr if amount_idr is None else amount_idr) * 100,
        "client_reference_id": str(payment.checkout_id),
        "payment_intent": intent_id,
        "metadata": stripe_metadata(payment),
    }


def intent_object(payment, amount_idr=None, status="succeeded", intent_id="pi_test_1", failure_code=None):
    amount = (payment.amount_idr if amount_idr is None else amount_idr) * 100
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": "idr",
        "status": status,
        "last_payment_error": {"code": failure_code, "message": "Declined."} if failure_code else None,
        "metadata": stripe_metadata(payment),
    }


def post_event(client, body, secret=WEBHOOK_SECRET, timestamp=None, header=None, payload=None):
    """Deliver an event to the webhook route as Stripe does: the exact bytes, signed."""
    payload = payload if payload is not None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    signature = header if header is not None else signature_header(payload, secret, timestamp)
    if signature:
        headers["Stripe-Signature"] = signature
    return client.post("/payments/stripe/webhook", data=payload, headers=headers)


# --- the app as localstripe's webhook endpoint ------------------------------------------------------------------


@pytest.fixture(scope="session")
def webhook_server(app, database_url):
    """A second app on the suite's database (CSRF on, as in production), served in a thread: its base URL."""
    server_app = create_app(make_config(database_url, WTF_CSRF_ENABLED=True, **STRIPE_CONFIG))
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="stripe-webhook-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with server_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def second_app(app, database_url, _fake_stripe_server):
    """Another app on the suite's database, its Stripe being `fake_stripe`: its requests run on connections of their
    own, in threads of the test's choosing (tests that use it commit for real)."""
    other = create_app(make_config(database_url, STRIPE_API_BASE=_fake_stripe_server.url, **STRIPE_CONFIG))
    yield other
    with other.app_context():
        db.engine.dispose()


def _register_webhook(localstripe, endpoint, events):
    body = json.dumps({"url": endpoint, "secret": WEBHOOK_SECRET, "events": events}).encode()
    url = f"{localstripe}/_config/webhooks/pasar-sentra"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 (localstripe on 127.0.0.1)


@pytest.fixture
def localstripe_webhooks(webhook_server, localstripe):
    """localstripe delivers its payment_intent events, signed with the test secret, to the webhook server, for this
    test only: deliveries during other tests would commit into their rolled-back database."""
    _register_webhook(
        localstripe,
        f"{webhook_server}/payments/stripe/webhook",
        ["payment_intent.succeeded", "payment_intent.payment_failed"],
    )
    yield webhook_server
    # localstripe cannot forget an endpoint: it is left listening for an event type that never happens.
    _register_webhook(localstripe, f"{webhook_server}/payments/stripe/webhook", ["pasar_sentra.nothing"])


def wait_for(read, expected, seconds=15):
    """Read again (in a fresh transaction: the server commits on another connection) until `expected` comes."""
    deadline = time.monotonic() + seconds
    value = None
    while time.monotonic() < deadline:
        db.session.rollback()
        value = read()
        if value == expected:
            return value
        time.sleep(0.2)
    return value


# --- a checkout being paid by Stripe ----------------------------------------------------------------------------


def open_stripe_page(w, checkout, moment=None):
    """The buyer opens Stripe's page for a checkout, through the service (the session comes from `fake_stripe`)."""
    stripe_payments.start_stripe_payment(
        w.buyer,
        checkout,
        success_url=f"https://pasar.example.com/payments/checkouts/{checkout.id}/stripe/return",
        cancel_url=f"https://pasar.example.com/payments/checkouts/{checkout.id}",
        moment=moment,
    )
    return latest_stripe_payment(checkout.id)


def latest_stripe_payment(checkout_id):
    db.session.expire_all()
    return db.session.scalar(
        select(Payment)
        .where(Payment.checkout_id == checkout_id, Payment.method == PaymentMethod.STRIPE)
        .order_by(Payment.id.desc())
        .limit(1)
    )


@pytest.fixture
def paying(shop, stripe_on):
    """An order of w.listing awaiting payment (w.order, w.checkout), its buyer on Stripe's page (w.payment); w.fake
    is the Stripe the app talks to."""
    shop.fake = stripe_on
    shop.order = order_in(shop, "awaiting_payment")
    shop.checkout = shop.order.checkout
    shop.payment = open_stripe_page(shop, shop.checkout)
    return shop
