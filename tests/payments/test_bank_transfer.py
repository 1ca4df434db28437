"""Paying by bank transfer: the buyer sees where to pay and sends a proof (a photo or PDF, decoded and written anew,
kept apart from public media), the checkout waits while the coordinator checks, who confirms (the checkout is paid)
or rejects with a reason (the buyer is told; the deadline applies again)."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from sqlalchemy import func, select

from marketplace.core.errors import InvalidTransition
from marketplace.core.models import OutboxMessage
from marketplace.core.reasons import ReasonTooShort
from marketplace.core.storage import get_storage
from marketplace.core.submissions import DuplicateSubmission, new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders import services as orders
from marketplace.orders.models import Checkout, Order
from marketplace.payments import services
from marketplace.payments.models import LedgerEntry, Payment, TransferProof
from marketplace.payments.proofs import ProofRejected, process_proof
from marketplace.payments.services import PaymentRefused
from tests.helpers import table_counts
from tests.orders.test_checkout_rules import english
from tests.payments.conftest import order_in


def photo_bytes(fmt="JPEG", size=(800, 600)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 220, 240)).save(out, format=fmt)
    return out.getvalue()


def pdf_bytes(javascript=False, pages=1, password=None):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        writer.add_attachment("rahasia.txt", b"an attached file")
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def send_proof(w, checkout, data=None, token=None):
    return services.submit_transfer_proof(
        w.buyer, checkout, io.BytesIO(data if data is not None else photo_bytes()), token or new_submission_token()
    )


@pytest.fixture
def waiting(shop):
    """An order awaiting payment, and its checkout."""
    shop.order = order_in(shop, "awaiting_payment")
    shop.checkout = shop.order.checkout
    return shop


# --- the proof file ---------------------------------------------------------------------------------------------


def test_a_photo_proof_is_decoded_and_written_anew_as_webp():
    processed = process_proof(io.BytesIO(photo_bytes("PNG")))
    assert processed.content_type == "image/webp"
    assert Image.open(io.BytesIO(processed.data)).format == "WEBP"


def test_a_pdf_proof_keeps_its_pages_and_loses_its_scripts_and_actions():
    processed = process_proof(io.BytesIO(pdf_bytes(javascript=True, pages=2)))
    assert processed.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(processed.data))
    assert len(reader.pages) == 2
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root
    assert "/Names" not in root  # the attached file went with the document's names
    assert b"app.alert" not in processed.data
    assert b"an attached file" not in processed.data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 100, "PDF"),
        (b"just some text, not a file of a transfer", "PDF"),
        (b"%PDF-1.7\n garbage that is no pdf", "cannot be read"),
        (b"\0" * (8 * 1024 * 1024 + 1), "8 MB"),
    ],
)
def test_junk_instead_of_a_proof_is_refused_with_a_clear_message(data, message):
    with pytest.raises(ProofRejected) as refused:
        process_proof(io.BytesIO(data))
    assert message in english(refused.value.message)


def test_a_password_protected_pdf_is_refused():
    with pytest.raises(ProofRejected) as refused:
        process_proof(io.BytesIO(pdf_bytes(password="rahasia")))
    assert "password" in english(refused.value.message)


def test_a_pdf_of_more_than_ten_pages_is_refused():
    with pytest.raises(ProofRejected):
        process_proof(io.BytesIO(pdf_bytes(pages=11)))


# --- sending a proof ---------------------------------------------------------------------------------------------


def test_a_proof_opens_a_bank_transfer_payment_waiting_for_the_coordinator(waiting):
    proof = send_proof(waiting, waiting.checkout)
    payment = proof.payment
    assert (payment.method, payment.status, payment.amount_idr, payment.reference) == (
        "bank_transfer",
        "submitted",
        waiting.checkout.total_idr,
        waiting.checkout.number,
    )
    assert proof.storage_key.startswith("private/proof/")
    assert get_storage().exists(proof.storage_key)
    assert db.session.get(Checkout, waiting.checkout.id).payment_check_since is not None


def test_the_coordinators_are_mailed_of_a_proof_to_check(waiting):
    send_proof(waiting, waiting.checkout)
    subjects = db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.to_address == waiting.coordinator.email)
    ).all()
    assert any(waiting.checkout.number in subject for subject in subjects)


def test_a_second_proof_joins_the_same_payment(waiting):
    send_proof(waiting, waiting.checkout)
    send_proof(waiting, waiting.checkout, pdf_bytes())
    payment = services.bank_payment_of(waiting.checkout.id)
    assert [p.content_type for p in payment.proofs] == ["image/webp", "application/pdf"]
    assert db.session.scalar(select(func.count(Payment.id))) == 1


def test_the_same_proof_form_sent_twice_saves_one_proof(waiting):
    token = new_submission_token()
    send_proof(waiting, waiting.checkout, token=token)
    with pytest.raises(DuplicateSubmission):
        send_proof(waiting, waiting.checkout, token=token)
    assert db.session.scalar(select(func.count(TransferProof.id))) == 1


def test_a_refused_proof_stores_no_file_and_changes_nothing(waiting):
    before = table_counts()
    with pytest.raises(ProofRejected):
        send_proof(waiting, waiting.checkout, b"not a file of a transfer")
    assert table_counts() == before


def test_another_company_cannot_send_a_proof_for_a_checkout(waiting):
    with pytest.raises(PaymentRefused):
        services.submit_transfer_proof(
            waiting.other_buyer, waiting.checkout, io.BytesIO(photo_bytes()), new_submission_token()
        )


def test_no_proof_after_the_deadline(waiting):
    db.session.execute(
        Checkout.__table__.update()
        .where(Checkout.id == waiting.checkout.id)
        .values(pay_by=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    with pytest.raises(PaymentRefused):
        send_proof(waiting, db.session.get(Checkout, waiting.checkout.id))


def test_a_checkout_with_a_proof_in_review_does_not_expire_past_its_deadline(waiting):
    send_proof(waiting, waiting.checkout)
    assert orders.expire_unpaid(utcnow() + timedelta(days=3)) == 0
    assert db.session.get(Order, waiting.order.id).status == "awaiting_payment"


# --- the coordinator's decision ---------------------------------------------------------------------------------


def test_confirming_the_transfer_pays_the_checkout_and_its_orders(waiting):
    payment = send_proof(waiting, waiting.checkout).payment
    services.decide_transfer(waiting.coordinator, payment, "confirm")
    assert db.session.get(Payment, payment.id).status == "succeeded"
    assert db.session.get(Checkout, waiting.checkout.id).status == "paid"
    assert db.session.get(Order, waiting.order.id).status == "paid"


def test_a_transfer_confirmed_after_the_deadline_still_pays_when_the_proof_came_in_time(waiting):
    payment = send_proof(waiting, waiting.checkout).payment
    db.session.execute(
        Checkout.__table__.update()
        .where(Checkout.id == waiting.checkout.id)
        .values(pay_by=utcnow() - timedelta(hours=2))
    )
    db.session.commit()
    services.decide_transfer(waiting.coordinator, payment, "confirm")
    assert db.session.get(Checkout, waiting.checkout.id).status == "paid"


def test_rejecting_a_proof_needs_a_reason_and_tells_the_buyer(waiting):
    payment = send_proof(waiting, waiting.checkout).payment
    with pytest.raises(ReasonTooShort):
        services.decide_transfer(waiting.coordinator, payment, "reject_proof", "x")
    services.decide_transfer(waiting.coordinator, payment, "reject_proof", "Nominal tidak terlihat")
    payment = db.session.get(Payment, payment.id)
    assert payment.status == "pending"
    assert payment.proofs[-1].rejected_reason == "Nominal tidak terlihat"
    assert db.session.get(Checkout, waiting.checkout.id).payment_check_since is None
    mailed = db.session.scalars(select(OutboxMessage.to_address)).all()
    assert waiting.buyer.email in mailed


def test_after_a_rejection_the_deadline_applies_again(waiting):
    payment = send_proof(waiting, waiting.checkout).payment
    services.decide_transfer(waiting.coordinator, payment, "reject_proof", "Nominal tidak terlihat")
    assert orders.expire_unpaid(utcnow() + timedelta(days=3)) == 1


def test_a_coordinator_of_another_sentra_cannot_decide(waiting):
    payment = send_proof(waiting, waiting.checkout).payment
    with pytest.raises(PaymentRefused):
        services.decide_transfer(waiting.other_coordinator, payment, "confirm")


def test_a_decided_transfer_cannot_be_decided_again(waiting):
    payment = send_proof(waiting, waiting.checkout).payment
    services.decide_transfer(waiting.coordinator, payment, "confirm")
    with pytest.raises(InvalidTransition):
        services.decide_transfer(waiting.coordinator, payment, "reject_proof", "Terlambat sekali")


def test_an_unknown_decision_is_refused(waiting):
    payment = send_proof(waiting, waiting.checkout).payment
    with pytest.raises(InvalidTransition):
        services.decide_transfer(waiting.coordinator, payment, "pay_twice")


# --- money from a provider ---------------------------------------------------------------------------------------


def stripe_payment(w, amount=None):
    payment = Payment(
        checkout_id=w.checkout.id,
        sentra_id=w.jombang.id,
        method="stripe",
        attempt=1,
        amount_idr=amount or w.checkout.total_idr,
        reference=f"{w.checkout.number}-S1",
    )
    db.session.add(payment)
    db.session.commit()
    return payment


def test_money_received_twice_pays_once(waiting):
    payment = stripe_payment(waiting)
    services.money_received(payment.id, waiting.checkout.total_idr)
    services.money_received(payment.id, waiting.checkout.total_idr)
    assert db.session.get(Checkout, waiting.checkout.id).status == "paid"
    assert db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "received")) == 1


def test_a_different_amount_is_flagged_for_the_coordinator_and_pays_nothing(waiting):
    payment = stripe_payment(waiting)
    services.money_received(payment.id, waiting.checkout.total_idr - 1)
    assert db.session.get(Payment, payment.id).status == "flagged"
    assert db.session.get(Checkout, waiting.checkout.id).status == "awaiting_payment"


def test_money_for_an_expired_checkout_is_flagged_to_pay_back(waiting):
    payment = stripe_payment(waiting)
    orders.expire_unpaid(utcnow() + timedelta(days=2))
    services.money_received(payment.id, waiting.checkout.total_idr)
    payment = db.session.get(Payment, payment.id)
    assert payment.status == "flagged"
    assert payment.status_note


def test_money_for_a_checkout_already_paid_another_way_is_flagged(waiting):
    bank = send_proof(waiting, waiting.checkout).payment
    services.decide_transfer(waiting.coordinator, bank, "confirm")
    card = stripe_payment(waiting)
    services.money_received(card.id, waiting.checkout.total_idr)
    assert db.session.get(Payment, card.id).status == "flagged"


def test_the_buyer_cannot_cancel_an_order_while_the_transfer_for_it_is_being_checked(waiting):
    send_proof(waiting, waiting.checkout)
    with pytest.raises(orders.OrderRefused):
        orders.act_on_order(waiting.buyer, waiting.order, "cancel", reason="Tidak jadi dipakai")
    assert db.session.get(Checkout, waiting.checkout.id).total_idr == waiting.order.total_idr


def test_the_coordinator_confirms_only_bank_transfers(waiting):
    payment = stripe_payment(waiting)
    db.session.execute(Payment.__table__.update().where(Payment.id == payment.id).values(status="submitted"))
    db.session.commit()
    with pytest.raises(PaymentRefused):
        services.decide_transfer(waiting.coordinator, db.session.get(Payment, payment.id), "confirm")
    assert db.session.get(Checkout, waiting.checkout.id).status == "awaiting_payment"


def test_a_flagged_payment_lets_the_deadline_apply_again(waiting):
    payment = stripe_payment(waiting)
    db.session.execute(Payment.__table__.update().where(Payment.id == payment.id).values(status="submitted"))
    db.session.execute(
        Checkout.__table__.update().where(Checkout.id == waiting.checkout.id).values(payment_check_since=utcnow())
    )
    db.session.commit()
    services.money_received(payment.id, waiting.checkout.total_idr + 5)
    assert db.session.get(Payment, payment.id).status == "flagged"
    assert db.session.get(Checkout, waiting.checkout.id).payment_check_since is None
    assert orders.expire_unpaid(utcnow() + timedelta(days=3)) == 1


def test_no_proof_while_a_stripe_payment_of_the_checkout_is_processing(waiting):
    payment = stripe_payment(waiting)
    db.session.execute(Payment.__table__.update().where(Payment.id == payment.id).values(status="submitted"))
    db.session.commit()
    with pytest.raises(PaymentRefused):
        send_proof(waiting, waiting.checkout)
