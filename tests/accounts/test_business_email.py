"""A company's business email changes only once the new address confirms it from its own mailbox."""

from sqlalchemy import select

from marketplace.accounts.models import Organization
from marketplace.core.models import AuditEntry
from tests.accounts.helpers import link_in, outbox_to, seller_org_form
from tests.helpers import table_counts

NEW = "kantor-baru@ikm.example.com"


def ask_for(client, org, email):
    return client.post("/account/organization/edit", data=seller_org_form(org, email=email))


def test_a_new_business_email_waits_for_confirmation(client, db, world, login_as):
    old = world.ikm.email
    login_as("seller")
    response = ask_for(client, world.ikm, NEW)
    assert response.status_code == 302
    db.session.refresh(world.ikm)
    assert world.ikm.email == old
    assert world.ikm.pending_email == NEW
    (confirm,) = outbox_to(NEW)
    assert "/organization/email/" in confirm.body_text
    (notice,) = outbox_to(old)
    assert NEW in notice.body_text and "/organization/email/" not in notice.body_text
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert NEW in page  # the owner sees it is waiting


def test_decision_mail_keeps_going_to_the_confirmed_address(client, db, world, login_as):
    old = world.ikm.email
    login_as("seller")
    ask_for(client, world.ikm, NEW)
    login_as("coordinator")
    client.post(
        f"/coordinator/organizations/{world.ikm.id}/decision",
        data={"decision": "suspend", "reason": "Dokumen tidak lengkap"},
    )
    db.session.refresh(world.ikm)
    assert world.ikm.status == "suspended"
    subjects_new = [m.subject for m in outbox_to(NEW)]
    assert len(subjects_new) == 1  # only the confirmation link
    assert len(outbox_to(old)) == 2  # the notice of the change, then the decision


def test_opening_the_link_changes_nothing_until_the_button_is_pressed(client, db, world, login_as):
    login_as("seller")
    ask_for(client, world.ikm, NEW)
    link = link_in(outbox_to(NEW)[0], "/organization/email/")
    client.post("/logout")

    before = table_counts()
    page = client.get(link)
    assert page.status_code == 200 and NEW in page.get_data(as_text=True)
    assert table_counts() == before
    db.session.refresh(world.ikm)
    assert world.ikm.email != NEW

    response = client.post(link)
    assert response.status_code == 302
    db.session.refresh(world.ikm)
    assert (world.ikm.email, world.ikm.pending_email) == (NEW, None)
    assert "organization.email_confirmed" in set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == world.ikm.id))
    )
    # The link works once.
    again = client.post(link)
    assert again.status_code == 302 and again.headers["Location"] == "/"
    assert client.get(link).headers["Location"] == "/"


def test_a_newer_request_makes_the_older_link_useless(client, db, world, login_as):
    login_as("seller")
    ask_for(client, world.ikm, NEW)
    first = link_in(outbox_to(NEW)[0], "/organization/email/")
    ask_for(client, world.ikm, "lain@ikm.example.com")
    client.post(first)
    db.session.refresh(world.ikm)
    assert world.ikm.email != NEW
    assert world.ikm.pending_email == "lain@ikm.example.com"


def test_setting_the_current_address_back_cancels_the_request(client, db, world, login_as):
    login_as("seller")
    ask_for(client, world.ikm, NEW)
    link = link_in(outbox_to(NEW)[0], "/organization/email/")
    ask_for(client, world.ikm, world.ikm.email)
    db.session.refresh(world.ikm)
    assert world.ikm.pending_email is None
    client.post(link)
    db.session.refresh(world.ikm)
    assert world.ikm.email != NEW


def test_a_buyer_company_email_is_confirmed_the_same_way(client, db, world, login_as):
    login_as("buyer")
    org = world.buyer_org
    data = {
        "name": org.name,
        "npwp": org.npwp,
        "address": org.address,
        "regency": org.regency,
        "province": org.province,
        "contact_person": org.contact_person,
        "phone": org.phone,
        "email": "pengadaan@pabrik.example.com",
    }
    assert client.post("/account/organization/edit", data=data).status_code == 302
    db.session.refresh(org)
    assert org.email != "pengadaan@pabrik.example.com" and org.pending_email == "pengadaan@pabrik.example.com"


def test_forged_links_are_refused_and_change_nothing(client, db, world):
    before = table_counts()
    for token in ("x", "a" * 2000, "eyJvcmciOjF9.forged.sig"):
        assert client.get(f"/organization/email/{token}").headers["Location"] == "/"
        assert client.post(f"/organization/email/{token}").headers["Location"] == "/"
    assert table_counts() == before
    assert db.session.scalar(select(Organization.email).where(Organization.id == world.ikm.id)) == world.ikm.email
