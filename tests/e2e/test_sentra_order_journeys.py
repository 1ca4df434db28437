"""Browser journeys of sentra orders: a buyer orders a quantity from a sentra (junk and a shortfall first), sees the
fair split across its IKMs and why, confirms and pays by bank transfer, which the coordinator confirms; an IKM declines
its paid share (too short a reason first) and the buyer sees the quantity allocated again to the others, with a new
checkout to pay; the coordinator follows the sentra orders, a declined share whose money paid the IKM that took it
over, and the fair shares on the competition monitor; junk that gets past the form (letters in a split's link, a
shortfall confirmed without the yes) is refused beside the field. On a phone and a wide screen, in both languages."""

import io
import re
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.orders import sentra_orders
from marketplace.orders.models import Checkout, Order, SentraOrder
from marketplace.payments.models import SentraPaymentSettings
from tests import factories
from tests.e2e.conftest import assert_fits_phone, field_errors, sign_in, switch_language

pytestmark = pytest.mark.e2e

WIDE = {"width": 1280, "height": 800}
SIGN_IN = {"id": "Masuk", "en": "Sign in"}
PAID = {"id": "Dibayar", "en": "Paid"}
REJECTED = {"id": "Ditolak", "en": "Rejected"}


def _n(value, language):
    """A whole number as the page writes it: 1.250.000 in Indonesian, 1,250,000 in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if language == "id" else text


def _rp(value, language):
    return f"Rp {_n(value, language)}"


def _market(suffix):
    """A sentra selling paving K-300 at a reference price of Rp 85.000 through three IKMs, each in tens of m² from
    10 m²: UD Paving Satu (capacity 1.000 m² a month, stock 1.000, 5 days), CV Paving Dua (PKP: PPN 11 %; 1.000,
    1.000, 7 days, its listing priced at Rp 95.000) and UD Paving Tiga (the largest capacity, 2.000, but only 300 in
    stock, 10 days). The sentra takes transfers (its bank account); a buyer company and the sentra's coordinator.

    1.000 m² split fairly: Satu 350 and Dua 350 (load 35 %), Tiga all its 300 (15 %). When Tiga declines, its 300 go
    150 to each of the others, and cost more than Tiga's share (Dua adds PPN): the buyer pays a new checkout. When Dua
    declines, Satu takes all its 350 (Tiga has no stock left), for less than Dua's share: the money paid for it pays
    Satu's new order."""
    sentra = factories.make_sentra(slug=f"sentra-pesan-{suffix}", name=f"Sentra Pesan {suffix}")
    category = factories.make_category(slug=f"paving-pesan-{suffix}", name="Paving block", name_en="Paving blocks")
    product_type = factories.make_product_type(category, slug=f"paving-pesan-{suffix}", name="Paving block K-300")
    factories.make_schedule(sentra, product_type, floor=60_000, reference=85_000, ceiling=120_000)
    satu = factories.make_ikm(sentra, name=f"UD Paving Satu {suffix}")
    dua = factories.make_ikm(sentra, name=f"CV Paving Dua {suffix}", is_pkp=True)
    tiga = factories.make_ikm(sentra, name=f"UD Paving Tiga {suffix}")
    buyer_org = factories.make_buyer_org(name=f"PT Pembeli Sentra {suffix}")
    db.session.add(
        SentraPaymentSettings(
            sentra_id=sentra.id,
            platform_fee_pct=Decimal("2.00"),
            bank_name="Bank Jatim",
            account_number="0061234567",
            account_holder=f"Koperasi Sentra Pesan {suffix}",
        )
    )

    def listing(ikm, capacity, stock, lead_time_days, price_idr=85_000):
        return factories.make_listing(
            ikm,
            product_type,
            title=f"Paving K-300 {ikm.name}",
            price_idr=price_idr,
            stock=Decimal(stock),
            capacity_per_month=Decimal(capacity),
            min_order=Decimal("10"),
            order_multiple=Decimal("10"),
            lead_time_days=lead_time_days,
        )

    world = {
        "sentra": sentra,
        "product_type": product_type,
        "satu": satu,
        "dua": dua,
        "tiga": tiga,
        "satu_listing": listing(satu, 1000, 1000, 5),
        "dua_listing": listing(dua, 1000, 1000, 7, price_idr=95_000),
        "tiga_listing": listing(tiga, 2000, 300, 10),
        "dua_seller": factories.make_user("seller", organization=dua),
        "tiga_seller": factories.make_user("seller", organization=tiga),
        "coordinator": factories.make_user("coordinator", sentra=sentra),
        "buyer": factories.make_user("buyer", organization=buyer_org),
    }
    db.session.commit()
    return world


