"""A buyer registers, confirms the email, signs in, switches language and signs out, on a phone."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.e2e.conftest import (
    assert_fits_phone,
    field_errors,
    link_in_mail,
    open_menu,
    sign_in,
    sign_out,
    switch_language,
)

pytestmark = pytest.mark.e2e

REQUIRED_ID = "Kolom ini wajib diisi."
EMAIL = "pembelian@pabrik-panci.example.com"
PASSWORD = "panci-aluminium-2026"


def test_buyer_registers_verifies_signs_in_switches_language_and_signs_out(page, live_server):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Produk dari slag aluminium, langsung dari IKM sentra")
    assert_fits_phone(page)
    open_menu(page)
    expect(page.get_by_role("link", name="Masuk", exact=True)).to_be_visible()

    page.get_by_role("link", name="Daftar sebagai pembeli").click()
    expect(page).to_have_url(re.compile(r"/register/buyer$"))
    form = page.get_by_test_id("register-buyer")
    assert_fits_phone(page)

    # Empty: every required field says so beside itself, in Indonesian.
    form.get_by_role("button", name="Buat akun").click()
    for name in ("company_name", "npwp", "address", "regency", "province", "contact_person", "phone", "email"):
        expect(field_errors(page, name)).to_have_text(REQUIRED_ID)
        expect(form.locator(f"[name={name}]")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(field_errors(page, "password").first).to_have_text(REQUIRED_ID)
    assert_fits_phone(page)

    # A mistake keeps what was typed, except the passwords.
    form.locator("input[name=company_name]").fill("PT Panci Jaya Abadi")
    form.locator("input[name=npwp]").fill("01.234.567.8-901.0002")
    form.locator("textarea[name=address]").fill("Jl. Industri Raya 7, Kawasan Berbek")
    form.locator("input[name=regency]").fill("Kabupaten Sidoarjo")
    form.locator("select[name=province]").select_option("Jawa Timur")
    form.locator("input[name=contact_person]").fill("Dewi Lestari")
    form.locator("input[name=phone]").fill("0812 3456 7890")
    form.locator("input[name=email]").fill(EMAIL)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=confirm_password]").fill("lain-sekali-2026")
    form.get_by_role("button", name="Buat akun").click()
    expect(field_errors(page, "confirm_password")).to_have_text("Kata sandi tidak cocok.")
    expect(form.locator("input[name=company_name]")).to_have_value("PT Panci Jaya Abadi")
    expect(form.locator("select[name=province]")).to_have_value("Jawa Timur")
    expect(form.locator("input[name=email]")).to_have_value(EMAIL)
    expect(form.locator("input[name=password]")).to_have_value("")
    expect(form.locator("input[name=confirm_password]")).to_have_value("")
    expect(field_errors(page, "company_name")).to_have_count(0)

    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=confirm_password]").fill(PASSWORD)
    form.get_by_role("button", name="Buat akun").click()
    expect(page).to_have_url(re.compile(r"/register/done$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Periksa email Anda")

    # Not confirmed yet: signing in sends the user to ask for the link again.
    link = link_in_mail(EMAIL, "/verify/")
    assert link.startswith(live_server + "/verify/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Konfirmasi email Anda")
    assert_fits_phone(page)
    page.get_by_role("button", name="Konfirmasi email saya").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text(f"Email Anda {EMAIL} telah dikonfirmasi")

    sign_in(page, EMAIL, PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/organization$"))
    expect(page.get_by_role("alert")).to_contain_text("Selamat datang, Dewi Lestari.")
    expect(page.get_by_role("heading", level=1)).to_have_text("PT Panci Jaya Abadi")
    assert_fits_phone(page)

    switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/account/organization$"))
    open_menu(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Buyer (manufacturer)")).to_be_visible()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    db.session.rollback()
    assert db.session.scalar(select(User.locale).where(User.email == EMAIL)) == "en"

    switch_language(page, "id")
    open_menu(page)
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    page.goto("/account/organization")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_text("Pembeli (produsen)")).to_be_visible()

    sign_out(page)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    open_menu(page)
    expect(page.get_by_role("link", name="Masuk", exact=True)).to_be_visible()
