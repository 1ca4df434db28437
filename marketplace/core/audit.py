"""Append-only audit entries for approvals, decisions and status changes."""

from marketplace.core.models import AuditEntry
from marketplace.extensions import db


def record_audit(actor, action, obj, before=None, after=None, note=None):
    """Add an audit entry to the current transaction (committed with the change it records)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        before=before,
        after=after,
        note=note,
    )
    db.session.add(entry)
    return entry
