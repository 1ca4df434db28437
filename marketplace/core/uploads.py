"""Request body limits per route: MAX_CONTENT_LENGTH for every route, a larger one only where a view takes files.

Usage on a view:  @accepts_uploads() (MAX_UPLOAD_REQUEST_BYTES) or @accepts_uploads(2 * 1024 * 1024), and
@upload_rate_limit() where the files are decoded.
"""

from flask import current_app, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.extensions import limiter

UPLOAD_SETTING = "MAX_UPLOAD_REQUEST_BYTES"


def accepts_uploads(max_bytes=UPLOAD_SETTING):
    """Let a view's requests carry up to `max_bytes` (a number, or the name of the setting that holds it)."""

    def decorate(view):
        view.max_request_bytes = max_bytes
        return view

    return decorate


def upload_rate_limit():
    """A view that decodes uploaded files (photos, transfer proofs) is bounded per user: RATELIMIT_UPLOAD."""
    return limiter.limit(
        lambda: current_app.config["RATELIMIT_UPLOAD"],
        key_func=lambda: f"user:{current_user.id}",
        methods=["POST"],
    )


def limit_request_body():
    """before_request hook, ahead of every other: CSRFProtect reads the form in its own hook, so the route's
    limit must be set before that. A body announced too large is refused before anything reads it."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    max_bytes = getattr(view, "max_request_bytes", None)
    if max_bytes is not None:
        request.max_content_length = current_app.config[max_bytes] if isinstance(max_bytes, str) else max_bytes
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def init_request_limits(app):
    app.before_request_funcs.setdefault(None, []).insert(0, limit_request_body)
