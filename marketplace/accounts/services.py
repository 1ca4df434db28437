"""Operations of the accounts domain. Each flushes, audits and enqueues mail; @operation commits or rolls back."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.accounts import sessions, tokens
from marketplace.accounts.models import (
    ORGANIZATION_STATES,
    Invitation,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Sentra,
    User,
    find_user_by_email,
)
from marketplace.accounts.signals import organization_renamed
from marketplace.core.access import object_or_404
from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError, SlugTaken
from marketplace.core.outbox import enqueue_mail, external_url
from marketplace.core.reasons import require_reason
from marketplace.core.roles import Role
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import operation
from marketplace.extensions import db


class EmailTaken(DomainError):
    field = "email"


class LoginRefused(DomainError):
    field = "password"


class NotVerified(DomainError):
    pass


_DUMMY_HASH = generate_password_hash("timing-equaliser-not-a-password")


def hash_password(password):
    # Werkzeug's default is scrypt, a memory-hard KDF.
    return generate_password_hash(password)


def _email_taken(email):
    return find_user_by_email(email) is not None


def _send_verification(user):
    token = tokens.make_token(tokens.VERIFY_SALT, {"uid": user.id, "email": user.email})
    enqueue_mail(
        user.email,
        _l("Confirm your email for Pasar Sentra"),
        "verify_email",
        locale=user.locale,
        user=user,
        link=external_url("accounts.verify_email", token=token),
    )


# --- what the operations take: plain values, the same from a form or a future API --------------------------------


@dataclass(frozen=True, kw_only=True)
class _OwnerAndAddress:
    email: str
    password: str
    contact_person: str
    phone: str
    address: str
    regency: str
    province: str


@dataclass(frozen=True, kw_only=True)
class BuyerRegistration(_OwnerAndAddress):
    company_name: str
    npwp: str


@dataclass(frozen=True, kw_only=True)
class SellerRegistration(_OwnerAndAddress):
    business_name: str
    nib: str
    sentra_id: int
    workers: int
    npwp: str | None = None
    is_pkp: bool = False


@dataclass(frozen=True, kw_only=True)
class OrganizationDetails:
    """A company's details as its owner edits them; `nib`, `is_pkp`, `workers`, `public_phone` and `about` are an
    IKM's only."""

    name: str
    npwp: str | None
    address: str
    regency: str
    province: str
    contact_person: str
    phone: str
    email: str
    nib: str | None = None
    is_pkp: bool = False
    workers: int | None = None
    public_phone: str | None = None
    about: str | None = None


@dataclass(frozen=True, kw_only=True)
class SentraDetails:
    name: str
    slug: str
    regency: str
    province: str
    description: str | None = None


class NibTaken(DomainError):
    field = "nib"


def _register(org, data, role, locale):
    """Store a new organization with its owner, audit it and mail the verification link.

    An email that already has an account gets the same answer as a new one, so the form tells nobody
    which addresses are registered: nothing is stored and the account's owner is mailed a note instead.
    """
    existing = find_user_by_email(data.email)
    if existing is not None:
        hash_password(data.password)  # the same work as a real registration, so timing tells nothing
        _tell_of_registration_attempt(existing)
        return None
    for field in ("address", "regency", "province", "contact_person", "phone", "email"):
        setattr(org, field, getattr(data, field))
    owner = User(
        email=data.email,
        password_hash=hash_password(data.password),
        full_name=data.contact_person,
        phone=data.phone,
        role=role,
        organization=org,
        is_owner=True,
        locale=locale,
    )
    db.session.add_all([org, owner])
    db.session.flush()
    record_audit(owner, "organization.registered", org, after={"kind": org.kind, "name": org.name})
    _send_verification(owner)
    return owner


def _tell_of_registration_attempt(user):
    enqueue_mail(
        user.email,
        _l("Someone tried to register with your email on Pasar Sentra"),
        "account_exists",
        locale=user.locale,
        user=user,
        login_link=external_url("accounts.login"),
        reset_link=external_url("accounts.forgot_password"),
    )


