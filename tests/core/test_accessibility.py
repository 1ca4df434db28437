"""Accessibility and valid HTML (issue 10): errors tied to their fields, unique ids, required selects that work,
headings in order, named table columns, a meta description, and scripts that do not block the page."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Invitation, Organization
from marketplace.catalog.models import Listing, ListingPhoto, ProductType
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from tests import factories
from tests.accounts.test_registration import seller_form
from tests.catalog.test_listings import form as listing_form
from tests.catalog.test_product_types import pt_form
from tests.helpers import table_counts

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_FIELDS = {"input", "select", "textarea"}


class Page(HTMLParser):
    """A page's elements (tag and attributes, in order), with the text of headings, header cells and options."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self._open = []  # elements whose text is being collected
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": ""})

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def all(self, tag):
        return [e for e in self.elements if e["tag"] == tag]

    def by_id(self, element_id):
        return next(e for e in self.elements if e["attrs"].get("id") == element_id)

    def ids(self):
        return Counter(e["attrs"]["id"] for e in self.elements if e["attrs"].get("id") is not None)

    def errors(self):
        return [e for e in self.elements if "invalid-feedback" in (e["attrs"].get("class") or "").split()]

    def described_by(self, element_id):
        """The form fields whose aria-describedby names `element_id`."""
        return [
            e
            for e in self.elements
            if e["tag"] in _FIELDS and element_id in (e["attrs"].get("aria-describedby") or "").split()
        ]

    def options(self, select):
        """The options of a select, in order."""
        following = self.elements[self.elements.index(select) + 1 :]
        options = []
        for element in following:
            if element["tag"] != "option":
                break
            options.append(element)
        return options

    def headings(self):
        return [e for e in self.elements if e["tag"] in {"h1", "h2", "h3", "h4", "h5", "h6"}]


def page_of(response, status=200):
    assert response.status_code == status
    return Page(response.get_data(as_text=True))


def assert_errors_are_tied_to_their_fields(page):
    errors = page.errors()
    assert errors, "the page shows no field error"
    for error in errors:
        error_id = error["attrs"].get("id")
        assert error_id, f"the error {error['text']!r} has no id"
        fields = page.described_by(error_id)
        assert fields, f"no field names the error {error_id} in its aria-describedby"
        assert all(f["attrs"].get("aria-invalid") == "true" for f in fields), error_id
    # Every aria-describedby names elements of the page, and no field is invalid without saying why.
    ids = page.ids()
    for element in page.elements:
        for named in (element["attrs"].get("aria-describedby") or "").split():
            assert ids[named] == 1, f"aria-describedby names {named}, which is not one element of the page"
        if element["attrs"].get("aria-invalid") == "true":
            named = (element["attrs"].get("aria-describedby") or "").split()
            assert any(page.by_id(n) in errors for n in named), f"{element['attrs']} is invalid but names no error"
    assert max(page.ids().values()) == 1


# --- 1. errors tied to their fields ---------------------------------------------------------------------------


def test_a_failed_sign_in_ties_each_error_to_its_field(client, world):
    page = page_of(client.post("/login", data={"email": "bukan-email", "password": ""}))
    assert_errors_are_tied_to_their_fields(page)
    email, password = page.by_id("email"), page.by_id("password")
    assert email["attrs"]["aria-invalid"] == password["attrs"]["aria-invalid"] == "true"
    assert "email-error" in email["attrs"]["aria-describedby"].split()
    assert "password-error" in password["attrs"]["aria-describedby"].split()
    # The untouched checkbox is not invalid.
    assert "aria-invalid" not in page.by_id("remember")["attrs"]


