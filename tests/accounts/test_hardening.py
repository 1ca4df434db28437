"""Sessions end with a password change, suspensions cannot be shed, decisions cannot race, input is cleaned."""

import pytest
from sqlalchemy import text

from marketplace.accounts import services
from marketplace.core.errors import DomainError, InvalidTransition
from tests.accounts.helpers import link_in, outbox_to, seller_org_form
from tests.conftest import login
from tests.factories import PASSWORD


def test_changing_the_password_signs_out_other_sessions_but_not_this_one(app, client, world):
    other_device = app.test_client()
    other_device.post("/login", data={"email": world.buyer.email, "password": PASSWORD, "remember": "y"})
    assert other_device.get("/account/profile").status_code == 200
    login(client, world.buyer)
    new = "sandi-baru-sekali-1"
    client.post("/account/password", data={"current_password": PASSWORD, "password": new, "confirm_password": new})
    assert client.get("/account/profile").status_code == 200
    # The other device's session and its remember-me cookie both stopped working.
    assert other_device.get("/account/profile").headers["Location"].startswith("/login")


def test_a_password_reset_signs_out_every_session(app, client, world):
    other_device = app.test_client()
    other_device.post("/login", data={"email": world.seller.email, "password": PASSWORD, "remember": "y"})
    client.post("/password/forgot", data={"email": world.seller.email})
    link = link_in(outbox_to(world.seller.email)[-1], "/password/reset/")
    client.post(link, data={"password": "sandi-baru-sekali-2", "confirm_password": "sandi-baru-sekali-2"})
    assert other_device.get("/account/profile").headers["Location"].startswith("/login")


def test_a_removed_colleague_is_signed_out_at_once(app, client, world):
    colleague_device = app.test_client()
    login(colleague_device, world.buyer_colleague)
    login(client, world.buyer)
    client.post(f"/account/members/{world.buyer_colleague.id}/remove")
    assert colleague_device.get("/account/profile").headers["Location"].startswith("/login")


def test_the_owner_can_let_a_removed_colleague_back_in(client, world, login_as):
    login_as("buyer")
    client.post(f"/account/members/{world.buyer_colleague.id}/remove")
    client.post(f"/account/members/{world.buyer_colleague.id}/reactivate")
    assert world.buyer_colleague.is_active


def test_a_suspended_ikm_cannot_shed_its_suspension_by_editing(client, db, world, login_as):
    services.decide_organization(world.coordinator, world.ikm, "suspend", "Mutu tidak sesuai")
    db.session.commit()
    login_as("seller")
    org = world.ikm
    client.post("/account/organization/edit", data=seller_org_form(org, name=org.name + " Baru", workers="10"))
    assert org.name.endswith("Baru")
    assert org.status == "suspended" and org.status_reason == "Mutu tidak sesuai"


@pytest.mark.parametrize(
    ("who", "decision"),
    [("ikm", "approve"), ("ikm", "reject"), ("pending_ikm", "reinstate"), ("pending_ikm", "suspend")],
)
def test_decisions_apply_only_to_their_own_status(db, world, who, decision):
    org = getattr(world, who)
    status = org.status
    with pytest.raises(InvalidTransition):
        services.decide_organization(world.coordinator, org, decision, "alasan yang cukup")
    assert org.status == status


def test_two_coordinators_deciding_at_once_cannot_both_win(db, world):
    org = world.pending_ikm
    # Another coordinator's decision lands after this one read the IKM as pending.
    db.session.execute(text("UPDATE organization SET status = 'rejected' WHERE id = :id"), {"id": org.id})
    with pytest.raises(InvalidTransition):
        services.decide_organization(world.coordinator, org, "approve")
    db.session.rollback()


def test_text_input_is_trimmed_and_control_characters_dropped(client, world, login_as):
    login_as("buyer")
    client.post(
        "/account/profile",
        data={"full_name": "  Budi\x00\x07 Santoso\r\nBcc: x@evil.example  ", "phone": "", "locale": "id"},
    )
    assert world.buyer.full_name == "Budi Santoso Bcc: x@evil.example"


def test_a_trailing_space_is_no_change(client, db, world, login_as):
    login_as("seller")
    client.post("/account/organization/edit", data=seller_org_form(world.ikm, name=world.ikm.name + "   "))
    assert world.ikm.status == "approved"


def test_unknown_emails_cost_a_password_check_too(db, world, monkeypatch):
    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    with pytest.raises(services.LoginRefused):
        services.authenticate("nobody@example.com", "whatever-password")
    assert checked == [services._DUMMY_HASH]


def test_open_invitations_are_capped(db, world):
    for n in range(services.MAX_OPEN_INVITATIONS):
        services.invite_colleague(world.buyer, f"rekan{n}@example.com")
    with pytest.raises(DomainError):
        services.invite_colleague(world.buyer, "satu-lagi@example.com")


def test_admin_deactivates_and_reactivates_staff(app, client, world, login_as):
    coordinator_device = app.test_client()
    login(coordinator_device, world.coordinator)
    login_as("admin")
    client.post(f"/admin/staff/{world.coordinator.id}/active", data={"active": "no"})
    assert not world.coordinator.is_active
    assert coordinator_device.get("/coordinator/").headers["Location"].startswith("/login")
    client.post(f"/admin/staff/{world.coordinator.id}/active", data={"active": "yes"})
    assert world.coordinator.is_active


def test_admin_cannot_deactivate_themself(client, world, login_as):
    login_as("admin")
    client.post(f"/admin/staff/{world.admin.id}/active", data={"active": "no"})
    assert world.admin.is_active


def test_admin_emails_a_fresh_password_link(client, world, login_as):
    login_as("admin")
    client.post(f"/admin/staff/{world.other_coordinator.id}/password-link")
    assert "/password/reset/" in outbox_to(world.other_coordinator.email)[-1].body_text


def test_dashboard_marks_ikms_whose_owner_has_not_confirmed(client, db, world, login_as):
    world.pending_seller.verified_at = None
    db.session.commit()
    login_as("coordinator")
    assert 'data-testid="unverified"' in client.get("/coordinator/").get_data(as_text=True)


def test_failed_mail_can_be_queued_again(app, db):
    from marketplace.core.models import OutboxMessage

    message = OutboxMessage(to_address="a@example.com", subject="s", body_text="b", status="failed", attempts=16)
    db.session.add(message)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-mail", "--retry-failed"])
    assert "queued again: 1" in result.output
    assert message.status == "sent"


def test_production_never_loads_the_demo_or_prints_mail(app, monkeypatch):
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code != 0
    assert runner.invoke(args=["send-mail"]).exit_code != 0