@operation
def register_buyer(data: BuyerRegistration, locale="id"):
    """A manufacturer's company account and its owner; usable once the email is verified."""
    org = Organization(
        kind=OrganizationKind.BUYER, name=data.company_name, npwp=data.npwp, status=OrganizationStatus.APPROVED
    )
    return _register(org, data, Role.BUYER, locale)


@operation
def register_seller(data: SellerRegistration, locale="id"):
    """An IKM's account: it starts pending until a coordinator of its sentra approves it."""
    if db.session.scalar(select(Organization.id).where(Organization.nib == data.nib)):
        raise NibTaken(_l("An IKM with this NIB is already registered."))
    sentra = db.session.get(Sentra, data.sentra_id)
    if sentra is None:
        raise DomainError(_l("Choose a sentra from the list."), code="unknown_sentra", field="sentra_id")
    org = Organization(
        kind=OrganizationKind.IKM,
        name=data.business_name,
        nib=data.nib,
        npwp=data.npwp or None,
        is_pkp=data.is_pkp,
        sentra_id=sentra.id,  # the id, not the relationship: the org joins the session only when complete
        workers=data.workers,
        status=OrganizationStatus.PENDING,
    )
    # The coordinators hear of it once the owner has confirmed the email (see verify_email).
    return _register(org, data, Role.SELLER, locale)


def _tell_coordinators_of_waiting_ikm(org):
    mail_coordinators(
        org.sentra_id,
        _l("An IKM is waiting for approval: %(name)s", name=org.name),
        "ikm_waiting",
        organization=org,
        link=external_url("coordination.organization_detail", organization_id=org.id),
    )


def coordinators_of(sentra_id):
    return db.session.scalars(
        select(User).where(User.role == Role.COORDINATOR, User.sentra_id == sentra_id, User.deactivated_at.is_(None))
    ).all()


@operation
def resend_verification(email):
    """Send a new link if the account exists and is unverified; say nothing either way."""
    user = find_user_by_email(email)
    if user is not None and not user.is_verified and user.is_active:
        _send_verification(user)


def user_for_verification_token(token):
    """The account a confirmation link names (reads only), or TokenInvalid."""
    user, email = _row_for_emailed_token(tokens.VERIFY_SALT, token, User, "uid")
    if user.email != email:
        raise tokens.TokenInvalid()
    return user


@operation
def verify_email(token):
    """The owner of the address pressed "confirm": the account is verified (once; again is harmless)."""
    user = user_for_verification_token(token)
    if not user.is_verified:
        user.verified_at = utcnow()
        record_audit(user, "user.verified", user)
        org = user.organization
        if user.is_owner and org is not None and org.is_ikm and org.status == OrganizationStatus.PENDING:
            _tell_coordinators_of_waiting_ikm(org)
    return user


def authenticate(email, password):
    """The user for these credentials, or LoginRefused/NotVerified. Same message for unknown email and bad password."""
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        # Spend the same time as a real check, so the answer's speed does not tell which emails exist.
        check_password_hash(_DUMMY_HASH, password)
        raise LoginRefused(_l("Wrong email or password."))
    if not check_password_hash(user.password_hash, password):
        raise LoginRefused(_l("Wrong email or password."))
    if not user.is_active:
        raise LoginRefused(_l("This account has been deactivated."))
    if not user.is_verified:
        raise NotVerified(_l("Please confirm your email first: open the link we sent you."))
    return user


