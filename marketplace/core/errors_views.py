"""Error pages in the user's language."""

from flask import Response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import SecurityError

from marketplace.core.transaction import discard

ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or has been moved.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    409: (
        _l("Changed in the meantime"),
        _l("Someone changed this while you were working on it. Nothing was saved: go back, reload and try again."),
    ),
    413: (_l("Upload too large"), _l("The files sent are too large. Each photo may be at most 8 MB.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred on our side. Please try again later.")),
}


def render_error(code):
    title, message = ERROR_TEXTS[code]
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register_error_handlers(app):
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda error, code=code: render_error(code))

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # No page can be built for a host we do not serve (links would need it): plain text.
        return Response("400 Bad Request: untrusted host", status=400, mimetype="text/plain")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        title = _l("Form expired")
        message = _l("The form has expired or was sent from another site. Reload the page and try again.")
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error):
        discard()
        return render_error(409)

    @app.errorhandler(500)
    def server_error(error):
        discard()
        return render_error(500)
