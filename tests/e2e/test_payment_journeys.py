"""Browser journeys of payments: a buyer pays by bank transfer and sends a proof (junk first), the coordinator
confirms and the orders move on; an IKM's completed order shows in its balance, its owner gives a bank account, the
coordinator records a payout (too much first) and the IKM sees it; a refund is transferred back and recorded; the
admin sets a sentra's fee and bank account. On a phone and a wide screen, in both languages."""

import io
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.orders.models import Checkout, Order
from marketplace.payments.models import Payout, Refund, SentraPaymentSettings
from tests import factories
from tests.e2e.conftest import assert_fits_phone, field_errors, sign_in, switch_language

pytestmark = pytest.mark.e2e


def _market(suffix):
    """A sentra with its bank account and a 2 % fee, an IKM with a listing, a buyer company, a coordinator."""
    sentra = factories.make_sentra(slug=f"bayar-{suffix}", name=f"Sentra Bayar {suffix}")
    category = factories.make_category(slug=f"paving-bayar-{suffix}")
    product_type = factories.make_product_type(category, slug=f"paving-bayar-{suffix}", name="Paving block K-300")
    factories.make_schedule(sentra, product_type, floor=60_000, reference=85_000, ceiling=120_000)
    ikm = factories.make_ikm(sentra, name=f"UD Paving Bayar {suffix}")
    buyer_org = factories.make_buyer_org(name=f"PT Pembeli Bayar {suffix}")
    db.session.add(
        SentraPaymentSettings(
            sentra_id=sentra.id,
            platform_fee_pct=Decimal("2.00"),
            bank_name="Bank Jatim",
            account_number="0061234567",
            account_holder=f"Koperasi Sentra {suffix}",
        )
    )
    world = {
        "sentra": sentra,
        "ikm": ikm,
        "seller": factories.make_user("seller", organization=ikm),
        "coordinator": factories.make_user("coordinator", sentra=sentra),
        "buyer": factories.make_user("buyer", organization=buyer_org),
        "listing": factories.make_listing(
            ikm, product_type, title=f"Paving Bayar {suffix}", price_idr=85_000, stock=Decimal("1000")
        ),
    }
    db.session.commit()
    return world


def _order(w, status, quantity=10):
    order = factories.make_order(
        w["buyer"], w["listing"], quantity, status=status, seller=w["seller"], coordinator=w["coordinator"]
    )
    db.session.commit()
    return order


