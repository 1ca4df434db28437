"""Routes that belong to no domain: health check and the language switch."""

from flask import current_app, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import text

from marketplace.core import bp
from marketplace.core.access import PUBLIC, allow
from marketplace.core.language import choose_for_session
from marketplace.core.security import safe_next_url
from marketplace.core.transaction import discard, transaction
from marketplace.extensions import db


@bp.get("/healthz")
@allow(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # the point of a health check is to report, not to crash
        current_app.logger.warning("health check: database unreachable: %s", exc)
        discard()
        database = "error"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status


@bp.post("/language")
@allow(PUBLIC)
def set_language():
    language = request.form.get("language", "")
    # A POST may write: the choice is this session's and, for a signed-in user, the account's too.
    if choose_for_session(language) and current_user.is_authenticated and current_user.locale != language:
        with transaction():
            current_user.locale = language
    return redirect(safe_next_url(request.form.get("next"), url_for("catalog.home")))
