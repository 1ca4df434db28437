"""The admin keeps the platform-wide categories and product types; coordinators only read them."""

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.catalog import services
from marketplace.catalog.models import Category, ProductType
from marketplace.core.errors import DomainError
from tests import factories
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


def test_the_admin_creates_a_product_type_with_a_photo(client, db, catalog_world, login_as):
    login_as("admin")
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
    login_as("admin")
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


def test_the_admin_edits_a_product_type_and_a_category(client, db, catalog_world, login_as):
    login_as("admin")
    pt, category = catalog_world.product_type, catalog_world.category
    response = client.post(f"/catalog/product-types/{pt.id}/edit", data=pt_form(category, slug=pt.slug, name="Baru"))
    assert response.status_code == 302
    data = {"name": "Paving", "name_en": "Pavers", "slug": category.slug, "position": "1"}
    assert client.post(f"/catalog/categories/{category.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert pt.name == "Baru" and category.name_en == "Pavers"


@pytest.fixture
def ceper_only_type(db, catalog_world):
    """A product type that only the other sentra (Ceper) prices; Jombang's coordinator has nothing to do with it."""
    product_type = factories.make_product_type(catalog_world.category, slug="ingot-ceper", name="Ingot Ceper")
    factories.make_schedule(catalog_world.other_sentra, product_type, floor=50_000, reference=85_000, ceiling=150_000)
    db.session.commit()
    return product_type


@pytest.mark.parametrize("which", ["priced-in-both-sentras", "priced-only-by-another-sentra"])
def test_a_coordinator_cannot_edit_a_product_type(client, db, catalog_world, ceper_only_type, login_as, which):
    pt = catalog_world.product_type if which == "priced-in-both-sentras" else ceper_only_type
    name = pt.name
    login_as("coordinator")
    before = table_counts()
    assert client.get(f"/catalog/product-types/{pt.id}/edit").status_code == 403
    data = pt_form(pt.category, slug=pt.slug, name="Diubah koordinator", unit=pt.unit)
    assert client.post(f"/catalog/product-types/{pt.id}/edit", data=data).status_code == 403
    assert table_counts() == before
    assert db.session.get(ProductType, pt.id).name == name


def test_a_coordinator_cannot_add_product_types_or_change_categories(client, db, catalog_world, login_as):
    category = catalog_world.category
    name = category.name
    login_as("coordinator")
    before = table_counts()
    assert client.post("/catalog/product-types/new", data=pt_form(category)).status_code == 403
    data = {"name": "Genteng", "name_en": "Roof tiles", "slug": "genteng", "position": "9"}
    assert client.post("/catalog/categories/new", data=data).status_code == 403
    data = {"name": "Diubah", "name_en": "Changed", "slug": category.slug, "position": "1"}
    assert client.post(f"/catalog/categories/{category.id}/edit", data=data).status_code == 403
    assert table_counts() == before
    assert db.session.get(Category, category.id).name == name


def test_the_services_refuse_a_coordinator(db, catalog_world):
    pt, category = catalog_world.product_type, catalog_world.category
    before = table_counts()
    pt_data = services.ProductTypeDetails(
        name="Diubah koordinator",
        slug=pt.slug,
        category_id=category.id,
        unit=pt.unit,
        slag_kg_per_unit=Decimal("1"),
    )
    with pytest.raises(DomainError):
        services.save_product_type(catalog_world.coordinator, pt, pt_data)
    with pytest.raises(DomainError):
        services.save_product_type(catalog_world.coordinator, None, replace(pt_data, slug="baru-koordinator"))
    category_data = services.CategoryDetails(name="Diubah", name_en="Changed", slug="diubah", position=1)
    with pytest.raises(DomainError):
        services.save_category(catalog_world.coordinator, category, category_data)
    with pytest.raises(DomainError):
        services.save_category(catalog_world.coordinator, None, category_data)
    db.session.rollback()
    assert table_counts() == before
    assert db.session.get(ProductType, pt.id).name != "Diubah koordinator"
    assert db.session.get(Category, category.id).name != "Diubah"


def test_a_coordinator_reads_product_types_without_edit_links(client, catalog_world, login_as):
    login_as("coordinator")
    page = client.get("/catalog/product-types").get_data(as_text=True)
    assert catalog_world.product_type.name in page
    assert 'data-testid="read-only-note"' in page
    for link in ("/catalog/product-types/new", "/catalog/categories/new", "/edit"):
        assert link not in page


def test_the_admin_sees_the_edit_links(client, catalog_world, login_as):
    login_as("admin")
    page = client.get("/catalog/product-types").get_data(as_text=True)
    assert f"/catalog/product-types/{catalog_world.product_type.id}/edit" in page
    assert f"/catalog/categories/{catalog_world.category.id}/edit" in page
    assert "/catalog/product-types/new" in page and "/catalog/categories/new" in page
    assert 'data-testid="read-only-note"' not in page


def test_the_admin_gives_a_product_type_an_english_name(client, db, catalog_world, login_as):
    login_as("admin")
    assert 'name="name_en"' in client.get("/catalog/product-types/new").get_data(as_text=True)
    data = pt_form(catalog_world.category, name_en="Paving block K-225, 8 cm thick")
    assert client.post("/catalog/product-types/new", data=data).status_code == 302
    product_type = db.session.scalar(select(ProductType).where(ProductType.slug == "paving-k225-8cm"))
    assert product_type.name_en == "Paving block K-225, 8 cm thick"
    assert product_type.display_name("en") == "Paving block K-225, 8 cm thick"
    assert product_type.display_name("id") == "Paving block K-225 8 cm"


def test_an_empty_english_name_shows_the_indonesian_one(client, db, catalog_world, login_as):
    login_as("admin")
    pt = catalog_world.product_type
    pt.name_en = "Old English name"
    db.session.commit()
    data = pt_form(pt.category, slug=pt.slug, name="Konblok", name_en="  ")
    assert client.post(f"/catalog/product-types/{pt.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert pt.name_en is None and pt.display_name("en") == "Konblok"


def test_pages_show_the_product_type_name_in_the_readers_language(client, db, catalog_world):
    pt, listing = catalog_world.product_type, catalog_world.active_listing
    pt.name, pt.name_en = "Paving berlubang", "Hollow paver"
    db.session.commit()
    url = f"/products/{pt.category.slug}/{pt.slug}"
    indonesian = client.get(url).get_data(as_text=True) + client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Paving berlubang" in indonesian and "Hollow paver" not in indonesian
    client.get("/?lang=en")
    english = client.get(url).get_data(as_text=True) + client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Hollow paver" in english and "Paving berlubang" not in english


def test_search_finds_a_product_type_by_its_english_name(client, catalog_world, login_as):
    login_as("admin")
    pt = catalog_world.product_type
    client.post(f"/catalog/product-types/{pt.id}/edit", data=pt_form(pt.category, slug=pt.slug, name_en="Hollow paver"))
    client.post("/logout")
    assert catalog_world.active_listing.title in client.get("/products?q=hollow").get_data(as_text=True)
    assert catalog_world.active_listing.title in client.get("/products?q=paving+hollow").get_data(as_text=True)
