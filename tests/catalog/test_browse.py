"""Browse, filter, sort and search listings; pages cost a fixed number of queries."""

import re
from decimal import Decimal

import pytest

from tests import factories
from tests.accounts.helpers import seller_org_form
from tests.helpers import QueryCounter


def titles(page):
    return re.findall(r'class="stretched-link[^"]*" href="/listings/\d+">([^<]+)</a>', page)


@pytest.fixture
def shop(db, world):
    """Listings across two sentras, categories and prices, with Indonesian and English words."""
    paving = factories.make_category(slug="paving-block", name="Paving block", name_en="Paving blocks")
    bata = factories.make_category(slug="bata-ringan", name="Bata ringan", name_en="Lightweight bricks")
    k300 = factories.make_product_type(
        paving, slug="paving-k300", name="Paving block K-300 6 cm", sni_standard="SNI 03-0691-1996"
    )
    hebel = factories.make_product_type(bata, slug="bata-ringan-60", name="Bata ringan 60x20x10", unit="m3")
    ceper_ikm = factories.make_ikm(world.other_sentra, name="UD Cor Sejahtera", province="Jawa Tengah")
    factories.make_schedule(world.jombang, k300, reference=80_000, floor=60_000, ceiling=100_000)
    factories.make_schedule(world.other_sentra, k300, reference=80_000, floor=60_000, ceiling=100_000)
    factories.make_schedule(world.jombang, hebel, reference=650_000, floor=600_000, ceiling=700_000)
    s = {
        "paving_cheap": factories.make_listing(
            world.ikm, k300, title="Paving hemat abu-abu", price_idr=70_000, lead_time_days=3
        ),
        "paving_red": factories.make_listing(
            world.ikm,
            k300,
            title="Paving merah kuat",
            description="Cocok untuk parkir pabrik",
            price_idr=95_000,
            stock=Decimal("0"),
        ),
        "hebel": factories.make_listing(
            world.ikm,
            hebel,
            title="Bata ringan presisi",
            description="Lightweight and strong",
            price_idr=650_000,
            lead_time_days=14,
        ),
        "ceper": factories.make_listing(
            ceper_ikm, k300, title="Paving cetak tekan", price_idr=80_000, lead_time_days=10
        ),
        "draft": factories.make_listing(world.ikm, k300, title="Paving rahasia draf", status="draft"),
    }
    db.session.commit()
    return s


def get_titles(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return titles(response.get_data(as_text=True))


def test_browse_shows_only_public_listings(client, shop):
    found = get_titles(client, "/products")
    assert set(found) == {"Paving hemat abu-abu", "Paving merah kuat", "Bata ringan presisi", "Paving cetak tekan"}


def test_category_and_product_type_pages(client, shop):
    assert set(get_titles(client, "/products/bata-ringan")) == {"Bata ringan presisi"}
    assert "Bata ringan presisi" not in get_titles(client, "/products/paving-block/paving-k300")
    assert client.get("/products/bata-ringan/paving-k300").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sentra=ceper", {"Paving cetak tekan"}),
        ("province=Jawa+Tengah", {"Paving cetak tekan"}),
        ("price_min=75000&price_max=100000", {"Paving merah kuat", "Paving cetak tekan"}),
        ("in_stock=y", {"Paving hemat abu-abu", "Bata ringan presisi", "Paving cetak tekan"}),
        ("sni=y", {"Paving hemat abu-abu", "Paving merah kuat", "Paving cetak tekan"}),
        ("max_lead=5", {"Paving hemat abu-abu"}),
    ],
)
def test_filters(client, shop, query, expected):
    assert set(get_titles(client, f"/products?{query}")) == expected


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("price_asc", "Paving hemat abu-abu"),
        ("price_desc", "Bata ringan presisi"),
        ("lead_time", "Paving hemat abu-abu"),
    ],
)
def test_sorting(client, shop, sort, first):
    assert get_titles(client, f"/products?sort={sort}")[0] == first


def test_newest_first_by_default(client, db, shop):
    from datetime import timedelta

    from marketplace.core.timeutil import utcnow

    shop["ceper"].created_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert get_titles(client, "/products")[0] == "Paving cetak tekan"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("paving", {"Paving hemat abu-abu", "Paving merah kuat", "Paving cetak tekan"}),
        ("ringan", {"Bata ringan presisi"}),  # Indonesian
        ("lightweight", {"Bata ringan presisi"}),  # English: category name and description
        ("bricks", {"Bata ringan presisi"}),
        ("sejahtera", {"Paving cetak tekan"}),  # the IKM's name
        ("parkir pabrik", {"Paving merah kuat"}),  # every word must match
        ("pav", {"Paving hemat abu-abu", "Paving merah kuat", "Paving cetak tekan"}),  # prefixes
        ("rahasia", set()),  # drafts are never found
    ],
)
def test_search_finds_words_in_both_languages(client, shop, q, expected):
    assert set(get_titles(client, f"/products?q={q}")) == expected


def test_search_ranks_title_matches_first(client, db, shop, world):
    k300 = shop["paving_cheap"].product_type
    factories.make_listing(world.ikm, k300, title="Blok trotoar", description="Bisa untuk parkir dan merah")
    db.session.commit()
    assert get_titles(client, "/products?q=merah")[0] == "Paving merah kuat"


