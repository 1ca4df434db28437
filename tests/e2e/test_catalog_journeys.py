"""Catalog journeys on a phone: a seller lists with a photo, the coordinator reviews, visitors find it."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.catalog.models import Listing
from marketplace.extensions import db
from tests import factories
from tests.catalog.images import image_bytes
from tests.e2e.conftest import (
    assert_fits_phone,
    field_errors,
    mail_to,
    sign_in,
    sign_out,
    switch_language,
    unfold,
)

pytestmark = pytest.mark.e2e

TITLE = "Paving hexagon merah"
DESCRIPTION_LINES = ("Paving hexagon warna merah bata, tebal 6 cm.", "Cocok untuk halaman pabrik dan area parkir truk.")


def _jombang(locale="id"):
    """A Jombang sentra with an approved IKM, its owner (a verified seller) and the sentra's coordinator."""
    sentra = factories.make_sentra(slug="jombang", name="Sentra Slag Aluminium Jombang")
    ikm = factories.make_ikm(sentra, name="UD Paving Sumobito", email="paving.sumobito@example.com")
    w = SimpleNamespace(
        sentra=sentra,
        ikm=ikm,
        seller=factories.make_user("seller", organization=ikm, full_name="Pak Slamet", locale=locale),
        coordinator=factories.make_user("coordinator", sentra=sentra, full_name="Bu Koordinator", locale=locale),
        category=factories.make_category(slug="paving-block", name="Paving block", name_en="Paving blocks"),
    )
    w.product_type = factories.make_product_type(
        w.category, slug="paving-k300-6cm", name="Paving block K-300 6 cm", sni_standard="SNI 03-0691-1996"
    )
    # The coordinator's band in force: listings of this type may sell between Rp 50.000 and Rp 150.000.
    w.schedule = factories.make_schedule(sentra, w.product_type, reference=85_000, floor=50_000, ceiling=150_000)
    return w


def _status_of(listing_id):
    db.session.rollback()  # see what the live server committed
    return db.session.scalar(select(Listing.status).where(Listing.id == listing_id))


def _wait_until_loaded(page, image):
    """The image has arrived and decoded: a broken or blocked one has naturalWidth 0."""
    image.scroll_into_view_if_needed()  # lazy images load only near the viewport
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def _open_filters(page):
    """On a phone the filters other than search, category and product type fold behind one button."""
    unfold(page, page.get_by_test_id("filter-toggle"), page.locator("#more-filters"))
    return page.get_by_test_id("filters")


def _card_titles(page):
    # Right after the page's h1, each card's title is an h2.
    return page.get_by_test_id("results").get_by_test_id("listing-card").get_by_role("heading", level=2)


