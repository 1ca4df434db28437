"""Small helpers shared by tests of several domains."""

from sqlalchemy import func, select

from marketplace.extensions import db


def table_counts():
    """Rows per table: compare before and after to prove that nothing was stored."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }
