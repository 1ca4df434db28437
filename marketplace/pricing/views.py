"""Coordinators publish price schedules; everyone reads the sentra's reference prices."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marketplace.accounts.models import Sentra
from marketplace.catalog.models import ProductType
from marketplace.core.access import PUBLIC, allow
from marketplace.core.money import plain_quantity
from marketplace.core.timeutil import format_day
from marketplace.extensions import db
from marketplace.pricing import bp, services
from marketplace.pricing.forms import PriceScheduleForm


def _product_types():
    return db.session.scalars(select(ProductType).order_by(ProductType.category_id, ProductType.name)).all()


def _history_by_type(schedules):
    history = {}
    for schedule in schedules:
        history.setdefault(schedule.product_type_id, []).append(schedule)
    return history


@bp.get("/coordinator/prices")
@allow("coordinator")
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
@allow("coordinator")
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
    if form.validate_on_submit():
        try:
            services.publish_schedule(current_user, product_type, form.data, form.parsed_tiers)
        except services.InvalidSchedule as error:
            form.reference_idr.errors = [*form.reference_idr.errors, error.message]
        else:
            db.session.commit()
            flash(_l("The new prices for %(name)s are published.", name=product_type.name), "success")
            return redirect(url_for("pricing.coordinator_prices"))
    return render_template("pricing/schedule_form.html", form=form, product_type=product_type, current=current)


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
    history = _history_by_type(schedules)
    return render_template(
        "pricing/reference_prices.html",
        sentra=sentra,
        in_force=in_force,
        history=history,
        chart_series=_chart_series(history),
        product_types={pt.id: pt for pt in _product_types()},
        today=services.today_wib(),
    )
