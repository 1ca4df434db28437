"""Headers, cookies, CSRF, rate limits and safe redirects."""

import re

import pytest

from marketplace import create_app
from marketplace.config import DEFAULT_SECRET_KEY, ProductionConfig
from marketplace.core.security import CONTENT_SECURITY_POLICY, policy_with_form_action
from tests.conftest import make_config
from tests.factories import PASSWORD


def test_security_headers_forbid_inline_script(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_carry_no_inline_script(client, world, login_as):
    login_as("coordinator")
    page = client.get(f"/coordinator/organizations/{world.pending_ikm.id}").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page)
    assert not re.search(r"\son[a-z]+=", page)


def test_session_cookie_is_httponly_and_lax(client, world):
    client.post("/language", data={"language": "en"})
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_refuses_to_start_without_base_url(monkeypatch, database_url):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", database_url)
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(ProductionConfig)


def test_production_sets_secure_cookies(monkeypatch, database_url):
    monkeypatch.setenv("BASE_URL", "https://pasar-sentra.example.com")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", database_url)
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.fixture
def strict_app(database_url, app):
    """An app as in production: CSRF and rate limits on (memory storage, fresh per test)."""
    strict = create_app(make_config(database_url, WTF_CSRF_ENABLED=True, RATE_LIMITS_ENABLED=True))
    from marketplace.extensions import limiter

    with strict.app_context():
        limiter.reset()
    return strict


def test_forms_without_csrf_token_are_refused(strict_app, world):
    client = strict_app.test_client()
    response = client.post("/login", data={"email": world.buyer.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "session" not in (client.get_cookie("session").value if client.get_cookie("session") else "")


def test_login_is_rate_limited_with_a_friendly_page(database_url, app, world):
    # CSRF is checked before the limit; here the limit alone is under test.
    limited = create_app(make_config(database_url, RATE_LIMITS_ENABLED=True))
    from marketplace.extensions import limiter

    with limited.app_context():
        limiter.reset()
    client = limited.test_client()
    codes = []
    for _ in range(12):
        codes.append(
            client.post("/login", data={"email": "nobody@example.com", "password": "wrong-password"}).status_code
        )
    assert 429 in codes
    response = client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.get_data(as_text=True)


def test_rate_limits_can_use_redis(database_url, app, world):
    import os

    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    strict = create_app(
        make_config(
            database_url, RATE_LIMITS_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_LOGIN="2 per minute"
        )
    )
    from marketplace.extensions import limiter

    with strict.app_context():
        limiter.reset()
    client = strict.test_client()
    codes = [client.post("/login", data={"email": "a@example.com", "password": "x"}).status_code for _ in range(3)]
    assert codes[-1] == 429
    with strict.app_context():
        limiter.reset()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "http:/x",
        "\t//x",
    ],
)
def test_next_never_leaves_the_site(client, world, target):
    response = client.post(
        "/login", data={"email": world.buyer.email, "password": PASSWORD, "next": target}, follow_redirects=False
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_next_inside_the_site_is_followed(client, world):
    response = client.post(
        "/login", data={"email": world.buyer.email, "password": PASSWORD, "next": "/account/profile"}
    )
    assert response.headers["Location"] == "/account/profile"


def test_passwords_are_hashed_with_a_memory_hard_kdf(db, world):
    assert world.buyer.password_hash.startswith("scrypt:")
    assert PASSWORD not in world.buyer.password_hash


def test_mailed_links_ignore_the_host_header(client, world):
    from tests.accounts.helpers import outbox_to

    client.post("/password/forgot", data={"email": world.seller.email}, headers={"Host": "evil.example"})
    [mail] = outbox_to(world.seller.email)
    assert "evil.example" not in mail.body_text
    assert "http://127.0.0.1:5000/password/reset/" in mail.body_text


def test_untrusted_hosts_are_refused(database_url, app):
    strict = create_app(make_config(database_url, TRUSTED_HOSTS=["pasar.example.com"]))
    client = strict.test_client()
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "pasar.example.com"}).status_code == 200


def test_a_page_may_let_its_form_lead_to_another_site_and_keeps_every_other_rule():
    policy = policy_with_form_action("https://checkout.stripe.com")
    assert "form-action 'self' https://checkout.stripe.com" in policy
    assert policy.replace(" https://checkout.stripe.com", "") == CONTENT_SECURITY_POLICY
