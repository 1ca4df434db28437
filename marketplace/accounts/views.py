"""Registration, sign-in, passwords, profile, organization and colleagues."""

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from marketplace.accounts import bp, services, sessions, tokens
from marketplace.accounts.forms import (
    AcceptInvitationForm,
    BuyerOrganizationForm,
    BuyerRegistrationForm,
    ChangePasswordForm,
    ConfirmForm,
    EmailOnlyForm,
    InviteForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SellerOrganizationForm,
    SellerRegistrationForm,
)
from marketplace.accounts.models import Invitation, Sentra, User
from marketplace.core.access import ANONYMOUS, AUTHENTICATED, PUBLIC, allow, object_or_404
from marketplace.core.errors import DomainError
from marketplace.core.flashing import flash
from marketplace.core.forms import choices, show_error, values_of
from marketplace.core.language import choose_for_session
from marketplace.core.roles import Role
from marketplace.core.security import safe_next_url
from marketplace.extensions import db, limiter


def _limit(config_key, per_user=False):
    """A rate limit on POSTs from the config, counted per client address or per signed-in account."""
    key_func = (lambda: f"user:{current_user.id}") if per_user else None
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"], key_func=key_func)


def _sentra_choices():
    sentras = db.session.scalars(select(Sentra).order_by(Sentra.name)).all()
    return choices([("", _l("Choose a sentra"))] + [(s.id, f"{s.name} ({s.regency})") for s in sentras])


@bp.get("/register")
@allow(ANONYMOUS)
def register():
    return render_template("accounts/register.html")


@bp.route("/register/buyer", methods=["GET", "POST"])
@allow(ANONYMOUS)
@_limit("RATELIMIT_REGISTER")
def register_buyer():
    form = BuyerRegistrationForm()
    if form.validate_on_submit():
        # The same answer whether or not the email has an account (services._register).
        services.register_buyer(values_of(form, services.BuyerRegistration), locale=str(get_locale()))
        return redirect(url_for("accounts.registered"))
    return render_template("accounts/register_buyer.html", form=form)


@bp.route("/register/seller", methods=["GET", "POST"])
@allow(ANONYMOUS)
@_limit("RATELIMIT_REGISTER")
def register_seller():
    form = SellerRegistrationForm()
    form.sentra_id.choices = _sentra_choices()
    if form.validate_on_submit():
        try:
            services.register_seller(values_of(form, services.SellerRegistration), locale=str(get_locale()))
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect(url_for("accounts.registered"))
    return render_template("accounts/register_seller.html", form=form)


@bp.get("/register/done")
@allow(ANONYMOUS)
def registered():
    return render_template("accounts/registered.html")