@operation
def request_password_reset(email):
    """Mail a reset link if the account exists; never reveal whether it does."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = tokens.make_token(tokens.RESET_SALT, {"uid": user.id, "fp": tokens.password_fingerprint(user)})
    enqueue_mail(
        user.email,
        _l("Reset your Pasar Sentra password"),
        "reset_password",
        locale=user.locale,
        user=user,
        link=external_url("accounts.reset_password", token=token),
    )


def user_for_reset_token(token):
    payload = tokens.read_token(tokens.RESET_SALT, token, current_app.config["RESET_TOKEN_MAX_AGE"])
    uid = payload.get("uid")
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.is_active or payload.get("fp") != tokens.password_fingerprint(user):
        raise tokens.TokenInvalid()
    return user


@operation
def reset_password(token, new_password):
    """Set a new password through a reset link; the link stops working once used."""
    user = user_for_reset_token(token)
    user.password_hash = hash_password(new_password)
    sessions.end_all_sessions(user, sessions.EndReason.PASSWORD_CHANGED)
    # Opening the link proves the address, so a staff account set up by link is verified too.
    if not user.is_verified:
        user.verified_at = utcnow()
    record_audit(user, "user.password_reset", user)
    _tell_password_changed(user)
    return user


def _tell_password_changed(user):
    # If it was not them, they learn it at once and can reset it.
    enqueue_mail(
        user.email,
        _l("Your Pasar Sentra password was changed"),
        "password_changed",
        locale=user.locale,
        user=user,
        link=external_url("accounts.forgot_password"),
    )


@operation
def change_password(user, current_password, new_password):
    if not user.password_hash or not check_password_hash(user.password_hash, current_password):
        raise DomainError(_l("The current password is not correct."))
    user.password_hash = hash_password(new_password)
    sessions.end_all_sessions(user, sessions.EndReason.PASSWORD_CHANGED, keep_current=True)
    record_audit(user, "user.password_changed", user)
    _tell_password_changed(user)


@operation
def update_profile(user, full_name, phone, locale):
    user.full_name = full_name
    user.phone = phone or None
    user.locale = locale


SELLER_LEGAL_FIELDS = ("name", "nib", "npwp", "is_pkp")


@operation
def update_organization(org, actor, data: OrganizationDetails):
    """Edit the company's details; a seller's change of legal IDs sends it back to verification."""
    if org.is_ikm and data.nib != org.nib:
        clash = db.session.scalar(
            select(Organization.id).where(Organization.nib == data.nib, Organization.id != org.id)
        )
        if clash:
            raise NibTaken(_l("An IKM with this NIB is already registered."))
    # The business email is not among them: decisions are mailed there, so a new one counts only
    # once it is confirmed from its own mailbox (request_business_email_change).
    values = {
        "name": data.name,
        "npwp": data.npwp or None,
        "address": data.address,
        "regency": data.regency,
        "province": data.province,
        "contact_person": data.contact_person,
        "phone": data.phone,
    }
    if org.is_ikm:
        values |= {
            "nib": data.nib,
            "is_pkp": data.is_pkp,
            "workers": data.workers,
            # Not a legal detail: publishing or changing it keeps the IKM approved.
            "public_phone": data.public_phone or None,
            "about": data.about or "",
        }
    fields = list(values)
    email_requested = request_business_email_change(org, actor, data.email)
    before = {f: getattr(org, f) for f in fields}
    for field, value in values.items():
        setattr(org, field, value)
    after = {f: getattr(org, f) for f in fields}
    changed = {f for f in fields if before[f] != after[f]}
    if not changed:
        return email_requested
    record_audit(actor, "organization.updated", org, before=before, after=after)
    if "name" in changed:
        organization_renamed.send(org)
    legal_changed = org.is_ikm and changed & set(SELLER_LEGAL_FIELDS)
    if legal_changed and org.status in (OrganizationStatus.APPROVED, OrganizationStatus.REJECTED):
        ORGANIZATION_STATES.move(org, OrganizationStatus.PENDING, actor, action_name="reverification")
        _tell_coordinators_of_waiting_ikm(org)
    return True


def request_business_email_change(org, actor, new_email):
    """Keep the business email until the new address confirms; True if a confirmation was (re)sent."""
    new_email = (new_email or "").strip().lower()
    if new_email == (org.email or "").lower():
        if org.pending_email is None:
            return False
        org.pending_email = None  # back to the address in use: the open request is dropped
        record_audit(actor, "organization.email_change_cancelled", org)
        return True
    if new_email == org.pending_email:
        return False  # already waiting for that address; the earlier link still works
    org.pending_email = new_email
    record_audit(actor, "organization.email_change_requested", org, after={"pending_email": new_email})
    token = tokens.make_token(tokens.ORG_EMAIL_SALT, {"org": org.id, "email": new_email})
    enqueue_mail(
        new_email,
        _l("Confirm the business email of %(name)s", name=org.name),
        "organization_email_confirm",
        locale=actor.locale,
        organization=org,
        link=external_url("accounts.confirm_business_email", token=token),
    )
    # The address in use hears of it too: a stolen account cannot move the company's mail quietly.
    enqueue_mail(
        org.email,
        _l("The business email of %(name)s is being changed", name=org.name),
        "organization_email_changing",
        locale=actor.locale,
        organization=org,
        new_email=new_email,
    )
    return True


def _row_for_emailed_token(salt, token, model, id_key):
    """The row an emailed link names (its id under `id_key`) and the email it was sent for, or TokenInvalid."""
    payload = tokens.read_token(salt, token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    row_id = payload.get(id_key)
    row = db.session.get(model, row_id) if isinstance(row_id, int) else None
    if row is None:
        raise tokens.TokenInvalid()
    return row, payload.get("email")


def organization_for_email_token(token):
    """The organization and the address a confirmation link names, if that change is still waiting."""
    org, email = _row_for_emailed_token(tokens.ORG_EMAIL_SALT, token, Organization, "org")
    if not org.pending_email or org.pending_email != email:
        raise tokens.TokenInvalid()
    return org


@operation
def confirm_business_email(token):
    """The new address opened its link: it becomes the business email (the link then stops working)."""
    org = organization_for_email_token(token)
    before = {"email": org.email}
    org.email, org.pending_email = org.pending_email, None
    record_audit(None, "organization.email_confirmed", org, before=before, after={"email": org.email})
    return org


MAX_OPEN_INVITATIONS = 20


@operation
def invite_colleague(owner, email):
    """The owner invites someone by email to join the organization."""
    org = owner.organization
    open_count = db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.organization_id == org.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
        )
    )
    if open_count >= MAX_OPEN_INVITATIONS:
        raise DomainError(_l("Your company has 20 open invitations: withdraw some before sending more."))
    open_invite = db.session.scalar(
        select(Invitation).where(
            Invitation.organization_id == org.id,
            func.lower(Invitation.email) == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    invitation = open_invite or Invitation(organization=org, email=email, invited_by=owner)
    db.session.add(invitation)
    db.session.flush()
    existing = find_user_by_email(email)
    if existing is not None:
        # The owner sees the same answer either way (no hint which addresses have accounts); the
        # address's owner hears of it instead of getting a link that could not work.
        enqueue_mail(
            email,
            _l("%(name)s invites you to Pasar Sentra", name=org.name),
            "invitation_account_exists",
            locale=existing.locale,
            organization=org,
            inviter=owner,
            user=existing,
        )
    else:
        token = tokens.make_token(tokens.INVITE_SALT, {"inv": invitation.id, "email": email})
        enqueue_mail(
            email,
            _l("%(name)s invites you to Pasar Sentra", name=org.name),
            "invitation",
            locale=owner.locale,
            organization=org,
            inviter=owner,
            link=external_url("accounts.accept_invitation", token=token),
        )
    record_audit(owner, "invitation.sent", invitation, after={"email": email})
    return invitation


def invitation_for_token(token):
    invitation, email = _row_for_emailed_token(tokens.INVITE_SALT, token, Invitation, "inv")
    if not invitation.is_open or invitation.email != email:
        raise tokens.TokenInvalid()
    return invitation


@operation
def accept_invitation(token, full_name, phone, password):
    """The invited colleague sets their own password and joins; the link proves the email."""
    invitation = invitation_for_token(token)
    if _email_taken(invitation.email):
        raise EmailTaken(_l("An account with this email already exists."))
    org = invitation.organization
    user = User(
        email=invitation.email,
        password_hash=hash_password(password),
        full_name=full_name,
        phone=phone or None,
        role=Role.SELLER if org.is_ikm else Role.BUYER,
        organization=org,
        is_owner=False,
        locale=invitation.invited_by.locale if invitation.invited_by else "id",
        verified_at=utcnow(),
    )
    db.session.add(user)
    invitation.accepted_at = utcnow()
    db.session.flush()
    record_audit(user, "invitation.accepted", invitation, after={"user_id": user.id})
    return user


@operation
def revoke_invitation(owner, invitation):
    if not invitation.is_open:
        raise DomainError(_l("This invitation is no longer open."))
    invitation.revoked_at = utcnow()
    record_audit(owner, "invitation.revoked", invitation)


@operation
def remove_colleague(owner, member):
    """Deactivate a colleague's account; the owner cannot remove themself."""
    if member.id == owner.id:
        raise DomainError(_l("You cannot remove yourself."))
    if not member.is_active:
        raise DomainError(_l("This account has already been removed."))
    member.deactivated_at = utcnow()
    sessions.end_all_sessions(member, sessions.EndReason.DEACTIVATED)
    record_audit(owner, "user.removed", member, before={"active": True}, after={"active": False})


