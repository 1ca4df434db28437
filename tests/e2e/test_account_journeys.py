"""Password reset, colleagues and the admin's staff pages, driven through the browser on a phone."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.accounts.models import Sentra, User
from marketplace.extensions import db
from tests import factories
from tests.e2e.conftest import (
    assert_fits_phone,
    field_errors,
    link_in_mail,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "kata-sandi-baru-2026"


def test_password_reset_by_emailed_link(page, live_server):
    buyer = factories.make_user("buyer", organization=factories.make_buyer_org(name="PT Wajan Sentosa"))
    db.session.commit()

    page.goto("/login")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lupa kata sandi?")
    assert_fits_phone(page)
    page.locator("main form input[name=email]").fill(buyer.email.upper())
    page.get_by_role("button", name="Kirim tautan atur ulang").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text("tautan pengaturan ulang sedang dikirim")

    link = link_in_mail(buyer.email, "/password/reset/")
    assert link.startswith(live_server + "/password/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Buat kata sandi baru")
    form = page.locator("main form")
    form.locator("input[name=password]").fill(NEW_PASSWORD)
    form.locator("input[name=confirm_password]").fill("tidak-sama-dengan-itu")
    form.get_by_role("button", name="Simpan kata sandi").click()
    expect(field_errors(page, "confirm_password")).to_have_text("Kata sandi tidak cocok.")
    form.locator("input[name=password]").fill(NEW_PASSWORD)
    form.locator("input[name=confirm_password]").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Simpan kata sandi").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text("Kata sandi Anda telah diatur.")

    # The old password no longer works; the new one does.
    sign_in(page, buyer.email, factories.PASSWORD)
    expect(field_errors(page, "password")).to_have_text("Email atau kata sandi salah.")
    sign_in(page, buyer.email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/organization$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("PT Wajan Sentosa")
    sign_out(page)

    # The link worked once.
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/password/forgot$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Tautan pengaturan ulang ini tidak valid, sudah kedaluwarsa, atau sudah dipakai."
    )


def test_owner_invites_colleague_who_sets_password(page, new_page):
    org = factories.make_buyer_org(name="PT Panci Nusantara")
    owner = factories.make_user("buyer", organization=org, full_name="Ibu Pemilik")
    db.session.commit()
    colleague_email = "staf.pembelian@panci-nusantara.example.com"

    sign_in(page, owner.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/organization$"))
    page.get_by_role("link", name="Rekan kerja").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rekan kerja di PT Panci Nusantara")
    invite = page.locator("form", has=page.get_by_role("button", name="Kirim undangan"))
    invite.locator("input[name=email]").fill(colleague_email)
    invite.get_by_role("button", name="Kirim undangan").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Undangan telah dikirim ke {colleague_email}.")
    expect(page.locator("main")).to_contain_text("Undangan aktif")
    expect(page.locator("main .list-group-item").filter(has_text=colleague_email)).to_be_visible()
    assert_fits_phone(page)

    # The colleague, on their own phone, follows the link from the mail.
    colleague = new_page()
    colleague.goto(link_in_mail(colleague_email, "/invitations/"))
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Bergabung dengan PT Panci Nusantara")
    assert_fits_phone(colleague)
    form = colleague.locator("main form")
    form.locator("input[name=full_name]").fill("Rudi Hartono")
    form.locator("input[name=password]").fill(NEW_PASSWORD)
    form.locator("input[name=confirm_password]").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Bergabung").click()
    expect(colleague).to_have_url(re.compile(r"/login$"))
    expect(colleague.get_by_role("alert")).to_contain_text("Selamat bergabung di PT Panci Nusantara.")
    sign_in(colleague, colleague_email, NEW_PASSWORD)
    expect(colleague).to_have_url(re.compile(r"/account/organization$"))
    expect(colleague.get_by_role("heading", level=1)).to_have_text("PT Panci Nusantara")
    expect(colleague.get_by_role("link", name="Ubah data")).to_have_count(0)

    # The owner sees the colleague as active, then removes them (the confirm dialog is accepted).
    page.reload()
    row = page.get_by_test_id("member-row").filter(has_text="Rudi Hartono")
    expect(row).to_contain_text("Aktif")
    expect(page.locator("main")).not_to_contain_text("Undangan aktif")
    with page.expect_event("dialog") as dialog:
        row.get_by_role("button", name="Hapus").click()
    assert dialog.value.message == "Hapus Rudi Hartono? Ia tidak akan dapat masuk lagi."
    expect(page.get_by_role("alert")).to_contain_text("Rudi Hartono tidak dapat masuk lagi.")
    row = page.get_by_test_id("member-row").filter(has_text="Rudi Hartono")
    expect(row).to_contain_text("Dihapus")
    expect(row.get_by_role("button", name="Hapus")).to_have_count(0)
    assert_fits_phone(page)

    # The removed colleague's open session ends with their next request, and they cannot sign in again.
    colleague.reload()
    expect(colleague).to_have_url(re.compile(r"/login\?next=/account/organization$"))
    sign_in(colleague, colleague_email, NEW_PASSWORD)
    expect(field_errors(colleague, "password")).to_have_text("Akun ini telah dinonaktifkan.")


def test_admin_creates_sentra_and_coordinator(page, live_server):
    admin = factories.make_user("admin", full_name="Admin Platform")
    db.session.commit()

    sign_in(page, admin.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/sentras$"))
    expect(page.locator("main")).to_contain_text("Belum ada sentra")
    page.get_by_role("link", name="Sentra baru").click()
    form = page.locator("main form")
    form.get_by_role("button", name="Simpan").click()
    expect(field_errors(page, "name")).to_have_text("Kolom ini wajib diisi.")
    form.locator("input[name=name]").fill("Sentra IKM Logam Ceper")
    form.locator("input[name=slug]").fill("logam-ceper")
    form.locator("input[name=regency]").fill("Kabupaten Klaten")
    form.locator("select[name=province]").select_option("Jawa Tengah")
    form.locator("textarea[name=description]").fill("Pengecoran logam dan daur ulang aluminium.")
    form.get_by_role("button", name="Simpan").click()
    expect(page).to_have_url(re.compile(r"/admin/sentras$"))
    expect(page.get_by_role("alert")).to_contain_text("Sentra telah disimpan.")
    sentra_row = page.locator("main tbody tr").filter(has_text="Sentra IKM Logam Ceper")
    expect(sentra_row).to_contain_text("logam-ceper")
    expect(sentra_row).to_contain_text("Jawa Tengah")
    assert_fits_phone(page)

    page.get_by_role("link", name="Staf", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/staff$"))
    page.get_by_role("link", name="Akun staf baru").click()
    form = page.locator("main form")
    form.locator("input[name=email]").fill("koordinator@ceper.example.com")
    form.locator("input[name=full_name]").fill("Pak Koordinator Ceper")
    form.locator("select[name=role]").select_option(label="Koordinator")
    form.get_by_role("button", name="Buat akun").click()
    expect(field_errors(page, "sentra_id")).to_have_text("Pilih sentra koordinator.")
    page.locator("main form select[name=sentra_id]").select_option(label="Sentra IKM Logam Ceper")
    page.locator("main form").get_by_role("button", name="Buat akun").click()
    expect(page).to_have_url(re.compile(r"/admin/staff$"))
    expect(page.get_by_role("alert")).to_contain_text("Akun telah dibuat")
    staff_row = page.locator("main tbody tr").filter(has_text="koordinator@ceper.example.com")
    expect(staff_row).to_contain_text("Pak Koordinator Ceper")
    expect(staff_row).to_contain_text("Koordinator")
    expect(staff_row).to_contain_text("Sentra IKM Logam Ceper")
    expect(staff_row).to_contain_text("Menunggu kata sandi")
    assert_fits_phone(page)
    sign_out(page)

    db.session.rollback()
    coordinator = db.session.scalar(select(User).where(User.email == "koordinator@ceper.example.com"))
    assert coordinator.role == "coordinator"
    assert coordinator.sentra_id == db.session.scalar(select(Sentra.id).where(Sentra.slug == "logam-ceper"))

    # The new coordinator chooses a password through the mailed link and reaches their sentra.
    link = link_in_mail("koordinator@ceper.example.com", "/password/reset/")
    assert link.startswith(live_server + "/password/reset/")
    page.goto(link)
    form = page.locator("main form")
    form.locator("input[name=password]").fill(NEW_PASSWORD)
    form.locator("input[name=confirm_password]").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Simpan kata sandi").click()
    sign_in(page, "koordinator@ceper.example.com", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/coordinator/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sentra IKM Logam Ceper")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    assert_fits_phone(page)
