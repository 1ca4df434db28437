from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.forms import DecisionForm
from marketplace.accounts.models import Organization, OrganizationKind, OrganizationStatus, User
from marketplace.coordination import bp
from marketplace.core.access import allow
from marketplace.core.errors import DomainError, InvalidTransition
from marketplace.core.flashing import flash
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.core.routing import page_arg
from marketplace.extensions import db

PER_PAGE = 20
TABS = OrganizationStatus.ALL


@bp.get("/")
@allow(Role.COORDINATOR)
def dashboard():
    status = request.args.get("status", OrganizationStatus.PENDING)
    if status not in TABS:
        status = OrganizationStatus.PENDING
    mine = (Organization.kind == OrganizationKind.IKM) & (Organization.sentra_id == current_user.sentra_id)
    counts = dict(
        db.session.execute(select(Organization.status, func.count()).where(mine).group_by(Organization.status)).all()
    )
    query = select(Organization).where(mine, Organization.status == status).order_by(Organization.created_at)
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    # One query for the page: whose owner has confirmed their email (fake sign-ups have not).
    verified = set(
        db.session.scalars(
            select(User.organization_id).where(
                User.organization_id.in_([o.id for o in pagination.items]), User.is_owner, User.verified_at.is_not(None)
            )
        )
    )
    return render_template(
        "coordination/dashboard.html",
        verified=verified,
        sentra=current_user.sentra,
        status=status,
        tabs=TABS,
        counts=counts,
        pagination=pagination,
    )


def _render_organization(org, form):
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "Organization", AuditEntry.object_id == org.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(50)
    ).all()
    people = db.session.scalars(select(User).where(User.organization_id == org.id).order_by(User.full_name)).all()
    return render_template("coordination/organization.html", org=org, history=history, people=people, form=form)


@bp.get("/organizations/<int:organization_id>")
@allow(Role.COORDINATOR)
def organization_detail(organization_id):
    return _render_organization(accounts.ikm_of_my_sentra(organization_id), DecisionForm())


@bp.post("/organizations/<int:organization_id>/decision")
@allow(Role.COORDINATOR)
def decide_organization(organization_id):
    org = accounts.ikm_of_my_sentra(organization_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            accounts.decide_organization(current_user, org, form.decision.data, form.reason.data or None)
        except InvalidTransition:
            flash(_l("That decision does not fit the IKM's current status."), "danger")
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("Decision saved; the IKM has been emailed."), "success")
            return redirect(url_for("coordination.dashboard", status=org.status))
        return redirect(url_for("coordination.organization_detail", organization_id=org.id))
    return _render_organization(org, form)
