"""A coordinator approves, rejects, suspends and reinstates the IKMs of their own sentra."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import ORGANIZATION_STATES, Organization
from marketplace.accounts.services import decide_organization
from marketplace.core.errors import DomainError, InvalidTransition
from marketplace.core.models import AuditEntry
from tests import factories
from tests.accounts.helpers import outbox_to, seller_org_form
from tests.helpers import table_counts


def decide(client, org, decision, reason=""):
    return client.post(f"/coordinator/organizations/{org.id}/decision", data={"decision": decision, "reason": reason})


def audit_actions(db, org):
    return db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "Organization", AuditEntry.object_id == org.id)
    ).all()


def test_pending_list_shows_only_my_sentra(client, world, login_as):
    login_as("coordinator")
    page = client.get("/coordinator/").get_data(as_text=True)
    assert "UD Pending" in page
    assert "UD Other Sentra" not in page
    assert "UD Approved" not in page
    assert "UD Approved" in client.get("/coordinator/?status=approved").get_data(as_text=True)


def test_empty_list_says_so(client, world, login_as):
    login_as("coordinator")
    assert 'data-testid="empty-state"' in client.get("/coordinator/?status=suspended").get_data(as_text=True)


def test_approve_is_audited_and_emailed(client, db, world, login_as):
    login_as("coordinator")
    response = decide(client, world.pending_ikm, "approve")
    assert response.status_code == 302
    assert world.pending_ikm.status == "approved" and world.pending_ikm.can_sell
    assert "organization.approve" in audit_actions(db, world.pending_ikm)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.approve"))
    assert entry.actor_id == world.coordinator.id
    assert entry.before["status"] == "pending" and entry.after["status"] == "approved"
    [mail] = outbox_to(world.pending_ikm.email)
    assert "disetujui" in mail.subject.lower()


@pytest.mark.parametrize("decision", ["reject", "suspend"])
@pytest.mark.parametrize("reason", ["", "   ", "ok"])
def test_reject_and_suspend_need_a_reason(client, db, world, login_as, decision, reason):
    login_as("coordinator")
    org = world.pending_ikm if decision == "reject" else world.ikm
    before = table_counts()
    status = org.status
    page = decide(client, org, decision, reason).get_data(as_text=True)
    assert "Berikan alasan minimal 5 karakter." in page
    assert org.status == status
    assert table_counts() == before


def test_reject_with_reason(client, db, world, login_as):
    login_as("coordinator")
    decide(client, world.pending_ikm, "reject", "NIB tidak cocok dengan OSS")
    assert world.pending_ikm.status == "rejected"
    assert world.pending_ikm.status_reason == "NIB tidak cocok dengan OSS"
    [mail] = outbox_to(world.pending_ikm.email)
    assert "NIB tidak cocok dengan OSS" in mail.body_text


def test_suspend_then_reinstate(client, db, world, login_as):
    login_as("coordinator")
    decide(client, world.ikm, "suspend", "Produk tidak sesuai SNI")
    assert world.ikm.status == "suspended" and not world.ikm.can_sell
    decide(client, world.ikm, "reinstate")
    assert world.ikm.status == "approved"
    assert audit_actions(db, world.ikm) == ["organization.suspend", "organization.reinstate"]
    assert len(outbox_to(world.ikm.email)) == 2


def test_decisions_that_do_not_fit_the_status_change_nothing(client, db, world, login_as):
    login_as("coordinator")
    before = table_counts()
    decide(client, world.ikm, "approve")  # already approved
    decide(client, world.pending_ikm, "suspend", "tidak boleh")  # pending cannot be suspended
    decide(client, world.ikm, "reinstate")  # not suspended
    assert (world.ikm.status, world.pending_ikm.status) == ("approved", "pending")
    assert table_counts() == before


def test_coordinator_of_another_sentra_cannot_decide(client, db, world, login_as):
    login_as("other_coordinator")
    assert decide(client, world.pending_ikm, "approve").status_code == 404
    assert world.pending_ikm.status == "pending"
    with pytest.raises(DomainError):
        decide_organization(world.other_coordinator, world.pending_ikm, "approve")


def test_status_moves_only_through_the_transition_table(db, world):
    with pytest.raises(InvalidTransition):
        ORGANIZATION_STATES.move(world.pending_ikm, "suspended", world.coordinator)
    assert world.pending_ikm.status == "pending"


def test_rejected_ikm_comes_back_when_it_corrects_its_details(client, db, world, login_as):
    login_as("coordinator")
    decide(client, world.pending_ikm, "reject", "NPWP salah ketik")
    client.post("/logout")
    login_as("pending_seller")
    org = world.pending_ikm
    client.post("/account/organization/edit", data=seller_org_form(org, npwp="0123456789012345", workers="3"))
    assert db.session.get(Organization, org.id).status == "pending"


def test_dashboard_pages_through_long_lists(client, db, world, login_as):
    for _ in range(25):
        factories.make_ikm(world.jombang, status="pending")
    db.session.commit()
    login_as("coordinator")
    first = client.get("/coordinator/").get_data(as_text=True)
    second = client.get("/coordinator/?page=2").get_data(as_text=True)
    assert first.count('data-testid="ikm-row"') == 20
    assert second.count('data-testid="ikm-row"') == 6
    assert client.get("/coordinator/?page=999&status=nonsense").status_code == 200
