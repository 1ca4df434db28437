"""Coordinators publish price schedules, decide price-change requests, watch competition and give sanctions;
IKMs ask for prices; everyone reads the sentra's reference prices."""

import dataclasses
import hashlib
import json
from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Sentra
from marketplace.accounts.services import ikm_of_my_sentra
from marketplace.catalog.models import Listing, ProductType
from marketplace.catalog.services import is_own_listing
from marketplace.core.access import PUBLIC, allow, object_or_404
from marketplace.core.errors import DomainError, InvalidTransition
from marketplace.core.flashing import flash
from marketplace.core.forms import choices, show_error, values_of
from marketplace.core.money import plain_quantity
from marketplace.core.roles import Role
from marketplace.core.routing import page_arg
from marketplace.core.submissions import DuplicateSubmission, already_sent
from marketplace.core.timeutil import format_day
from marketplace.extensions import db
from marketplace.pricing import bp, services
from marketplace.pricing.forms import (
    PriceChangeRequestForm,
    PriceRequestDecisionForm,
    PriceScheduleForm,
    SanctionForm,
    WithdrawForm,
)
from marketplace.pricing.models import PriceChangeRequest, RequestStatus, SanctionKind


def _product_types():
    return db.session.scalars(select(ProductType).order_by(ProductType.category_id, ProductType.name)).all()


def _history_by_type(schedules):
    history = {}
    for schedule in schedules:
        history.setdefault(schedule.product_type_id, []).append(schedule)
    return history


@bp.get("/coordinator/prices")
@allow(Role.COORDINATOR)
def coordinator_prices():
    schedules = services.schedules_of_sentra(current_user.sentra_id)
    return render_template(
        "pricing/coordinator_prices.html",
        sentra=current_user.sentra,
        product_types=_product_types(),
        in_force=services.in_force_by_product_type(schedules),
        history=_history_by_type(schedules),
        today=services.today_wib(),
    )


