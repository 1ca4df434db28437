"""One access policy: every route declares who may use it, and a request hook enforces it.

Usage on a view:  @allow(PUBLIC) / @allow(ANONYMOUS) / @allow(AUTHENTICATED) /
@allow("buyer", "seller", owner=True) / @allow("coordinator") / @allow("admin").
A route without a declaration is refused (fail closed), and a test fails on it.
"""

from flask import abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.core.flashing import flash
from marketplace.core.roles import Role
from marketplace.extensions import db

PUBLIC = "public"  # anyone, signed in or not
ANONYMOUS = "anonymous"  # only visitors who are not signed in (login, registration)
AUTHENTICATED = "authenticated"  # any signed-in user
ROLES = Role.ALL
_KINDS = {PUBLIC, ANONYMOUS, AUTHENTICATED, *ROLES}


class AccessPolicy:
    def __init__(self, who, owner=False):
        unknown = set(who) - _KINDS
        if unknown or not who:
            raise ValueError(f"unknown access policy {who!r}")
        self.who = frozenset(who)
        self.owner = owner

    def allows_anonymous(self):
        return PUBLIC in self.who or ANONYMOUS in self.who

    def check(self, user):
        """Return None when the user may go on, else the response to send instead."""
        if PUBLIC in self.who:
            return None
        signed_in = user.is_authenticated
        if ANONYMOUS in self.who:
            return redirect(url_for("catalog.home")) if signed_in else None
        if not signed_in:
            flash(_l("Please sign in to open that page."), "info")
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if AUTHENTICATED not in self.who and user.role not in self.who:
            abort(403)
        if self.owner and not user.is_owner:
            abort(403)
        return None

    def __repr__(self):
        return f"AccessPolicy({sorted(self.who)}, owner={self.owner})"


def allow(*who, owner=False):
    """Declare who may use a view; the policy is enforced before the view runs."""
    policy = AccessPolicy(who, owner=owner)

    def decorate(view):
        view.access_policy = policy
        return view

    return decorate


def policy_for(app, endpoint):
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def enforce_access_policy():
    """before_request hook: refuse any route that has no declared policy."""
    if request.endpoint is None:  # no route matched: the 404 handler answers
        return None
    policy = policy_for(current_app, request.endpoint)
    if policy is None:
        abort(403)
    return policy.check(current_user)


def init_access(app):
    # Flask's own static route is public by nature.
    app.view_functions["static"].access_policy = AccessPolicy((PUBLIC,))
    app.before_request(enforce_access_policy)


def object_or_404(model, object_id, may_use):
    """Object check after the role check: the row if `may_use(current_user, row)`, else 404 (no hint it exists)."""

    obj = db.session.get(model, object_id)
    if obj is None or not may_use(current_user, obj):
        abort(404)
    return obj
