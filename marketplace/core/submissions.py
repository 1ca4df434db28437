"""Double submits create one record: forms that create something carry a one-time submission token.

The form renders a fresh random token in a hidden field; the operation claims it with an INSERT into
`submission_token` as its first write, in its own transaction. A second submit of the same page (a
double click, a reload, a replay) finds the token taken and creates nothing: the view answers as the
first submit did. The claim is rolled back with a failed operation, so the user can fix and resend.

Concurrency: the claim is INSERT … ON CONFLICT (user_id, token) DO NOTHING. On PostgreSQL a second
insert of the same key waits until the first transaction ends, then inserts nothing (or, if the first
rolled back, claims the token itself); on SQLite writers take turns. Either way no error aborts the
transaction, so no SAVEPOINT is needed (pysqlite would commit an outermost one on RELEASE).

Use: the form mixes in OnceFormMixin and its template calls form.hidden_tag() and submission_error(form);
the service takes `submission_token` as a plain value, calls claim_submission() before anything else and
record_submission() with what it made; the view catches DuplicateSubmission and returns already_sent(url).
"""

import re
import secrets
from datetime import timedelta

from flask import redirect
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from wtforms import HiddenField
from wtforms.validators import ValidationError

from marketplace.core.errors import DomainError
from marketplace.core.flashing import flash
from marketplace.core.models import SubmissionToken
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import operation
from marketplace.extensions import db

# secrets.token_urlsafe(24): 32 characters of the URL-safe base64 alphabet.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}

EXPIRED = _l("This form has expired. Please check it and send it again.")
ALREADY_SENT = _l("This form was already sent; it was saved once.")


def new_submission_token():
    return secrets.token_urlsafe(24)


def is_submission_token(value):
    return isinstance(value, str) and _TOKEN_SHAPE.fullmatch(value) is not None


class InvalidSubmission(DomainError):
    """The token is missing or not one this app makes."""

    def __init__(self):
        super().__init__(EXPIRED)


class DuplicateSubmission(DomainError):
    """The token was claimed before: this submit is a replay of one that was saved."""

    def __init__(self, earlier):
        super().__init__(ALREADY_SENT)
        # What the first submit made (None if it recorded nothing), for the view to answer with it.
        self.object_type = earlier.object_type if earlier is not None else None
        self.object_id = earlier.object_id if earlier is not None else None

    def made(self, model):
        """The id of the `model` row the first submit made, or None."""
        return self.object_id if self.object_type == model.__name__ else None


class SubmissionTokenField(HiddenField):
    """A hidden one-time token: a fresh one on each page, and the sent one must be well formed."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("default", new_submission_token)
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        # A form sent without its token must fail, not get a fresh default.
        self.data = valuelist[0] if valuelist else ""

    def pre_validate(self, form):
        if not is_submission_token(self.data):
            self.data = new_submission_token()  # the page shown again can be sent as it is
            raise ValidationError(EXPIRED)


class OnceFormMixin:
    """For forms that create something: `submission_token` is claimed by the operation (claim_submission)."""

    submission_token = SubmissionTokenField()


def claim_submission(user, token):
    """Claim a one-time token for `user` in the current transaction; a token used before raises DuplicateSubmission.

    Call it first in the operation, before anything is written, and pass the claim's id it returns to
    `record_submission`.
    """
    if not is_submission_token(token):
        raise InvalidSubmission()
    table = SubmissionToken.__table__
    statement = (
        _INSERTS[db.session.get_bind().dialect.name](table)
        .values(user_id=user.id, token=token, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.token])
        .returning(table.c.id)  # no row: the token was taken (rowcount is not reliable with every driver)
    )
    claimed_id = db.session.execute(statement).scalar()
    if claimed_id is None:
        raise DuplicateSubmission(
            db.session.scalar(
                select(SubmissionToken).where(SubmissionToken.user_id == user.id, SubmissionToken.token == token)
            )
        )
    return claimed_id


def record_submission(claim_id, obj):
    """Remember what the claimed submit made (saved with it), so that a replay can show the same page."""
    if claim_id is not None:
        object_id = obj.id  # may load (and autoflush) the new row's id
        db.session.execute(
            update(SubmissionToken)
            .where(SubmissionToken.id == claim_id)
            .values(object_type=type(obj).__name__, object_id=object_id)
        )


def already_sent(location):
    """The answer to a replayed form: the user goes where the first submit went (the operation kept nothing)."""
    flash(ALREADY_SENT, "info")
    return redirect(location)


@operation
def purge_old_submissions(days=30, moment=None):
    """Forget tokens claimed more than `days` ago (a replay of such an old page would count as a new submit)."""
    cutoff = (moment or utcnow()) - timedelta(days=days)
    return db.session.execute(delete(SubmissionToken).where(SubmissionToken.created_at < cutoff)).rowcount
