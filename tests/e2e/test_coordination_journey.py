"""An IKM registers through the form; its sentra's coordinator approves or rejects it, on a phone."""

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
    mail_to,
    sign_in,
    sign_out,
    switch_language,
)

pytestmark = pytest.mark.e2e

PASSWORD = "slag-jombang-2026"


def _sentra_and_coordinator():
    sentra = factories.make_sentra(name="Sentra Slag Aluminium Jombang", regency="Kabupaten Jombang")
    coordinator = factories.make_user("coordinator", sentra=sentra, full_name="Bu Koordinator")
    db.session.commit()
    return sentra, coordinator


def _register_ikm(page, sentra, name, nib, email, create_button):
    form = page.get_by_test_id("register-seller")
    form.locator("input[name=business_name]").fill(name)
    form.locator("input[name=nib]").fill(nib)
    form.locator("select[name=sentra_id]").select_option(label=f"{sentra.name} ({sentra.regency})")
    form.locator("textarea[name=address]").fill("Desa Sumobito RT 02 RW 01")
    form.locator("input[name=regency]").fill("Kabupaten Jombang")
    form.locator("select[name=province]").select_option("Jawa Timur")
    form.locator("input[name=workers]").fill("14")
    form.locator("input[name=contact_person]").fill("Pak Slamet")
    form.locator("input[name=phone]").fill("0813 3100 2200")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=confirm_password]").fill(PASSWORD)
    form.get_by_role("button", name=create_button).click()
    expect(page).to_have_url(re.compile(r"/register/done$"))


def _status_of(name):
    db.session.rollback()
    return db.session.scalar(select(Organization.status).where(Organization.name == name))


def test_seller_registers_and_coordinator_approves(page):
    sentra, coordinator = _sentra_and_coordinator()

    page.goto("/")
    switch_language(page, "en")
    page.get_by_role("link", name="Register your IKM").click()
    expect(page).to_have_url(re.compile(r"/register/seller$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your IKM")
    assert_fits_phone(page)
    _register_ikm(page, sentra, "UD Paving Makmur", "1234567890123", "paving.makmur@example.com", "Create account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert _status_of("UD Paving Makmur") == "pending"
    # The coordinator hears of the IKM once its owner has confirmed the email.
    assert mail_to(coordinator.email) == []
    page.goto(link_in_mail("paving.makmur@example.com", "/verify/"))
    page.get_by_role("button", name="Confirm my email").click()
    expect(page.get_by_role("alert")).to_contain_text("is confirmed")
    assert [m.subject for m in mail_to(coordinator.email)] == ["IKM menunggu persetujuan: UD Paving Makmur"]

    sign_in(page, coordinator.email, factories.PASSWORD, button="Sign in")
    expect(page).to_have_url(re.compile(r"/coordinator/$"))
    # English was picked before signing in: it is kept on the coordinator's account.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(sentra.name)
    row = page.get_by_test_id("ikm-row").filter(has_text="UD Paving Makmur")
    expect(row).to_contain_text("Waiting for approval")
    assert_fits_phone(page)

    row.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("UD Paving Makmur")
    assert_fits_phone(page)
    decision = page.get_by_test_id("decision-form")

    # Rejecting needs a reason: without one nothing changes.
    decision.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Give a reason of at least 5 characters.").first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Waiting for approval")
    assert _status_of("UD Paving Makmur") == "pending"

    page.get_by_test_id("decision-form").get_by_role("button", name="Approve").click()
    expect(page).to_have_url(re.compile(r"/coordinator/\?status=approved$"))
    expect(page.get_by_role("alert")).to_contain_text("Decision saved; the IKM has been emailed.")
    expect(page.get_by_test_id("ikm-row").filter(has_text="UD Paving Makmur")).to_contain_text("Approved")
    assert_fits_phone(page)

    assert _status_of("UD Paving Makmur") == "approved"
    decisions = [m for m in mail_to("paving.makmur@example.com") if "/verify/" not in m.body_text]
    assert [m.subject for m in decisions] == ["Your IKM has been approved on Pasar Sentra"]
    sign_out(page, button="Sign out")


def test_coordinator_rejects_with_reason_in_indonesian(page):
    sentra, coordinator = _sentra_and_coordinator()
    reason = "Foto NIB tidak terbaca; unggah ulang dokumen OSS."

    page.goto("/")
    page.get_by_role("link", name="Daftarkan IKM Anda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftarkan IKM Anda")
    assert_fits_phone(page)
    _register_ikm(page, sentra, "UD Batako Sejahtera", "3210987654321", "batako.sejahtera@example.com", "Buat akun")
    expect(page.get_by_role("heading", level=1)).to_have_text("Periksa email Anda")

    sign_in(page, coordinator.email, factories.PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    row = page.get_by_test_id("ikm-row").filter(has_text="UD Batako Sejahtera")
    expect(row).to_contain_text("Menunggu persetujuan")
    assert_fits_phone(page)
    row.click()
    decision = page.get_by_test_id("decision-form")

    # Too short a reason is refused beside the field, and what was typed stays.
    decision.locator("textarea[name=reason]").fill("foto")
    decision.get_by_role("button", name="Tolak").click()
    expect(field_errors(page, "reason")).to_have_text("Berikan alasan minimal 5 karakter.")
    expect(page.get_by_test_id("decision-form").locator("textarea[name=reason]")).to_have_value("foto")
    assert _status_of("UD Batako Sejahtera") == "pending"

    decision = page.get_by_test_id("decision-form")
    decision.locator("textarea[name=reason]").fill(reason)
    decision.get_by_role("button", name="Tolak").click()
    expect(page).to_have_url(re.compile(r"/coordinator/\?status=rejected$"))
    expect(page.get_by_role("alert")).to_contain_text("Keputusan disimpan; IKM telah diberi tahu lewat email.")
    assert _status_of("UD Batako Sejahtera") == "rejected"

    page.get_by_test_id("ikm-row").filter(has_text="UD Batako Sejahtera").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ditolak")
    expect(page.get_by_text(f"Alasan: {reason}")).to_be_visible()
    assert_fits_phone(page)
    sign_out(page)

    (decision_mail,) = [m for m in mail_to("batako.sejahtera@example.com") if "/verify/" not in m.body_text]
    assert decision_mail.subject == "Pendaftaran IKM Anda tidak disetujui"
    assert f"Alasan: {reason}" in decision_mail.body_text

    # The IKM confirms its email, signs in and reads why on its own page.
    page.goto(link_in_mail("batako.sejahtera@example.com", "/verify/"))
    page.get_by_role("button", name="Konfirmasi email saya").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, "batako.sejahtera@example.com", PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/organization$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("UD Batako Sejahtera")
    expect(page.locator("main")).to_contain_text("Ditolak")
    expect(page.get_by_text(f"Alasan: {reason}")).to_be_visible()
    assert_fits_phone(page)
