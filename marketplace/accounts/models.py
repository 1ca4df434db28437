"""Sentras, organizations and their users."""

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import func

from marketplace.core.roles import Role
from marketplace.core.states import StateMachine, Status, action
from marketplace.core.timeutil import WIB, UTCDateTime, utcnow
from marketplace.extensions import db


class Sentra(db.Model):
    """A Sentra IKM cluster: its coordinators, its IKMs and (later) its own prices."""

    __tablename__ = "sentra"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    name = db.Column(db.String(160), nullable=False)
    regency = db.Column(db.String(120), nullable=False)
    province = db.Column(db.String(60), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self):
        return f"<Sentra {self.slug}>"


class OrganizationKind:
    IKM = "ikm"
    BUYER = "buyer"
    ALL = (IKM, BUYER)


class OrganizationStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ALL = (PENDING, APPROVED, REJECTED, SUSPENDED)


class Organization(db.Model):
    """A company account: an IKM (seller, belongs to a sentra) or a buyer (manufacturer)."""

    __tablename__ = "organization"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(8), nullable=False)
    name = db.Column(db.String(160), nullable=False)
    nib = db.Column(db.String(13), unique=True)
    npwp = db.Column(db.String(16))
    is_pkp = db.Column(db.Boolean, nullable=False, default=False)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), index=True)
    address = db.Column(db.String(300), nullable=False)
    regency = db.Column(db.String(120), nullable=False)
    province = db.Column(db.String(60), nullable=False)
    workers = db.Column(db.Integer)
    # What the IKM says of itself on its public profile (plain text).
    about = db.Column(db.Text, nullable=False, default="", server_default="")
    contact_person = db.Column(db.String(120), nullable=False)
    phone = db.Column(db.String(20), nullable=False)
    # The business phone / WhatsApp an IKM publishes to signed-in buyers (`phone` is for the platform only).
    public_phone = db.Column(db.String(20))
    email = db.Column(db.String(254), nullable=False)
    # A new business email waits here until a link mailed to it is opened; mail keeps going to `email`.
    pending_email = db.Column(db.String(254))
    status = db.Column(db.String(12), nullable=False, default=OrganizationStatus.PENDING, index=True)
    status_reason = db.Column(db.String(1000))
    status_changed_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    sentra = db.relationship(Sentra, backref=db.backref("organizations", lazy="dynamic"))

    __table_args__ = (
        db.CheckConstraint("kind IN ('ikm', 'buyer')", name="kind"),
        db.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'suspended')", name="status"),
        db.CheckConstraint("kind <> 'ikm' OR (sentra_id IS NOT NULL AND nib IS NOT NULL)", name="ikm_needs_sentra_nib"),
        db.CheckConstraint("kind <> 'buyer' OR npwp IS NOT NULL", name="buyer_needs_npwp"),
        db.CheckConstraint("workers IS NULL OR workers >= 0", name="workers_not_negative"),
    )

    @property
    def is_ikm(self):
        return self.kind == OrganizationKind.IKM

    @property
    def can_sell(self):
        return self.is_ikm and self.status == OrganizationStatus.APPROVED

    @property
    def verified_on(self):
        """The day (in Jombang) the sentra approved the IKM, while it stays approved; None otherwise."""
        if not self.can_sell or self.status_changed_at is None:
            return None
        return self.status_changed_at.astimezone(WIB).date()

    @property
    def whatsapp_url(self):
        """wa.me wants the number in international form, digits only: a leading 0 is Indonesia's 62."""
        digits = "".join(c for c in self.public_phone or "" if c.isascii() and c.isdigit())
        if not digits:
            return None
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        return f"https://wa.me/{digits}"

    def __repr__(self):
        return f"<Organization {self.kind} {self.name!r} {self.status}>"