def _paid_sentra_order(w, ikm):
    """A sentra order of 1.000 m², placed and paid through the services; returns it and the share of `ikm`."""
    sentra_order = factories.make_sentra_order(w["buyer"], w["sentra"], w["product_type"], 1000, paid=True)
    db.session.commit()
    share = db.session.scalar(
        db.select(Order).where(Order.sentra_order_id == sentra_order.id, Order.seller_organization_id == ikm.id)
    )
    return sentra_order, share


def _receipt(tmp_path):
    out = io.BytesIO()
    Image.new("RGB", (600, 900), (240, 244, 248)).save(out, format="PNG")
    path = tmp_path / "bukti.png"
    path.write_bytes(out.getvalue())
    return str(path)


def _look(page, product_type, quantity):
    form = page.get_by_test_id("sentra-order-form")
    form.locator("select[name=product_type]").select_option(str(product_type.id))
    form.locator("input[name=quantity]").fill(quantity)
    form.get_by_test_id("see-split").click()


def _sentra_order_count():
    db.session.rollback()  # see what the server committed
    return db.session.scalar(db.select(db.func.count(SentraOrder.id)))


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_buyer_orders_from_the_sentra_sees_the_fair_split_and_why_and_pays_by_transfer(
    page, new_page, tmp_path, language
):
    w = _market(f"beli-{language}")
    slug = w["sentra"].slug
    page.goto("/")
    switch_language(page, language)
    sign_in(page, w["buyer"].email, factories.PASSWORD, button=SIGN_IN[language])
    page.goto(f"/sentra/{slug}")
    page.get_by_test_id("order-from-sentra").click()
    expect(page.get_by_test_id("sentra-order-form")).to_be_visible()

    # Junk first: 0 is an error beside the quantity, and no split is proposed.
    _look(page, w["product_type"], "0")
    expect(field_errors(page, "quantity").first).to_be_visible()
    expect(page.get_by_test_id("proposed-split")).to_have_count(0)
    assert_fits_phone(page)

    # More than all the IKMs hold (2.300 m²): the shortfall is told, and placing the rest needs the buyer's yes.
    _look(page, w["product_type"], "3000")
    shortfall = page.get_by_test_id("shortfall")
    expect(shortfall).to_contain_text(_n(2300, language))
    expect(shortfall).to_contain_text(_n(3000, language))
    expect(shortfall).to_contain_text("700")
    accept = page.locator("input[name=accept_partial]")
    expect(accept).to_have_attribute("type", "checkbox")
    expect(accept).to_have_attribute("required", "")
    expect(page.get_by_test_id("split-row")).to_have_count(3)
    assert_fits_phone(page)

    # 1.000 m²: Satu and Dua 350 each, Tiga all of its 300, every one at the sentra's Rp 85.000 (Dua's own listing
    # says Rp 95.000); Dua is PKP, so its order carries PPN 11 %.
    _look(page, w["product_type"], "1000")
    expect(page.get_by_test_id("shortfall")).to_have_count(0)
    expect(page.get_by_test_id("proposed-split")).to_contain_text(_rp(85_000, language))
    rows = page.get_by_test_id("split-row")
    expect(rows).to_have_count(3)
    for row, (ikm, quantity, days, total) in zip(
        (rows.nth(0), rows.nth(1), rows.nth(2)),
        (
            (w["satu"], 350, 5, 29_750_000),
            (w["dua"], 350, 7, 29_750_000 + 3_272_500),
            (w["tiga"], 300, 10, 25_500_000),
        ),
        strict=True,
    ):
        expect(row).to_contain_text(ikm.name)
        expect(row).to_contain_text(f"{quantity} m²")
        expect(row).to_contain_text(re.compile(rf"\b{days}\b"))  # the lead time, in days
        expect(row).to_contain_text(_rp(total, language))
    expect(page.get_by_test_id("split-total")).to_have_text(_rp(88_272_500, language))

    # Why this split: what the allocator saw of each IKM and the load each ends at.
    why = page.get_by_test_id("why-split")
    why.locator("summary").click()
    expect(why).to_have_attribute("open", "")
    why_rows = why.get_by_test_id("why-item")  # on a phone, one short block per IKM
    expect(why_rows).to_have_count(3)
    tiga_why = why_rows.filter(has_text=w["tiga"].name)
    expect(tiga_why).to_contain_text(f"{_n(2000, language)} m²")  # the largest capacity…
    expect(tiga_why).to_contain_text("300 m²")  # …but 300 in stock, and all of it goes
    expect(tiga_why).to_contain_text("0 % → 15 %")
    expect(why_rows.filter(has_text=w["satu"].name)).to_contain_text("0 % → 35 %")
    expect(why_rows.filter(has_text=w["dua"].name)).to_contain_text("0 % → 35 %")
    assert_fits_phone(page)

    page.get_by_test_id("confirm-sentra-order").click()
    expect(page.get_by_test_id("bank-instructions")).to_contain_text("0061234567")
    db.session.rollback()
    sentra_order = db.session.scalar(db.select(SentraOrder).where(SentraOrder.sentra_id == w["sentra"].id))
    checkout_id = sentra_order.rounds[0].checkout_id
    expect(page).to_have_url(re.compile(rf"/payments/checkouts/{checkout_id}$"))
    expect(page.get_by_test_id("from-sentra-order")).to_contain_text(sentra_order.number)
    expect(page.get_by_test_id("amount-to-pay")).to_have_text(_rp(88_272_500, language))
    assert (sentra_order.quantity, len(sentra_order.rounds)) == (Decimal("1000"), 1)
    assert_fits_phone(page)

    form = page.get_by_test_id("proof-form")
    form.locator("input[name=proof]").set_input_files(_receipt(tmp_path))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("proof-waiting")).to_be_visible()

    # The coordinator confirms the transfer on the sentra's payments page: the three orders are paid.
    desk = new_page()
    sign_in(desk, w["coordinator"].email, factories.PASSWORD)
    desk.goto("/payments/sentra")
    waiting = desk.get_by_test_id("proof-waiting").filter(has_text=sentra_order.rounds[0].checkout.number)
    expect(waiting.get_by_test_id("proof-amount")).to_have_text(_rp(88_272_500, "id"))
    waiting.get_by_test_id("confirm-payment").get_by_role("button").click()
    expect(desk.get_by_test_id("no-proofs")).to_be_visible()
    db.session.rollback()
    assert db.session.get(Checkout, checkout_id).status == "paid"

    # The buyer follows the sentra order: one round, the three orders paid, all 1.000 m² with the IKMs.
    page.goto("/sentra-orders")
    page.get_by_test_id("sentra-order-row").get_by_role("link", name=sentra_order.number).click()
    expect(page.get_by_test_id("allocated")).to_have_text(f"{_n(1000, language)} m²")
    expect(page.get_by_test_id("round")).to_have_count(1)
    orders = page.get_by_test_id("split-order-row")
    expect(orders).to_have_count(3)
    for index in range(3):
        expect(orders.nth(index)).to_contain_text(PAID[language])
    expect(page.get_by_test_id("round-checkout")).to_have_text(sentra_order.rounds[0].checkout.number)
    page.get_by_test_id("why-split").locator("summary").click()
    expect(page.get_by_test_id("why-item")).to_have_count(3)
    assert_fits_phone(page)


