"""Profile, organization details, and the owner's colleagues."""

from sqlalchemy import select

from marketplace.accounts.models import Invitation, User
from marketplace.core.models import AuditEntry
from tests.accounts.helpers import link_in, outbox_to, seller_org_form
from tests.helpers import table_counts


def test_profile_edit(client, world, login_as):
    login_as("buyer")
    response = client.post(
        "/account/profile", data={"full_name": "Budi Baru", "phone": "0811 222 3333", "locale": "en"}
    )
    assert response.status_code == 302
    assert world.buyer.full_name == "Budi Baru" and world.buyer.locale == "en"


def test_seller_contact_change_keeps_approval(client, world, login_as):
    login_as("seller")
    response = client.post(
        "/account/organization/edit", data=seller_org_form(world.ikm, workers="55", phone="0813 0000 1111")
    )
    assert response.status_code == 302
    assert world.ikm.workers == 55 and world.ikm.status == "approved"


def test_seller_legal_id_change_sends_the_ikm_back_to_verification(client, db, world, login_as):
    login_as("seller")
    client.post("/account/organization/edit", data=seller_org_form(world.ikm, nib="5555555555555"))
    assert world.ikm.status == "pending" and world.ikm.nib == "5555555555555"
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == world.ikm.id)))
    assert {"organization.updated", "organization.reverification"} <= actions
    assert len(outbox_to(world.coordinator.email)) == 1


def test_seller_cannot_take_another_ikms_nib(client, world, login_as):
    login_as("seller")
    before = table_counts()
    page = client.post("/account/organization/edit", data=seller_org_form(world.ikm, nib=world.pending_ikm.nib))
    assert "IKM dengan NIB ini sudah terdaftar." in page.get_data(as_text=True)
    assert table_counts() == before
    assert world.ikm.status == "approved"


def test_only_the_owner_edits_the_organization(client, world, login_as):
    login_as(world.buyer_colleague)
    assert client.get("/account/organization/edit").status_code == 403
    assert client.get("/account/organization").status_code == 200


def test_owner_invites_a_colleague_who_sets_their_own_password(client, db, world, login_as):
    login_as("buyer")
    response = client.post("/account/members/invite", data={"email": "Rekan@Pabrik.example.com"})
    assert response.status_code == 302
    link = link_in(outbox_to("rekan@pabrik.example.com")[0], "/invitations/")
    client.post("/logout")
    form = {
        "full_name": "Rekan Baru",
        "phone": "",
        "password": "sandi-rekan-2026",
        "confirm_password": "sandi-rekan-2026",
    }
    assert client.post(link, data=form).headers["Location"] == "/login"
    colleague = db.session.scalar(select(User).where(User.email == "rekan@pabrik.example.com"))
    assert colleague.organization_id == world.buyer_org.id
    assert colleague.role == "buyer" and not colleague.is_owner and colleague.is_verified
    # The link is spent.
    assert client.get(link).headers["Location"] == "/login"


def test_inviting_an_existing_account_looks_the_same_and_mails_a_note_without_a_link(client, world, login_as):
    login_as("buyer")
    fresh = client.post("/account/members/invite", data={"email": "orang-baru@pabrik.example.com"})
    taken = client.post("/account/members/invite", data={"email": world.other_buyer.email})
    assert (taken.status_code, taken.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    page = client.get("/account/members").get_data(as_text=True)
    assert world.other_buyer.email in page and "orang-baru@pabrik.example.com" in page
    assert "sudah ada" not in page
    (note,) = outbox_to(world.other_buyer.email)
    assert world.buyer_org.name in note.body_text
    assert "/invitations/" not in note.body_text
    assert "/invitations/" in outbox_to("orang-baru@pabrik.example.com")[0].body_text


def test_revoked_invitation_link_stops_working(client, db, world, login_as):
    login_as("buyer")
    client.post("/account/members/invite", data={"email": "rekan@pabrik.example.com"})
    link = link_in(outbox_to("rekan@pabrik.example.com")[0], "/invitations/")
    invitation = db.session.scalar(select(Invitation))
    client.post(f"/account/invitations/{invitation.id}/revoke")
    client.post("/logout")
    assert client.get(link).headers["Location"] == "/login"


def test_owner_removes_a_colleague(client, world, login_as):
    login_as("buyer")
    assert client.post(f"/account/members/{world.buyer_colleague.id}/remove").status_code == 302
    assert not world.buyer_colleague.is_active


def test_owner_cannot_remove_themself(client, world, login_as):
    login_as("buyer")
    client.post(f"/account/members/{world.buyer.id}/remove")
    assert world.buyer.is_active


def test_colleagues_cannot_invite_or_remove(client, world, login_as):
    login_as(world.buyer_colleague)
    assert client.post("/account/members/invite", data={"email": "x@example.com"}).status_code == 403
    assert client.post(f"/account/members/{world.buyer.id}/remove").status_code == 403
    assert world.buyer.is_active


def test_members_page_lists_only_my_company(client, world, login_as):
    login_as("buyer")
    page = client.get("/account/members").get_data(as_text=True)
    assert world.buyer_colleague.email in page
    assert world.other_buyer.email not in page


def test_ikm_writes_its_public_about_text(client, world, login_as):
    login_as("seller")
    about = "Berdiri sejak 2015.\nMesin press hidrolik 2 unit."
    client.post("/account/organization/edit", data=seller_org_form(world.ikm, about=about))
    assert world.ikm.about == about and world.ikm.status == "approved"
    client.post("/logout")
    page = client.get(f"/ikm/{world.ikm.id}").get_data(as_text=True)
    assert "Berdiri sejak 2015." in page and "Mesin press hidrolik" in page
