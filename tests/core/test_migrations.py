"""The schema comes only from migrations: they run up and down, and agree with the models."""

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

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


def test_0008_gives_product_types_an_english_name_and_keeps_them_both_ways(migration_app):
    with migration_app.app_context():
        upgrade(revision="0007_stock_movements")
        db.session.execute(
            text(
                "INSERT INTO product_type (category_id, slug, name, unit, spec, slag_kg_per_unit, created_at)"
                " SELECT id, 'paving-k300', 'Paving K-300', 'm2', '', 22, :at FROM category ORDER BY position LIMIT 1"
            ),
            {"at": datetime(2026, 12, 1, tzinfo=UTC)},
        )
        db.session.commit()
        upgrade(revision="0008_product_type_name_en")
        assert "name_en" in {c["name"] for c in inspect(db.engine).get_columns("product_type")}
        assert db.session.execute(text("SELECT name, name_en FROM product_type")).one() == ("Paving K-300", None)
        db.session.execute(text("UPDATE product_type SET name_en = 'Paving block K-300'"))
        db.session.commit()
        downgrade(revision="0007_stock_movements")
        assert "name_en" not in {c["name"] for c in inspect(db.engine).get_columns("product_type")}
        assert db.session.execute(text("SELECT name FROM product_type")).scalar_one() == "Paving K-300"
        db.session.remove()
        db.engine.dispose()


def test_0009_gives_organizations_a_public_phone_and_keeps_them_both_ways(migration_app):
    with migration_app.app_context():
        upgrade(revision="0008_product_type_name_en")
        at = {"at": datetime(2026, 12, 1, tzinfo=UTC)}
        db.session.execute(
            text(
                "INSERT INTO sentra (slug, name, regency, province, description, created_at)"
                " VALUES ('jombang', 'Sentra Jombang', 'Kabupaten Jombang', 'Jawa Timur', '', :at)"
            ),
            at,
        )
        db.session.execute(
            text(
                "INSERT INTO organization (kind, name, nib, is_pkp, sentra_id, address, regency, province, about,"
                " contact_person, phone, email, status, created_at)"
                " SELECT 'ikm', 'UD Lama', '9000000000001', false, id, 'Jl. Raya 1', 'Kabupaten Jombang',"
                " 'Jawa Timur', '',"
                " 'Pak Lama', '081234567890', 'lama@example.com', 'approved', :at FROM sentra"
            ),
            at,
        )
        db.session.commit()
        upgrade(revision="0009_organization_public_phone")
        assert "public_phone" in {c["name"] for c in inspect(db.engine).get_columns("organization")}
        assert db.session.execute(text("SELECT name, public_phone FROM organization")).one() == ("UD Lama", None)
        db.session.execute(text("UPDATE organization SET public_phone = '0812 3456 7890'"))
        db.session.commit()
        downgrade(revision="0008_product_type_name_en")
        assert "public_phone" not in {c["name"] for c in inspect(db.engine).get_columns("organization")}
        assert db.session.execute(text("SELECT name, phone FROM organization")).one() == ("UD Lama", "081234567890")
        db.session.remove()
        db.engine.dispose()
