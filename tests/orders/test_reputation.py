"""An IKM's reviews on its pages: the average and the number of reviews on its profile and beside it on its listings,
the latest reviews on its profile, through the catalog's port (catalog/reputation.py) that orders fills in."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.catalog import views as catalog_views
from marketplace.catalog.reputation import reputation
from marketplace.orders import services
from tests import factories
from tests.conftest import login
from tests.helpers import QueryCounter


def review(db, w, rating, comment="", buyer=None, listing=None, seller=None, at=None):
    """A completed order of `buyer` from the world's IKM (or `listing`), reviewed through the service."""
    buyer = buyer or w.buyer
    order = factories.make_order(buyer, listing or w.active_listing, 10, status="completed", seller=seller or w.seller)
    made = services.review_order(buyer, order, rating, comment)
    if at is not None:
        made.created_at = at
    db.session.commit()
    return made


def another_buyer(db, name):
    user = factories.make_user("buyer", organization=factories.make_buyer_org(name=name))
    db.session.commit()
    return user


def page_of(client, url, lang="id"):
    response = client.get(f"{url}?lang={lang}", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text_of(page, name, tag="[a-z]+"):
    found = re.search(rf'<({tag})[^>]*data-testid="{name}"[^>]*>(.*?)</\1>', page, re.S)
    return " ".join(found.group(2).split()) if found else None


def profile(w):
    return f"/ikm/{w.ikm.id}"


def listing_page(w):
    return f"/listings/{w.active_listing.id}"


# --- the summary -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "average"),
    [([4, 5], "4.5"), ([5, 5, 4], "4.7"), ([5, 4, 4, 4], "4.3"), ([3, 3, 4], "3.3"), ([2], "2.0")],
)
def test_the_average_is_rounded_half_up_to_one_decimal(db, catalog_world, ratings, average):
    w = catalog_world
    for rating in ratings:
        review(db, w, rating)
    assert reputation().summary_for(w.ikm.id) == (Decimal(average), len(ratings))


def test_the_summary_is_one_aggregate_query(db, catalog_world):
    w = catalog_world
    for rating in (3, 4, 5):
        review(db, w, rating)
    ikm_id = w.ikm.id
    with QueryCounter() as counter:
        reputation().summary_for(ikm_id)
    assert counter.count == 1


def test_an_ikm_without_reviews_has_no_average(db, catalog_world):
    assert reputation().summary_for(catalog_world.ikm.id) == (None, 0)


# --- the IKM's profile -------------------------------------------------------------------------------------------


def test_the_profile_shows_the_average_and_the_count_in_both_languages(client, db, catalog_world):
    w = catalog_world
    review(db, w, 4)
    review(db, w, 5, buyer=w.other_buyer)
    indonesian = page_of(client, profile(w), "id")
    assert text_of(indonesian, "rating-average").startswith("4,5 ")
    assert text_of(indonesian, "rating-count").startswith("2 ")
    english = page_of(client, profile(w), "en")
    assert text_of(english, "rating-average") == "4.5 out of 5"
    assert text_of(english, "rating-count") == "2 reviews"
    assert 'data-testid="no-reviews"' not in english


def test_the_profile_lists_each_review_with_stars_in_words_the_buyer_and_the_day_in_wib(client, db, catalog_world):
    w = catalog_world
    # 18:30 UTC is 01:30 the next morning in Jombang.
    review(db, w, 4, "Rapi dan tepat waktu.", at=datetime(2026, 5, 3, 18, 30, tzinfo=UTC))
    page = page_of(client, profile(w), "en")
    (item,) = re.findall(r'<li[^>]*data-testid="review">(.*?)</li>', page, re.S)
    assert ">★★★★☆<" in item
    assert '<span class="visually-hidden">4 out of 5 stars</span>' in item
    assert "PT Satu" in item
    assert "4 May 2026" in item
    assert "Rapi dan tepat waktu." in item
    assert "4 Mei 2026" in page_of(client, profile(w), "id")


def test_a_comment_is_shown_as_text_never_as_html(client, db, catalog_world):
    w = catalog_world
    review(db, w, 1, "<script>alert(1)</script> <b>buruk</b>")
    for page in (page_of(client, profile(w), "id"), page_of(client, profile(w), "en")):
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;buruk&lt;/b&gt;" in text_of(
            page, "review-comment", "div"
        )
        assert "<script>alert(1)" not in page and "<b>buruk" not in page