def test_a_failed_seller_registration_ties_each_error_to_its_field_and_keeps_the_help(client, world):
    data = seller_form(world.jombang.id, nib="12", email="x", password="pendek", confirm_password="lain", is_pkp="?")
    page = page_of(client.post("/register/seller", data=data))
    assert_errors_are_tied_to_their_fields(page)
    # The password has both an error and a help text: aria-describedby names the two.
    described = page.by_id("password")["attrs"]["aria-describedby"].split()
    assert described[0] == "password-error" and "password-help" in described
    assert page.by_id("password-help")["text"].strip()
    # A radio group's error is named by each of its radios.
    radios = [e for e in page.all("input") if e["attrs"].get("name") == "is_pkp"]
    assert radios and all("is_pkp-error" in r["attrs"]["aria-describedby"].split() for r in radios)
    # Fields without errors stay valid, and keep only their help text.
    assert "aria-invalid" not in page.by_id("business_name")["attrs"]
    assert page.by_id("nib")["attrs"]["aria-describedby"].split() == ["nib-error", "nib-help"]


def test_a_field_without_errors_names_only_its_help(client, world):
    page = page_of(client.get("/register/seller"))
    assert not page.errors()
    assert page.by_id("password")["attrs"]["aria-describedby"] == "password-help"
    assert not [e for e in page.elements if "aria-invalid" in e["attrs"]]


def test_hand_made_fields_tie_their_errors_too(client, catalog_world, login_as):
    login_as("seller")
    page = page_of(client.post("/seller/listings/new", data=listing_form(catalog_world, title="")))
    assert_errors_are_tied_to_their_fields(page)
    # The browse filters: junk in one is named by the filter, which points at the explanation.
    page = page_of(client.get("/products?price_min=abc&q=" + "x" * 300))
    assert page.by_id("price_min")["attrs"].get("aria-invalid") == "true"
    assert "filter-errors" in page.by_id("price_min")["attrs"]["aria-describedby"].split()
    assert page.by_id("filter-errors")["text"].strip()
    assert "aria-invalid" not in page.by_id("max_lead")["attrs"]


# --- 2. unique ids on pages with several forms ---------------------------------------------------------------


@pytest.fixture
def many_forms(db, catalog_world):
    """A second photo and a waiting price request on the seller's pages, and two staff rows for the admin."""
    w = catalog_world
    w.draft_listing.photos.append(
        ListingPhoto(display_key="listing/aa/e.webp", thumb_key="listing/aa/f.webp", width=1, height=1)
    )
    factories.make_price_request(w.draft_listing, requested_by=w.seller)  # a second one to withdraw
    db.session.commit()
    return w


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("seller", "/seller/listings"),
        ("seller", "/seller/listings/{draft}/edit"),
        ("seller", "/seller/listings/{active}/edit"),
        ("seller", "/seller/price-requests"),
        ("seller", "/account/profile"),
        ("buyer", "/account/members"),
        ("admin", "/admin/staff"),
    ],
)
def test_no_id_occurs_twice_on_pages_with_several_forms(app, client, many_forms, login_as, monkeypatch, who, url):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production: every form renders its token
    w = many_forms
    if who == "buyer":
        # A removed colleague (a "let back in" form besides "remove") and an open invitation.
        factories.make_user("buyer", organization=w.buyer_org, is_owner=False, deactivated_at=utcnow())
        db.session.add(Invitation(organization=w.buyer_org, email="baru@satu.example.com", invited_by=w.buyer))
        db.session.commit()
    login_as(who)
    page = page_of(client.get(url.format(draft=w.draft_listing.id, active=w.active_listing.id)))
    forms = page.all("form")
    # The menu's two forms (language, sign out) and at least two of the page's own.
    assert len(forms) >= 4, f"{url} shows {len(forms)} forms: the test no longer covers several"
    twice = {name: n for name, n in page.ids().items() if n > 1}
    assert twice == {}
    # Every form still carries its CSRF token.
    tokens = [e for e in page.all("input") if e["attrs"].get("name") == "csrf_token"]
    assert len(tokens) == len([f for f in forms if f["attrs"].get("method") == "post"])


# --- 3. required selects whose placeholder is "" --------------------------------------------------------------