@bp.route("/coordinator/prices/<int:product_type_id>/new", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def new_schedule(product_type_id):
    product_type = db.session.get(ProductType, product_type_id) or abort(404)
    current = services.schedule_in_force(current_user.sentra_id, product_type.id)
    form = PriceScheduleForm(obj=current)
    if not form.is_submitted():
        # Start from the prices in force; dates default to today and a review in three months.
        tiers = current.tiers if current is not None else []
        form.tiers.data = "\n".join(f"{plain_quantity(t.min_qty)}: {plain_quantity(t.discount_pct)}" for t in tiers)
        form.reason.data = ""
        form.effective_from.data = services.today_wib()
        form.review_on.data = services.today_wib() + timedelta(days=90)
    impact = digest = None
    if form.validate_on_submit():
        data = values_of(form, services.ScheduleDetails)
        digest = _schedule_digest(data, form.parsed_tiers)
        # Published only when confirmed on a preview of these very values: a change after the preview is previewed.
        if request.form.get("confirm") == digest:
            try:
                services.publish_schedule(
                    current_user, product_type, data, form.parsed_tiers, submission_token=form.submission_token.data
                )
            except DuplicateSubmission:
                return already_sent(url_for("pricing.coordinator_prices"))
            except DomainError as error:
                show_error(form, error)
            else:
                name = product_type.display_name(str(get_locale()))
                flash(_l("The new prices for %(name)s are published.", name=name), "success")
                return redirect(url_for("pricing.coordinator_prices"))
        else:
            try:
                impact = services.schedule_impact(current_user, product_type, data, form.parsed_tiers)
            except DomainError as error:
                show_error(form, error)
    return render_template(
        "pricing/schedule_form.html",
        form=form,
        product_type=product_type,
        current=current,
        impact=impact,
        digest=digest if impact is not None else None,
    )


def _schedule_digest(data, tiers):
    """A fingerprint of the values previewed: the confirm button carries it, so only what was seen is published."""
    values = {**dataclasses.asdict(data), "tiers": [[str(q), str(p)] for q, p in tiers]}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _chart_series(history):
    """Product type id -> the data of its price-history chart (static/js/price-history.js draws it).

    One point per effective day (a later schedule of the same day replaces the earlier one, as it
    does in force), dates formatted for the reader, amounts in whole Rupiah, legends translated.
    """
    names = {"reference": gettext("Reference price"), "floor": gettext("Floor"), "ceiling": gettext("Ceiling")}
    series = {}
    for product_type_id, schedules in history.items():
        by_day = {schedule.effective_from: schedule for schedule in schedules}
        series[product_type_id] = {
            "labels": [format_day(day) for day in by_day],
            "datasets": [
                {"key": key, "label": label, "data": [getattr(s, f"{key}_idr") for s in by_day.values()]}
                for key, label in names.items()
            ],
        }
    return series


@bp.get("/sentra/<slug>/harga-acuan")
@allow(PUBLIC)
def reference_prices(slug):
    sentra = db.session.scalar(select(Sentra).where(Sentra.slug == slug)) or abort(404)
    schedules = services.schedules_of_sentra(sentra.id)
    in_force = services.in_force_by_product_type(schedules)
    # The public history has one line per day: the schedule that was in force (a same-day correction replaces the
    # one it corrects). The coordinator's own page keeps every schedule.
    history = {
        product_type_id: list({s.effective_from: s for s in changes}.values())
        for product_type_id, changes in _history_by_type(schedules).items()
    }
    return render_template(
        "pricing/reference_prices.html",
        sentra=sentra,
        in_force=in_force,
        history=history,
        chart_series=_chart_series(history),
        product_types={pt.id: pt for pt in _product_types()},
        today=services.today_wib(),
    )


# --- price-change requests: the IKM's side ---------------------------------------------------------


@bp.route("/seller/listings/<int:listing_id>/price-request", methods=["GET", "POST"])
@allow(Role.SELLER)
def new_price_request(listing_id):
    listing = object_or_404(Listing, listing_id, is_own_listing)
    pending = services.pending_request_for(listing)
    schedule = services.schedule_in_force(listing.organization.sentra_id, listing.product_type_id)
    form = PriceChangeRequestForm()
    # A waiting request shows no form; a POST still reaches the service, which answers a replay as such.
    if form.validate_on_submit():
        try:
            services.request_price_change(
                current_user,
                listing,
                form.price_idr.data,
                form.reason.data,
                submission_token=form.submission_token.data,
            )
        except DuplicateSubmission:
            return already_sent(url_for("catalog.edit_listing", listing_id=listing.id))
        except DomainError as error:
            show_error(form, error, fallback="price_idr")
        else:
            flash(_l("Your request has been sent to the coordinator."), "success")
            return redirect(url_for("catalog.edit_listing", listing_id=listing.id))
    return render_template(
        "pricing/price_request_form.html", form=form, listing=listing, pending=pending, schedule=schedule
    )


@bp.get("/seller/price-requests")
@allow(Role.SELLER)
def seller_requests():
    query = (
        select(PriceChangeRequest)
        .where(PriceChangeRequest.organization_id == current_user.organization_id)
        .options(selectinload(PriceChangeRequest.listing))
        .order_by(PriceChangeRequest.id.desc())
    )
    pagination = db.paginate(query, page=page_arg(), per_page=20, error_out=False)
    return render_template("pricing/seller_requests.html", pagination=pagination, form=WithdrawForm())


@bp.post("/seller/price-requests/<int:request_id>/withdraw")
@allow(Role.SELLER)
def withdraw_price_request(request_id):
    change = object_or_404(
        PriceChangeRequest, request_id, lambda user, change: change.organization_id == user.organization_id
    )
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_price_request(current_user, change)
        except (services.RequestRefused, InvalidTransition):
            flash(_l("Only a waiting request can be withdrawn."), "danger")
        else:
            flash(_l("Your request has been withdrawn."), "success")
    return redirect(url_for("catalog.edit_listing", listing_id=change.listing_id))


# --- price-change requests: the coordinator's side -------------------------------------------------


@bp.get("/coordinator/price-requests")
@allow(Role.COORDINATOR)
def coordinator_requests():
    status = request.args.get("status", RequestStatus.PENDING)
    if status not in RequestStatus.ALL:
        status = RequestStatus.PENDING
    return render_template(
        "pricing/coordinator_requests.html",
        status=status,
        tabs=RequestStatus.ALL,
        counts=services.request_counts(current_user.sentra_id),
        pagination=services.price_requests_of_sentra(current_user.sentra_id, status, page_arg()),
    )


def _request_of_my_sentra(request_id):
    return object_or_404(PriceChangeRequest, request_id, lambda user, change: change.sentra_id == user.sentra_id)


@bp.route("/coordinator/price-requests/<int:request_id>", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def coordinator_request(request_id):
    change = _request_of_my_sentra(request_id)
    form = PriceRequestDecisionForm()
    if form.validate_on_submit():
        try:
            services.decide_price_request(current_user, change, form.decision.data, form.reason.data)
        except InvalidTransition:
            show_error(
                form, DomainError(_l("This request has already been decided or withdrawn.")), fallback="decision"
            )
        except DomainError as error:
            show_error(form, error, fallback="decision")
        else:
            flash(_l("Decision saved; the IKM has been emailed."), "success")
            return redirect(url_for("pricing.coordinator_requests"))
        change = _request_of_my_sentra(request_id)
    listing = change.listing
    return render_template(
        "pricing/coordinator_request.html",
        change=change,
        listing=listing,
        form=form,
        schedule=services.schedule_in_force(change.sentra_id, listing.product_type_id),
        history=services.requests_of_listing(listing),
    )


# --- competition monitor and sanctions ------------------------------------------------------------


@bp.get("/coordinator/competition")
@allow(Role.COORDINATOR)
def competition():
    product_types = _product_types()
    chosen = request.args.get("product_type", type=int)
    product_type = next((pt for pt in product_types if pt.id == chosen), product_types[0] if product_types else None)
    days = request.args.get("period", type=int)
    days = days if days in services.PERIODS else services.PERIODS[0]
    figures = services.competition_figures(current_user.sentra_id, product_type.id, days) if product_type else None
    return render_template(
        "pricing/competition.html",
        product_types=product_types,
        product_type=product_type,
        days=days,
        periods=services.PERIODS,
        figures=figures,
        fairness_chart=_fairness_chart(figures),
    )


def _fairness_chart(figures):
    """The series of the chart of each IKM's share of sentra-order volume beside its share of capacity (the table
    under it has the same numbers); None when no sentra order was placed in the period."""
    if figures is None or not figures.sentra_quantity:
        return None
    rows = [row for row in figures.ikms if row.capacity_share_pct is not None or row.sentra_share_pct is not None]
    return {
        "labels": [row.name for row in rows],
        "datasets": [
            {
                "key": "sentra",
                "label": str(_l("Share of sentra-order volume")),
                "data": [float(row.sentra_share_pct or 0) for row in rows],
            },
            {
                "key": "capacity",
                "label": str(_l("Share of capacity")),
                "data": [float(row.capacity_share_pct or 0) for row in rows],
            },
        ],
    }


@bp.route("/coordinator/organizations/<int:organization_id>/sanctions", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def sanctions(organization_id):
    org = ikm_of_my_sentra(organization_id)
    form = SanctionForm()
    product_types = _product_types()
    form.product_type_id.choices = choices(
        [("", _l("None in particular"))] + [(str(pt.id), pt.display_name(str(get_locale()))) for pt in product_types]
    )
    if not form.is_submitted() and request.args.get("product_type", type=int):
        form.product_type_id.data = str(request.args.get("product_type", type=int))
    if form.validate_on_submit():
        chosen = int(form.product_type_id.data) if (form.product_type_id.data or "").isdigit() else None
        product_type = next((pt for pt in product_types if pt.id == chosen), None)
        try:
            services.give_sanction(
                current_user,
                org,
                form.kind.data,
                form.reason.data,
                override_reason=form.override_reason.data if form.override.data else None,
                product_type=product_type,
                submission_token=form.submission_token.data,
            )
        except DuplicateSubmission:
            return already_sent(url_for("pricing.sanctions", organization_id=org.id))
        except InvalidTransition:
            show_error(form, DomainError(_l("Only an approved IKM can be suspended.")), fallback="kind")
        except DomainError as error:
            show_error(form, error, fallback="kind")
        else:
            if form.kind.data == SanctionKind.SUSPENSION:
                flash(_l("The IKM is suspended: its listings are hidden until you lift the suspension."), "success")
            else:
                flash(_l("The warning is recorded and the IKM has been emailed."), "success")
            return redirect(url_for("pricing.sanctions", organization_id=org.id))
        org = ikm_of_my_sentra(organization_id)
    warnings = services.recent_warnings(org)
    return render_template(
        "pricing/sanctions.html",
        org=org,
        form=form,
        history=services.sanctions_of_organization(org),
        warnings=warnings,
        needs_override=warnings < services.WARNINGS_BEFORE_SUSPENSION,
    )
