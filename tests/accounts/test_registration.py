"""Buyer and IKM registration, email verification."""

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Organization, User
from marketplace.core.models import AuditEntry
from tests.accounts.helpers import link_in, outbox_to
from tests.helpers import table_counts


def buyer_form(**overrides):
    data = {
        "company_name": "PT Maju Bersama",
        "npwp": "01.234.567.8-901.000",
        "address": "Jl. Industri No. 5",
        "regency": "Kabupaten Sidoarjo",
        "province": "Jawa Timur",
        "contact_person": "Budi Santoso",
        "phone": "0812 3456 7890",
        "email": "Budi@Maju.example.com",
        "password": "sandi-rahasia-99",
        "confirm_password": "sandi-rahasia-99",
    }
    data.update(overrides)
    return data


def seller_form(sentra_id, **overrides):
    data = {
        "business_name": "UD Slag Makmur",
        "nib": "1234567890123",
        "npwp": "",
        "is_pkp": "no",
        "sentra_id": str(sentra_id),
        "address": "Desa Sumobito RT 2",
        "regency": "Kabupaten Jombang",
        "province": "Jawa Timur",
        "workers": "12",
        "contact_person": "Siti Aminah",
        "phone": "+62 812 1111 2222",
        "email": "siti@slag.example.com",
        "password": "sandi-rahasia-99",
        "confirm_password": "sandi-rahasia-99",
    }
    data.update(overrides)
    return data


def test_buyer_registration_creates_company_owner_and_verification_mail(client, db, world):
    response = client.post("/register/buyer", data=buyer_form())
    assert response.headers["Location"] == "/register/done"
    user = db.session.scalar(select(User).where(User.email == "budi@maju.example.com"))
    assert user.role == "buyer" and user.is_owner and not user.is_verified
    assert user.organization.kind == "buyer"
    assert user.organization.npwp == "012345678901000"
    assert user.organization.status == "approved"
    [mail] = outbox_to("budi@maju.example.com")
    assert "/verify/" in mail.body_text


def test_seller_registration_starts_pending_and_tells_the_coordinator_once_verified(client, db, world):
    response = client.post("/register/seller", data=seller_form(world.jombang.id))
    assert response.status_code == 302
    org = db.session.scalar(select(Organization).where(Organization.nib == "1234567890123"))
    assert org.status == "pending" and org.sentra_id == world.jombang.id and not org.can_sell
    assert org.workers == 12 and org.is_pkp is False and org.npwp is None
    # Unconfirmed sign-ups do not reach the coordinators' inbox.
    assert outbox_to(world.coordinator.email) == []
    client.post(link_in(outbox_to("siti@slag.example.com")[0], "/verify/"))
    assert len(outbox_to(world.coordinator.email)) == 1
    assert outbox_to(world.other_coordinator.email) == []
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.registered"))


def test_errors_appear_beside_fields_in_indonesian_and_typed_values_are_kept(client, db, world):
    before = table_counts()
    response = client.post("/register/buyer", data=buyer_form(npwp="12345", confirm_password="lain-sekali-123"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "NPWP harus 15 atau 16 digit." in page
    assert "Kata sandi tidak cocok." in page
    assert 'value="PT Maju Bersama"' in page
    assert "sandi-rahasia-99" not in page  # passwords are never sent back
    assert table_counts() == before


def test_errors_in_english_after_switching(client, world):
    client.post("/language", data={"language": "en"})
    page = client.post("/register/buyer", data=buyer_form(email="not-an-email")).get_data(as_text=True)
    assert "Enter a valid email address." in page


def test_a_registered_email_gets_the_same_answer_and_its_owner_a_note(client, db, world):
    fresh = client.post("/register/buyer", data=buyer_form(email="baru@pabrik.example.com"))
    before = table_counts()
    taken = client.post("/register/buyer", data=buyer_form(email=world.buyer.email.upper(), company_name="PT Lain"))
    # Whoever fills the form cannot tell which emails have accounts.
    assert (
        (taken.status_code, taken.headers["Location"])
        == (fresh.status_code, fresh.headers["Location"])
        == (
            302,
            "/register/done",
        )
    )
    assert "sudah ada" not in client.get("/register/done").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organization).where(Organization.name == "PT Lain")) == 0
    after = table_counts()
    assert after.pop("outbox_message") == before.pop("outbox_message") + 1
    assert after == before
    (note,) = outbox_to(world.buyer.email)
    assert "/login" in note.body_text and "/password/forgot" in note.body_text
    assert "/verify/" not in note.body_text


def test_a_seller_registering_with_a_taken_email_stores_nothing(client, db, world):
    before = table_counts()
    response = client.post("/register/seller", data=seller_form(world.jombang.id, email=world.seller.email))
    assert response.headers["Location"] == "/register/done"
    after = table_counts()
    assert after.pop("outbox_message") == before.pop("outbox_message") + 1
    assert after == before


def test_nib_must_be_13_digits_and_unique(client, db, world):
    page = client.post("/register/seller", data=seller_form(world.jombang.id, nib="12345")).get_data(as_text=True)
    assert "NIB harus tepat 13 digit." in page
    page = client.post("/register/seller", data=seller_form(world.jombang.id, nib=world.ikm.nib)).get_data(as_text=True)
    assert "IKM dengan NIB ini sudah terdaftar." in page


@pytest.mark.parametrize("sentra_id", ["0", "999999", "abc"])
def test_seller_must_choose_an_existing_sentra(client, db, world, sentra_id):
    response = client.post("/register/seller", data={**seller_form(world.jombang.id), "sentra_id": sentra_id})
    assert response.status_code == 200
    assert db.session.scalar(select(Organization).where(Organization.nib == "1234567890123")) is None


def test_verification_link_confirms_the_email_once(client, db, world):
    client.post("/register/buyer", data=buyer_form())
    link = link_in(outbox_to("budi@maju.example.com")[0], "/verify/")
    # Opening the link (a GET, as mail scanners do) shows a button and changes nothing.
    before = table_counts()
    page = client.get(link)
    assert page.status_code == 200 and "budi@maju.example.com" in page.get_data(as_text=True)
    assert table_counts() == before
    user = db.session.scalar(select(User).where(User.email == "budi@maju.example.com"))
    assert not user.is_verified
    response = client.post(link)
    assert response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert user.is_verified
    # Pressing it again is harmless.
    assert client.post(link).headers["Location"] == "/login"


@pytest.mark.parametrize("token", ["garbage", "a" * 2000, "eyJ1aWQiOjF9.invalid.sig"])
def test_broken_verification_links_are_refused(client, world, token):
    for method in (client.get, client.post):
        assert method(f"/verify/{token}").headers["Location"] == "/verify/resend"


def test_resend_verification_does_not_reveal_accounts(client, db, world):
    unverified = world.buyer
    unverified.verified_at = None
    db.session.commit()
    first = client.post("/verify/resend", data={"email": unverified.email})
    second = client.post("/verify/resend", data={"email": "nobody@example.com"})
    assert first.status_code == second.status_code == 302
    assert len(outbox_to(unverified.email)) == 1
    assert outbox_to("nobody@example.com") == []