def test_seller_lists_with_photo_coordinator_approves_visitor_finds_it(page, new_page, tmp_path):
    w = _jombang()
    # Two other public listings, so that the filters have something to leave out: one in another
    # sentra, one of the same IKM that is out of stock but ready in two days.
    ceper = factories.make_sentra(slug="ceper", name="Sentra Ceper", regency="Kabupaten Klaten", province="Jawa Tengah")
    ceper_ikm = factories.make_ikm(ceper, name="UD Batako Klaten")
    factories.make_schedule(ceper, w.product_type, reference=85_000, floor=50_000, ceiling=150_000)
    factories.make_listing(ceper_ikm, w.product_type, title="Paving Klaten siap kirim", lead_time_days=2)
    factories.make_listing(w.ikm, w.product_type, title="Paving kotak abu habis", stock=Decimal("0"), lead_time_days=2)
    db.session.commit()
    photo = tmp_path / "paving-hexagon.jpg"
    photo.write_bytes(image_bytes())

    # The seller lists the product, with a photo, and sends it for review.
    sign_in(page, w.seller.email, factories.PASSWORD)
    # A seller lands on their listings.
    expect(page).to_have_url(re.compile(r"/seller/listings$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Listing saya")
    expect(page.get_by_test_id("seller-listing")).to_have_count(1)
    assert_fits_phone(page)

    page.get_by_role("link", name="Listing baru").click()
    expect(page).to_have_url(re.compile(r"/seller/listings/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Listing baru")
    form = page.get_by_test_id("listing-form")
    assert_fits_phone(page)
    form.locator("select[name=product_type_id]").select_option(label="Paving block K-300 6 cm (m²)")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill("\n".join(DESCRIPTION_LINES))
    form.locator("input[name=price_idr]").fill("85000")
    form.locator("input[name=stock]").fill("500")
    form.locator("input[name=min_order]").fill("10")
    form.locator("input[name=order_multiple]").fill("5")
    form.locator("input[name=lead_time_days]").fill("4")
    form.locator("input[name=capacity_per_month]").fill("3000")
    form.locator("input[name=photos]").set_input_files(str(photo))
    form.get_by_role("button", name="Simpan dan kirim untuk ditinjau").click()

    expect(page).to_have_url(re.compile(r"/seller/listings/\d+/edit$"))
    listing_id = int(re.search(r"/seller/listings/(\d+)/edit", page.url).group(1))
    expect(page.get_by_role("alert")).to_contain_text("Listing telah dikirim ke koordinator untuk ditinjau.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_test_id("listing-status")).to_have_text("Menunggu peninjauan")
    photos = page.get_by_test_id("photos")
    expect(photos.locator("img")).to_have_count(1)
    _wait_until_loaded(page, photos.locator("img"))
    expect(photos.get_by_test_id("cover-badge")).to_have_text("Sampul")
    # Waiting for review: it cannot be sent again, and what was typed was kept.
    form = page.get_by_test_id("listing-form")
    expect(form.get_by_role("button", name="Simpan dan kirim untuk ditinjau")).to_have_count(0)
    expect(form.locator("input[name=price_idr]")).to_have_value("85000")
    expect(form.locator("input[name=lead_time_days]")).to_have_value("4")
    # Quantities read as Indonesians read numbers: 500, not 500.000 (five hundred thousand).
    expect(form.locator("input[name=stock]")).to_have_value("500")
    assert_fits_phone(page)
    assert _status_of(listing_id) == "pending_review"
    assert [m.subject for m in mail_to(w.coordinator.email)] == [f"Listing menunggu peninjauan: {TITLE}"]
    sign_out(page)

    # Not approved yet: nobody finds it.
    page.goto("/products?q=hexagon")
    expect(page.get_by_test_id("empty-state")).to_have_text(
        "Tidak ada produk yang cocok. Coba kurangi filter atau gunakan kata lain."
    )
    expect(page.get_by_test_id("result-count")).to_have_text("0 produk ditemukan")

    # The coordinator reviews it from the queue and approves it.
    sign_in(page, w.coordinator.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/coordinator/$"))
    page.get_by_role("link", name="Listing untuk ditinjau").click()
    expect(page).to_have_url(re.compile(r"/coordinator/listings$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Listing sentra Anda")
    row = page.get_by_test_id("queue-row").filter(has_text=TITLE)
    expect(row).to_contain_text("Menunggu peninjauan")
    expect(row).to_contain_text("UD Paving Sumobito")
    expect(row).to_contain_text("Rp 85.000")
    assert_fits_phone(page)
    row.click()
    expect(page).to_have_url(re.compile(rf"/coordinator/listings/{listing_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    _wait_until_loaded(page, page.get_by_role("img", name="Foto 1"))
    expect(page.locator("main")).to_contain_text(DESCRIPTION_LINES[1])
    assert_fits_phone(page)
    page.get_by_test_id("moderation-form").get_by_role("button", name="Setujui").click()
    expect(page).to_have_url(re.compile(r"/coordinator/listings$"))
    expect(page.get_by_role("alert")).to_contain_text("Keputusan disimpan; IKM telah diberi tahu lewat email.")
    expect(page.get_by_test_id("empty-state")).to_have_text("Tidak ada yang perlu ditinjau.")
    assert _status_of(listing_id) == "active"
    assert [m.subject for m in mail_to(w.seller.email)] == [f"Listing Anda sudah tayang: {TITLE}"]
    sign_out(page)

    # A visitor searches from the home page and finds it.
    visitor = new_page()
    visitor.goto("/")
    expect(visitor.get_by_test_id("newest").get_by_test_id("listing-card").filter(has_text=TITLE)).to_have_count(1)
    assert_fits_phone(visitor)
    search = visitor.get_by_role("search")
    search.locator("input[name=q]").fill("hexagon")
    search.get_by_role("button", name="Cari").click()
    expect(visitor).to_have_url(re.compile(r"/products\?q=hexagon$"))
    expect(visitor.get_by_test_id("result-count")).to_have_text("1 produk ditemukan")
    expect(_card_titles(visitor)).to_have_text([TITLE])
    card = visitor.get_by_test_id("listing-card").filter(has_text=TITLE)
    expect(card).to_contain_text("Rp 85.000")
    expect(card).to_contain_text("UD Paving Sumobito")
    assert_fits_phone(visitor)

    _wait_until_loaded(visitor, card.get_by_role("img", name=TITLE))
    card.get_by_role("heading", level=2).get_by_role("link", name=TITLE).click()
    expect(visitor).to_have_url(re.compile(rf"/listings/{listing_id}$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.get_by_test_id("not-public")).to_have_count(0)
    expect(visitor.get_by_test_id("price")).to_contain_text("Rp 85.000")
    expect(visitor.get_by_test_id("price")).to_contain_text("m²")
    description = visitor.get_by_test_id("description")
    assert description.inner_text().splitlines() == list(DESCRIPTION_LINES)
    expect(visitor.locator("main")).to_contain_text("SNI 03-0691-1996")
    _wait_until_loaded(visitor, visitor.get_by_test_id("cover-photo"))
    assert_fits_phone(visitor)

    visitor.get_by_role("link", name="UD Paving Sumobito").click()
    expect(visitor).to_have_url(re.compile(rf"/ikm/{w.ikm.id}$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("UD Paving Sumobito")
    expect(visitor.get_by_test_id("listing-card").filter(has_text=TITLE)).to_have_count(1)
    assert_fits_phone(visitor)

    # The filters: sentra, in stock and lead time.
    visitor.goto("/products")
    expect(visitor.get_by_test_id("result-count")).to_have_text("3 produk ditemukan")
    filters = _open_filters(visitor)
    filters.locator("select[name=sentra]").select_option(label="Sentra Slag Aluminium Jombang")
    filters.get_by_label("Stok tersedia").check()
    filters.locator("input[name=max_lead]").fill("5")
    filters.get_by_role("button", name="Tampilkan").click()
    expect(visitor).to_have_url(re.compile(r"^(?=.*[?&]sentra=jombang&)(?=.*[?&]in_stock=y)(?=.*[?&]max_lead=5&)"))
    expect(visitor.get_by_test_id("result-count")).to_have_text("1 produk ditemukan")
    expect(_card_titles(visitor)).to_have_text([TITLE])
    # The filters keep what was chosen, and the folded ones are counted on their button.
    expect(visitor.get_by_test_id("filter-count")).to_have_text("3")
    filters = _open_filters(visitor)
    expect(filters.locator("select[name=sentra]")).to_have_value("jombang")
    expect(filters.get_by_label("Stok tersedia")).to_be_checked()
    expect(filters.locator("input[name=max_lead]")).to_have_value("5")
    assert_fits_phone(visitor)

    filters.locator("input[name=max_lead]").fill("3")
    filters.get_by_role("button", name="Tampilkan").click()
    expect(visitor).to_have_url(re.compile(r"[?&]max_lead=3&"))
    expect(visitor.get_by_test_id("empty-state")).to_have_text(
        "Tidak ada produk yang cocok. Coba kurangi filter atau gunakan kata lain."
    )
    expect(visitor.get_by_test_id("results")).to_have_count(0)
    assert_fits_phone(visitor)


def test_search_and_filters_in_english(page):
    w = _jombang()
    bricks = factories.make_category(slug="bata-ringan", name="Bata ringan", name_en="Lightweight bricks")
    brick_type = factories.make_product_type(bricks, slug="bata-ringan-10cm", name="Bata ringan 60x20x10")
    factories.make_schedule(w.sentra, brick_type, reference=9_500, floor=9_000, ceiling=10_000)
    # The dearer one first: by relevance (a tie) or by age it would come first, by price it comes last.
    factories.make_listing(w.ikm, w.product_type, title="Paving segi enam abu", price_idr=92_000)
    factories.make_listing(w.ikm, w.product_type, title="Paving kotak merah", price_idr=78_000)
    factories.make_listing(w.ikm, brick_type, title="Bata ringan putih", price_idr=9_500)
    db.session.commit()

    page.goto("/")
    switch_language(page, "en")
    assert_fits_phone(page)
    # "blocks" is only in the category's English name ("Paving block" in Indonesian).
    search = page.get_by_role("search")
    search.locator("input[name=q]").fill("blocks")
    search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/products\?q=blocks$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Products")
    expect(page.get_by_test_id("result-count")).to_have_text("2 products found")
    expect(_card_titles(page)).to_have_count(2)
    expect(page.get_by_test_id("results")).not_to_contain_text("Bata ringan putih")
    assert_fits_phone(page)

    filters = _open_filters(page)
    expect(filters.locator("input[name=q]")).to_have_value("blocks")
    filters.locator("select[name=sort]").select_option(label="Price: low to high")
    filters.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"sort=price_asc"))
    expect(_card_titles(page)).to_have_text(["Paving kotak merah", "Paving segi enam abu"])
    cards = page.get_by_test_id("listing-card")
    expect(cards.nth(0)).to_contain_text("Rp 78,000")
    expect(cards.nth(1)).to_contain_text("Rp 92,000")
    expect(page.get_by_test_id("filters").locator("select[name=sort]")).to_have_value("price_asc")

    _open_filters(page).locator("select[name=sort]").select_option(label="Price: high to low")
    page.get_by_test_id("filters").get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"sort=price_desc"))
    expect(_card_titles(page)).to_have_text(["Paving segi enam abu", "Paving kotak merah"])
    assert_fits_phone(page)

    # Quotes and SQL in the search box are words like any other: a page, no error, nothing found.
    filters = page.get_by_test_id("filters")
    filters.locator("input[name=q]").fill("\"' OR 1=1 --")
    filters.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"q=%22%27"))
    expect(page.get_by_test_id("empty-state")).to_have_text("No products match. Try fewer filters or other words.")
    expect(page.get_by_test_id("result-count")).to_have_text("0 products found")
    expect(page.get_by_test_id("filters").locator("input[name=q]")).to_have_value("\"' OR 1=1 --")
    expect(page.get_by_test_id("filter-errors")).to_have_count(0)
    assert_fits_phone(page)


def test_coordinator_rejects_listing_with_reason_and_seller_sees_it(page):
    w = _jombang(locale="en")
    listing = factories.make_listing(
        w.ikm, w.product_type, title="Paving hexagon merah K-300", status="pending_review", price_idr=85_000
    )
    db.session.commit()
    reason = "The photo shows batako, not paving; upload a photo of the paving itself."

    page.goto("/")
    switch_language(page, "en")
    sign_in(page, w.coordinator.email, factories.PASSWORD, button="Sign in")
    expect(page).to_have_url(re.compile(r"/coordinator/$"))
    page.goto("/coordinator/listings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Listings of your sentra")
    row = page.get_by_test_id("queue-row").filter(has_text=listing.title)
    expect(row).to_contain_text("Waiting for review")
    assert_fits_phone(page)
    row.click()
    expect(page).to_have_url(re.compile(rf"/coordinator/listings/{listing.id}$"))
    decision = page.get_by_test_id("moderation-form")

    # Rejecting needs a reason: without one the listing stays in the queue.
    decision.get_by_role("button", name="Reject").click()
    expect(field_errors(page, "reason")).to_have_text("Give a reason of at least 5 characters.")
    expect(page.get_by_test_id("listing-status")).to_have_text("Waiting for review")
    assert _status_of(listing.id) == "pending_review"
    assert_fits_phone(page)

    decision = page.get_by_test_id("moderation-form")
    decision.locator("textarea[name=reason]").fill(reason)
    decision.get_by_role("button", name="Reject").click()
    expect(page).to_have_url(re.compile(r"/coordinator/listings$"))
    expect(page.get_by_role("alert")).to_contain_text("Decision saved; the IKM has been emailed.")
    expect(page.get_by_test_id("empty-state")).to_have_text("Nothing to review.")
    page.get_by_role("link", name="Rejected").click()
    expect(page.get_by_test_id("queue-row").filter(has_text=listing.title)).to_contain_text("Rejected")
    assert _status_of(listing.id) == "rejected"
    sign_out(page, button="Sign out")

    # The IKM is told by mail, with the reason and a link to the listing.
    for address in (w.seller.email, w.ikm.email):
        (message,) = mail_to(address)
        assert message.subject == f"Your listing was not approved: {listing.title}"
        assert f"Reason: {reason}" in message.body_text
        assert f"/seller/listings/{listing.id}/edit" in message.body_text

    # The seller reads the reason in the list and on the listing.
    sign_in(page, w.seller.email, factories.PASSWORD, button="Sign in")
    page.get_by_role("link", name="My listings").click()
    item = page.get_by_test_id("seller-listing").filter(has_text=listing.title)
    expect(item.get_by_test_id("listing-status")).to_have_text("Rejected")
    expect(item).to_contain_text(f"Reason: {reason}")
    assert_fits_phone(page)
    item.get_by_role("link", name=listing.title).click()
    expect(page).to_have_url(re.compile(rf"/seller/listings/{listing.id}/edit$"))
    expect(page.get_by_test_id("listing-status")).to_have_text("Rejected")
    expect(page.get_by_text(f"Reason: {reason}")).to_be_visible()
    # A rejected listing can be changed and sent again.
    expect(page.get_by_test_id("listing-form").get_by_role("button", name="Save and send for review")).to_be_visible()
    assert_fits_phone(page)


def test_seller_pauses_and_archives_with_confirmation(page, new_page):
    w = _jombang()
    listing = factories.make_listing(w.ikm, w.product_type, title="Paving hexagon merah K-300")
    db.session.commit()

    visitor = new_page()
    visitor.goto("/products")
    expect(_card_titles(visitor)).to_have_text([listing.title])

    sign_in(page, w.seller.email, factories.PASSWORD)
    page.goto("/seller/listings")
    item = page.get_by_test_id("seller-listing").filter(has_text=listing.title)
    expect(item.get_by_test_id("listing-status")).to_have_text("Aktif")
    item.get_by_role("link", name=listing.title).click()
    expect(page).to_have_url(re.compile(rf"/seller/listings/{listing.id}/edit$"))
    expect(page.get_by_test_id("listing-status")).to_have_text("Aktif")
    assert_fits_phone(page)

    # Pausing needs no confirmation, and hides the listing from buyers.
    page.get_by_role("button", name="Jeda", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Status listing: Dijeda.")
    expect(page).to_have_url(re.compile(rf"/seller/listings/{listing.id}/edit$"))
    expect(page.get_by_test_id("listing-status")).to_have_text("Dijeda")
    expect(page.get_by_role("button", name="Lanjutkan")).to_be_visible()
    assert _status_of(listing.id) == "paused"
    assert_fits_phone(page)
    visitor.goto("/products")
    expect(visitor.get_by_test_id("empty-state")).to_be_visible()

    # Archiving asks first (the page fixture accepts the dialog).
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.get_by_role("button", name="Arsipkan").click()
    expect(page.get_by_role("alert")).to_contain_text("Status listing: Diarsipkan.")
    assert dialogs == ["Arsipkan listing ini? Setelah itu listing tidak dapat diubah atau dijual."]
    expect(page.get_by_test_id("listing-status")).to_have_text("Diarsipkan")
    # An archived listing can no longer be edited, resumed or archived again.
    expect(page.get_by_test_id("listing-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Lanjutkan")).to_have_count(0)
    expect(page.get_by_role("button", name="Arsipkan")).to_have_count(0)
    assert _status_of(listing.id) == "archived"
    assert_fits_phone(page)

    page.get_by_role("link", name="Listing saya", exact=True).click()
    expect(page).to_have_url(re.compile(r"/seller/listings$"))
    expect(page.get_by_test_id("empty-state")).to_have_text("Belum ada listing di sini.")
    page.get_by_role("link", name="Diarsipkan").click()
    expect(page.get_by_test_id("seller-listing").filter(has_text=listing.title)).to_have_count(1)
    assert_fits_phone(page)

    visitor.goto("/products")
    expect(visitor.get_by_test_id("empty-state")).to_be_visible()
    expect(visitor.get_by_test_id("result-count")).to_have_text("0 produk ditemukan")
    assert visitor.request.get(f"/listings/{listing.id}").status == 404
