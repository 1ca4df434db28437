"""Double submits create one record: a form that creates something carries a one-time token that its
operation claims; a replay (double click, reload, resend) creates nothing and lands where the first went."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.catalog.models import Listing
from marketplace.core.models import AuditEntry, SubmissionToken
from marketplace.core.submissions import (
    ALREADY_SENT,
    EXPIRED,
    DuplicateSubmission,
    InvalidSubmission,
    claim_submission,
    new_submission_token,
    purge_old_submissions,
    record_submission,
)
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.pricing.models import PriceChangeRequest, PriceSchedule, Sanction
from marketplace.pricing.services import today_wib
from tests.catalog.test_listings import form as listing_form
from tests.conftest import login
from tests.helpers import table_counts
from tests.pricing.test_schedules import schedule_form

_HIDDEN_TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]*)"')


def _sanction_form():
    return {"submission_token": new_submission_token(), "kind": "warning", "reason": "Harga di bawah lantai"}


def _price_request_form():
    return {"submission_token": new_submission_token(), "price_idr": "120000", "reason": "Bahan baku naik 20 %"}


# form name -> (who sends it, its url, a freshly loaded form's data, what it creates, where success goes or None)
FORMS = {
    "schedule": (
        "coordinator",
        lambda w: f"/coordinator/prices/{w.product_type.id}/new",
        lambda w: schedule_form(),
        PriceSchedule,
        lambda w: "/coordinator/prices",
    ),
    "sanction": (
        "coordinator",
        lambda w: f"/coordinator/organizations/{w.ikm.id}/sanctions",
        lambda w: _sanction_form(),
        Sanction,
        lambda w: f"/coordinator/organizations/{w.ikm.id}/sanctions",
    ),
    "price_request": (
        "seller",
        lambda w: f"/seller/listings/{w.draft_listing.id}/price-request",
        lambda w: _price_request_form(),
        PriceChangeRequest,
        lambda w: f"/seller/listings/{w.draft_listing.id}/edit",
    ),
    # Success goes to the new listing's own page: the replay must find the listing the first submit made.
    "new_listing": ("seller", lambda w: "/seller/listings/new", listing_form, Listing, None),
}


def _rows(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _sign_in_in_english(client, world, who):
    user = getattr(world, who)
    user.locale = "en"  # messages as written here, whatever the catalogs hold
    db.session.commit()
    return login(client, user)


# --- claiming a token ------------------------------------------------------------------------------


def test_a_token_is_claimed_once(world):
    token = new_submission_token()
    claim_submission(world.coordinator, token)
    db.session.commit()
    with pytest.raises(DuplicateSubmission):
        claim_submission(world.coordinator, token)


def test_a_second_claim_in_the_same_transaction_is_a_duplicate_too(world):
    token = new_submission_token()
    claim_submission(world.coordinator, token)
    with pytest.raises(DuplicateSubmission):
        claim_submission(world.coordinator, token)


def test_the_same_token_of_two_users_is_two_submits(world):
    token = new_submission_token()
    claim_submission(world.coordinator, token)
    claim_submission(world.seller, token)
    db.session.commit()
    assert _rows(SubmissionToken) == 2


def test_a_rolled_back_operation_gives_its_token_back(world):
    token = new_submission_token()
    claim_submission(world.coordinator, token)
    db.session.rollback()
    assert _rows(SubmissionToken) == 0
    claim_submission(world.coordinator, token)
    db.session.commit()
    assert _rows(SubmissionToken) == 1


def test_a_refused_claim_leaves_the_transaction_usable(world):
    used, fresh = new_submission_token(), new_submission_token()
    claim_submission(world.coordinator, used)
    db.session.commit()
    claim_submission(world.coordinator, fresh)
    with pytest.raises(DuplicateSubmission):
        claim_submission(world.coordinator, used)
    db.session.commit()  # the work done before the refused claim is kept
    tokens = db.session.scalars(select(SubmissionToken.token).where(SubmissionToken.user_id == world.coordinator.id))
    assert set(tokens) == {used, fresh}


def test_a_duplicate_names_what_the_first_submit_made(world):
    token = new_submission_token()
    record_submission(claim_submission(world.seller, token), world.ikm)
    db.session.commit()
    with pytest.raises(DuplicateSubmission) as duplicate:
        claim_submission(world.seller, token)
    assert duplicate.value.made(type(world.ikm)) == world.ikm.id
    assert duplicate.value.made(Listing) is None


@pytest.mark.parametrize("token", [None, "", "short", "x" * 33, "a" * 32 + "\n", "a" * 31 + "!", "ä" * 32, 12345])
def test_a_malformed_token_is_refused(world, token):
    with pytest.raises(InvalidSubmission):
        claim_submission(world.coordinator, token)
    assert _rows(SubmissionToken) == 0


def test_old_tokens_are_purged(app, world):
    ages = {new_submission_token(): timedelta(days=days) for days in (31, 2, 0)}
    for token, age in ages.items():
        claim = claim_submission(world.coordinator, token)
        db.session.execute(update(SubmissionToken).where(SubmissionToken.id == claim).values(created_at=utcnow() - age))
    db.session.commit()
    assert purge_old_submissions(days=30) == 1
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-submissions", "--days", "1"])
    assert "forgot 1 submission tokens" in result.output
    assert list(db.session.scalars(select(SubmissionToken.token))) == list(ages)[2:]


# --- the forms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FORMS))
def test_each_page_load_brings_a_fresh_token(client, catalog_world, name):
    who, url, _, _, _ = FORMS[name]
    _sign_in_in_english(client, catalog_world, who)
    first, second = (_HIDDEN_TOKEN.findall(client.get(url(catalog_world)).get_data(as_text=True)) for _ in range(2))
    assert len(first) == len(second) == 1
    assert len(first[0]) == 32 and first != second


def test_editing_a_listing_needs_no_token(client, catalog_world):
    _sign_in_in_english(client, catalog_world, "seller")
    page = client.get(f"/seller/listings/{catalog_world.draft_listing.id}/edit").get_data(as_text=True)
    assert "submission_token" not in page


@pytest.mark.parametrize("name", list(FORMS))
def test_a_replayed_form_creates_one_record_and_answers_like_the_first(client, catalog_world, name):
    who, url, build, model, success = FORMS[name]
    w = catalog_world
    _sign_in_in_english(client, w, who)
    data = build(w)
    before = _rows(model)

    first = client.post(url(w), data=data)
    after_first = table_counts()
    second = client.post(url(w), data=data)

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    if success is not None:
        assert first.headers["Location"] == success(w)
    assert _rows(model) == before + 1
    assert table_counts() == after_first  # nothing at all of the replay is kept
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert str(ALREADY_SENT) in page


@pytest.mark.parametrize("missing", [True, False], ids=["missing", "malformed"])
@pytest.mark.parametrize("name", list(FORMS))
def test_a_form_without_a_good_token_is_refused_and_creates_nothing(client, catalog_world, name, missing):
    who, url, build, model, _ = FORMS[name]
    w = catalog_world
    _sign_in_in_english(client, w, who)
    data = build(w)
    if missing:
        del data["submission_token"]
    else:
        data["submission_token"] = "../" + data["submission_token"]
    before = table_counts()

    response = client.post(url(w), data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert str(EXPIRED) in page
    assert table_counts() == before
    # The page shown again carries a good token: sending it as it is works.
    [token] = _HIDDEN_TOKEN.findall(page)
    assert client.post(url(w), data={**data, "submission_token": token}).status_code == 302
    assert _rows(model) == before[model.__tablename__] + 1


def test_a_refused_operation_gives_the_token_back_for_the_corrected_form(client, catalog_world):
    """All or nothing: the service refuses after claiming the token, so the corrected form may use it."""
    w = catalog_world
    _sign_in_in_english(client, w, "coordinator")
    url = f"/coordinator/prices/{w.product_type.id}/new"
    # Yesterday: refused by the service after the token is claimed (the form does not know the date of today).
    yesterday = (today_wib() - timedelta(days=1)).isoformat()
    data = schedule_form(effective_from=yesterday, review_on=today_wib().isoformat())
    before = table_counts()

    refused = client.post(url, data=data)

    assert refused.status_code == 200
    assert table_counts() == before
    assert _HIDDEN_TOKEN.findall(refused.get_data(as_text=True)) == [data["submission_token"]]
    corrected = schedule_form(submission_token=data["submission_token"])
    assert client.post(url, data=corrected).status_code == 302
    assert _rows(PriceSchedule) == before["price_schedule"] + 1
    assert client.post(url, data=corrected).status_code == 302
    assert _rows(PriceSchedule) == before["price_schedule"] + 1


# --- at the same moment --------------------------------------------------------------------------------

PARALLEL_SUBMITS = 20


def test_parallel_submits_of_one_schedule_form_create_one_schedule(app, catalog_world):
    w = catalog_world
    w.coordinator.locale = "en"
    db.session.commit()
    clients = [login(app.test_client(), w.coordinator) for _ in range(PARALLEL_SUBMITS)]
    url = f"/coordinator/prices/{w.product_type.id}/new"
    data = schedule_form()
    before = table_counts()
    start = threading.Barrier(PARALLEL_SUBMITS)
    answers = [None] * PARALLEL_SUBMITS

    def submit(i):
        start.wait()
        try:
            response = clients[i].post(url, data=data)
            answers[i] = (response.status_code, response.headers.get("Location"))
        except Exception as error:  # reported below, not lost in the thread
            answers[i] = (repr(error), None)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(PARALLEL_SUBMITS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert answers == [(302, "/coordinator/prices")] * PARALLEL_SUBMITS
    after = table_counts()
    assert after.pop("price_schedule") == before.pop("price_schedule") + 1
    assert after.pop("price_tier") == before.pop("price_tier") + 2
    assert after.pop("audit_entry") == before.pop("audit_entry") + 1
    assert after.pop("submission_token") == before.pop("submission_token") + 1
    assert after == before
    published = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "price_schedule.published")
    assert db.session.scalar(published) == 1
    # One submit published; every other one was told that the form was saved once.
    categories = []
    for client in clients:
        with client.session_transaction() as session:
            categories += [category for category, _ in session.get("_flashes", [])]
    assert sorted(categories) == ["info"] * (PARALLEL_SUBMITS - 1) + ["success"]