def test_an_ikm_declines_its_paid_share_and_the_buyer_is_asked_to_pay_for_it_allocated_again(page, new_page):
    w = _market("tolak")
    sentra_order, share = _paid_sentra_order(w, w["tiga"])
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.type))  # the new_page fixture accepts them
    sign_in(page, w["tiga_seller"].email, factories.PASSWORD)
    page.goto(f"/orders/{share.id}")
    expect(page.get_by_test_id("order-status")).to_have_text(PAID["id"])
    card = page.get_by_test_id("decline-share")
    expect(card).to_contain_text(sentra_order.number)
    expect(page.get_by_test_id("action-reject")).to_have_count(0)  # a share is declined, not rejected
    assert_fits_phone(page)

    # Too short a reason: the browser holds it back before asking to confirm (the server refuses it too: see
    # tests/orders/test_sentra_order_pages.py), and the share stays paid.
    reason = card.locator("textarea[name=reason]")
    reason.fill("abc")
    card.get_by_test_id("decline-button").click()
    assert reason.evaluate("el => !el.checkValidity()")
    expect(page.get_by_test_id("order-status")).to_have_text(PAID["id"])
    assert dialogs == []
    db.session.rollback()
    assert db.session.get(Order, share.id).status == "paid"
    assert len(db.session.get(SentraOrder, sentra_order.id).rounds) == 1
    assert_fits_phone(page)

    card = page.get_by_test_id("decline-share")
    card.locator("textarea[name=reason]").fill("Mesin press rusak bulan ini")
    card.get_by_test_id("decline-button").click()
    expect(page.get_by_test_id("order-status")).to_have_text(REJECTED["id"])
    expect(page.get_by_test_id("status-reason")).to_contain_text("Mesin press rusak bulan ini")
    expect(page.get_by_test_id("decline-share")).to_have_count(0)
    expect(page.get_by_test_id("refund-due")).to_contain_text("Rp 25.500.000")  # the share's money goes back whole
    assert dialogs == ["confirm"]
    assert_fits_phone(page)

    # The buyer sees a second round: Tiga's 300 m² went 150 each to Satu and Dua, in a new checkout to pay (it costs
    # more than Tiga's share: Dua adds PPN).
    buyer = new_page()
    sign_in(buyer, w["buyer"].email, factories.PASSWORD)
    buyer.goto(f"/sentra-orders/{sentra_order.id}")
    rounds = buyer.get_by_test_id("round")
    expect(rounds).to_have_count(2)
    decline = rounds.nth(1).get_by_test_id("round-decline")
    expect(decline).to_contain_text(w["tiga"].name)
    expect(decline).to_contain_text(share.number)
    expect(decline).to_contain_text("300 m²")
    expect(decline).to_contain_text("Mesin press rusak bulan ini")
    shares = rounds.nth(1).get_by_test_id("round-shares").locator("li")
    expect(shares).to_have_count(2)
    expect(shares.filter(has_text=w["satu"].name)).to_contain_text("150 m²")
    expect(shares.filter(has_text=w["dua"].name)).to_contain_text("150 m²")
    expect(buyer.get_by_test_id("split-order-row")).to_have_count(5)
    expect(buyer.get_by_test_id("split-order-row").filter(has_text=w["tiga"].name)).to_contain_text(REJECTED["id"])
    expect(buyer.get_by_test_id("allocated")).to_have_text("1.000 m²")
    assert_fits_phone(buyer)

    rounds.nth(1).get_by_test_id("round-checkout").click()
    expect(buyer.get_by_test_id("from-sentra-order")).to_contain_text(sentra_order.number)
    # 2 × 150 × 85.000, and PPN 11 % on Dua's Rp 12.750.000
    expect(buyer.get_by_test_id("amount-to-pay")).to_have_text("Rp 26.902.500")
    expect(buyer.get_by_test_id("proof-form")).to_be_visible()
    assert_fits_phone(buyer)


