"""Health check, error pages in both languages, the language switch, and the signed-in roles' bar of pages."""

import re

import pytest
from sqlalchemy.exc import OperationalError


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "error"


def _english(client):
    client.post("/language", data={"language": "en"})


@pytest.mark.parametrize(("language", "text"), [("id", "Halaman tidak ditemukan"), ("en", "Page not found")])
def test_404_page_in_both_languages(client, language, text):
    client.post("/language", data={"language": language})
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize(("language", "text"), [("id", "Akses ditolak"), ("en", "Access denied")])
def test_403_page_in_both_languages(client, login_as, language, text):
    login_as("buyer")
    client.post("/language", data={"language": language})
    response = client.get("/admin/sentras")
    assert response.status_code == 403
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize(("language", "text"), [("id", "Terjadi kesalahan"), ("en", "Something went wrong")])
def test_500_page_in_both_languages(app, client, world, monkeypatch, language, text):
    client.post("/language", data={"language": language})
    import marketplace.catalog.views as views

    def explode():
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "sentra_overview", explode)
    app.testing = False  # let the 500 handler answer instead of re-raising
    try:
        response = client.get("/")
    finally:
        app.testing = True
    assert response.status_code == 500
    assert text in response.get_data(as_text=True)


def test_429_page_in_english(database_url, app, world):
    from marketplace import create_app
    from marketplace.extensions import limiter
    from tests.conftest import make_config

    limited = create_app(make_config(database_url, RATE_LIMITS_ENABLED=True, RATELIMIT_LOGIN="1 per minute"))
    with limited.app_context():
        limiter.reset()
    client = limited.test_client()
    client.post("/language", data={"language": "en"})
    client.post("/login", data={"email": "a@example.com", "password": "x"})
    response = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_language_choice_is_remembered_for_visitors(client, world):
    response = client.post("/language", data={"language": "en", "next": "/register"})
    assert response.headers["Location"] == "/register"
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Sign in" in page
    client.post("/language", data={"language": "id"})
    assert "Masuk" in client.get("/").get_data(as_text=True)


def test_language_choice_is_stored_on_the_signed_in_user(client, world, login_as, db):
    login_as("seller")
    client.post("/language", data={"language": "en"})
    assert world.seller.locale == "en"
    # A new browser session of the same user still gets English.
    fresh = client.application.test_client()
    from tests.conftest import login

    login(fresh, world.seller)
    assert 'lang="en"' in fresh.get("/account/profile").get_data(as_text=True)


@pytest.mark.parametrize("junk", ["fr", "", "<script>", "x" * 5000])
def test_unknown_languages_are_ignored(client, world, junk):
    response = client.post("/language", data={"language": junk, "next": "https://evil.example.com"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert 'lang="id"' in client.get("/").get_data(as_text=True)


def test_home_page_shows_sentras_with_their_approved_ikm_count(client, world):
    page = client.get("/").get_data(as_text=True)
    assert "Sentra Jombang" in page and "Sentra Ceper" in page
    assert "1 IKM disetujui" in page or "1 IKM" in page


def test_language_picked_before_signing_in_is_kept_on_the_account(client, world):
    from tests.factories import PASSWORD

    client.post("/language", data={"language": "en"})
    client.post("/login", data={"email": world.seller.email, "password": PASSWORD})
    assert world.seller.locale == "en"
    assert 'lang="en"' in client.get("/account/profile").get_data(as_text=True)


# Each signed-in role's own pages sit in a bar under the header (templates/base.html).

WORKSPACE = {
    "coordinator": [
        "/coordinator/",
        "/coordinator/orders",
        "/payments/sentra",
        "/coordinator/listings",
        "/coordinator/prices",
        "/coordinator/price-requests",
        "/coordinator/competition",
        "/coordinator/delivery-tariff",
        "/catalog/product-types",
    ],
    "admin": ["/admin/sentras", "/admin/staff", "/catalog/product-types"],
    "seller": [
        "/seller/orders",
        "/payments/balance",
        "/seller/listings",
        "/seller/price-requests",
        "/account/organization",
        "/account/members",
    ],
    "buyer": [
        "/cart",
        "/orders",
        "/checkouts",
        "/sentra-orders",
        "/addresses",
        "/account/organization",
        "/account/members",
    ],
}


def _workspace_links(page):
    bar = re.search(r'<nav class="workspace-nav.*?</nav>', page, re.S)
    return bar and re.findall(r'<a class="nav-link( active)?" href="([^"]+)"', bar.group(0))


@pytest.mark.parametrize("role", list(WORKSPACE))
def test_each_role_has_its_pages_in_the_bar_under_the_header(client, world, login_as, role):
    login_as(role)
    page = client.get(WORKSPACE[role][0], follow_redirects=True).get_data(as_text=True)
    links = _workspace_links(page)
    assert [href for _, href in links] == WORKSPACE[role]
    # The page being read is marked, and only it.
    assert [href for active, href in links if active] == [WORKSPACE[role][0]]
    assert f'href="{WORKSPACE[role][0]}" aria-current="page"' in page


def test_a_visitor_has_no_workspace_bar(client, world):
    assert _workspace_links(client.get("/").get_data(as_text=True)) is None
