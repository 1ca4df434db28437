"""Request bodies are small on every route; only the routes that take photos accept photo-sized ones."""

import io
import math
import os
import re

import pytest
from PIL import Image

from marketplace import create_app
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db as _db
from tests.conftest import login, make_config
from tests.factories import PASSWORD
from tests.helpers import table_counts

MIB = 1024 * 1024
TOO_LARGE_PAGE = "Unggahan terlalu besar"  # the 413 page, in the default language


def noisy_png(min_bytes):
    """A real PNG of random pixels (they do not compress): at least `min_bytes` long."""
    side = math.isqrt(min_bytes // 3) + 16
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG", compress_level=1)
    data = out.getvalue()
    assert len(data) >= min_bytes
    return data


def junk(size=2 * MIB):
    """A 2 MB file field: multipart files are not bounded by MAX_FORM_MEMORY_SIZE, only by the body limit."""
    return (io.BytesIO(b"x" * size), "junk.bin", "application/octet-stream")


def listing_form(w, **overrides):
    listing = w.draft_listing
    data = {
        "product_type_id": str(listing.product_type_id),
        "title": listing.title,
        "description": listing.description,
        "price_idr": str(listing.price_idr),
        "stock": "500",
        "expected_stock": "500",
        "min_order": "10",
        "order_multiple": "1",
        "lead_time_days": "7",
        "capacity_per_month": "2000",
        "certification_note": "",
    }
    data.update(overrides)
    return data


# Routes that take no files, each with a form that would change something if it were read.
SMALL_ROUTES = {
    "login": (None, lambda w: "/login", lambda w: {"email": w.buyer.email, "password": PASSWORD}),
    "language": ("seller", lambda w: "/language", lambda w: {"language": "en", "next": "/"}),
    "listing action": (
        "seller",
        lambda w: f"/seller/listings/{w.draft_listing.id}/action",
        lambda w: {"action": "submit"},
    ),
    "stock": (
        "seller",
        lambda w: f"/seller/listings/{w.active_listing.id}/stock",
        lambda w: {"stock": "7", "expected_stock": "500"},
    ),
    "moderation": (
        "coordinator",
        lambda w: f"/coordinator/listings/{w.pending_listing.id}",
        lambda w: {"decision": "approve", "reason": "", "version": str(w.pending_listing.version)},
    ),
}


def state(w):
    """What the small routes above would change."""
    _db.session.expire_all()
    return (
        table_counts(),
        w.seller.locale,
        w.draft_listing.status,
        w.active_listing.stock,
        w.pending_listing.status,
    )


@pytest.mark.parametrize("route", SMALL_ROUTES)
def test_a_2_mb_body_is_refused_on_routes_that_take_no_files(client, catalog_world, route):
    who, url, form = SMALL_ROUTES[route]
    if who:
        login(client, getattr(catalog_world, who))
    before = state(catalog_world)
    response = client.post(
        url(catalog_world), data={**form(catalog_world), "junk": junk()}, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert TOO_LARGE_PAGE in response.get_data(as_text=True)
    assert state(catalog_world) == before


def test_a_large_body_that_is_no_form_is_refused_too(client, catalog_world):
    before = table_counts()
    response = client.post("/login", data=b"x" * 2 * MIB, content_type="application/octet-stream")
    assert response.status_code == 413
    assert table_counts() == before


def test_the_photo_routes_refuse_a_body_over_their_own_limit(client, db, catalog_world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_REQUEST_BYTES", 3 * MIB)
    login(client, catalog_world.seller)
    listing = catalog_world.draft_listing
    before = table_counts()
    photo = noisy_png(4 * MIB)  # a valid photo under 8 MB: only the body limit refuses it
    data = {**listing_form(catalog_world, title="Judul baru"), "photos": [(io.BytesIO(photo), "big.png", "image/png")]}
    response = client.post(f"/seller/listings/{listing.id}/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert TOO_LARGE_PAGE in response.get_data(as_text=True)
    assert table_counts() == before
    db.session.expire_all()
    assert listing.title != "Judul baru" and listing.status == ListingStatus.DRAFT


def test_the_default_limits_keep_photo_sized_bodies_to_the_photo_routes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == MIB
    assert app.config["MAX_FORM_MEMORY_SIZE"] <= app.config["MAX_CONTENT_LENGTH"]
    assert app.config["MAX_UPLOAD_REQUEST_BYTES"] == 8 * 8 * MIB + MIB  # eight 8 MB photos and the form


# --- with CSRF on, as in production: the limit is set before CSRFProtect reads the form -------------------------


@pytest.fixture
def csrf_app(database_url, app):
    return create_app(make_config(database_url, WTF_CSRF_ENABLED=True))


def csrf_token(client, url):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_with_csrf_on_a_large_body_gets_413_not_a_form_error(csrf_app, catalog_world):
    client = csrf_app.test_client()
    token = csrf_token(client, "/login")
    before = table_counts()
    form = {"csrf_token": token, "email": catalog_world.buyer.email, "password": PASSWORD, "junk": junk()}
    response = client.post("/login", data=form, content_type="multipart/form-data")
    assert response.status_code == 413
    assert table_counts() == before


@pytest.mark.parametrize(
    ("who", "url", "form"),
    [
        ("seller", lambda w: f"/seller/listings/{w.draft_listing.id}/edit", listing_form),
        (
            "admin",
            lambda w: f"/catalog/product-types/{w.product_type.id}/edit",
            lambda w: {
                "name": w.product_type.name,
                "slug": w.product_type.slug,
                "category_id": str(w.product_type.category_id),
                "unit": w.product_type.unit,
                "spec": "",
                "sni_standard": "",
                "slag_kg_per_unit": "1",
            },
        ),
    ],
    ids=["listing", "product type"],
)
def test_with_csrf_on_only_the_photo_routes_take_a_2_mb_photo(csrf_app, catalog_world, who, url, form):
    client = csrf_app.test_client()
    login(client, getattr(catalog_world, who))
    photo = noisy_png(2 * MIB)
    field = "photos" if who == "seller" else "photo"
    page_url = url(catalog_world)
    data = {**form(catalog_world), "csrf_token": csrf_token(client, page_url)}
    response = client.post(
        page_url, data={**data, field: (io.BytesIO(photo), "big.png", "image/png")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    refused = client.post(
        "/language",
        data={"csrf_token": data["csrf_token"], "language": "en", "photo": (io.BytesIO(photo), "big.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 413