def test_the_coordinator_follows_the_sentra_orders_and_the_fair_shares_on_a_wide_screen(page):
    w = _market("pantau")
    sentra_order, share = _paid_sentra_order(w, w["dua"])
    sentra_orders.decline_share(w["dua_seller"], share, "Mesin press rusak bulan ini")
    db.session.commit()
    page.set_viewport_size(WIDE)
    page.goto("/")
    switch_language(page, "en")
    sign_in(page, w["coordinator"].email, factories.PASSWORD, button="Sign in")

    page.goto("/sentra-orders")
    row = page.get_by_test_id("sentra-order-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(w["buyer"].organization.name)
    expect(row).to_contain_text("1,000 m²")
    row.get_by_role("link", name=sentra_order.number).click()

    rounds = page.get_by_test_id("round")
    expect(rounds).to_have_count(2)
    expect(rounds.nth(1).get_by_test_id("round-decline")).to_contain_text("Mesin press rusak bulan ini")
    # Satu took Dua's 350 m² for less than Dua's share cost (no PPN): the money paid for the share paid it.
    expect(rounds.nth(1).get_by_test_id("round-shares")).to_contain_text("350 m²")
    expect(rounds.nth(1)).to_contain_text("Paid")
    expect(page.get_by_test_id("round-checkout")).to_have_count(0)  # the link to pay is the buyer's
    first_why = rounds.nth(0).get_by_test_id("why-split")
    first_why.locator("summary").click()
    expect(first_why.get_by_test_id("why-row")).to_have_count(3)
    again_why = rounds.nth(1).get_by_test_id("why-split")
    again_why.locator("summary").click()
    again_rows = again_why.get_by_test_id("why-row")
    expect(again_rows).to_have_count(2)  # Dua, who declined, is no candidate any more
    expect(again_rows.filter(has_text=w["satu"].name)).to_contain_text("35 % → 70 %")
    expect(again_rows.filter(has_text=w["tiga"].name)).to_contain_text("15 % → 15 %")  # no stock left

    # The monitor: Satu got 70 % of the volume, Tiga 30 %, Dua (a quarter of the capacity) none: it declined.
    page.goto(f"/coordinator/competition?product_type={w['product_type'].id}")
    chart = page.get_by_test_id("fairness-chart")
    expect(chart).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate("c => Boolean(window.Chart && window.Chart.getChart(c))", chart.element_handle())
    expect(page.get_by_test_id("fairness-explained")).to_contain_text("1,000 m²")
    fairness = page.get_by_test_id("fairness-row")
    expect(fairness).to_have_count(3)
    for ikm, quantity, volume_share, capacity_share, declines in (
        (w["satu"], "700 m²", "70 %", "25 %", "0"),
        (w["dua"], "0 m²", "0 %", "25 %", "1"),
        (w["tiga"], "300 m²", "30 %", "50 %", "0"),
    ):
        row = fairness.filter(has_text=ikm.name)
        for figure in (quantity, volume_share, capacity_share):
            expect(row).to_contain_text(re.compile(rf"(^|[^\d.,]){figure}"))
        expect(row.get_by_test_id("row-declines")).to_have_text(declines)
    expect(page.get_by_test_id("monitor-declines")).to_have_text("1")


def test_junk_that_gets_past_the_form_is_refused_beside_the_field_and_places_nothing(page):
    w = _market("sampah")
    sign_in(page, w["buyer"].email, factories.PASSWORD)
    # Letters in the quantity of a split's link (the form is a GET: its link can be kept, shared and edited): an
    # error beside the quantity and no split, on a page that is still valid HTML (checked by the new_page fixture).
    page.goto(f"/sentra/{w['sentra'].slug}/order?product_type={w['product_type'].id}&quantity=abc&method=pickup")
    expect(field_errors(page, "quantity").first).to_be_visible()
    expect(page.get_by_test_id("proposed-split")).to_have_count(0)
    assert_fits_phone(page)

    # A shortfall confirmed without ticking "accept": refused with a message (a form error, answered 200 like the
    # app's other form errors), the split shown again, and nothing placed.
    _look(page, w["product_type"], "3000")
    expect(page.get_by_test_id("shortfall")).to_be_visible()
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_test_id("confirm-sentra-order").click()
    refusal = page.locator("[role=alert]:not([data-testid=shortfall]), .invalid-feedback").filter(has_text="2.300")
    expect(refusal.first).to_be_visible()
    expect(page.get_by_test_id("shortfall")).to_be_visible()
    expect(page.locator("input[name=accept_partial]")).not_to_be_checked()
    assert _sentra_order_count() == 0
    assert answer.value.status == 200, f"a refused confirmation is answered {answer.value.status}"