@bp.route("/verify/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@_limit("RATELIMIT_RESET")
def verify_email(token):
    """Opening the link shows a button; only pressing it (a POST) confirms: a GET never writes."""
    try:
        user = services.user_for_verification_token(token)
    except tokens.TokenInvalid:
        flash(_l("This confirmation link is invalid or has expired. Ask for a new one below."), "danger")
        return redirect(url_for("accounts.resend_verification"))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.verify_email(token)
        flash(_l("Your email %(email)s is confirmed. You can sign in now.", email=user.email), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/verify_email.html", form=form, user=user)


@bp.route("/verify/resend", methods=["GET", "POST"])
@allow(ANONYMOUS)
@_limit("RATELIMIT_RESET")
def resend_verification():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.resend_verification(form.email.data)
        flash(_l("If that account is waiting for confirmation, a new link is on its way."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/resend_verification.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@allow(ANONYMOUS)
@_limit("RATELIMIT_LOGIN")
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")[:500]
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.NotVerified as error:
            flash(error.message, "warning")
            return redirect(url_for("accounts.resend_verification"))
        except services.LoginRefused as error:
            show_error(form, error)
        else:
            # A language picked on this device before signing in wins, and is kept on the account.
            chosen = session.get("lang")
            sessions.sign_in(
                user, remember=form.remember.data, locale=chosen if chosen in current_app.config["LANGUAGES"] else None
            )
            _new_csrf_token()
            login_user(user, remember=form.remember.data)
            flash(_l("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect(safe_next_url(form.next.data, url_for("accounts.dashboard")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@allow(AUTHENTICATED)
def logout():
    sessions.end_session(current_user)
    _sign_out_here()
    flash(_l("You have signed out."), "info")
    return redirect(url_for("catalog.home"))


@bp.post("/account/sessions/end-all")
@allow(AUTHENTICATED)
def sign_out_everywhere():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sessions.end_all_sessions(current_user, sessions.EndReason.EVERYWHERE)
    _sign_out_here()
    flash(_l("You have been signed out on every device, this one included."), "info")
    return redirect(url_for("accounts.login"))


def _new_csrf_token():
    """A new CSRF token whenever who is signed in changes (a token seen before sign-in stops working)."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def _sign_out_here():
    logout_user()
    _new_csrf_token()


@bp.get("/account")
@allow(AUTHENTICATED)
def dashboard():
    """Where a signed-in user lands: the place that fits their role."""
    if current_user.role == Role.COORDINATOR:
        return redirect(url_for("coordination.dashboard"))
    if current_user.role == Role.ADMIN:
        return redirect(url_for("accounts.admin_sentras"))
    if current_user.role == Role.SELLER and current_user.organization.can_sell:
        # Their listings and what waits for them there, not the company's details. An IKM not (or no longer)
        # approved lands on its company page, which says why.
        return redirect(url_for("catalog.seller_listings"))
    return redirect(url_for("accounts.organization"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@allow(PUBLIC)
@_limit("RATELIMIT_RESET")
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _l("If an account exists for that email, a reset link is on its way. It works once, for one hour."), "info"
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@_limit("RATELIMIT_RESET")
def reset_password(token):
    try:
        user = services.user_for_reset_token(token)
    except tokens.TokenInvalid:
        flash(_l("This reset link is invalid, expired or already used. Ask for a new one."), "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm(user_inputs=(user.email, user.full_name, getattr(user.organization, "name", None)))
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        flash(_l("Your password has been set. Sign in with it now."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@allow(AUTHENTICATED)
# Each try costs a scrypt check: limited per account and per address, like sign-in.
@_limit("RATELIMIT_PASSWORD_CHANGE", per_user=True)
@_limit("RATELIMIT_PASSWORD_CHANGE_IP")
def change_password():
    form = ChangePasswordForm(
        user_inputs=(current_user.email, current_user.full_name, getattr(current_user.organization, "name", None))
    )
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            show_error(form, error, fallback="current_password")
        else:
            flash(_l("Your password has been changed. You are signed out on your other devices."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/profile", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.full_name.data, form.phone.data, form.locale.data)
        choose_for_session(form.locale.data)  # this session's choice would otherwise outrank the new one
        flash(_l("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html",
        form=form,
        sign_out_form=ConfirmForm(),
        live_sessions=sessions.live_session_count(current_user),
    )


@bp.get("/account/organization")
@allow(Role.BUYER, Role.SELLER)
def organization():
    org = current_user.organization
    return render_template("accounts/organization.html", org=org)


@bp.route("/account/organization/edit", methods=["GET", "POST"])
@allow(Role.BUYER, Role.SELLER, owner=True)
def edit_organization():
    org = current_user.organization
    form_class = SellerOrganizationForm if org.is_ikm else BuyerOrganizationForm
    form = form_class(obj=org)
    if form.validate_on_submit():
        was_status, was_pending = org.status, org.pending_email
        try:
            changed = services.update_organization(org, current_user, values_of(form, services.OrganizationDetails))
        except services.NibTaken as error:  # raised before anything is changed
            show_error(form, error)
        else:
            if org.pending_email and org.pending_email != was_pending:
                flash(
                    _l(
                        "We sent a confirmation link to %(email)s. The business email changes once it is opened.",
                        email=org.pending_email,
                    ),
                    "info",
                )
            if org.status != was_status:
                flash(
                    _l("Your legal details changed, so your IKM goes back to the coordinator for verification."),
                    "warning",
                )
            elif changed:
                flash(_l("The organization's details have been saved."), "success")
            return redirect(url_for("accounts.organization"))
    return render_template("accounts/edit_organization.html", form=form, org=org)


@bp.route("/organization/email/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@_limit("RATELIMIT_RESET")
def confirm_business_email(token):
    """Opened from the mailbox of the new business email: a page with a button (a GET changes nothing)."""
    try:
        org = services.organization_for_email_token(token)
    except tokens.TokenInvalid:
        flash(_l("This confirmation link is invalid, expired or already used."), "danger")
        return redirect(url_for("catalog.home"))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.confirm_business_email(token)
        flash(_l("The business email of %(name)s is now %(email)s.", name=org.name, email=org.email), "success")
        if current_user.is_authenticated and current_user.organization_id == org.id:
            return redirect(url_for("accounts.organization"))
        return redirect(url_for("catalog.home"))
    return render_template("accounts/confirm_business_email.html", form=form, org=org)


def _same_organization(user, row):
    return row.organization_id == user.organization_id


def _member_of_my_organization(user_id):
    """Object check: only colleagues of the owner's own organization, else 404."""
    return object_or_404(User, user_id, _same_organization)


def _invitation_of_my_organization(invitation_id):
    return object_or_404(Invitation, invitation_id, _same_organization)


def _render_members(invite_form):
    org = current_user.organization
    people = db.session.scalars(
        select(User).where(User.organization_id == org.id).order_by(User.deactivated_at.is_not(None), User.full_name)
    ).all()
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.organization_id == org.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at)
    ).all()
    return render_template(
        "accounts/members.html",
        org=org,
        people=people,
        invitations=invitations,
        invite_form=invite_form,
        confirm_form=ConfirmForm(),
    )


@bp.get("/account/members")
@allow(Role.BUYER, Role.SELLER)
def members():
    return _render_members(InviteForm())


@bp.post("/account/members/invite")
@allow(Role.BUYER, Role.SELLER, owner=True)
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"], key_func=lambda: f"user:{current_user.id}")
def invite_member():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite_colleague(current_user, form.email.data)
        except DomainError as error:
            show_error(form, error, fallback="email")
        else:
            flash(_l("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("accounts.members"))
    return _render_members(form)


@bp.post("/account/members/<int:user_id>/remove")
@allow(Role.BUYER, Role.SELLER, owner=True)
def remove_member(user_id):
    member = _member_of_my_organization(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_colleague(current_user, member)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("%(name)s can no longer sign in.", name=member.full_name), "success")
    return redirect(url_for("accounts.members"))


@bp.post("/account/members/<int:user_id>/reactivate")
@allow(Role.BUYER, Role.SELLER, owner=True)
def reactivate_member(user_id):
    member = _member_of_my_organization(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.reactivate_colleague(current_user, member)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("%(name)s can sign in again.", name=member.full_name), "success")
    return redirect(url_for("accounts.members"))


@bp.post("/account/invitations/<int:invitation_id>/revoke")
@allow(Role.BUYER, Role.SELLER, owner=True)
def revoke_invitation(invitation_id):
    invitation = _invitation_of_my_organization(invitation_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.revoke_invitation(current_user, invitation)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("The invitation has been withdrawn."), "success")
    return redirect(url_for("accounts.members"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@allow(ANONYMOUS)
@_limit("RATELIMIT_REGISTER")
def accept_invitation(token):
    try:
        invitation = services.invitation_for_token(token)
    except tokens.TokenInvalid:
        flash(_l("This invitation link is invalid, expired or already used."), "danger")
        return redirect(url_for("accounts.login"))
    form = AcceptInvitationForm(user_inputs=(invitation.email, invitation.organization.name))
    if form.validate_on_submit():
        try:
            services.accept_invitation(token, form.full_name.data, form.phone.data, form.password.data)
        except (services.EmailTaken, tokens.TokenInvalid):
            flash(_l("This invitation link is invalid, expired or already used."), "danger")
            return redirect(url_for("accounts.login"))
        flash(_l("Welcome to %(name)s. Sign in with your new password.", name=invitation.organization.name), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)
