"""An IKM publishes a business phone / WhatsApp number on its organization form."""

import pytest
from sqlalchemy import select

from marketplace.accounts import services
from marketplace.core.models import AuditEntry
from tests.accounts.helpers import outbox_to, seller_org_form
from tests.helpers import field_errors, table_counts

PHONE_HINT = "Masukkan nomor telepon seperti 0812 3456 7890 atau +62 812 3456 7890."


def test_ikm_publishes_a_phone_and_stays_approved(client, db, world, login_as):
    login_as("seller")
    response = client.post("/account/organization/edit", data=seller_org_form(world.ikm, public_phone="0812 3456 7890"))
    assert response.status_code == 302
    assert world.ikm.public_phone == "0812 3456 7890" and world.ikm.status == "approved"
    assert outbox_to(world.coordinator.email) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.updated"))
    assert entry.before["public_phone"] is None and entry.after["public_phone"] == "0812 3456 7890"
    assert "0812 3456 7890" in client.get("/account/organization").get_data(as_text=True)


def test_changing_and_clearing_the_phone_never_sends_the_ikm_back_to_verification(client, db, world, login_as):
    world.ikm.public_phone = "0812 3456 7890"
    db.session.commit()
    login_as("seller")
    client.post("/account/organization/edit", data=seller_org_form(world.ikm, public_phone="+62 813-0000-1111"))
    assert world.ikm.public_phone == "+62 813-0000-1111" and world.ikm.status == "approved"
    client.post("/account/organization/edit", data=seller_org_form(world.ikm, public_phone="  "))
    assert world.ikm.public_phone is None and world.ikm.status == "approved"
    assert outbox_to(world.coordinator.email) == []


def test_the_form_shows_the_phone_field_to_an_ikm_only(client, world, login_as):
    login_as("seller")
    assert 'name="public_phone"' in client.get("/account/organization/edit").get_data(as_text=True)
    client.post("/logout")
    login_as("buyer")
    assert 'name="public_phone"' not in client.get("/account/organization/edit").get_data(as_text=True)


def test_a_buyer_company_cannot_set_a_public_phone(client, world, login_as):
    login_as("buyer")
    data = {
        "name": world.buyer_org.name,
        "npwp": world.buyer_org.npwp,
        "address": world.buyer_org.address,
        "regency": world.buyer_org.regency,
        "province": world.buyer_org.province,
        "contact_person": world.buyer_org.contact_person,
        "phone": world.buyer_org.phone,
        "email": world.buyer_org.email,
        "public_phone": "0812 3456 7890",
    }
    assert client.post("/account/organization/edit", data=data).status_code == 302
    assert world.buyer_org.public_phone is None


@pytest.mark.parametrize(
    ("junk", "message"),
    [
        ("telepon saya", PHONE_HINT),
        ("0812 3456 78xx", PHONE_HINT),
        ("<script>alert(1)</script>", PHONE_HINT),
        ("+", PHONE_HINT),
        ("0812", PHONE_HINT),
        ("０８１２３４５６７８９０", PHONE_HINT),  # full-width digits
        ("null\x00byte", PHONE_HINT),
        ("0812 3456 7890 1234 5678 9999", "Maksimal 20 karakter."),
    ],
)
def test_junk_phone_is_refused_beside_the_field_and_nothing_is_written(client, db, world, login_as, junk, message):
    world.ikm.public_phone = "0812 3456 7890"
    db.session.commit()
    login_as("seller")
    before = table_counts()
    response = client.post(
        "/account/organization/edit", data=seller_org_form(world.ikm, public_phone=junk, workers="77")
    )
    assert response.status_code == 200
    assert message in field_errors(response.get_data(as_text=True), "public_phone")
    db.session.expire_all()
    assert table_counts() == before
    assert world.ikm.public_phone == "0812 3456 7890" and world.ikm.workers == 10


def test_the_service_takes_the_phone_as_a_plain_value(db, world):
    details = services.OrganizationDetails(
        name=world.ikm.name,
        npwp=None,
        address=world.ikm.address,
        regency=world.ikm.regency,
        province=world.ikm.province,
        contact_person=world.ikm.contact_person,
        phone=world.ikm.phone,
        email=world.ikm.email,
        nib=world.ikm.nib,
        workers=world.ikm.workers,
        public_phone="0813 0000 1111",
    )
    assert services.update_organization(world.ikm, world.seller, details) is True
    assert world.ikm.public_phone == "0813 0000 1111" and world.ikm.status == "approved"