@operation
def reactivate_colleague(owner, member):
    """Let a removed colleague sign in again (with their old password, or a reset)."""
    if member.is_active:
        raise DomainError(_l("This account is active."))
    member.deactivated_at = None
    record_audit(owner, "user.reactivated", member, before={"active": False}, after={"active": True})


@operation
def create_staff_user(actor, email, full_name, role, sentra=None, password=None):
    """A coordinator (of one sentra) or an admin. Without a password, a set-password link is mailed."""
    if role not in Role.STAFF:
        raise DomainError(_l("Staff accounts are coordinators or administrators."))
    if role == Role.COORDINATOR and sentra is None:
        raise DomainError(_l("Choose the coordinator's sentra."), field="sentra_id")
    if _email_taken(email):
        raise EmailTaken(_l("An account with this email already exists."))
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        sentra=sentra if role == Role.COORDINATOR else None,
        password_hash=hash_password(password) if password else None,
        verified_at=utcnow() if password else None,
    )
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "user.staff_created", user, after={"role": role, "sentra": sentra.slug if sentra else None})
    if not password:
        send_staff_password_link(user)
    return user


@operation
def send_staff_password_link(user):
    """Mail a staff member a link to set their password (works once, for an hour)."""
    token = tokens.make_token(tokens.RESET_SALT, {"uid": user.id, "fp": tokens.password_fingerprint(user)})
    enqueue_mail(
        user.email,
        _l("Your Pasar Sentra staff account"),
        "staff_welcome",
        locale=user.locale,
        user=user,
        link=external_url("accounts.reset_password", token=token),
    )


@operation
def set_staff_active(actor, user, active):
    """An admin deactivates or reactivates a coordinator or admin account (never their own)."""
    if user.role not in Role.STAFF:
        raise DomainError(_l("Only staff accounts are managed here."))
    if user.id == actor.id:
        raise DomainError(_l("You cannot deactivate your own account."))
    if user.is_active == active:
        return
    if active:
        user.deactivated_at = None
    else:
        user.deactivated_at = utcnow()
        sessions.end_all_sessions(user, sessions.EndReason.DEACTIVATED)
    record_audit(actor, "user.reactivated" if active else "user.deactivated", user, after={"active": active})


@operation
def save_sentra(actor, sentra, data: SentraDetails):
    """Create (sentra=None) or edit a sentra."""
    clash = db.session.scalar(
        select(Sentra.id).where(Sentra.slug == data.slug, Sentra.id != (sentra.id if sentra else -1))
    )
    if clash:
        raise SlugTaken(_l("Another sentra already uses this short name."))
    fields = ("name", "slug", "regency", "province", "description")
    before = {f: getattr(sentra, f) for f in fields} if sentra else None
    if sentra is None:
        sentra = Sentra()
        db.session.add(sentra)
    for field in fields:
        setattr(sentra, field, getattr(data, field))
    sentra.description = data.description or ""
    db.session.flush()
    record_audit(
        actor,
        "sentra.created" if before is None else "sentra.updated",
        sentra,
        before=before,
        after={f: getattr(sentra, f) for f in fields},
    )
    return sentra