SELECTS = {
    "listing": ("seller", "/seller/listings/new", "product_type_id"),
    "registration": (None, "/register/seller", "sentra_id"),
    "product_type": ("admin", "/catalog/product-types/new", "category_id"),
}


def _data(kind, w):
    return {
        "listing": lambda: listing_form(w),
        "registration": lambda: seller_form(w.jombang.id),
        "product_type": lambda: pt_form(w.category),
    }[kind]()


def _stored(kind):
    model = {"listing": Listing, "registration": Organization, "product_type": ProductType}[kind]
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("kind", list(SELECTS))
def test_a_required_select_starts_on_an_empty_placeholder(client, catalog_world, login_as, kind):
    who, url, name = SELECTS[kind]
    if who:
        login_as(who)
    page = page_of(client.get(url))
    select_ = page.by_id(name)
    assert select_["tag"] == "select" and "required" in select_["attrs"]
    first, *others = page.options(select_)
    assert first["attrs"]["value"] == "" and first["text"].strip()
    assert "selected" in first["attrs"]
    # The placeholder is the only empty option.
    assert others and all(o["attrs"]["value"] for o in others)


# Selects whose every option is a real choice always have a value: HTML forbids `required` on them, though a
# validator still requires one. The staff form's optional sentra starts on "—" with the value "".
CHOICE_ONLY_SELECTS = [
    ("buyer", "/account/profile", "locale"),
    ("admin", "/admin/staff/new", "role"),
    ("admin", "/catalog/product-types/new", "unit"),
]


@pytest.mark.parametrize(("who", "url", "name"), CHOICE_ONLY_SELECTS)
def test_a_select_without_a_placeholder_is_not_marked_required(client, catalog_world, login_as, who, url, name):
    login_as(who)
    page = page_of(client.get(url))
    select_ = page.by_id(name)
    assert "required" not in select_["attrs"]
    assert all(option["attrs"]["value"] for option in page.options(select_))


def test_the_staff_forms_optional_sentra_starts_on_an_empty_value(client, catalog_world, login_as):
    login_as("admin")
    page = page_of(client.get("/admin/staff/new"))
    select_ = page.by_id("sentra_id")
    first, *others = page.options(select_)
    assert (first["attrs"]["value"], first["text"].strip()) == ("", "—")
    assert "required" not in select_["attrs"] and others


# Nothing chosen: the field's own "This field is required."; junk or an id not offered: "Choose a … from the list."
REFUSED = [("", "Kolom ini wajib diisi."), ("abc", "dari daftar."), ("0", "dari daftar."), ("1e3", "dari daftar.")]


@pytest.mark.parametrize("kind", list(SELECTS))
@pytest.mark.parametrize(("value", "message"), REFUSED)
def test_a_required_select_refuses_nothing_and_junk_beside_it(client, catalog_world, login_as, kind, value, message):
    who, url, name = SELECTS[kind]
    if who:
        login_as(who)
    data = {**_data(kind, catalog_world), name: value}
    before, stored = table_counts(), _stored(kind)
    page = page_of(client.post(url, data=data))
    error = page.by_id(f"{name}-error")
    assert message in error["text"] and "Not a valid" not in error["text"] and "coerce" not in error["text"]
    assert page.by_id(name)["attrs"]["aria-invalid"] == "true"
    assert _stored(kind) == stored
    assert table_counts() == before
    # No real option is chosen: the browser shows the placeholder again, and can say it is missing.
    first, *others = page.options(page.by_id(name))
    assert first["attrs"]["value"] == "" and not [o for o in others if "selected" in o["attrs"]]


@pytest.mark.parametrize("kind", list(SELECTS))
def test_a_required_select_in_english_says_so_in_english(client, catalog_world, login_as, kind):
    who, url, name = SELECTS[kind]
    if who:
        login_as(who)
    client.post("/language", data={"language": "en"})
    page = page_of(client.post(url, data={**_data(kind, catalog_world), name: ""}))
    assert page.by_id(f"{name}-error")["text"].strip() == "This field is required."


