"""Production refuses weak settings, and a mistyped APP_ENV is an error, not the development setup."""

import pytest

from marketplace import create_app
from marketplace.config import Config, ProductionConfig, config_from_environment

STRONG_SECRET = "k3Zp9vQx-7YwLr2Tn8Hs4Jd6Fb1Mc5Ge0Ua-xW"  # 38 bytes


@pytest.fixture
def production(monkeypatch, database_url):
    monkeypatch.setenv("BASE_URL", "https://pasar-sentra.example.com")
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", database_url)
    return monkeypatch


@pytest.mark.parametrize("secret", ["a", "x" * 31, "é" * 15])
def test_production_refuses_a_secret_key_shorter_than_32_bytes(production, secret):
    production.setattr(ProductionConfig, "SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="32 bytes"):
        create_app(ProductionConfig)


def test_production_starts_with_a_long_secret_key(production):
    production.setattr(ProductionConfig, "SECRET_KEY", STRONG_SECRET)
    assert create_app(ProductionConfig).config["PRODUCTION"] is True


@pytest.mark.parametrize("name", ["prod", "produktion", "staging", "dev", ""])
def test_an_unknown_app_env_is_refused(monkeypatch, name):
    monkeypatch.setenv("APP_ENV", name)
    with pytest.raises(RuntimeError, match="Unknown APP_ENV"):
        config_from_environment()
    with pytest.raises(RuntimeError, match="Unknown APP_ENV"):
        create_app()


@pytest.mark.parametrize(("name", "expected"), [("production", ProductionConfig), ("development", Config)])
def test_the_known_app_env_names_pick_their_configuration(monkeypatch, name, expected):
    monkeypatch.setenv("APP_ENV", name)
    assert config_from_environment() is expected


def test_without_app_env_development_is_chosen(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    assert config_from_environment() is Config


def test_production_still_refuses_to_start_without_base_url_when_a_port_is_served(monkeypatch, database_url):
    # The development fallback (the port `flask run` serves) never stands in for BASE_URL in production.
    monkeypatch.setenv("FLASK_RUN_PORT", "5101")
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", STRONG_SECRET)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", database_url)
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(ProductionConfig)