def _file(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _receipt_png():
    out = io.BytesIO()
    Image.new("RGB", (600, 900), (240, 244, 248)).save(out, format="PNG")
    return out.getvalue()


def test_a_buyer_pays_by_bank_transfer_and_the_coordinator_confirms(page, new_page, tmp_path):
    w = _market("transfer")
    order = _order(w, "awaiting_payment")
    checkout_id = order.checkout_id
    sign_in(page, w["buyer"].email, factories.PASSWORD)
    page.goto(f"/checkouts/{checkout_id}")
    page.get_by_test_id("pay-now").click()
    instructions = page.get_by_test_id("bank-instructions")
    expect(instructions).to_contain_text("0061234567")
    expect(page.get_by_test_id("payment-reference")).to_have_text(order.checkout.number)
    expect(page.get_by_test_id("amount-to-pay")).to_have_text("Rp 850.000")
    assert_fits_phone(page)

    # Junk first: a file that is no photo or PDF is refused beside the field, and nothing is stored.
    form = page.get_by_test_id("proof-form")
    form.locator("input[name=proof]").set_input_files(_file(tmp_path, "catatan.txt", b"bukan bukti transfer"))
    form.locator("button[type=submit]").click()
    expect(field_errors(page, "proof")).to_contain_text("PDF")
    assert_fits_phone(page)
    form = page.get_by_test_id("proof-form")
    form.locator("input[name=proof]").set_input_files(_file(tmp_path, "bukti.png", _receipt_png()))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("proof-waiting")).to_be_visible()
    expect(page.get_by_test_id("payment-status")).to_have_text("Sedang diperiksa")
    assert_fits_phone(page)

    # The coordinator, on a wide screen in English, opens the proof and confirms the money arrived.
    desk = new_page()
    desk.set_viewport_size({"width": 1280, "height": 800})
    desk.goto("/")
    switch_language(desk, "en")
    sign_in(desk, w["coordinator"].email, factories.PASSWORD, button="Sign in")
    desk.goto("/payments/sentra")
    waiting = desk.get_by_test_id("proof-waiting")
    expect(waiting).to_contain_text(order.checkout.number)
    expect(waiting.get_by_test_id("proof-amount")).to_have_text("Rp 850,000")
    proof_url = waiting.get_by_test_id("proof-link").first.get_attribute("href")
    assert desk.request.get(proof_url).headers["content-type"] == "image/webp"
    waiting.get_by_test_id("confirm-payment").get_by_role("button").click()
    expect(desk.get_by_role("alert").filter(has_text="confirmed")).to_be_visible()
    expect(desk.get_by_test_id("no-proofs")).to_be_visible()

    db.session.rollback()
    assert db.session.get(Checkout, checkout_id).status == "paid"
    assert db.session.get(Order, order.id).status == "paid"
    page.goto(f"/orders/{order.id}")
    expect(page.get_by_test_id("order-status")).to_have_text("Dibayar")
    seller = new_page()
    sign_in(seller, w["seller"].email, factories.PASSWORD)
    seller.goto("/payments/balance")
    expect(seller.get_by_test_id("balance-held")).to_have_text("Rp 850.000")
    assert_fits_phone(seller)


def test_a_rejected_proof_is_sent_again(page, new_page, tmp_path):
    w = _market("tolak")
    order = _order(w, "awaiting_payment")
    sign_in(page, w["buyer"].email, factories.PASSWORD)
    page.goto(f"/payments/checkouts/{order.checkout_id}")
    form = page.get_by_test_id("proof-form")
    form.locator("input[name=proof]").set_input_files(_file(tmp_path, "bukti.png", _receipt_png()))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("proof-waiting")).to_be_visible()

    desk = new_page()
    sign_in(desk, w["coordinator"].email, factories.PASSWORD)
    desk.goto("/payments/sentra")
    reject = desk.get_by_test_id("reject-proof")
    reject.locator("textarea").fill("no")
    reject.get_by_role("button").click()
    expect(desk.get_by_test_id("reject-proof").locator(".invalid-feedback")).to_be_visible()
    assert_fits_phone(desk)
    reject = desk.get_by_test_id("reject-proof")
    reject.locator("textarea").fill("Nominal pada foto tidak terbaca")
    reject.get_by_role("button").click()
    expect(desk.get_by_test_id("no-proofs")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("proof-rejected-reason")).to_have_text("Nominal pada foto tidak terbaca")
    expect(page.get_by_test_id("proof-form")).to_be_visible()
    assert_fits_phone(page)


