"""New passwords must be hard to guess, also for someone who knows the person; refusals say why."""

import ast
import html
import inspect
import pkgutil
import re

import pytest
import zxcvbn as zxcvbn_package
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.security import check_password_hash

from marketplace.accounts import tokens
from marketplace.accounts.models import Invitation, User
from marketplace.extensions import db
from tests import factories
from tests.accounts.test_registration import buyer_form, seller_form
from tests.helpers import table_counts

STRONG = "kuda-baterai-jepit-pagar"

# The Indonesian texts are the catalog's translations of the policy's messages.
TOO_EASY_ID = "Kata sandi ini terlalu mudah ditebak."
PERSONAL_ID = "Kata sandi ini memuat nama Anda, alamat email Anda, atau nama perusahaan Anda."
VERY_COMMON_ID = "Ini kata sandi yang sangat umum."
ADD_A_WORD_ID = "Tambahkan satu atau dua kata lagi. Kata yang jarang dipakai lebih baik."
LENGTH_ID = "Gunakan 10 sampai 128 karakter."


def password_errors(page):
    """The error texts shown between the new password's input and the repeat field."""
    start = page.index('name="password"')
    end = page.index('name="confirm_password"', start)
    return [html.unescape(text) for text in re.findall(r'class="invalid-feedback[^"]*">(.*?)</div>', page[start:end])]


@pytest.fixture
def judged(monkeypatch):
    """Every (text, user inputs) that zxcvbn is asked to judge; the judging itself goes on."""
    from marketplace.core import passwords

    calls = []
    real = passwords.zxcvbn

    def spy(password, user_inputs=None, max_length=72):
        calls.append((password, list(user_inputs or ())))
        return real(password, user_inputs=user_inputs, max_length=max_length)

    monkeypatch.setattr(passwords, "zxcvbn", spy)
    return calls


@pytest.fixture
def budi(db):
    """A buyer whose name, email and company an attacker could know."""
    org = factories.make_buyer_org(name="PT Sinar Baja Nusantara")
    user = factories.make_user(
        "buyer", organization=org, email="budi.santoso@sinarbaja.example.com", full_name="Budi Santoso"
    )
    db.session.commit()
    return user


def change_password(client, new_password):
    return client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "password": new_password, "confirm_password": new_password},
    )


@pytest.mark.parametrize(("path", "form"), [("/register/buyer", buyer_form), ("/register/seller", seller_form)])
def test_registration_refuses_a_common_password_beside_the_field_and_stores_nothing(client, world, path, form):
    data = form() if form is buyer_form else form(world.jombang.id)
    data.update(password="password123", confirm_password="password123")
    before = table_counts()
    response = client.post(path, data=data)
    assert response.status_code == 200
    assert password_errors(response.get_data(as_text=True)) == [f"{TOO_EASY_ID} {VERY_COMMON_ID} {ADD_A_WORD_ID}"]
    assert table_counts() == before


def test_registration_refuses_a_password_made_of_the_typed_company_name(client, world):
    data = buyer_form(
        company_name="PT Panci Jaya Abadi", password="PanciJayaAbadi1", confirm_password="PanciJayaAbadi1"
    )
    before = table_counts()
    [error] = password_errors(client.post("/register/buyer", data=data).get_data(as_text=True))
    assert error.startswith(f"{TOO_EASY_ID} {PERSONAL_ID}")
    assert table_counts() == before


@pytest.mark.parametrize(
    "weak",
    [
        "1234567890",
        "password12",
        "budi.santoso@sinarbaja.example.com",  # the account's own email
        "BUDI.SANTOSO@SINARBAJA.EXAMPLE.COM",
        "sinarbajanusantara",  # the company's name
        "SinarBaja2026!",
        "Sinar Baja Nusantara 2026",
        "Budi Santoso 1985",  # the person's name
    ],
)
def test_change_password_refuses_guessable_and_personal_passwords(client, budi, login_as, weak):
    login_as(budi)
    old_hash = budi.password_hash
    response = change_password(client, weak)
    assert response.status_code == 200
    [error] = password_errors(response.get_data(as_text=True))
    assert error.startswith(TOO_EASY_ID)
    if not weak.isdigit() and not weak.startswith("password"):
        assert PERSONAL_ID in error
    db.session.refresh(budi)
    assert budi.password_hash == old_hash


def test_a_strong_passphrase_is_accepted_once_judged_against_the_account(client, budi, login_as, judged):
    login_as(budi)
    response = change_password(client, STRONG)
    assert response.status_code == 302
    db.session.refresh(budi)
    assert check_password_hash(budi.password_hash, STRONG)
    assert judged, "zxcvbn never judged the new password"
    user_inputs = judged[0][1]
    for known in ("budi.santoso@sinarbaja.example.com", "budi santoso", "santoso", "sinarbajanusantara", "baja"):
        assert known in user_inputs


def test_registration_judges_the_password_against_the_typed_names(client, world, judged):
    data = seller_form(world.jombang.id, password=STRONG, confirm_password=STRONG)
    assert client.post("/register/seller", data=data).status_code == 302
    user_inputs = judged[0][1]
    for known in ("siti@slag.example.com", "siti aminah", "aminah", "ud slag makmur", "slagmakmur"):
        assert known in user_inputs


