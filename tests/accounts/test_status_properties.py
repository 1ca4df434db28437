"""Property: whatever decisions a coordinator tries, an IKM's status moves only along its table."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.accounts.models import ORGANIZATION_STATES, OrganizationStatus
from marketplace.accounts.services import decide_organization
from marketplace.core.errors import DomainError
from marketplace.core.models import AuditEntry
from tests import factories

DECISIONS = st.lists(
    st.tuples(
        st.sampled_from(["approve", "reject", "suspend", "reinstate", "bogus"]), st.sampled_from(["", "alasan jelas"])
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(decisions=DECISIONS)
def test_status_follows_the_transition_table(db, world, decisions):
    # Each decision is an operation that commits: every example gets an IKM of its own.
    org = factories.make_ikm(world.jombang, status=OrganizationStatus.PENDING)
    db.session.commit()
    moves = 0
    for decision, reason in decisions:
        before = org.status
        try:
            decide_organization(world.coordinator, org, decision, reason or None)
        except DomainError:
            db.session.refresh(org)
            assert org.status == before  # a refused decision changes nothing
            continue
        assert ORGANIZATION_STATES.can_move(before, org.status)
        if decision in ("reject", "suspend"):
            assert org.status_reason == reason and reason
        moves += 1
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "Organization", AuditEntry.object_id == org.id)
    ).all()
    assert len(entries) == moves
