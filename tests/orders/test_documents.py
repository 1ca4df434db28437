"""An order's PDF documents: the invoice (faktur) and the delivery note (surat jalan), and who may download them."""

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from marketplace.orders import documents, services
from tests import factories
from tests.helpers import QueryCounter


def invoice_url(order):
    return f"/orders/{order.id}/invoice.pdf"


def delivery_note_url(order):
    return f"/orders/{order.id}/delivery-note.pdf"


def pdf_text(content):
    """The text of every page, with runs of white space (no-break spaces included) made one space."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def order_in(world, db, status="paid", quantity=10):
    order = factories.make_order(
        world.buyer, world.active_listing, quantity, status=status, seller=world.seller, coordinator=world.coordinator
    )
    db.session.commit()
    return order


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    return response


# --- the invoice ------------------------------------------------------------------------------------------------


def test_invoice_shows_the_order_its_line_and_totals(catalog_world, db, login_as, client):
    order = order_in(catalog_world, db, quantity=12)
    login_as("buyer")

    response = download(client, invoice_url(order))

    assert response.headers["Content-Disposition"] == f'inline; filename="faktur-{order.number}.pdf"'
    text = pdf_text(response.data)
    (line,) = order.lines
    for expected in (
        "FAKTUR",
        order.number,
        order.checkout.number,
        "UD Approved",
        "PT Satu",
        line.product_name,
        "12 m²",
        "Rp 85.000",  # unit price
        "Subtotal Rp 1.020.000",
        "Ongkos kirim Rp 0",
        "Total Rp 1.020.000",
        "LUNAS",
    ):
        assert expected in text


def test_invoice_of_a_seller_not_registered_for_ppn_has_no_ppn_line(catalog_world, db, login_as, client):
    order = order_in(catalog_world, db)
    login_as("buyer")

    text = pdf_text(download(client, invoice_url(order)).data)

    assert "PPN" not in text
    assert "Bukan PKP" in text


def test_invoice_of_a_pkp_seller_shows_ppn_at_11_percent(catalog_world, db, login_as, client):
    catalog_world.ikm.is_pkp = True
    db.session.commit()
    order = order_in(catalog_world, db, quantity=10)
    login_as("buyer")

    text = pdf_text(download(client, invoice_url(order)).data)

    assert order.ppn_idr == 93_500
    assert "PPN 11% Rp 93.500" in text
    assert "Total Rp 943.500" in text


def test_invoice_of_a_rejected_order_shows_the_refund(catalog_world, db, login_as, client):
    order = order_in(catalog_world, db, status="rejected")
    login_as("buyer")

    text = pdf_text(download(client, invoice_url(order)).data)

    assert "Ditolak penjual" in text
    assert "Dikembalikan ke pembeli Rp 850.000" in text


def test_unpaid_order_has_no_invoice(catalog_world, db, login_as, client):
    order = order_in(catalog_world, db, status="awaiting_payment")
    login_as("buyer")

    assert client.get(invoice_url(order)).status_code == 404


def test_order_cancelled_before_payment_has_no_invoice(catalog_world, db, login_as, client):
    order = factories.make_order(catalog_world.buyer, catalog_world.active_listing, status="awaiting_payment")
    services.act_on_order(catalog_world.buyer, order, "cancel", reason="Salah pesan")
    db.session.commit()
    login_as("buyer")

    assert client.get(invoice_url(order)).status_code == 404


# --- the delivery note ------------------------------------------------------------------------------------------


def test_delivery_note_lists_quantities_and_signatures_without_prices(catalog_world, db, login_as, client):
    order = order_in(catalog_world, db, status="shipped", quantity=12)
    login_as("seller")

    response = download(client, delivery_note_url(order))

    assert response.headers["Content-Disposition"] == f'inline; filename="surat-jalan-{order.number}.pdf"'
    text = pdf_text(response.data)
    (line,) = order.lines
    for expected in ("SURAT JALAN", "SJ-1", order.number, line.product_name, "12 m²", "Diambil sendiri"):
        assert expected in text
    for signer in ("Pengirim", "Sopir", "Penerima"):
        assert signer in text
    assert "Rp" not in text


def test_delivery_note_before_shipping_has_no_number_yet(catalog_world, db, login_as, client):
    order = order_in(catalog_world, db, status="accepted")
    login_as("seller")

    text = pdf_text(download(client, delivery_note_url(order)).data)

    assert "Nomor surat jalan —" in text
    assert "Tanggal kirim —" in text


@pytest.mark.parametrize("status", ["awaiting_payment", "paid", "rejected", "cancelled"])
def test_order_not_accepted_has_no_delivery_note(catalog_world, db, login_as, client, status):
    order = order_in(catalog_world, db, status=status)
    login_as("seller")

    assert client.get(delivery_note_url(order)).status_code == 404


@pytest.mark.parametrize("status", ["accepted", "ready", "shipped", "delivered", "completed", "disputed", "refunded"])
def test_order_taken_on_by_its_ikm_has_a_delivery_note(catalog_world, db, login_as, client, status):
    order = order_in(catalog_world, db, status=status)
    login_as("buyer")

    download(client, delivery_note_url(order))


# --- what users type --------------------------------------------------------------------------------------------


def test_names_beyond_latin_1_print(catalog_world, db, login_as, client):
    catalog_world.ikm.name = "UD Ñusa — “Ω”"
    catalog_world.buyer_org.name = "PT Łódź {nb} 日本 😀"  # {nb} is fpdf2's page-count alias by default
    catalog_world.buyer_org.address = "Jl. Ke\x07bun\tRaya 5"
    db.session.commit()
    order = order_in(catalog_world, db, status="shipped")
    login_as("buyer")

    for url in (invoice_url(order), delivery_note_url(order)):
        text = pdf_text(download(client, url).data)
        assert "UD Ñusa — “Ω”" in text
        assert "PT Łódź {nb}" in text
        assert "Jl. Ke bun Raya 5" in text


# --- who may download them ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["buyer", "buyer_colleague", "seller", "coordinator"])
def test_the_order_s_parties_may_download_its_documents(catalog_world, db, login_as, client, who):
    order = order_in(catalog_world, db, status="shipped")
    login_as(who)

    for url in (invoice_url(order), delivery_note_url(order)):
        assert "no-store" in download(client, url).headers["Cache-Control"]


@pytest.mark.parametrize("who", ["other_buyer", "other_coordinator", "pending_seller"])
def test_others_get_not_found(catalog_world, db, login_as, client, who):
    order = order_in(catalog_world, db, status="shipped")
    login_as(who)  # another buyer company, another sentra's coordinator, a seller of another IKM

    assert client.get(invoice_url(order)).status_code == 404
    assert client.get(delivery_note_url(order)).status_code == 404


def test_admin_is_refused_and_visitors_are_sent_to_sign_in(catalog_world, db, login_as, client):
    order = order_in(catalog_world, db, status="shipped")

    assert client.get(invoice_url(order)).status_code == 302
    login_as("admin")
    assert client.get(invoice_url(order)).status_code == 403
    assert client.get(delivery_note_url(order)).status_code == 403


def test_missing_order_is_not_found(catalog_world, login_as, client):
    login_as("buyer")

    assert client.get("/orders/999999/invoice.pdf").status_code == 404
    assert client.get("/orders/999999/delivery-note.pdf").status_code == 404


# --- queries ------------------------------------------------------------------------------------------------------


def order_of_lines(world, db, n):
    """A shipped order of `n` lines: `n - 1` more listings of the IKM wait in the buyer's cart, so the checkout that
    make_order places holds them all in one order."""
    for _ in range(n - 1):
        product_type = factories.make_product_type(world.category)
        factories.make_schedule(world.jombang, product_type, floor=50_000, reference=85_000, ceiling=150_000)
        listing = factories.make_listing(world.ikm, product_type)
        services.put_in_cart(world.buyer, listing, Decimal(10))
    order = order_in(world, db, status="shipped")
    assert len(order.lines) == n
    return order


@pytest.mark.parametrize("url_of", [invoice_url, delivery_note_url])
def test_query_count_does_not_grow_with_the_lines(catalog_world, db, login_as, client, url_of):
    urls = [url_of(order_of_lines(catalog_world, db, n)) for n in (1, 4)]
    login_as("buyer")
    download(client, urls[0])  # warm: the first request of a session may read more

    counts = []
    for url in urls:
        db.session.remove()  # nothing the test loaded spares the request a query
        with QueryCounter() as counter:
            download(client, url)
        counts.append(counter.count)

    assert counts[0] == counts[1]


# --- the documents' rules ---------------------------------------------------------------------------------------


def test_documents_exist_from_payment_and_from_acceptance(catalog_world, db):
    paid = order_in(catalog_world, db, status="paid")

    assert documents.has_invoice(paid)
    assert not documents.has_delivery_note(paid)
