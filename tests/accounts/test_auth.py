"""Sign in and out, remember me, password reset and change."""

from unittest import mock

import pytest
from werkzeug.security import check_password_hash

from tests.accounts.helpers import link_in, outbox_to
from tests.factories import PASSWORD
from tests.helpers import table_counts


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_sign_in_and_out(client, world):
    response = sign_in(client, world.buyer.email.upper())
    assert response.headers["Location"] == "/account"
    assert client.get("/account/profile").status_code == 200
    client.post("/logout")
    assert client.get("/account/profile").headers["Location"].startswith("/login")


def test_each_role_lands_on_its_own_page(client, world):
    expected = {"buyer": "/account/organization", "coordinator": "/coordinator/", "admin": "/admin/sentras"}
    for role, place in expected.items():
        sign_in(client, getattr(world, role).email)
        assert client.get("/account").headers["Location"] == place
        client.post("/logout")


@pytest.mark.parametrize(("email", "password"), [("buyer", "wrong-password-1"), ("nobody@example.com", PASSWORD)])
def test_wrong_credentials_get_one_message(client, world, email, password):
    email = getattr(world, email).email if email == "buyer" else email
    page = sign_in(client, email, password).get_data(as_text=True)
    assert "Email atau kata sandi salah." in page
    assert client.get("/account").status_code == 302


def test_unverified_accounts_are_asked_to_confirm_first(client, db, world):
    world.buyer.verified_at = None
    db.session.commit()
    response = sign_in(client, world.buyer.email)
    assert response.headers["Location"] == "/verify/resend"
    assert client.get("/account").headers["Location"].startswith("/login")


def test_removed_users_cannot_sign_in(client, db, world):
    from marketplace.core.timeutil import utcnow

    world.buyer_colleague.deactivated_at = utcnow()
    db.session.commit()
    assert "dinonaktifkan" in sign_in(client, world.buyer_colleague.email).get_data(as_text=True)


def test_remember_me_sets_a_lasting_httponly_cookie(client, world):
    sign_in(client, world.buyer.email, remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None


def test_without_remember_me_there_is_no_lasting_cookie(client, world):
    sign_in(client, world.buyer.email)
    assert client.get_cookie("remember_token") is None


def test_password_reset_link_works_once(client, db, world):
    client.post("/password/forgot", data={"email": world.seller.email})
    link = link_in(outbox_to(world.seller.email)[-1], "/password/reset/")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "baru-sekali-2026", "confirm_password": "baru-sekali-2026"})
    assert response.headers["Location"] == "/login"
    assert check_password_hash(world.seller.password_hash, "baru-sekali-2026")
    again = client.post(link, data={"password": "lagi-lagi-20266", "confirm_password": "lagi-lagi-20266"})
    assert again.headers["Location"] == "/password/forgot"
    assert check_password_hash(world.seller.password_hash, "baru-sekali-2026")
    assert sign_in(client, world.seller.email, "baru-sekali-2026").headers["Location"] == "/account"


def test_password_reset_link_expires(app, client, world):
    client.post("/password/forgot", data={"email": world.seller.email})
    link = link_in(outbox_to(world.seller.email)[-1], "/password/reset/")
    with mock.patch("itsdangerous.timed.time.time", return_value=__import__("time").time() + 3601):
        assert client.get(link).headers["Location"] == "/password/forgot"


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, world):
    before = table_counts()
    response = client.post("/password/forgot", data={"email": "nobody@example.com"})
    assert response.headers["Location"] == "/login"
    assert table_counts() == before


def test_change_password_needs_the_current_one(client, world, login_as):
    login_as("buyer")
    page = client.post(
        "/account/password",
        data={
            "current_password": "not-it-at-all",
            "password": "baru-sekali-2026",
            "confirm_password": "baru-sekali-2026",
        },
    ).get_data(as_text=True)
    assert "Kata sandi saat ini tidak benar." in page
    assert check_password_hash(world.buyer.password_hash, PASSWORD)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "baru-sekali-2026", "confirm_password": "baru-sekali-2026"},
    )
    assert response.status_code == 302
    assert check_password_hash(world.buyer.password_hash, "baru-sekali-2026")
    assert outbox_to(world.buyer.email)[-1].subject == "Kata sandi Pasar Sentra Anda telah diubah"


def test_short_passwords_are_refused(client, world, login_as):
    login_as("buyer")
    page = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": "short", "confirm_password": "short"}
    ).get_data(as_text=True)
    assert "Gunakan 10 sampai 128 karakter." in page
    assert check_password_hash(world.buyer.password_hash, PASSWORD)
