"""Links that choose the language (?lang=), the browser's Accept-Language, and the alternates in every page's head."""

import re
from urllib.parse import quote

import pytest

from tests.conftest import login
from tests.helpers import table_counts


def _lang_of(page):
    return re.search(r'<html lang="(\w+)"', page).group(1)


def test_a_link_with_lang_redirects_to_the_same_page_without_it_and_the_next_page_is_english(client, world):
    response = client.get("/?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert _lang_of(page) == "en"
    assert "Sign in" in page


def test_the_redirect_keeps_the_other_parameters_in_their_order(client, world):
    assert client.get("/products?q=paving&lang=en").headers["Location"] == "/products?q=paving"
    response = client.get("/products?sort=price_asc&lang=id&q=bata+ringan&q=%C3%A9&page=2")
    assert response.headers["Location"] == "/products?sort=price_asc&q=bata+ringan&q=%C3%A9&page=2"


def test_a_link_with_lang_works_on_a_page_that_asks_to_sign_in(client, world):
    response = client.get("/account/profile?lang=en")
    assert response.headers["Location"] == "/account/profile"
    response = client.get("/account/profile")
    assert response.headers["Location"].startswith("/login")
    assert _lang_of(client.get(response.headers["Location"]).get_data(as_text=True)) == "en"


@pytest.mark.parametrize("junk", ["fr", "", "EN", "<script>", "x" * 5000, "en&lang=id"])
def test_an_unknown_lang_value_is_dropped_without_an_error(client, world, junk):
    response = client.get(f"/products?q=paving&lang={quote(junk)}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/products?q=paving"
    assert _lang_of(client.get("/products?q=paving").get_data(as_text=True)) == "id"


def test_a_link_with_lang_writes_nothing_for_a_signed_in_user_and_wins_for_this_session(client, world, db):
    login(client, world.seller)
    before = table_counts()
    client.get("/account/profile?lang=en")
    assert table_counts() == before
    db.session.refresh(world.seller)
    assert world.seller.locale == "id"  # the saved language is unchanged: a GET writes nothing
    assert _lang_of(client.get("/account/profile").get_data(as_text=True)) == "en"
    # Another session of the same user still gets the saved language.
    other = client.application.test_client()
    login(other, world.seller)
    assert _lang_of(other.get("/account/profile").get_data(as_text=True)) == "id"


def test_saving_the_profile_language_outranks_an_earlier_choice_of_the_session(client, world):
    login(client, world.buyer)
    client.get("/?lang=en")
    client.post("/account/profile", data={"full_name": "Budi", "phone": "", "locale": "id"})
    assert _lang_of(client.get("/account/profile").get_data(as_text=True)) == "id"


def test_accept_language_gives_english_to_a_new_visitor(client, world):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,id;q=0.5"}).get_data(as_text=True)
    assert _lang_of(page) == "en"
    assert "Sign in" in page


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US", "en"),
        ("id-ID", "id"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("fr-FR,fr;q=0.9", "id"),
        ("fr, en;q=0.5", "en"),
        ("*", "id"),
        ("", "id"),
        ("?!", "id"),
    ],
)
def test_accept_language_picks_among_our_languages_or_falls_back_to_indonesian(client, world, header, expected):
    assert _lang_of(client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)) == expected


def test_an_explicit_choice_beats_the_browser_header(client, world):
    english = {"Accept-Language": "en"}
    client.get("/?lang=id", headers=english)
    assert _lang_of(client.get("/", headers=english).get_data(as_text=True)) == "id"
    client.post("/language", data={"language": "en"})
    indonesian = {"Accept-Language": "id"}
    assert _lang_of(client.get("/", headers=indonesian).get_data(as_text=True)) == "en"


def test_a_signed_in_users_saved_language_beats_the_browser_header(client, world):
    login(client, world.seller)
    page = client.get("/account/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang_of(page) == "id"


def test_pages_say_they_vary_with_the_browser_language(client, world):
    assert "Accept-Language" in client.get("/").headers["Vary"]


def test_every_page_links_its_other_languages_with_absolute_urls(client, world):
    page = client.get("/products?q=paving&sort=newest").get_data(as_text=True)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', page))
    assert alternates == {
        "id": "http://localhost/products?q=paving&amp;sort=newest&amp;lang=id",
        "en": "http://localhost/products?q=paving&amp;sort=newest&amp;lang=en",
        "x-default": "http://localhost/products?q=paving&amp;sort=newest",
    }


def test_the_alternates_of_a_page_without_parameters(client, world):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" hreflang="en" href="http://localhost/?lang=en">' in page
    assert '<link rel="alternate" hreflang="x-default" href="http://localhost/">' in page


def test_an_alternate_link_leads_to_that_language(client, world):
    page = client.get("/products?q=paving").get_data(as_text=True)
    href = re.search(r'hreflang="en" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = client.get(href)
    assert response.headers["Location"] == "/products?q=paving"
    assert _lang_of(client.get(response.headers["Location"]).get_data(as_text=True)) == "en"


def test_a_post_with_lang_in_its_url_is_not_redirected(client, world):
    response = client.post("/language?lang=en", data={"language": "id"})
    assert response.headers["Location"] == "/"
    assert _lang_of(client.get("/").get_data(as_text=True)) == "id"