def test_a_completed_order_reaches_the_ikms_balance_and_the_coordinator_pays_it_out(page, new_page):
    w = _market("cair")
    _order(w, "completed")  # Rp 850.000 less the 2 % fee: Rp 833.000
    sign_in(page, w["seller"].email, factories.PASSWORD)
    page.goto("/payments/balance")
    expect(page.get_by_test_id("balance-available")).to_have_text("Rp 833.000")
    expect(page.get_by_test_id("entry")).to_have_count(3)
    assert_fits_phone(page)
    page.get_by_test_id("edit-bank-account").click()
    form = page.get_by_test_id("bank-account-form")
    form.locator("input[name=bank_name]").fill("BRI")
    form.locator("input[name=account_number]").fill("12ab")
    form.locator("input[name=account_holder]").fill("UD Paving Bayar cair")
    form.get_by_role("button", name="Simpan").click()
    expect(field_errors(page, "account_number")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_test_id("bank-account-form").locator("input[name=account_number]").fill("0021 0100 1234 567")
    page.get_by_test_id("bank-account-form").get_by_role("button", name="Simpan").click()
    expect(page.get_by_test_id("balance-available")).to_be_visible()
    expect(page.get_by_text("002101001234567")).to_be_visible()

    desk = new_page()
    desk.set_viewport_size({"width": 1280, "height": 800})
    sign_in(desk, w["coordinator"].email, factories.PASSWORD)
    desk.goto("/payments/payouts")
    row = desk.get_by_test_id("balance-row").filter(has_text=w["ikm"].name)
    expect(row.get_by_test_id("balance-available")).to_have_text("Rp 833.000")
    form = desk.get_by_test_id("payout-form")
    form.locator("select[name=organization_id]").select_option(str(w["ikm"].id))
    form.locator("input[name=amount_idr]").fill("900000")
    form.locator("input[name=paid_on]").fill(date.today().isoformat())
    form.locator("input[name=bank_reference]").fill("TRF/BRI/0001")
    form.get_by_role("button").click()
    expect(field_errors(desk, "amount_idr")).to_contain_text("Rp 833.000")
    form = desk.get_by_test_id("payout-form")
    form.locator("input[name=amount_idr]").fill("833000")
    form.get_by_role("button").click()
    expect(desk.get_by_test_id("payout").first).to_contain_text("TRF/BRI/0001")
    expect(row.get_by_test_id("balance-available")).to_have_text("Rp 0")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Payout.id)).where(Payout.organization_id == w["ikm"].id)) == 1

    page.goto("/payments/balance")
    expect(page.get_by_test_id("payout")).to_contain_text("TRF/BRI/0001")
    expect(page.get_by_test_id("balance-available")).to_have_text("Rp 0")


def test_the_coordinator_records_a_refund_transferred_back_on_a_phone(page):
    w = _market("balik")
    order = _order(w, "rejected")
    sign_in(page, w["coordinator"].email, factories.PASSWORD)
    page.goto("/payments/sentra")
    due = page.get_by_test_id("refund-due").filter(has_text=order.number)
    expect(due).to_contain_text("Rp 850.000")
    due.locator("input[name=bank_reference]").fill("TRF/BALIK/01")
    due.get_by_role("button").click()
    expect(page.get_by_test_id("no-refunds")).to_be_visible()
    assert_fits_phone(page)
    db.session.rollback()
    refund = db.session.scalar(db.select(Refund).where(Refund.order_id == order.id))
    assert (refund.status, refund.bank_reference) == ("succeeded", "TRF/BALIK/01")


def test_the_admin_sets_a_sentras_fee_and_bank_account(page):
    sentra = factories.make_sentra(slug="bayar-admin", name="Sentra Bayar Admin")
    admin = factories.make_user("admin")
    db.session.commit()
    sign_in(page, admin.email, factories.PASSWORD)
    page.goto("/admin/sentras")
    page.locator(f"a[href='/payments/admin/sentras/{sentra.id}']").click()
    form = page.get_by_test_id("sentra-settings-form")
    form.locator("input[name=platform_fee_pct]").fill("120")
    form.locator("input[name=bank_name]").fill("Bank Jatim")
    form.locator("input[name=account_number]").fill("0061234567")
    form.locator("input[name=account_holder]").fill("Koperasi Sentra Bayar Admin")
    form.get_by_role("button", name="Simpan").click()
    expect(field_errors(page, "platform_fee_pct")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_test_id("sentra-settings-form").locator("input[name=platform_fee_pct]").fill("1.5")
    page.get_by_test_id("sentra-settings-form").get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("alert").filter(has_text="Sentra Bayar Admin")).to_be_visible()
    db.session.rollback()
    settings = db.session.scalar(db.select(SentraPaymentSettings).where(SentraPaymentSettings.sentra_id == sentra.id))
    assert (settings.platform_fee_pct, settings.account_holder) == (Decimal("1.50"), "Koperasi Sentra Bayar Admin")