def test_a_valid_choice_still_saves(client, catalog_world, login_as):
    login_as("seller")
    stored = _stored("listing")
    response = client.post("/seller/listings/new", data=listing_form(catalog_world))
    assert response.status_code == 302
    assert _stored("listing") == stored + 1


# --- 4. headings in order --------------------------------------------------------------------------------------


def assert_no_heading_level_is_skipped(page):
    levels = [int(h["tag"][1]) for h in page.headings()]
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"h{before} is followed by h{after}: {levels}"


def test_listing_cards_on_browse_and_search_are_h2_after_the_h1(client, catalog_world):
    for url in ("/products", "/products?q=paving", f"/products/{catalog_world.category.slug}"):
        page = page_of(client.get(url))
        headings = page.headings()
        assert [h["tag"] for h in headings[:2]] == ["h1", "h2"], url
        cards = [h for h in headings if "card-title" in (h["attrs"].get("class") or "")]
        assert cards and all(h["tag"] == "h2" for h in cards), url
        assert "h6" in cards[0]["attrs"]["class"].split()  # the look of before
        assert_no_heading_level_is_skipped(page)


def test_listing_cards_under_a_section_heading_stay_h3(client, catalog_world):
    w = catalog_world
    for url in ("/", f"/sentra/{w.jombang.slug}", f"/ikm/{w.ikm.id}"):
        page = page_of(client.get(url))
        cards = [h for h in page.headings() if "card-title" in (h["attrs"].get("class") or "")]
        assert cards, url
        assert_no_heading_level_is_skipped(page)


# --- 5. table header cells with text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("coordinator", "/coordinator/competition"),
        ("admin", "/admin/staff"),
        ("admin", "/admin/sentras"),
        ("admin", "/catalog/product-types"),
        ("buyer", "/account/members"),
    ],
)
def test_every_table_header_cell_has_a_name(client, catalog_world, login_as, who, url):
    login_as(who)
    page = page_of(client.get(url))
    headers = page.all("th")
    assert headers
    assert all(th["text"].strip() for th in headers), [th["text"] for th in headers]


def test_the_competition_monitors_action_column_is_named_for_screen_readers_only(client, catalog_world, login_as):
    login_as("coordinator")
    page = page_of(client.get("/coordinator/competition"))
    assert page.all("tr")[1]["attrs"].get("data-testid") == "monitor-row"  # the table has rows
    last = page.all("th")[-1]
    hidden = [e for e in page.elements if e["tag"] == "span" and "visually-hidden" in (e["attrs"].get("class") or "")]
    assert any(span["text"].strip() and span["text"] in last["text"] for span in hidden)


# --- 6. meta description ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_home_page_has_a_meta_description(client, world, language):
    client.post("/language", data={"language": language})
    page = page_of(client.get("/"))
    metas = [m for m in page.all("meta") if m["attrs"].get("name") == "description"]
    assert len(metas) == 1
    assert len(metas[0]["attrs"]["content"].strip()) > 30


def test_every_page_has_one_meta_description(client, catalog_world):
    for url in ("/products", "/login", f"/listings/{catalog_world.active_listing.id}"):
        page = page_of(client.get(url))
        metas = [m for m in page.all("meta") if m["attrs"].get("name") == "description"]
        assert len(metas) == 1 and metas[0]["attrs"]["content"].strip(), url


# --- 7. scripts that do not block -------------------------------------------------------------------------------


