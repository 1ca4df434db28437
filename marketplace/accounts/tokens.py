"""Signed, expiring links for email verification, password reset and invitations."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

VERIFY_SALT = "email-verify"
RESET_SALT = "password-reset"
INVITE_SALT = "invitation"
ORG_EMAIL_SALT = "organization-email"


class TokenInvalid(Exception):
    """The link is broken, expired, or already used."""


def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def password_fingerprint(user):
    """Changes whenever the password does, so a reset link works once."""
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_token(salt, payload):
    return _serializer(salt).dumps(payload)


def read_token(salt, token, max_age):
    if not isinstance(token, str) or len(token) > 1000:
        raise TokenInvalid()
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature) as exc:
        raise TokenInvalid() from exc
    if not isinstance(payload, dict):
        raise TokenInvalid()
    return payload
