"""One state-machine helper for every status (organizations, listings, price requests; orders next).

A machine holds the statuses with their labels and badge colours, and the actions people take from
pages: each action names the statuses it applies to, the status it leads to and the roles that may
take it. The transition table is made from the actions, plus the moves the system makes on its own
(a new band suspending a listing for pricing, say), so pages, services and the table cannot disagree.

A move is one conditional UPDATE (`WHERE id = :id AND status = :from`) checked by its row count, so of
two people acting at once only one wins, plus one history row written by the model's own `history`
function. Assigning `status` on a stored object raises: statuses change only through `move`.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect, update
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core.audit import record_audit
from marketplace.core.errors import InvalidTransition
from marketplace.extensions import db


@dataclass(frozen=True)
class Status:
    label: object  # a lazy translatable string
    badge: str = "secondary"  # a Bootstrap colour


@dataclass(frozen=True)
class Action:
    """Something a person does from a page that moves a status: one button."""

    name: str
    label: object
    sources: frozenset
    target: str
    roles: frozenset
    style: str = "btn-outline-secondary"
    needs_reason: bool = False
    confirm: object = None  # the question asked before a destructive action

    def applies_to(self, status):
        return status in self.sources


def action(name, label, sources, target, roles, **options):
    return Action(name, label, frozenset(sources), target, frozenset(roles), **options)


@dataclass
class StateMachine:
    kind: str  # "listing", "organization", …: names the machine in errors and audit actions
    model: type
    statuses: dict
    actions: tuple
    # Moves nobody clicks: the system's own (reverification, suspension for pricing, …).
    system_moves: dict = field(default_factory=dict)
    # Every move is one audit entry "<audit_prefix>.<target status>" (or "<audit_prefix>.<action>" when
    # audit_by_action), with what audit_details(obj) adds; a model with a history table of its own adds
    # its row in `history(obj, from_status, to_status, actor, note)`.
    audit_prefix: str = None
    audit_by_action: bool = False
    audit_details: object = None
    history: object = None
    # Extra columns a move sets, per target status: {status: callable(note) -> {column: value}}.
    values_on_move: object = None
    transitions: dict = field(init=False)

    def __post_init__(self):
        self.transitions = {status: set() for status in self.statuses}
        for act in self.actions:
            for source in act.sources:
                self.transitions[source].add(act.target)
        for source, targets in self.system_moves.items():
            self.transitions[source] |= set(targets)
        unknown = {t for targets in self.transitions.values() for t in targets} - set(self.statuses)
        if unknown:
            raise ValueError(f"{self.kind}: moves to unknown statuses {sorted(unknown)}")
        _guard_status_column(self)

    # --- what pages show ----------------------------------------------------------------------------

    def label(self, status):
        known = self.statuses.get(status)
        return known.label if known else status

    def badge(self, status):
        known = self.statuses.get(status)
        return known.badge if known else "secondary"

    def action(self, name):
        """The action called `name`, or a DomainError (a form sent something no page offers)."""
        for act in self.actions:
            if act.name == name:
                return act
        raise InvalidAction(self.kind, name)

    def actions_for(self, status, role):
        """What a person of `role` may do to something in `status`, in the order pages show them."""
        return [act for act in self.actions if act.applies_to(status) and role in act.roles]

    def available_actions(self, obj, user):
        """The buttons a page shows `user` for `obj` (the object check is the caller's, before this)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return []
        return self.actions_for(obj.status, user.role)

    def check(self, obj, action_name, role):
        """The action, if a person of `role` may take it on `obj` now; else InvalidTransition or InvalidAction."""
        act = self.action(action_name)
        if role not in act.roles or not act.applies_to(obj.status):
            raise InvalidTransition(self.kind, obj.status, act.target)
        return act

    # --- moving -------------------------------------------------------------------------------------

    def can_move(self, from_status, to_status):
        return to_status in self.transitions.get(from_status, ())

    def move(self, obj, to_status, actor, note=None, action_name=None, extra_values=None):
        """The one way to change a status: checked against the table, conditional on the status read, recorded."""
        from_status = obj.status
        if not self.can_move(from_status, to_status):
            raise InvalidTransition(self.kind, from_status, to_status)
        values = {"status": to_status}
        if self.values_on_move is not None:
            values.update(self.values_on_move(to_status, note))
        values.update(extra_values or {})
        table = self.model.__table__
        version_column = inspect(self.model).version_id_col
        statement = (
            update(table)
            .where(table.c.id == obj.id, table.c.status == from_status)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if version_column is not None:
            # A move is a change the people who looked at the old version must see: it bumps the version.
            statement = statement.values({version_column.name: version_column + 1}).returning(version_column)
            new_version = db.session.execute(statement).scalar()
            if new_version is None:
                raise InvalidTransition(self.kind, from_status, to_status)
            values[version_column.name] = new_version
        elif db.session.execute(statement).rowcount != 1:
            raise InvalidTransition(self.kind, from_status, to_status)
        for name, value in values.items():
            set_committed_value(obj, _attribute_for(self.model, name), value)
        self._audit(obj, from_status, to_status, actor, note, action_name)
        if self.history is not None:
            self.history(obj, from_status, to_status, actor, note)
        return obj

    def _audit(self, obj, from_status, to_status, actor, note, action_name):
        name = action_name if (self.audit_by_action and action_name) else to_status
        details = self.audit_details(obj) if self.audit_details is not None else {}
        record_audit(
            actor,
            f"{self.audit_prefix or self.kind}.{name}",
            obj,
            before={"status": from_status},
            after={"status": to_status, **details},
            note=note,
        )


class InvalidAction(InvalidTransition):
    """A form named an action no page offers."""

    def __init__(self, kind, name):
        super().__init__(kind, None, None)
        self.message = _l("Unknown action.")
        self.name = name


def _attribute_for(model, column_name):
    mapper = inspect(model)
    for prop in mapper.column_attrs:
        if any(column.name == column_name for column in prop.columns):
            return prop.key
    return column_name


def _guard_status_column(machine):
    """Assigning `status` on a stored object raises; a new object may be created in any status."""
    attribute = machine.model.status

    def refuse(target, value, old_value, initiator):
        state = inspect(target)
        if state.persistent or state.detached:
            raise AttributeError(
                f"{machine.kind}.status is changed only through its state machine (move), not by assignment"
            )
        return value

    if not event.contains(attribute, "set", refuse):
        event.listen(attribute, "set", refuse, retval=True)