def test_the_reference_price_charts_load_their_scripts_deferred_and_in_order(client, db, catalog_world):
    w = catalog_world
    factories.make_schedule(w.jombang, w.product_type, floor=80_000, reference=90_000, ceiling=100_000, days_ago=0)
    db.session.commit()
    page = page_of(client.get(f"/sentra/{w.jombang.slug}/harga-acuan"))
    assert [c for c in page.all("canvas") if "data-price-history" in c["attrs"]]
    sources = [s["attrs"].get("src") or "" for s in page.all("script")]
    chart = next(i for i, src in enumerate(sources) if src.endswith("chart.umd.min.js"))
    drawing = next(i for i, src in enumerate(sources) if src.endswith("price-history.js"))
    assert chart < drawing, "price-history.js needs window.Chart: Chart.js must come first"
    scripts = page.all("script")
    assert "defer" in scripts[chart]["attrs"] and "defer" in scripts[drawing]["attrs"]


# --- every page: ids unique, and aria-describedby names elements of the page --------------------------------------


PAGES = [
    (None, "/"),
    (None, "/products"),
    (None, "/products?q=paving&price_min=x&sort=junk"),
    (None, "/listings/{active}"),
    (None, "/sentra/{jombang}"),
    (None, "/sentra/{jombang}/harga-acuan"),
    (None, "/ikm/{ikm}"),
    (None, "/login"),
    (None, "/register/buyer"),
    (None, "/register/seller"),
    (None, "/password/forgot"),
    ("buyer", "/account/profile"),
    ("buyer", "/account/members"),
    ("buyer", "/account/organization"),
    ("buyer", "/account/organization/edit"),
    ("buyer", "/account/password"),
    ("seller", "/seller/listings"),
    ("seller", "/seller/listings/new"),
    ("seller", "/seller/listings/{draft}/edit"),
    ("seller", "/seller/listings/{active}/edit"),
    ("seller", "/seller/listings/{active}/price-request"),
    ("seller", "/seller/price-requests"),
    ("coordinator", "/"),
    ("coordinator", "/coordinator/listings"),
    ("coordinator", "/coordinator/listings/{pending}"),
    ("coordinator", "/coordinator/prices"),
    ("coordinator", "/coordinator/prices/{product_type}/new"),
    ("coordinator", "/coordinator/price-requests"),
    ("coordinator", "/coordinator/price-requests/{neighbour_request}"),
    ("coordinator", "/coordinator/competition"),
    ("coordinator", "/coordinator/organizations/{ikm}/sanctions"),
    ("coordinator", "/coordinator/"),
    ("coordinator", "/coordinator/organizations/{pending_ikm}"),
    ("admin", "/admin/sentras"),
    ("admin", "/admin/sentras/new"),
    ("admin", "/admin/staff"),
    ("admin", "/admin/staff/new"),
    ("admin", "/catalog/product-types"),
    ("admin", "/catalog/product-types/new"),
    ("admin", "/catalog/product-types/{product_type}/edit"),
    ("admin", "/catalog/categories/new"),
]


@pytest.mark.parametrize(("who", "url"), PAGES)
def test_ids_are_unique_and_aria_describedby_names_elements_of_the_page(
    app, client, many_forms, login_as, monkeypatch, who, url
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    w = many_forms
    if who:
        login_as(who)
    url = url.format(
        active=w.active_listing.id,
        draft=w.draft_listing.id,
        pending=w.pending_listing.id,
        jombang=w.jombang.slug,
        ikm=w.ikm.id,
        pending_ikm=w.pending_ikm.id,
        product_type=w.product_type.id,
        neighbour_request=w.neighbour_request.id,
    )
    response = client.get(url)
    assert response.status_code == 200, url
    page = Page(response.get_data(as_text=True))
    ids = page.ids()
    assert {name: n for name, n in ids.items() if n > 1} == {}
    for element in page.elements:
        for attribute in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for named in (element["attrs"].get(attribute) or "").split():
                assert ids[named] == 1, f"{attribute}={named!r} names nothing on {url}"
        if element["tag"] == "label" and element["attrs"].get("for"):
            assert ids[element["attrs"]["for"]] == 1, f"label for={element['attrs']['for']!r} on {url}"
    assert all(th["text"].strip() for th in page.all("th")), url