def test_the_newest_reviews_come_first_and_a_long_list_says_how_many_are_shown(client, db, catalog_world, monkeypatch):
    w = catalog_world
    monkeypatch.setattr(catalog_views, "LATEST_REVIEWS", 2)
    start = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
    review(db, w, 3, "pertama", at=start)
    review(db, w, 4, "kedua", at=start + timedelta(days=1))
    review(db, w, 5, "ketiga", at=start + timedelta(days=2))
    page = page_of(client, profile(w), "en")
    assert re.findall(r'data-testid="review-comment">(.*?)</div>', page) == ["ketiga", "kedua"]
    assert text_of(page, "reviews-shown") == "The latest 2 of 3 reviews."
    assert text_of(page, "rating-count") == "3 reviews"


def test_all_reviews_shown_need_no_note(client, db, catalog_world):
    w = catalog_world
    review(db, w, 5)
    page = page_of(client, profile(w), "en")
    assert page.count('data-testid="review"') == 1
    assert text_of(page, "rating-count") == "1 review"
    assert 'data-testid="reviews-shown"' not in page


def test_an_ikm_without_reviews_says_so(client, db, catalog_world):
    w = catalog_world
    english = page_of(client, profile(w), "en")
    assert text_of(english, "no-reviews") == "No reviews yet"
    assert 'data-testid="rating-summary"' not in english and 'data-testid="reviews"' not in english
    indonesian = page_of(client, profile(w), "id")
    assert english.count('data-testid="no-reviews"') == indonesian.count('data-testid="no-reviews"') == 1


def test_reviews_of_another_ikm_are_not_shown(client, db, catalog_world):
    w = catalog_world
    neighbour = factories.make_ikm(w.jombang, name="UD Kedua")
    seller = factories.make_user("seller", organization=neighbour)
    listing = factories.make_listing(neighbour, w.product_type)
    db.session.commit()
    review(db, w, 1, "tidak untuk UD Approved", listing=listing, seller=seller)
    page = page_of(client, profile(w), "en")
    assert text_of(page, "no-reviews") == "No reviews yet"
    assert "tidak untuk UD Approved" not in page
    assert text_of(page_of(client, f"/ikm/{neighbour.id}", "en"), "rating-average") == "1.0 out of 5"


# --- beside the IKM on its listing --------------------------------------------------------------------------------


def test_the_listing_page_shows_the_ikms_average_and_count_linking_to_the_reviews(client, db, catalog_world):
    w = catalog_world
    review(db, w, 5)
    review(db, w, 4)
    review(db, w, 4, buyer=w.other_buyer)
    indonesian = page_of(client, listing_page(w), "id")
    assert text_of(indonesian, "rating-average").startswith("4,3 ")
    english = page_of(client, listing_page(w), "en")
    assert text_of(english, "rating-average") == "4.3 out of 5"
    assert f'<a href="/ikm/{w.ikm.id}#reviews" data-testid="rating-count">3 reviews</a>' in english
    # Only the summary: the reviews themselves are on the profile.
    assert 'data-testid="review"' not in english


def test_the_listing_page_of_an_ikm_without_reviews_says_so(client, db, catalog_world):
    w = catalog_world
    page = page_of(client, listing_page(w), "en")
    assert text_of(page, "no-reviews") == "No reviews yet"
    assert 'data-testid="rating-summary"' not in page


# --- queries -----------------------------------------------------------------------------------------------------


def queries_for(client, url):
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("who", [None, "buyer"])
@pytest.mark.parametrize("page", [profile, listing_page])
def test_the_pages_cost_the_same_queries_with_1_or_5_reviews(client, db, catalog_world, who, page):
    w = catalog_world
    if who:
        login(client, getattr(w, who))
    review(db, w, 5, "satu")
    one = queries_for(client, page(w))
    for n in range(4):
        review(db, w, 3 + n % 3, f"ulasan {n}", buyer=another_buyer(db, f"PT Pembeli Ulasan {n}"))
    five = queries_for(client, page(w))
    assert five == one
