"""Sign-ins live on the server: signing out ends them, remember-me has a lifetime and rotates."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.accounts.models import UserSession
from marketplace.core.timeutil import utcnow
from tests.conftest import make_config
from tests.factories import PASSWORD

PROFILE = "/account/profile"


def sign_in(app, user, remember=False):
    client = app.test_client()
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_cookies(source, target, names=("session", "remember_token")):
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def is_signed_in(client):
    return client.get(PROFILE).status_code == 200


def test_a_copied_session_cookie_stops_working_after_sign_out(app, world):
    browser = sign_in(app, world.buyer)
    thief = app.test_client()
    copy_cookies(browser, thief, names=("session",))
    assert is_signed_in(thief)

    assert browser.post("/logout").status_code == 302
    assert not is_signed_in(browser)
    assert not is_signed_in(thief)


def test_a_copied_remember_cookie_stops_working_after_sign_out(app, world):
    browser = sign_in(app, world.buyer, remember=True)
    stolen = browser.get_cookie("remember_token").value

    browser.post("/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    assert not is_signed_in(thief)


def test_sign_out_ends_only_this_sign_in(app, world):
    office = sign_in(app, world.buyer)
    phone = sign_in(app, world.buyer)
    office.post("/logout")
    assert not is_signed_in(office)
    assert is_signed_in(phone)


def test_remember_me_rotates_its_cookie_and_the_old_one_dies(app, world, db):
    browser = sign_in(app, world.buyer, remember=True)
    first = browser.get_cookie("remember_token").value
    (row,) = db.session.scalars(select(UserSession).where(UserSession.user_id == world.buyer.id)).all()
    expires_at = row.expires_at

    # The browser was closed: only the remember-me cookie comes back.
    returning = app.test_client()
    returning.set_cookie("remember_token", first)
    assert is_signed_in(returning)
    second = returning.get_cookie("remember_token").value
    assert second != first

    db.session.expire_all()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == world.buyer.id)).all()
    assert sorted((r.ended_reason or "live") for r in rows) == ["live", "rotated"]
    live = next(r for r in rows if r.ended_at is None)
    assert live.expires_at == expires_at  # rotation does not stretch the lifetime

    replay = app.test_client()
    replay.set_cookie("remember_token", first)
    assert not is_signed_in(replay)
    again = app.test_client()
    again.set_cookie("remember_token", second)
    assert is_signed_in(again)


def test_remember_me_lasts_thirty_days_and_then_ends(app, world, db):
    browser = sign_in(app, world.buyer, remember=True)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == world.buyer.id))
    lifetime = row.expires_at - row.created_at
    assert lifetime == timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"]) == timedelta(days=30)

    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    returning = app.test_client()
    copy_cookies(browser, returning, names=("remember_token",))
    assert not is_signed_in(returning)
    assert not is_signed_in(browser)


def test_a_sign_in_without_remember_me_lasts_a_day(app, world, db):
    browser = sign_in(app, world.buyer)
    assert browser.get_cookie("remember_token") is None
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == world.buyer.id))
    assert row.expires_at - row.created_at == timedelta(days=1)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not is_signed_in(browser)


def test_sign_out_everywhere_ends_every_device(app, world):
    office = sign_in(app, world.seller)
    phone = sign_in(app, world.seller, remember=True)
    colleague = sign_in(app, world.buyer)
    page = phone.get(PROFILE).get_data(as_text=True)
    assert "2" in re.search(r"signed in on (\d+)|masuk di (\d+)", page).group(0)

    response = phone.post("/account/sessions/end-all", follow_redirects=True)
    assert response.request.path == "/login"
    assert not is_signed_in(phone)
    assert not is_signed_in(office)
    returning = app.test_client()
    copy_cookies(phone, returning, names=("remember_token",))
    assert not is_signed_in(returning)
    assert is_signed_in(colleague)  # another person's sign-in is untouched


def test_a_password_change_ends_the_other_sign_ins_and_keeps_this_one(app, world):
    here = sign_in(app, world.buyer)
    elsewhere = sign_in(app, world.buyer, remember=True)
    new = "Lumbung padi di tepi Brantas 2026"
    response = here.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm_password": new}
    )
    assert response.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_a_removed_colleague_is_signed_out_at_once(app, world):
    colleague = sign_in(app, world.buyer_colleague, remember=True)
    owner = sign_in(app, world.buyer)
    owner.post(f"/account/members/{world.buyer_colleague.id}/remove")
    assert not is_signed_in(colleague)


@pytest.mark.parametrize(
    "forged",
    ["1", "1:", "abc:def", "1:short", "99999999999:" + "a" * 40, "1:" + "a" * 43 + "'--", "1:" + "a" * 43],
)
def test_forged_session_ids_sign_nobody_in(client, world, forged):
    with client.session_transaction() as session:
        session["_user_id"] = forged
    assert not is_signed_in(client)


def test_the_database_keeps_no_usable_key(app, world, db):
    browser = sign_in(app, world.buyer)
    with browser.session_transaction() as session:
        key = session["_user_id"].split(":", 1)[1]
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == world.buyer.id))
    assert key not in row.key_hash
    thief = app.test_client()
    with thief.session_transaction() as session:
        session["_user_id"] = f"{world.buyer.id}:{row.key_hash}"
    assert not is_signed_in(thief)


def _csrf_token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def csrf_app(database_url, app):
    return create_app(make_config(database_url, WTF_CSRF_ENABLED=True))


def test_the_csrf_token_changes_at_sign_in_and_sign_out(csrf_app, world):
    client = csrf_app.test_client()
    before = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": before, "email": world.buyer.email, "password": PASSWORD})
    assert response.status_code == 302
    after = _csrf_token(client.get(PROFILE).get_data(as_text=True))
    assert after != before
    # A token an attacker planted before sign-in is worthless afterwards.
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302
    assert _csrf_token(client.get("/login").get_data(as_text=True)) != after


@pytest.fixture
def limited_app(database_url, app):
    """An app with rate limits on (fresh memory storage), whose password-change limits the test sets."""
    from marketplace.extensions import limiter

    made = []

    def _make(per_account, per_address):
        limited = create_app(
            make_config(
                database_url,
                RATE_LIMITS_ENABLED=True,
                RATELIMIT_PASSWORD_CHANGE=per_account,
                RATELIMIT_PASSWORD_CHANGE_IP=per_address,
            )
        )
        with limited.app_context():
            limiter.reset()
        made.append(limited)
        return limited

    yield _make
    for limited in made:
        with limited.app_context():
            limiter.reset()


WRONG_CURRENT = {"current_password": "wrong-password-1", "password": "x" * 12, "confirm_password": "x" * 12}


def test_change_password_is_rate_limited_per_account(limited_app, world):
    limited = limited_app("3 per minute", "100 per minute")
    # Two browsers of the same account share the account's budget.
    browsers = [sign_in(limited, world.buyer), sign_in(limited, world.buyer)]
    codes = [browsers[attempt % 2].post("/account/password", data=WRONG_CURRENT).status_code for attempt in range(6)]
    assert codes == [200, 200, 200, 429, 429, 429]
    # Someone else is not held back by it.
    assert sign_in(limited, world.seller).post("/account/password", data={}).status_code == 200


def test_change_password_is_rate_limited_per_address(limited_app, world):
    limited = limited_app("100 per minute", "4 per minute")
    # Four accounts from one address: the address's budget runs out whatever the account.
    browsers = [sign_in(limited, user) for user in (world.buyer, world.seller, world.coordinator, world.admin)]
    codes = [browser.post("/account/password", data=WRONG_CURRENT).status_code for browser in [*browsers, browsers[0]]]
    assert codes == [200, 200, 200, 200, 429]


def test_old_ended_and_expired_sign_ins_are_purged_and_live_ones_kept(app, world, db):
    from marketplace.accounts.sessions import EndReason, end_all_sessions, start_session

    now = utcnow()
    start_session(world.seller)  # ended long ago
    end_all_sessions(world.seller, EndReason.SIGNED_OUT)
    start_session(world.admin, expires_at=now - timedelta(days=40))  # expired long ago
    start_session(world.admin, expires_at=now - timedelta(days=2))  # expired recently
    start_session(world.buyer, remember=True)  # live
    db.session.flush()
    db.session.execute(
        UserSession.__table__.update()
        .where(UserSession.user_id == world.seller.id)
        .values(ended_at=now - timedelta(days=31))
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-sessions"])
    assert "deleted 2 old sign-ins" in result.output
    left = db.session.scalars(select(UserSession.user_id).order_by(UserSession.id)).all()
    assert left == [world.admin.id, world.buyer.id]