def test_a_reset_refuses_a_password_made_of_the_account_owners_name(client, db, world):
    org = factories.make_ikm(world.jombang, name="UD Cetak Logam Jaya")
    user = factories.make_user("seller", organization=org, email="rina@cetak.example.com", full_name="Rina Wulandari")
    db.session.commit()
    token = tokens.make_token(tokens.RESET_SALT, {"uid": user.id, "fp": tokens.password_fingerprint(user)})
    for weak in ("RinaWulandari2026", "CetakLogamJaya!"):
        page = client.post(f"/password/reset/{token}", data={"password": weak, "confirm_password": weak})
        [error] = password_errors(page.get_data(as_text=True))
        assert error.startswith(f"{TOO_EASY_ID} {PERSONAL_ID}")
    response = client.post(f"/password/reset/{token}", data={"password": STRONG, "confirm_password": STRONG})
    assert response.headers["Location"] == "/login"


def test_an_invitation_refuses_a_password_made_of_the_colleagues_details(client, db, world):
    invitation = Invitation(organization=world.buyer_org, email="rudi.hartono@satu.example.com", invited_by=world.buyer)
    db.session.add(invitation)
    db.session.commit()
    link = "/invitations/" + tokens.make_token(tokens.INVITE_SALT, {"inv": invitation.id, "email": invitation.email})
    before = table_counts()
    for weak in ("RudiHartono1990", "rudi.hartono@satu.example.com"):
        page = client.post(link, data={"full_name": "Rudi Hartono", "password": weak, "confirm_password": weak})
        [error] = password_errors(page.get_data(as_text=True))
        assert error.startswith(f"{TOO_EASY_ID} {PERSONAL_ID}")
    assert table_counts() == before


def test_the_reason_is_in_indonesian_by_default_and_in_english_for_english_users(client, world, login_as):
    login_as("buyer")
    [error] = password_errors(change_password(client, "password12").get_data(as_text=True))
    assert error == f"{TOO_EASY_ID} {VERY_COMMON_ID} {ADD_A_WORD_ID}"
    world.buyer.locale = "en"
    db.session.commit()
    [error] = password_errors(change_password(client, "password12").get_data(as_text=True))
    assert error == (
        "This password is too easy to guess. This is a very common password."
        " Add another word or two. Uncommon words are better."
    )


def test_an_over_long_password_is_refused_without_being_judged(client, world, login_as, judged):
    login_as("buyer")
    longest = ("kuda-baterai-jepit-pagar-" * 6)[:128]
    too_long = longest + "x"
    [error] = password_errors(change_password(client, too_long).get_data(as_text=True))
    assert error == LENGTH_ID
    assert judged == []
    # 128 characters are judged whole (zxcvbn refuses more than 72 unless told otherwise).
    assert change_password(client, longest).status_code == 302
    assert judged[0][0] == longest


def test_a_crafted_look_alike_password_is_judged_only_in_part(app, judged):
    from marketplace.core.passwords import PASSWORD_MIN, password_problem

    crafted = ("4@8({[<3691!|70$5+%2" * 7)[:128]
    with app.test_request_context():
        password_problem(crafted)
    assert judged and all(PASSWORD_MIN <= len(text) < 32 for text, _inputs in judged)


def zxcvbn_feedback_texts():
    """Every text zxcvbn wraps in gettext's `_()`, read from the installed package's source."""
    texts = set()
    for module_info in pkgutil.iter_modules(zxcvbn_package.__path__, zxcvbn_package.__name__ + "."):
        module = __import__(module_info.name, fromlist=["_"])
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
                [argument] = node.args
                texts.add(argument.value)
    return texts


def test_every_zxcvbn_feedback_text_has_a_translatable_entry(app):
    from marketplace.core.passwords import FEEDBACK

    texts = zxcvbn_feedback_texts()
    assert len(texts) >= 20  # the scan found zxcvbn's sentences
    assert sorted(texts - set(FEEDBACK)) == []
    with app.test_request_context(), force_locale("en"):
        assert [key for key, text in FEEDBACK.items() if str(text) != key] == []


def test_unknown_zxcvbn_text_falls_back_to_a_generic_hint(app, monkeypatch):
    from marketplace.core import passwords

    def new_zxcvbn_release(password, user_inputs=None, max_length=72):
        return {"score": 1, "sequence": [], "feedback": {"warning": "Brand new warning.", "suggestions": ["New."]}}

    monkeypatch.setattr(passwords, "zxcvbn", new_zxcvbn_release)
    with app.test_request_context(), force_locale("en"):
        problem = passwords.password_problem("whatever-it-is")
    assert problem == "This password is too easy to guess. Use a longer phrase of several unusual words."


def test_create_user_command_refuses_a_guessable_password(app, db, world):
    runner = app.test_cli_runner()
    args = ["create-user", "--role", "admin", "--email", "koor.baru@example.com", "--name", "Koor Baru"]
    for weak in ("password123", "KoorBaru2026!"):
        result = runner.invoke(args=[*args, "--password", weak])
        assert result.exit_code != 0
        assert "This password is too easy to guess." in result.output
    assert db.session.scalar(select(User).where(User.email == "koor.baru@example.com")) is None
    assert runner.invoke(args=[*args, "--password", STRONG]).exit_code == 0
