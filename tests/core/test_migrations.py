"""The schema comes only from migrations: they run up and down, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from marketplace.catalog.search import include_name
from marketplace.extensions import db


def test_migrations_run_up_and_back_down(migration_app):
    with migration_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"user_account", "organization", "sentra", "audit_entry", "outbox_message", "invitation"} <= tables
        assert {"category", "product_type", "listing", "listing_photo", "listing_event"} <= tables
        assert {"listing_search", "listing_fts"} & tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_models_and_migrations_agree(migration_app):
    with migration_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
