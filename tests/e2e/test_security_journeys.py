"""Security in the browser: sign out everywhere, a refused weak password, a business email confirmed
from its own mailbox, and a hostile name that stays text in a flash message."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.accounts.models import Organization
from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import (
    assert_fits_phone,
    field_errors,
    link_in_mail,
    open_menu,
    sign_in,
    switch_language,
)

pytestmark = pytest.mark.e2e

STRONG = "Truk pasir lewat Mojoagung jam lima"


def test_a_buyer_signs_out_on_every_device_from_the_phone(new_page):
    buyer = factories.make_user("buyer", organization=factories.make_buyer_org(name="PT Baja Ringan"))
    db.session.commit()
    office, phone = new_page(), new_page()
    sign_in(office, buyer.email, factories.PASSWORD)
    expect(office).to_have_url(re.compile(r"/account/organization$"))

    phone.goto("/login")
    form = phone.get_by_test_id("login-form")
    form.locator("input[name=email]").fill(buyer.email)
    form.locator("input[name=password]").fill(factories.PASSWORD)
    form.get_by_label("Ingat saya").check()
    form.get_by_role("button", name="Masuk").click()
    expect(phone).to_have_url(re.compile(r"/account/organization$"))

    open_menu(phone)
    phone.get_by_role("link", name=buyer.full_name).click()
    expect(phone.get_by_role("heading", name="Perangkat tempat Anda masuk")).to_be_visible()
    expect(phone.get_by_text("Anda sedang masuk di 2 perangkat atau peramban.")).to_be_visible()
    assert_fits_phone(phone)
    phone.get_by_role("button", name="Keluar dari semua perangkat").click()  # the confirm dialog is accepted
    expect(phone).to_have_url(re.compile(r"/login$"))
    expect(phone.get_by_role("alert")).to_contain_text("Anda telah keluar dari semua perangkat")

    # The office browser, and the phone's remember-me cookie, are signed out too.
    office.goto("/account/profile")
    expect(office).to_have_url(re.compile(r"/login\?next="))
    phone.goto("/account/profile")
    expect(phone).to_have_url(re.compile(r"/login\?next="))


def test_a_weak_new_password_is_refused_with_the_reason_in_english(page):
    seller = factories.make_user("seller", organization=factories.make_ikm(factories.make_sentra()))
    db.session.commit()
    sign_in(page, seller.email, factories.PASSWORD)
    switch_language(page, "en")
    page.goto("/account/password")
    form = page.locator("main form")
    form.locator("input[name=current_password]").fill(factories.PASSWORD)
    form.locator("input[name=password]").fill("password12")
    form.locator("input[name=confirm_password]").fill("password12")
    form.get_by_role("button", name="Save password").click()
    expect(field_errors(page, "password")).to_contain_text("This password is too easy to guess.")
    assert_fits_phone(page)

    form.locator("input[name=current_password]").fill(factories.PASSWORD)
    form.locator("input[name=password]").fill(STRONG)
    form.locator("input[name=confirm_password]").fill(STRONG)
    form.get_by_role("button", name="Save password").click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    expect(page.get_by_role("alert")).to_contain_text("You are signed out on your other devices.")


def test_an_ikm_moves_its_business_email_once_the_new_address_confirms(page, new_page):
    org = factories.make_ikm(factories.make_sentra(), name="UD Paving Makmur", email="lama@paving.example.com")
    owner = factories.make_user("seller", organization=org)
    db.session.commit()
    sign_in(page, owner.email, factories.PASSWORD)
    page.goto("/account/organization/edit")
    page.locator("main form input[name=email]").fill("kantor@paving.example.com")
    page.get_by_role("button", name="Simpan").click()
    expect(page).to_have_url(re.compile(r"/account/organization$"))
    expect(page.get_by_role("alert").first).to_contain_text("Kami mengirim tautan konfirmasi ke kantor@paving")
    expect(page.get_by_text("Menunggu konfirmasi dari kantor@paving.example.com")).to_be_visible()

    # The new mailbox opens the link on another device, without signing in.
    link = link_in_mail("kantor@paving.example.com", "/organization/email/")
    mailbox = new_page()
    mailbox.goto(link)
    expect(mailbox.get_by_role("heading", level=1)).to_have_text("Konfirmasi email usaha")
    assert_fits_phone(mailbox)
    assert db.session.scalar(select(Organization.email).where(Organization.id == org.id)) == "lama@paving.example.com"
    mailbox.get_by_role("button", name="Konfirmasi alamat ini").click()
    expect(mailbox.get_by_role("alert")).to_contain_text("Email usaha UD Paving Makmur sekarang kantor@paving")

    page.reload()
    expect(page.get_by_text("Menunggu konfirmasi")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("kantor@paving.example.com")


def test_a_colleagues_hostile_name_stays_text_in_the_owners_flash(page):
    org = factories.make_buyer_org(name="PT Wajan Jaya")
    owner = factories.make_user("buyer", organization=org, full_name="Ibu Pemilik")
    factories.make_user("buyer", organization=org, is_owner=False, full_name='<b id="hostile">Rekan</b>')
    db.session.commit()
    sign_in(page, owner.email, factories.PASSWORD)
    page.goto("/account/members")
    row = page.get_by_test_id("member-row").filter(has_text="Rekan")
    row.get_by_role("button", name="Hapus").click()
    expect(page.get_by_role("alert")).to_contain_text('<b id="hostile">Rekan</b> tidak dapat masuk lagi')
    expect(page.locator("#hostile")).to_have_count(0)
