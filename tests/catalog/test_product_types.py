"""Coordinators and admins keep the platform-wide categories and product types."""

from decimal import Decimal

from sqlalchemy import select

from marketplace.catalog.models import Category, ProductType
from tests.catalog.images import image_bytes, php_as_jpg, upload
from tests.helpers import table_counts


def pt_form(category, **overrides):
    data = {
        "name": "Paving block K-225 8 cm",
        "slug": "paving-k225-8cm",
        "category_id": str(category.id),
        "unit": "m2",
        "spec": "Tebal 8 cm, kuat tekan K-225",
        "sni_standard": "SNI 03-0691-1996",
        "slag_kg_per_unit": "18.500",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_product_type_with_a_photo(client, db, catalog_world, login_as):
    login_as("coordinator")
    data = {**pt_form(catalog_world.category), "photo": upload(image_bytes())}
    response = client.post("/catalog/product-types/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    product_type = db.session.scalar(select(ProductType).where(ProductType.slug == "paving-k225-8cm"))
    assert product_type.slag_kg_per_unit == Decimal("18.5") and product_type.unit == "m2"
    assert product_type.photo_key and client.get(f"/media/{product_type.photo_key}").status_code == 200


def test_a_fake_photo_stores_no_product_type(client, catalog_world, login_as):
    login_as("admin")
    before = table_counts()
    data = {**pt_form(catalog_world.category), "photo": upload(php_as_jpg(), "x.jpg")}
    response = client.post("/catalog/product-types/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert table_counts() == before


def test_slugs_are_unique(client, catalog_world, login_as):
    login_as("admin")
    page = client.post("/catalog/product-types/new", data=pt_form(catalog_world.category, slug="paving-k300"))
    assert "sudah dipakai" in page.get_data(as_text=True)


def test_sni_standard_has_a_shape(client, catalog_world, login_as):
    login_as("admin")
    page = client.post("/catalog/product-types/new", data=pt_form(catalog_world.category, sni_standard="ISO 9001"))
    assert "SNI 03-0691-1996" in page.get_data(as_text=True)  # the hint names the expected form
    assert page.status_code == 200


def test_renaming_a_product_type_updates_search(client, db, catalog_world, login_as):
    login_as("admin")
    pt = catalog_world.product_type
    client.post(
        f"/catalog/product-types/{pt.id}/edit", data=pt_form(pt.category, slug=pt.slug, name="Konblok istimewa")
    )
    client.post("/logout")
    assert catalog_world.active_listing.title in client.get("/products?q=konblok").get_data(as_text=True)


def test_categories_can_be_added_and_named_in_both_languages(client, db, catalog_world, login_as):
    login_as("coordinator")
    data = {"name": "Genteng", "name_en": "Roof tiles", "slug": "genteng", "position": "9"}
    assert client.post("/catalog/categories/new", data=data).status_code == 302
    category = db.session.scalar(select(Category).where(Category.slug == "genteng"))
    assert category.display_name("en") == "Roof tiles" and category.display_name("id") == "Genteng"


def test_the_migration_brings_the_platform_categories(migration_app_categories):
    assert migration_app_categories == [
        "Paving block",
        "Bata ringan",
        "Batako",
        "Genteng & roster",
        "Aluminium ingot",
        "Slag flux & powder",
        "Lainnya",
    ]


def test_the_unit_of_a_product_type_in_use_cannot_change(client, catalog_world, login_as):
    login_as("admin")
    pt = catalog_world.product_type
    response = client.post(f"/catalog/product-types/{pt.id}/edit", data=pt_form(pt.category, slug=pt.slug, unit="ton"))
    assert response.status_code == 200 and pt.unit == "m2"
