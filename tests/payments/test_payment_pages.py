"""The payment pages over HTTP: the buyer's payment page and proof upload, who may open a proof and how it is served,
the coordinator's decisions and payouts (junk included), the CSV downloads, the IKM's balance and bank account, the
admin's settings of a sentra; and each page in a fixed number of queries."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db, limiter
from marketplace.orders.models import Checkout
from marketplace.payments import services
from marketplace.payments.models import BankAccount, Payment, Payout, SentraPaymentSettings, TransferProof
from marketplace.payments.services import PayoutInput
from tests import factories
from tests.conftest import login, make_config
from tests.helpers import QueryCounter, table_counts
from tests.payments.conftest import order_in
from tests.payments.test_bank_transfer import pdf_bytes, send_proof


def page_of(response):
    return response.get_data(as_text=True)


@pytest.fixture
def waiting(shop):
    shop.order = order_in(shop, "awaiting_payment")
    shop.checkout = shop.order.checkout
    return shop


# --- the buyer ---------------------------------------------------------------------------------------------------


def test_the_payment_page_shows_the_sentras_account_the_exact_amount_the_reference_and_the_deadline(
    client, waiting, login_as
):
    login_as("buyer")
    page = page_of(client.get(f"/payments/checkouts/{waiting.checkout.id}"))
    assert 'data-testid="bank-instructions"' in page
    assert "0011223344" in page and "Koperasi Sentra" in page
    assert f'data-testid="payment-reference">{waiting.checkout.number}<' in page
    assert "Rp\u00a0850.000" in page
    assert 'data-testid="pay-by"' in page
    assert 'data-testid="stripe-form"' not in page  # no Stripe keys in the test app: bank transfer only


def test_without_the_sentras_account_the_buyer_is_told_to_ask_the_coordinator(client, waiting, login_as):
    db.session.delete(db.session.get(SentraPaymentSettings, waiting.settings.id))
    db.session.commit()
    login_as("buyer")
    page = page_of(client.get(f"/payments/checkouts/{waiting.checkout.id}"))
    assert 'data-testid="no-bank-account"' in page and 'data-testid="proof-form"' not in page


def test_the_checkout_and_order_pages_lead_to_the_payment_page(client, waiting, login_as):
    login_as("buyer")
    assert f"/payments/checkouts/{waiting.checkout.id}" in page_of(client.get(f"/checkouts/{waiting.checkout.id}"))
    assert f"/payments/checkouts/{waiting.checkout.id}" in page_of(client.get(f"/orders/{waiting.order.id}"))


def test_a_proof_uploaded_over_http_is_stored_and_the_page_says_it_is_being_checked(client, waiting, login_as):
    login_as("buyer")
    page = page_of(client.get(f"/payments/checkouts/{waiting.checkout.id}"))
    token = page.split('name="submission_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        f"/payments/checkouts/{waiting.checkout.id}/proof",
        data={"submission_token": token, "proof": (io.BytesIO(pdf_bytes()), "bukti.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = page_of(response)
    assert 'data-testid="proof-waiting"' in page
    assert db.session.scalar(select(func.count(TransferProof.id))) == 1


def test_a_file_that_is_no_proof_is_refused_beside_the_field_and_nothing_is_stored(client, waiting, login_as):
    login_as("buyer")
    before = table_counts()
    response = client.post(
        f"/payments/checkouts/{waiting.checkout.id}/proof",
        data={"submission_token": new_submission_token(), "proof": (io.BytesIO(b"MZ\x90\x00 an exe"), "virus.exe")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "invalid-feedback" in page_of(response)
    assert table_counts() == before


def test_a_request_larger_than_a_proof_may_be_is_refused_before_it_is_read(client, waiting, login_as):
    login_as("buyer")
    response = client.post(
        f"/payments/checkouts/{waiting.checkout.id}/proof",
        data={"submission_token": new_submission_token(), "proof": (io.BytesIO(b"0" * (9 * 1024 * 1024)), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_the_proof_is_served_privately_to_those_who_may_see_it(client, waiting, login_as):
    proof = send_proof(waiting, waiting.checkout)
    for who in ("buyer", "seller", "coordinator"):
        login_as(who)
        response = client.get(f"/payments/proofs/{proof.id}")
        assert response.status_code == 200, who
        assert response.mimetype == "image/webp"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    for who in ("other_buyer", "other_coordinator"):
        login_as(who)
        assert client.get(f"/payments/proofs/{proof.id}").status_code == 404, who
    # Not through the public photo route either.
    assert client.get(f"/media/{proof.storage_key}").status_code == 404


def test_a_pdf_proof_is_downloaded_not_shown(client, waiting, login_as):
    proof = send_proof(waiting, waiting.checkout, pdf_bytes())
    login_as("coordinator")
    response = client.get(f"/payments/proofs/{proof.id}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")


# --- the coordinator: decisions ---------------------------------------------------------------------------------


def test_the_coordinator_confirms_a_transfer_from_the_payments_page(client, waiting, login_as):
    payment = send_proof(waiting, waiting.checkout).payment
    login_as("coordinator")
    page = page_of(client.get("/payments/sentra"))
    assert 'data-testid="proof-waiting"' in page and waiting.checkout.number in page
    response = client.post(f"/payments/payments/{payment.id}/decision", data={"action": "confirm"})
    assert response.status_code == 302
    assert db.session.get(Checkout, waiting.checkout.id).status == "paid"
    assert 'data-testid="no-proofs"' in page_of(client.get("/payments/sentra"))


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "reject_proof", "reason": ""},
        {"action": "reject_proof", "reason": "x"},
        {"action": "reject_proof", "reason": "x" * 5000},
        {"action": "pay_twice"},
        {"action": ""},
        {},
        {"action": "<script>alert('x')</script>", "reason": "<script>alert('x')</script>"},
    ],
)
def test_junk_decisions_change_nothing(client, waiting, login_as, payload):
    payment = send_proof(waiting, waiting.checkout).payment
    login_as("coordinator")
    before = table_counts()
    response = client.post(f"/payments/payments/{payment.id}/decision", data=payload, follow_redirects=True)
    assert response.status_code == 200
    assert "<script>alert('x')</script>" not in page_of(response)
    assert table_counts() == before
    assert db.session.get(Payment, payment.id).status == "submitted"


def test_a_rejection_without_a_reason_is_shown_beside_the_reason_field(client, waiting, login_as):
    payment = send_proof(waiting, waiting.checkout).payment
    login_as("coordinator")
    response = client.post(f"/payments/payments/{payment.id}/decision", data={"action": "reject_proof", "reason": ""})
    assert f'id="reason-{payment.id}-error"' in page_of(response)


def test_the_coordinator_records_a_refund_transferred_back(client, shop, login_as):
    order = order_in(shop, "rejected")
    login_as("coordinator")
    page = page_of(client.get("/payments/sentra"))
    assert order.number in page
    refund_id = page.split("/payments/refunds/")[1].split("/")[0]
    response = client.post(
        f"/payments/refunds/{refund_id}/transfer",
        data={"bank_reference": "TRF-BALIK-01", "paid_on": date.today().isoformat()},
    )
    assert response.status_code == 302
    assert 'data-testid="no-refunds"' in page_of(client.get("/payments/sentra"))
    login_as("buyer")
    page = page_of(client.get(f"/payments/checkouts/{order.checkout_id}"))
    assert "TRF-BALIK-01" in page


# --- the coordinator: balances and payouts ----------------------------------------------------------------------


def test_the_payouts_page_shows_each_ikms_balance_and_records_a_payout(client, shop, login_as):
    order_in(shop, "completed")
    login_as("coordinator")
    page = page_of(client.get("/payments/payouts"))
    assert "Rp\u00a0828.750" in page  # Rp 850.000 less the 2.5 % fee
    form = page.split('data-testid="payout-form"')[1]
    token = form.split('name="submission_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/payments/payouts",
        data={
            "submission_token": token,
            "organization_id": shop.ikm.id,
            "amount_idr": "800000",
            "paid_on": date.today().isoformat(),
            "bank_reference": "BRI-OUT-7",
            "note": "",
        },
    )
    assert response.status_code == 302
    page = page_of(client.get("/payments/payouts"))
    assert "BRI-OUT-7" in page and "Rp\u00a028.750" in page


def test_a_payout_above_the_balance_is_shown_beside_the_amount(client, shop, login_as):
    order_in(shop, "completed")
    login_as("coordinator")
    before = table_counts()
    response = client.post(
        "/payments/payouts",
        data={
            "submission_token": new_submission_token(),
            "organization_id": shop.ikm.id,
            "amount_idr": "999999999",
            "paid_on": date.today().isoformat(),
            "bank_reference": "BRI-OUT-8",
        },
    )
    assert response.status_code == 200
    assert 'id="amount_idr-error"' in page_of(response)
    assert table_counts() == before


@pytest.mark.parametrize("reason", ["", "x" * 5000])
def test_a_payout_is_not_voided_without_a_proper_reason(client, shop, login_as, reason):
    order_in(shop, "completed")
    payout = services.record_payout(
        shop.coordinator, PayoutInput(shop.ikm.id, 1_000, date.today(), "R-1", ""), new_submission_token()
    )
    login_as("coordinator")
    before = table_counts()
    response = client.post(f"/payments/payouts/{payout.id}/void", data={"reason": reason}, follow_redirects=True)
    assert response.status_code == 200 and "alert-danger" in page_of(response)
    assert table_counts() == before


def test_a_payout_is_voided_from_the_payouts_page(client, shop, login_as):
    order_in(shop, "completed")
    payout = services.record_payout(
        shop.coordinator, PayoutInput(shop.ikm.id, 1_000, date.today(), "R-1", ""), new_submission_token()
    )
    login_as("coordinator")
    client.post(f"/payments/payouts/{payout.id}/void", data={"reason": "Salah nominal"})
    assert db.session.get(Payout, payout.id).status == "voided"


def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_balances_and_payouts_download_as_csv(client, shop, login_as):
    order_in(shop, "completed")
    shop.ikm.name = '=HYPERLINK("http://x")'  # a name a spreadsheet would run as a formula
    db.session.commit()
    services.record_payout(
        shop.coordinator, PayoutInput(shop.ikm.id, 28_750, date(2026, 11, 20), "-R-9", ""), new_submission_token()
    )
    login_as("coordinator")
    balances = read_csv(client.get("/payments/payouts/balances.csv"))
    assert balances[0][:2] == ["IKM", "Saldo (Rp)"]
    row = next(r for r in balances if r[1] == "800000")
    assert row[0].startswith("'=HYPERLINK")
    payouts = read_csv(client.get("/payments/payouts/payouts.csv"))
    assert payouts[1][:4] == ["2026-11-20", '\'=HYPERLINK("http://x")', "28750", "'-R-9"]


def test_a_coordinator_sees_only_the_ikms_of_their_own_sentra(client, shop, login_as):
    login_as("coordinator")
    page = page_of(client.get("/payments/payouts"))
    assert shop.ikm.name in page and shop.ceper_ikm.name not in page


# --- the IKM ------------------------------------------------------------------------------------------------------


def test_the_ikms_balance_page_shows_balance_held_entries_and_payouts(client, shop, login_as):
    order_in(shop, "completed")
    order_in(shop, "shipped")
    services.record_payout(
        shop.coordinator, PayoutInput(shop.ikm.id, 28_750, date(2026, 11, 20), "BRI-9", ""), new_submission_token()
    )
    login_as("seller")
    page = page_of(client.get("/payments/balance"))
    assert 'data-testid="balance-available">Rp\u00a0800.000<' in page
    assert 'data-testid="balance-held">Rp\u00a0850.000<' in page
    assert page.count('data-testid="entry"') == 5  # two held, released, fee, payout
    assert "BRI-9" in page


def test_a_new_ikm_sees_empty_states(client, shop, login_as):
    login_as("seller")
    page = page_of(client.get("/payments/balance"))
    assert 'data-testid="no-entries"' in page and 'data-testid="no-payouts"' in page


def test_the_owner_sets_the_bank_account_and_junk_is_refused(client, shop, login_as):
    login_as("seller")
    response = client.post(
        "/payments/bank-account", data={"bank_name": "BNI", "account_number": "12-34 5678", "account_holder": "UD A"}
    )
    assert response.status_code == 302
    account = db.session.scalar(select(BankAccount).where(BankAccount.organization_id == shop.ikm.id))
    assert (account.bank_name, account.account_number) == ("BNI", "12345678")
    response = client.post(
        "/payments/bank-account", data={"bank_name": "BNI", "account_number": "12ab", "account_holder": "UD A"}
    )
    assert 'id="account_number-error"' in page_of(response)


def test_a_seller_who_is_not_an_owner_cannot_change_the_bank_account(client, shop, login_as):
    colleague = factories.make_user("seller", organization=shop.ikm, is_owner=False)
    db.session.commit()
    login_as(colleague)
    assert client.get("/payments/bank-account").status_code == 403
    assert 'data-testid="edit-bank-account"' not in page_of(client.get("/payments/balance"))


# --- the admin ----------------------------------------------------------------------------------------------------


def test_the_admin_sets_a_sentras_fee_and_bank_account(client, shop, login_as):
    login_as("admin")
    assert f"/payments/admin/sentras/{shop.jombang.id}" in page_of(client.get("/admin/sentras"))
    response = client.post(
        f"/payments/admin/sentras/{shop.other_sentra.id}",
        data={"platform_fee_pct": "1.5", "bank_name": "BRI", "account_number": "5550001", "account_holder": "Ceper"},
    )
    assert response.status_code == 302
    settings = services.settings_of(shop.other_sentra.id)
    assert (str(settings.platform_fee_pct), settings.account_number) == ("1.50", "5550001")


@pytest.mark.parametrize("fee", ["100", "-1", "2.555", "NaN", "abc"])
def test_a_fee_outside_0_to_99_99_is_refused(client, shop, login_as, fee):
    login_as("admin")
    response = client.post(
        f"/payments/admin/sentras/{shop.jombang.id}",
        data={"platform_fee_pct": fee, "bank_name": "BRI", "account_number": "5550001", "account_holder": "Ceper"},
    )
    assert 'id="platform_fee_pct-error"' in page_of(response)
    assert services.settings_of(shop.jombang.id).platform_fee_pct == Decimal("2.50")


# --- queries ------------------------------------------------------------------------------------------------------


def _queries(client, url):
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_payment_pages_load_in_a_fixed_number_of_queries(client, shop, login_as):
    first = order_in(shop, "completed")
    send_proof(shop, order_in(shop, "awaiting_payment").checkout)  # one of each kind for the first look
    order_in(shop, "rejected")
    pages = {
        "buyer": [f"/payments/checkouts/{first.checkout_id}"],
        "seller": ["/payments/balance", f"/payments/checkouts/{first.checkout_id}"],
        "coordinator": ["/payments/sentra", "/payments/payouts", f"/payments/checkouts/{first.checkout_id}"],
    }
    counts = {}
    for label in ("few", "many"):
        counts[label] = {}
        for who, urls in pages.items():
            login_as(who)
            for url in urls:
                counts[label][(who, url)] = _queries(client, url)
        # More of everything for the second look: orders, proofs waiting, refunds, payouts, IKMs.
        for _ in range(3):
            order_in(shop, "completed")
            order_in(shop, "rejected")
            waiting = order_in(shop, "awaiting_payment")
            send_proof(shop, waiting.checkout)
            factories.make_ikm(shop.jombang)
            services.record_payout(
                shop.coordinator, PayoutInput(shop.ikm.id, 1_000, date.today(), "R", ""), new_submission_token()
            )
        db.session.commit()
    assert counts["many"] == counts["few"]


def test_an_expired_checkouts_payment_page_says_so_and_offers_no_payment(client, waiting, login_as):
    db.session.execute(
        Checkout.__table__.update()
        .where(Checkout.id == waiting.checkout.id)
        .values(pay_by=utcnow() - timedelta(minutes=5))
    )
    db.session.commit()
    login_as("buyer")
    page = page_of(client.get(f"/payments/checkouts/{waiting.checkout.id}"))
    assert 'data-testid="proof-form"' not in page
    assert db.session.get(Checkout, waiting.checkout.id).status == "expired"


def test_the_payouts_page_sits_under_payments_in_the_coordinators_bar(client, shop, login_as):
    login_as("coordinator")
    page = page_of(client.get("/payments/payouts"))
    bar = page.split('data-testid="workspace-nav"')[1].split("</nav>")[0]
    assert '<a class="nav-link active" href="/payments/sentra">' in bar
    tabs = page.split('data-testid="payment-tabs"')[1].split("</ul>")[0]
    assert 'href="/payments/payouts" aria-current="page"' in tabs


def test_with_stripe_the_payment_page_offers_it_and_lets_its_form_lead_to_stripe(app, client, waiting, login_as):
    keys = {"STRIPE_SECRET_KEY": "sk_test_page", "STRIPE_WEBHOOK_SECRET": "whsec_page"}
    before = {name: app.config[name] for name in keys}
    app.config.update(keys)
    try:
        login_as("buyer")
        response = client.get(f"/payments/checkouts/{waiting.checkout.id}")
    finally:
        app.config.update(before)
    assert 'data-testid="stripe-form"' in page_of(response)
    assert "form-action 'self' https://checkout.stripe.com" in response.headers["Content-Security-Policy"]
    # Elsewhere forms stay on this site.
    assert "form-action 'self';" in client.get("/cart").headers["Content-Security-Policy"]


def test_proof_uploads_are_bounded_per_user(database_url, app, waiting):
    """Each proof is decoded: a buyer sending file after file is stopped (RATELIMIT_UPLOAD)."""
    limited = create_app(make_config(database_url, RATE_LIMITS_ENABLED=True, RATELIMIT_UPLOAD="2 per hour"))
    with limited.app_context():
        limiter.reset()
    client = limited.test_client()
    login(client, waiting.buyer)
    codes = [
        client.post(
            f"/payments/checkouts/{waiting.checkout.id}/proof",
            data={"submission_token": new_submission_token(), "proof": (io.BytesIO(b"not a proof"), "x.txt")},
            content_type="multipart/form-data",
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
