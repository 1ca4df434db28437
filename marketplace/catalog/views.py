from flask import render_template

from marketplace.accounts.services import sentra_overview
from marketplace.catalog import bp
from marketplace.core.access import PUBLIC, allow


@bp.get("/")
@allow(PUBLIC)
def home():
    return render_template("catalog/home.html", sentras=sentra_overview())
