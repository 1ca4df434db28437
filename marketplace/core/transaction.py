"""One transaction per operation: the only place in the code that commits.

Services that change data are `@operation`s; a view or a command calls one and never commits. The
outermost operation commits when it returns and rolls back when anything escapes it, a DomainError
included, so a refused operation leaves nothing behind. Operations called by operations join the
outer one. Code that must group several calls (a command, a demo loader) uses `with transaction():`.

What must happen only once the data is saved (mail echo, deleting files) is registered with
`after_commit`; what undoes work outside the database (a file written for a change that failed) with
`after_rollback`. Each runs once, for the outermost transaction only. Those callbacks run inside the
commit and may not touch the database; a call to an outside service whose answer must be saved (a
Stripe refund) is registered with `after_commit_then`: it runs once the outermost transaction has
committed and returned, so it may open operations of its own.
"""

from contextlib import contextmanager
from functools import wraps

from sqlalchemy import event, select, update

from marketplace.extensions import db

_DEPTH = "operation_depth"
_ON_COMMIT = "after_commit_callbacks"
_ON_ROLLBACK = "after_rollback_callbacks"
_THEN = "after_commit_operations"


@contextmanager
def transaction():
    """A unit of work: commits when the outermost block ends normally, rolls back if anything escapes."""
    session = db.session
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
    except BaseException:
        session.info[_DEPTH] = depth
        if depth == 0:
            session.rollback()
            _rolled_back(session)  # the event does not fire when nothing had touched the database
        raise
    session.info[_DEPTH] = depth
    if depth == 0:
        then = session.info.pop(_THEN, [])
        session.commit()
        _committed(session)  # likewise: no-op when the event has already run them
        for callback in then:
            callback()


def operation(function):
    """Run a service in its own transaction (or in the caller's, when one is open)."""

    @wraps(function)
    def run(*args, **kwargs):
        with transaction():
            return function(*args, **kwargs)

    return run


def discard():
    """Forget everything of this request that was not committed (error pages, a failed health check)."""
    db.session.rollback()


def lock_rows(model, *conditions):
    """Hold the rows of `model` that match `conditions` until the transaction ends, so that two operations on the
    same thing take turns: on PostgreSQL SELECT … FOR UPDATE in id order (the one lock order); on SQLite, which has
    no row locks, a no-op UPDATE of them takes the database's write lock, and what this transaction reads next stays
    as read until it commits (a plain SELECT would not: another writer could commit in between). Call it before
    reading what the decision rests on."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model).where(*conditions).values(id=model.id).execution_options(synchronize_session=False)
        )
        return
    db.session.scalars(select(model.id).where(*conditions).order_by(model.id).with_for_update()).all()


def after_commit(callback):
    """Call `callback()` once the current transaction has committed (never if it rolls back)."""
    db.session.info.setdefault(_ON_COMMIT, []).append(callback)


def after_commit_then(callback):
    """Call `callback()` after the outermost transaction has committed, outside it (it may run operations)."""
    db.session.info.setdefault(_THEN, []).append(callback)


def after_rollback(callback):
    """Call `callback()` if the current transaction rolls back (never if it commits)."""
    db.session.info.setdefault(_ON_ROLLBACK, []).append(callback)


def _committed(session):
    session.info.pop(_ON_ROLLBACK, None)
    for callback in session.info.pop(_ON_COMMIT, []):
        callback()


def _rolled_back(session, previous_transaction=None):
    if previous_transaction is not None and previous_transaction.parent is not None:
        return  # a SAVEPOINT: the outer transaction goes on
    session.info.pop(_ON_COMMIT, None)
    session.info.pop(_THEN, None)
    for callback in session.info.pop(_ON_ROLLBACK, []):
        callback()


def init_transaction_events():
    if not event.contains(db.session, "after_commit", _committed):
        event.listen(db.session, "after_commit", _committed)
        event.listen(db.session, "after_soft_rollback", _rolled_back)
