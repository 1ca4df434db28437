"""The platform admin's pages: sentras and staff accounts."""

from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marketplace.accounts import bp, services
from marketplace.accounts.forms import ConfirmForm, SentraForm, StaffStatusForm, StaffUserForm
from marketplace.accounts.models import Sentra, User
from marketplace.core.access import allow, object_or_404
from marketplace.core.errors import DomainError
from marketplace.core.flashing import flash
from marketplace.core.forms import choices, show_error, values_of
from marketplace.core.roles import Role
from marketplace.core.routing import page_arg
from marketplace.extensions import db

PER_PAGE = 20


@bp.get("/admin/sentras")
@allow(Role.ADMIN)
def admin_sentras():
    sentras = services.sentra_overview()
    return render_template("accounts/admin_sentras.html", sentras=sentras)


@bp.route("/admin/sentras/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def admin_new_sentra():
    return _sentra_form(None)


@bp.route("/admin/sentras/<int:sentra_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def admin_edit_sentra(sentra_id):
    sentra = db.session.get(Sentra, sentra_id) or abort(404)
    return _sentra_form(sentra)


def _sentra_form(sentra):
    form = SentraForm(obj=sentra)
    if form.validate_on_submit():
        try:
            services.save_sentra(current_user, sentra, values_of(form, services.SentraDetails))
        except services.SlugTaken as error:
            show_error(form, error)
        else:
            flash(_l("The sentra has been saved."), "success")
            return redirect(url_for("accounts.admin_sentras"))
    return render_template("accounts/admin_sentra_form.html", form=form, sentra=sentra)


@bp.get("/admin/staff")
@allow(Role.ADMIN)
def admin_staff():
    query = (
        select(User)
        .where(User.role.in_(Role.STAFF))
        .options(db.joinedload(User.sentra))
        .order_by(User.role, User.email)
    )
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("accounts/admin_staff.html", pagination=pagination, confirm_form=ConfirmForm())


@bp.route("/admin/staff/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def admin_new_staff():
    form = StaffUserForm()
    sentras = db.session.scalars(select(Sentra).order_by(Sentra.name))
    form.sentra_id.choices = choices([("", "—")] + [(s.id, s.name) for s in sentras])
    if form.validate_on_submit():
        sentra = db.session.get(Sentra, form.sentra_id.data) if form.sentra_id.data else None
        try:
            services.create_staff_user(current_user, form.email.data, form.full_name.data, form.role.data, sentra)
        except DomainError as error:  # the e-mail is taken, or the sentra went away meanwhile
            show_error(form, error)
        else:
            flash(_l("The account has been created; a link to set the password was emailed."), "success")
            return redirect(url_for("accounts.admin_staff"))
    return render_template("accounts/admin_staff_form.html", form=form)


def _staff_member(user_id):
    return object_or_404(User, user_id, lambda admin, user: user.role in Role.STAFF)


@bp.post("/admin/staff/<int:user_id>/active")
@allow(Role.ADMIN)
def admin_set_staff_active(user_id):
    user = _staff_member(user_id)
    form = StaffStatusForm()
    if form.validate_on_submit():
        try:
            services.set_staff_active(current_user, user, form.active.data == "yes")
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_l("The account of %(email)s has been updated.", email=user.email), "success")
    return redirect(url_for("accounts.admin_staff"))


@bp.post("/admin/staff/<int:user_id>/password-link")
@allow(Role.ADMIN)
def admin_send_password_link(user_id):
    user = _staff_member(user_id)
    if ConfirmForm().validate_on_submit() and user.is_active:
        services.send_staff_password_link(user)
        flash(_l("A link to set the password was emailed to %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.admin_staff"))