class User(UserMixin, db.Model):
    """A person who signs in. Buyers and sellers belong to one organization; coordinators to one sentra."""

    __tablename__ = "user_account"

    ROLES = Role.ALL

    id = db.Column(db.Integer, primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email = db.Column(db.String(254), nullable=False, unique=True)
    password_hash = db.Column(db.String(255))
    full_name = db.Column(db.String(120), nullable=False)
    phone = db.Column(db.String(20))
    role = db.Column(db.String(12), nullable=False)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    sentra_id = db.Column(db.Integer, db.ForeignKey("sentra.id", ondelete="RESTRICT"), index=True)
    is_owner = db.Column(db.Boolean, nullable=False, default=False)
    locale = db.Column(db.String(5), nullable=False, default="id")
    verified_at = db.Column(UTCDateTime)
    deactivated_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    organization = db.relationship(Organization, backref=db.backref("members", lazy="dynamic"))
    sentra = db.relationship(Sentra, backref=db.backref("coordinators", lazy="dynamic"))

    __table_args__ = (
        db.CheckConstraint("role IN ('buyer', 'seller', 'coordinator', 'admin')", name="role"),
        db.CheckConstraint(
            "(role IN ('buyer', 'seller') AND organization_id IS NOT NULL AND sentra_id IS NULL)"
            " OR (role = 'coordinator' AND sentra_id IS NOT NULL AND organization_id IS NULL)"
            " OR (role = 'admin' AND organization_id IS NULL AND sentra_id IS NULL)",
            name="role_membership",
        ),
        db.CheckConstraint("locale IN ('id', 'en')", name="locale"),
    )

    # The key of the sign-in this request runs under (accounts/sessions.py); never stored in clear.
    session_key = None

    @property
    def is_active(self):
        return self.deactivated_at is None

    def get_id(self):
        """What the Flask session and the remember-me cookie hold: the user and one server-side sign-in."""
        if not self.session_key:
            raise RuntimeError("start a sign-in with accounts.sessions.start_session before login_user")
        return f"{self.id}:{self.session_key}"

    @property
    def is_verified(self):
        return self.verified_at is not None

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


_COORDINATOR = (Role.COORDINATOR,)
S = OrganizationStatus
ORGANIZATION_STATES = StateMachine(
    kind="organization",
    model=Organization,
    statuses={
        S.PENDING: Status(_l("Waiting for approval"), "warning text-dark"),
        S.APPROVED: Status(_l("Approved"), "success"),
        S.REJECTED: Status(_l("Rejected"), "secondary"),
        S.SUSPENDED: Status(_l("Suspended"), "danger"),
    },
    actions=(
        action("approve", _l("Approve"), [S.PENDING], S.APPROVED, _COORDINATOR, style="btn-success"),
        action(
            "reject", _l("Reject"), [S.PENDING], S.REJECTED, _COORDINATOR, style="btn-outline-danger", needs_reason=True
        ),
        action(
            "suspend", _l("Suspend"), [S.APPROVED], S.SUSPENDED, _COORDINATOR, style="btn-danger", needs_reason=True
        ),
        action("reinstate", _l("Lift the suspension"), [S.SUSPENDED], S.APPROVED, _COORDINATOR, style="btn-success"),
    ),
    # A change of legal IDs sends an approved or rejected IKM back to pending; a suspended one stays
    # suspended (it must not shed its suspension by editing), and the change is in its history.
    system_moves={S.APPROVED: {S.PENDING}, S.REJECTED: {S.PENDING}},
    # An organization's history is its audit trail (the IKM page lists it), named by the decision.
    audit_by_action=True,
    values_on_move=lambda to_status, note: {"status_reason": note, "status_changed_at": utcnow()},
)


def find_user_by_email(email):
    return db.session.scalar(db.select(User).where(func.lower(User.email) == (email or "").strip().lower()))


class Invitation(db.Model):
    """An owner's invitation for a colleague to join the organization."""

    __tablename__ = "invitation"

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(
        db.Integer, db.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email = db.Column(db.String(254), nullable=False)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    accepted_at = db.Column(UTCDateTime)
    revoked_at = db.Column(UTCDateTime)

    organization = db.relationship(Organization)
    invited_by = db.relationship(User, foreign_keys=[invited_by_id])

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None


class UserSession(db.Model):
    """One sign-in (a browser or a remember-me cookie): signing out ends it here, on the server."""

    __tablename__ = "user_session"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    # SHA-256 of the random key the cookie carries: a copy of this table signs nobody in.
    key_hash = db.Column(db.String(64), nullable=False, unique=True)
    remember = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    ended_at = db.Column(UTCDateTime)
    ended_reason = db.Column(db.String(20))

    user = db.relationship(User)

    __table_args__ = (db.CheckConstraint("(ended_at IS NULL) = (ended_reason IS NULL)", name="ended_with_reason"),)
