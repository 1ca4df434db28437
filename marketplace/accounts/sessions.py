"""Server-side sign-ins: each login is a `user_session` row that signing out ends.

The Flask session and the remember-me cookie hold "<user id>:<random key>"; the database keeps only
the key's SHA-256. A copied cookie stops working once its sign-in is ended (sign-out, sign out
everywhere, a password change or reset, removal) or has expired. A remember-me sign-in is rotated
each time the cookie brings the user back: the old cookie stops working, the lifetime does not grow.
"""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import delete, func, or_, select, update

from marketplace.accounts.models import User, UserSession
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import operation, transaction
from marketplace.extensions import db

_LOGIN_ID = re.compile(r"^([0-9]{1,10}):([A-Za-z0-9_\-]{20,100})$")


class EndReason:
    SIGNED_OUT = "signed_out"
    EVERYWHERE = "everywhere"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
    DEACTIVATED = "deactivated"
    ROTATED = "rotated"


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _lifetime(remember):
    seconds = current_app.config["REMEMBER_COOKIE_DURATION" if remember else "SIGNED_IN_LIFETIME"]
    return timedelta(seconds=seconds)


@operation
def start_session(user, remember=False, expires_at=None):
    """A new sign-in for `user`; afterwards `user.get_id()` names it (call before `login_user`)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=_hash(key),
            remember=remember,
            created_at=now,
            expires_at=expires_at or now + _lifetime(remember),
        )
    )
    db.session.flush()
    user.session_key = key
    return key


def load_user(login_id):
    """The user of a live sign-in named by a session or remember-me cookie, else None (one query)."""
    match = _LOGIN_ID.match(str(login_id))
    if match is None:
        return None
    user_id, key = int(match.group(1)), match.group(2)
    user = db.session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.deactivated_at.is_(None),
            UserSession.key_hash == _hash(key),
            UserSession.ended_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
    )
    if user is not None:
        user.session_key = key
    return user


def _end(query, reason):
    return db.session.execute(
        query.where(UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount


@operation
def end_session(user, reason=EndReason.SIGNED_OUT):
    """End the sign-in this request runs under."""
    if user.session_key:
        _end(update(UserSession).where(UserSession.key_hash == _hash(user.session_key)), reason)


@operation
def end_all_sessions(user, reason, keep_current=False):
    """End every sign-in of `user` (all devices), or all but the current one."""
    query = update(UserSession).where(UserSession.user_id == user.id)
    if keep_current and user.session_key:
        query = query.where(UserSession.key_hash != _hash(user.session_key))
    return _end(query, reason)


@operation
def sign_in(user, remember=False, locale=None):
    """Start a sign-in for a user who proved who they are; a language chosen on this device is kept."""
    if locale and locale != user.locale:
        user.locale = locale
    return start_session(user, remember=remember)


def live_session_count(user):
    return db.session.scalar(
        select(func.count(UserSession.id)).where(
            UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > utcnow()
        )
    )


def rotate_remembered_session(user):
    """The remember-me cookie brought the user back: replace its key, keep its expiry.

    Called from Flask-Login's `user_loaded_from_cookie` signal, before any view runs: the new key
    goes into the Flask session and a new cookie, and the old cookie is dead from now on.
    """
    # A sign-in write before the view runs, in a transaction of its own.
    with transaction():
        current = db.session.scalar(select(UserSession).where(UserSession.key_hash == _hash(user.session_key)))
        if current is None:
            return
        _end(update(UserSession).where(UserSession.id == current.id), EndReason.ROTATED)
        start_session(user, remember=True, expires_at=current.expires_at)
    session["_user_id"] = user.get_id()
    session["_remember"] = "set"
    session["_remember_seconds"] = max(1, int((current.expires_at - utcnow()).total_seconds()))


@operation
def purge_old_sessions(days=30, moment=None):
    """Delete sign-ins that ended or expired more than `days` ago; live ones are never touched."""
    cutoff = (moment or utcnow()) - timedelta(days=days)
    return db.session.execute(
        delete(UserSession).where(or_(UserSession.expires_at < cutoff, UserSession.ended_at < cutoff))
    ).rowcount