def test_an_ikm_renamed_on_its_profile_is_found_by_its_new_name(client, shop, world, login_as):
    """accounts signals the rename; the catalog reindexes the IKM's listings in the same transaction."""
    login_as("seller")
    response = client.post("/account/organization/edit", data=seller_org_form(world.ikm, name="CV Logam Lestari"))
    assert response.status_code == 302
    client.post("/logout")
    # A new name is checked again: the coordinator approves it before the listings are public.
    login_as("coordinator")
    client.post(f"/coordinator/organizations/{world.ikm.id}/decision", data={"decision": "approve"})
    client.post("/logout")
    renamed = {"Paving hemat abu-abu", "Paving merah kuat", "Bata ringan presisi"}
    assert set(get_titles(client, "/products?q=lestari")) == renamed
    assert get_titles(client, "/products?q=approved") == []


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "'",
        "paving AND OR NOT",
        "pav* OR (",
        "a:b & c | !d <-> e",
        "x" * 10_000,
        "名前 ☃ 😀",
        "'; DROP TABLE listing; --",
        "%_%",
        "NEAR(paving merah)",
        "\x00",
    ],
)
def test_junk_queries_return_a_page(client, shop, q):
    response = client.get("/products", query_string={"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query", ["price_min=abc", "max_lead=-5", "sort=evil", "sentra=nope", "province=Atlantis", "page=-1", "page=abc"]
)
def test_junk_filters_are_ignored_not_fatal(client, shop, query):
    response = client.get(f"/products?{query}")
    assert response.status_code == 200
    assert len(titles(response.get_data(as_text=True))) == 4


def test_pagination_24_per_page_with_an_honest_total(client, db, shop, world):
    k300 = shop["paving_cheap"].product_type
    for i in range(30):
        factories.make_listing(world.ikm, k300, title=f"Paving seri {i:02d}")
    db.session.commit()
    first = client.get("/products").get_data(as_text=True)
    second = client.get("/products?page=2").get_data(as_text=True)
    assert len(titles(first)) == 24 and len(titles(second)) == 10
    assert "34 produk ditemukan" in first
    assert 'href="/products?page=2"' in first


def test_home_shows_categories_newest_and_best_stocked(client, shop):
    page = client.get("/").get_data(as_text=True)
    assert "Bata ringan" in page and "Paving hemat abu-abu" in page
    assert 'data-testid="best-stocked"' in page


def test_listing_page_shows_what_a_buyer_needs(client, shop):
    listing = shop["paving_cheap"]
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    for text in (
        "Rp\u00a070.000",
        "m²",
        "SNI 03-0691-1996",
        listing.organization.name,
        listing.organization.sentra.name,
    ):
        assert text in page
    assert f"/ikm/{listing.organization_id}" in page


def test_ikm_profile_and_sentra_page(client, shop, world):
    profile = client.get(f"/ikm/{world.ikm.id}").get_data(as_text=True)
    assert "Paving hemat abu-abu" in profile and "Paving rahasia draf" not in profile
    sentra = client.get(f"/sentra/{world.jombang.slug}").get_data(as_text=True)
    assert world.ikm.name in sentra and "Paving hemat abu-abu" in sentra
    assert "UD Pending" not in sentra


def _grow(db, world, shop, n):
    k300 = shop["paving_cheap"].product_type
    from marketplace.catalog.models import ListingPhoto

    for i in range(n):
        ikm = factories.make_ikm(world.jombang)
        listing = factories.make_listing(ikm, k300, title=f"Paving volume {i}")
        listing.photos.append(
            ListingPhoto(
                display_key=f"x/{listing.id}.webp", thumb_key=f"y/{listing.id}.webp", width=1, height=1, is_cover=True
            )
        )
    db.session.commit()


@pytest.mark.parametrize("url", ["/products", "/products?q=paving", "/products/paving-block?sort=price_asc", "/"])
def test_list_pages_cost_the_same_queries_for_5_and_50_listings(client, db, shop, world, url):
    _grow(db, world, shop, 1)  # 5 public listings
    with QueryCounter() as few:
        assert client.get(url).status_code == 200
    _grow(db, world, shop, 45)  # 50
    with QueryCounter() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count


def test_listing_page_costs_the_same_queries_whatever_its_photos(client, db, shop):
    from marketplace.catalog.models import ListingPhoto

    listing = shop["paving_cheap"]
    with QueryCounter() as bare:
        client.get(f"/listings/{listing.id}")
    for i in range(8):
        listing.photos.append(ListingPhoto(display_key=f"p/{i}.webp", thumb_key=f"t/{i}.webp", width=1, height=1))
    db.session.commit()
    with QueryCounter() as full:
        client.get(f"/listings/{listing.id}")
    assert full.count == bare.count


def test_counts_of_one_read_singular_in_english(client, db, shop, world):
    kilat = factories.make_listing(
        world.ikm, shop["hebel"].product_type, title="Bata kilat", price_idr=650_000, lead_time_days=1
    )
    db.session.commit()
    client.get("/?lang=en")
    home = client.get("/").get_data(as_text=True)
    assert ">1 approved IKM<" in home and "1 approved IKMs" not in home
    assert ">1 product<" in client.get("/sentra/ceper").get_data(as_text=True)
    found = client.get("/products?q=cetak").get_data(as_text=True)
    assert ">1 product found<" in found and "1 products" not in found
    card = client.get("/products?q=kilat").get_data(as_text=True)
    assert " · 1 day<" in card and "1 days" not in card
    assert " · 3 days<" in client.get("/products?q=hemat").get_data(as_text=True)
    assert ">1 day<" in client.get(f"/listings/{kilat.id}").get_data(as_text=True)
