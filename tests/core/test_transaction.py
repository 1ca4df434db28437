"""One transaction per operation: commit when the outermost operation returns, roll back when anything escapes."""

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from marketplace.core.errors import DomainError
from marketplace.core.models import AuditEntry
from marketplace.core.transaction import (
    after_commit,
    after_commit_then,
    after_rollback,
    discard,
    operation,
    transaction,
)
from marketplace.extensions import db

ROOT = Path(__file__).resolve().parents[2] / "marketplace"


def _note(action):
    db.session.add(AuditEntry(actor_label="test", action=action, object_type="Test", object_id=1))
    db.session.flush()


def _committed_actions():
    """What another connection sees: only committed rows."""
    engine = create_engine(db.engine.url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(AuditEntry.action)))
    finally:
        engine.dispose()


@operation
def _writes(action):
    _note(action)


@operation
def _writes_then_refuses(action):
    _note(action)
    raise DomainError("refused")


@operation
def _outer(action, inner, fail=False):
    _note(action)
    inner()
    if fail:
        raise DomainError("the outer step refused")


def test_an_operation_commits_when_it_returns():
    _writes("saved")
    assert _committed_actions() == {"saved"}


def test_a_domain_error_rolls_the_whole_operation_back():
    with pytest.raises(DomainError):
        _writes_then_refuses("half-done")
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0
    assert _committed_actions() == set()


def test_an_inner_operation_joins_the_outer_one_and_fails_with_it():
    with pytest.raises(DomainError):
        _outer("outer", lambda: _writes("inner"), fail=True)
    assert _committed_actions() == set()


def test_nested_operations_commit_once_at_the_outermost_end():
    seen_inside = []
    _outer("outer", lambda: (_writes("inner"), seen_inside.append(_committed_actions())))
    assert seen_inside == [set()]  # the inner operation did not commit on its own
    assert _committed_actions() == {"outer", "inner"}


def test_any_exception_rolls_back_not_only_domain_errors():
    with pytest.raises(ZeroDivisionError), transaction():
        _note("before the crash")
        _ = 1 / 0
    assert _committed_actions() == set()


def test_after_commit_runs_once_after_the_commit_and_never_on_rollback():
    calls = []

    @operation
    def saves():
        _note("x")
        after_commit(lambda: calls.append(("commit", _committed_actions())))
        after_rollback(lambda: calls.append("rollback"))

    saves()
    assert calls == [("commit", {"x"})]
    _writes("another")  # callbacks of a finished transaction do not run again
    assert len(calls) == 1


def test_after_commit_then_runs_outside_the_transaction_and_may_run_operations_of_its_own():
    calls = []

    @operation
    def saves_then_asks():
        _note("owed")
        after_commit_then(lambda: calls.append(("then", _committed_actions())) or _writes("answered"))

    @operation
    def outer():
        saves_then_asks()  # joins this transaction: its callback waits for the outermost commit
        assert calls == []

    outer()
    assert calls == [("then", {"owed"})]
    assert _committed_actions() == {"owed", "answered"}


def test_after_commit_then_never_runs_when_the_transaction_rolls_back():
    calls = []

    @operation
    def fails():
        after_commit_then(lambda: calls.append("then"))
        raise DomainError("no")

    with pytest.raises(DomainError):
        fails()
    _writes("later")
    assert calls == []


def test_after_rollback_runs_on_failure_and_commit_callbacks_are_dropped():
    calls = []

    @operation
    def fails():
        after_commit(lambda: calls.append("commit"))
        after_rollback(lambda: calls.append("rollback"))
        raise DomainError("no")

    with pytest.raises(DomainError):
        fails()
    _writes("later")
    assert calls == ["rollback"]


def test_a_savepoint_rolled_back_inside_an_operation_does_not_fire_rollback_callbacks():
    calls = []

    @operation
    def with_savepoint():
        after_rollback(lambda: calls.append("rollback"))
        after_commit(lambda: calls.append("commit"))
        savepoint = db.session.begin_nested()
        _note("discarded")
        savepoint.rollback()
        _note("kept")

    with_savepoint()
    assert calls == ["commit"]
    assert _committed_actions() == {"kept"}


def test_only_the_transaction_module_commits_or_rolls_back():
    """Views, commands and services never commit by hand: grep finds only core/transaction.py."""
    pattern = re.compile(r"session\.(commit|rollback)\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.name != "transaction.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_an_error_in_an_inner_operation_rolls_back_the_outers_writes_too():
    with pytest.raises(DomainError):
        _outer("outer", lambda: _writes_then_refuses("inner"))
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0
    assert _committed_actions() == set()


def test_discarding_unsaved_work_runs_the_rollback_callbacks_and_drops_the_commit_ones():
    """discard() (error pages, a failed health check) rolls back outside any operation: a file saved for the
    work is removed, and what was to happen after a commit never happens, not even at the next commit."""
    calls = []
    _note("never saved")
    after_commit(lambda: calls.append("commit"))
    after_rollback(lambda: calls.append("rollback"))
    discard()
    assert calls == ["rollback"]
    _writes("later")
    assert calls == ["rollback"]
    assert _committed_actions() == {"later"}
