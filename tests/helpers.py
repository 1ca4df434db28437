"""Small helpers shared by tests of several domains."""

import re

from sqlalchemy import event, func, select

from marketplace.extensions import db


def table_counts():
    """Rows per table: compare before and after to prove that nothing was stored."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def field_errors(page, name):
    """The error messages a page shows at the field `name` (its ids: see error_id in templates/_macros.html)."""
    return re.findall(rf'<div id="{name}-error(?:-\d+)?" class="invalid-feedback d-block">([^<]*)</div>', page)


class QueryCounter:
    """Counts the SQL statements sent while it is active (use as a context manager)."""

    def __init__(self):
        self.statements = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    @property
    def count(self):
        return len(self.statements)