# decision -> (the only status it applies to, the status it leads to, the mail's subject)
# The mail each decision sends the IKM (the decisions themselves are ORGANIZATION_STATES' actions).
DECISION_SUBJECTS = {
    "approve": _l("Your IKM has been approved on Pasar Sentra"),
    "reject": _l("Your IKM registration was not approved"),
    "suspend": _l("Your IKM has been suspended on Pasar Sentra"),
    "reinstate": _l("Your IKM's suspension has been lifted"),
}


@operation
def decide_organization(coordinator, org, decision, reason=None):
    """A coordinator approves, rejects, suspends or reinstates an IKM of their own sentra."""
    if not coordinator_may_manage(coordinator, org):
        raise DomainError(_l("This IKM is not in your sentra."))
    act = ORGANIZATION_STATES.check(org, decision, coordinator.role)
    if act.needs_reason:
        reason = require_reason(reason)
    ORGANIZATION_STATES.move(org, act.target, coordinator, note=reason or None, action_name=decision)
    mail_organization(
        org,
        DECISION_SUBJECTS[decision],
        "organization_decision",
        organization=org,
        decision=decision,
        reason=reason,
        link=external_url("accounts.organization"),
    )


def organization_recipients(organization):
    """(address, language) pairs for mail to a company: its active owners and its business email."""
    owners = db.session.scalars(
        select(User).where(User.organization_id == organization.id, User.is_owner, User.deactivated_at.is_(None))
    ).all()
    recipients = {o.email: o.locale for o in owners}
    recipients.setdefault(organization.email, owners[0].locale if owners else "id")
    return sorted(recipients.items())


def mail_organization(organization, subject, template, /, **context):
    """One mail to each of the company's recipients (its owners and business email), each in their language."""
    for address, locale in organization_recipients(organization):
        enqueue_mail(address, subject, template, locale=locale, **context)


def mail_coordinators(sentra_id, subject, template, /, **context):
    """One mail to each active coordinator of the sentra, in their language."""
    for coordinator in coordinators_of(sentra_id):
        enqueue_mail(coordinator.email, subject, template, locale=coordinator.locale, **context)


def coordinator_may_manage(user, org):
    """Object check: a coordinator acts only on IKMs of their own sentra."""
    return user.role == Role.COORDINATOR and org.is_ikm and org.sentra_id == user.sentra_id


def ikm_of_my_sentra(organization_id):
    """For a coordinator's pages: an IKM of their own sentra, else 404 (no hint that it exists)."""
    return object_or_404(Organization, organization_id, coordinator_may_manage)


def sentra_overview():
    """Sentras with how many approved IKMs each has: one query."""
    approved = (
        select(Organization.sentra_id, func.count(Organization.id).label("ikm_count"))
        .where(Organization.kind == OrganizationKind.IKM, Organization.status == OrganizationStatus.APPROVED)
        .group_by(Organization.sentra_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Sentra, func.coalesce(approved.c.ikm_count, 0))
        .outerjoin(approved, approved.c.sentra_id == Sentra.id)
        .order_by(Sentra.name)
    ).all()
    return [(sentra, count) for sentra, count in rows]
