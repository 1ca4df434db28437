"""Sanctions: a coordinator warns an IKM in writing; a suspension comes after two warnings in 12 months, or now
with an override and its reason. A suspension hides every listing of the IKM until it is lifted."""

from datetime import timedelta

import pytest

from marketplace.core.models import AuditEntry
from marketplace.core.reasons import ReasonTooShort
from marketplace.core.submissions import new_submission_token
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db as _db
from marketplace.pricing import services
from marketplace.pricing.models import Sanction
from tests import factories
from tests.accounts.helpers import outbox_to
from tests.helpers import table_counts as _table_counts


def table_counts():
    """Rows per table, pending objects included (the helper counts with Core queries, which do not autoflush)."""
    _db.session.flush()
    return _table_counts()


GRADED_REFUSAL = "Penangguhan diberikan setelah dua teguran dalam 12 bulan."


def _url(org):
    return f"/coordinator/organizations/{org.id}/sanctions"


def _give(client, org, kind="warning", reason="Harga di bawah lantai berulang kali", **extra):
    data = {"submission_token": new_submission_token(), "kind": kind, "reason": reason, "product_type_id": ""}
    return client.post(_url(org), data={**data, **extra})


def _warn(w, moment=None, reason="Harga di bawah lantai"):
    return services.give_sanction(w.coordinator, w.ikm, "warning", reason, moment=moment)


def _products(client):
    return client.get("/products").get_data(as_text=True)


def test_a_warning_is_recorded_audited_and_mailed(client, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    response = _give(client, w.ikm, product_type_id=str(w.product_type.id))
    assert response.status_code == 302
    sanction = Sanction.query.filter_by(organization_id=w.ikm.id).one()
    assert (sanction.kind, sanction.reason, sanction.override_reason) == (
        "warning",
        "Harga di bawah lantai berulang kali",
        None,
    )
    assert (sanction.sentra_id, sanction.given_by_id, sanction.product_type_id) == (
        w.jombang.id,
        w.coordinator.id,
        w.product_type.id,
    )
    entry = AuditEntry.query.filter_by(action="sanction.warning", object_type="Sanction", object_id=sanction.id).one()
    assert entry.actor_id == w.coordinator.id and entry.note == sanction.reason
    [mail] = outbox_to(w.ikm.email)
    assert mail.subject == "Teguran tertulis dari koordinator Sentra Jombang"
    assert "Harga di bawah lantai berulang kali" in mail.body_text
    # A warning is only a warning: the IKM keeps selling.
    assert w.ikm.status == "approved"
    assert w.active_listing.title in _products(client)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Kolom ini wajib diisi."),
        ("abcd", "Gunakan 5 sampai 1000 karakter."),
        ("   abcd   ", "Gunakan 5 sampai 1000 karakter."),
    ],
)
@pytest.mark.parametrize("kind", ["warning", "suspension"])
def test_a_sanction_needs_a_reason_of_five_characters(client, catalog_world, login_as, kind, reason, message):
    login_as("coordinator")
    before = table_counts()
    response = _give(client, catalog_world.ikm, kind=kind, reason=reason, override="y", override_reason="Sangat parah")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert table_counts() == before
    assert catalog_world.ikm.status == "approved"


@pytest.mark.parametrize("reason", [None, "", "abcd", "   abcd \n "])
@pytest.mark.parametrize("kind", ["warning", "suspension"])
def test_the_service_also_wants_five_characters_of_reason(db, catalog_world, kind, reason):
    w = catalog_world
    before = table_counts()
    with pytest.raises(ReasonTooShort):
        services.give_sanction(w.coordinator, w.ikm, kind, reason, override_reason="Pemalsuan label SNI")
    assert table_counts() == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, GRADED_REFUSAL),
        # The reason alone is not enough: the box must be checked.
        ({"override_reason": "Pemalsuan label SNI"}, GRADED_REFUSAL),
        ({"override": "y", "override_reason": ""}, "Berikan alasan minimal 5 karakter."),
        ({"override": "y", "override_reason": "abc"}, "Berikan alasan minimal 5 karakter."),
    ],
)
def test_a_suspension_without_two_warnings_needs_the_override_and_its_reason(
    client, catalog_world, login_as, extra, message
):
    w = catalog_world
    login_as("coordinator")
    before = table_counts()
    response = _give(client, w.ikm, kind="suspension", **extra)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert table_counts() == before
    assert w.ikm.status == "approved"
    assert w.active_listing.title in _products(client)


def test_the_service_refuses_a_suspension_without_warnings_or_override(db, catalog_world):
    w = catalog_world
    _warn(w)  # one warning is not two
    before = table_counts()
    with pytest.raises(services.SanctionRefused):
        services.give_sanction(w.coordinator, w.ikm, "suspension", "Pemalsuan label SNI")
    with pytest.raises(services.SanctionRefused):
        services.give_sanction(w.coordinator, w.ikm, "suspension", "Pemalsuan label SNI", override_reason=" abc ")
    assert table_counts() == before and w.ikm.status == "approved"


def test_an_override_suspends_at_once_and_hides_every_listing(client, db, catalog_world, login_as):
    w = catalog_world
    second = factories.make_listing(w.ikm, w.product_type, title="Paving kedua milik IKM")
    neighbour = factories.make_listing(factories.make_ikm(w.jombang), w.product_type, title="Paving tetangga aktif")
    db.session.commit()
    listings = [w.active_listing.title, second.title]
    login_as("coordinator")
    page = _products(client)
    assert all(title in page for title in listings)
    response = _give(client, w.ikm, kind="suspension", override="y", override_reason="Pemalsuan label SNI")
    assert response.status_code == 302
    assert w.ikm.status == "suspended"
    sanction = Sanction.query.filter_by(organization_id=w.ikm.id).one()
    assert (sanction.kind, sanction.override_reason) == ("suspension", "Pemalsuan label SNI")
    entry = AuditEntry.query.filter_by(action="sanction.suspension", object_id=sanction.id).one()
    assert entry.after["override_reason"] == "Pemalsuan label SNI"
    assert AuditEntry.query.filter_by(action="organization.suspend", object_id=w.ikm.id).count() == 1
    assert any("ditangguhkan" in m.subject for m in outbox_to(w.ikm.email))
    page = _products(client)
    assert not any(title in page for title in listings)
    assert neighbour.title in page


def test_after_two_warnings_a_suspension_needs_no_override(client, db, catalog_world, login_as):
    w = catalog_world
    _warn(w, moment=utcnow() - timedelta(days=200))
    _warn(w, moment=utcnow() - timedelta(days=10))
    db.session.commit()
    login_as("coordinator")
    # An override sent anyway is not stored: none was needed.
    response = _give(client, w.ikm, kind="suspension", override="y", override_reason="Tidak perlu sebenarnya")
    assert response.status_code == 302
    suspension = Sanction.query.filter_by(organization_id=w.ikm.id, kind="suspension").one()
    assert suspension.override_reason is None
    assert w.ikm.status == "suspended"
    assert w.active_listing.title not in _products(client)


def test_a_warning_never_stores_an_override_reason(db, catalog_world):
    w = catalog_world
    sanction = services.give_sanction(
        w.coordinator, w.ikm, "warning", "Harga di bawah lantai", override_reason="Tidak berlaku"
    )
    db.session.commit()
    assert sanction.override_reason is None


def test_warnings_older_than_twelve_months_do_not_count(db, catalog_world):
    w = catalog_world
    now = utcnow()
    _warn(w, moment=now - timedelta(days=400))
    _warn(w, moment=now - timedelta(days=366))
    db.session.commit()
    assert services.recent_warnings(w.ikm, now) == 0
    assert services.suspension_needs_override(w.ikm, now)
    with pytest.raises(services.SanctionRefused):
        services.give_sanction(w.coordinator, w.ikm, "suspension", "Pemalsuan label SNI", moment=now)
    _warn(w, moment=now - timedelta(days=364))
    assert services.recent_warnings(w.ikm, now) == 1
    assert services.suspension_needs_override(w.ikm, now)
    _warn(w, moment=now - timedelta(days=1))
    assert services.recent_warnings(w.ikm, now) == 2
    assert not services.suspension_needs_override(w.ikm, now)
    suspension = services.give_sanction(w.coordinator, w.ikm, "suspension", "Pemalsuan label SNI", moment=now)
    assert suspension.override_reason is None and w.ikm.status == "suspended"


def test_the_twelve_months_are_counted_back_from_the_moment(db, catalog_world):
    w = catalog_world
    start = utcnow() - timedelta(days=500)
    _warn(w, moment=start)
    _warn(w, moment=start + timedelta(days=30))
    db.session.commit()
    assert services.recent_warnings(w.ikm, start + timedelta(days=364)) == 2
    assert services.recent_warnings(w.ikm, start + timedelta(days=366)) == 1
    assert services.recent_warnings(w.ikm, start + timedelta(days=396)) == 0


def test_warnings_of_another_ikm_do_not_count(db, catalog_world):
    w = catalog_world
    neighbour = factories.make_ikm(w.jombang)
    for _ in range(2):
        services.give_sanction(w.coordinator, neighbour, "warning", "Harga di bawah lantai")
    db.session.commit()
    assert services.recent_warnings(neighbour) == 2
    assert services.recent_warnings(w.ikm) == 0
    assert services.suspension_needs_override(w.ikm)


@pytest.mark.parametrize("who", ["other_coordinator", "seller", "admin"])
@pytest.mark.parametrize("kind", ["warning", "suspension"])
def test_only_a_coordinator_of_the_ikms_sentra_gives_sanctions(db, catalog_world, who, kind):
    w = catalog_world
    before = table_counts()
    with pytest.raises(services.SanctionRefused):
        services.give_sanction(
            getattr(w, who), w.ikm, kind, "Harga di bawah lantai", override_reason="Pemalsuan label SNI"
        )
    assert table_counts() == before and w.ikm.status == "approved"


def test_a_coordinator_sanctions_only_ikms(db, catalog_world):
    before = table_counts()
    with pytest.raises(services.SanctionRefused):
        services.give_sanction(catalog_world.coordinator, catalog_world.buyer_org, "warning", "Harga di bawah lantai")
    assert table_counts() == before


def test_an_unknown_kind_is_refused(db, catalog_world):
    before = table_counts()
    with pytest.raises(services.SanctionRefused):
        services.give_sanction(catalog_world.coordinator, catalog_world.ikm, "fine", "Harga di bawah lantai")
    assert table_counts() == before


def test_lifting_the_suspension_brings_the_listings_back(client, db, catalog_world, login_as):
    w = catalog_world
    services.give_sanction(w.coordinator, w.ikm, "suspension", "Pemalsuan label SNI", override_reason="Darurat mutu")
    db.session.commit()
    login_as("coordinator")
    assert w.active_listing.title not in _products(client)
    response = client.post(f"/coordinator/organizations/{w.ikm.id}/decision", data={"decision": "reinstate"})
    assert response.status_code == 302
    assert w.ikm.status == "approved"
    assert w.active_listing.title in _products(client)
    # The suspension stays in the history.
    assert Sanction.query.filter_by(organization_id=w.ikm.id, kind="suspension").count() == 1


@pytest.mark.parametrize("status", ["suspended", "pending"])
def test_only_an_approved_ikm_can_be_suspended(db, catalog_world, status):
    w = catalog_world
    org = factories.make_ikm(w.jombang, status=status)
    for _ in range(2):
        services.give_sanction(w.coordinator, org, "warning", "Harga di bawah lantai")
    db.session.commit()
    before = table_counts()
    with pytest.raises(services.SanctionRefused):
        services.give_sanction(w.coordinator, org, "suspension", "Lagi dan lagi", override_reason="Darurat mutu")
    assert table_counts() == before and org.status == status


def test_a_suspended_ikm_gets_no_form_and_no_second_suspension(client, db, catalog_world, login_as):
    w = catalog_world
    services.give_sanction(w.coordinator, w.ikm, "suspension", "Pemalsuan label SNI", override_reason="Darurat mutu")
    db.session.commit()
    login_as("coordinator")
    page = client.get(_url(w.ikm)).get_data(as_text=True)
    assert 'data-testid="sanction-form"' not in page
    assert "IKM ini ditangguhkan" in page
    before = table_counts()
    # A form opened before the suspension and sent after it.
    response = _give(client, w.ikm, kind="suspension", override="y", override_reason="Darurat mutu")
    assert response.status_code == 200
    assert "IKM ini ditangguhkan" in response.get_data(as_text=True)
    assert table_counts() == before and w.ikm.status == "suspended"


def test_the_page_shows_the_history_and_the_warnings_that_count(client, db, catalog_world, login_as):
    w = catalog_world
    now = utcnow()
    _warn(w, moment=now - timedelta(days=400), reason="Teguran lama sekali")
    services.give_sanction(
        w.coordinator,
        w.ikm,
        "warning",
        "Teguran untuk paving",
        product_type=w.product_type,
        moment=now - timedelta(days=5),
    )
    _warn(w, moment=now - timedelta(days=1), reason="Teguran paling baru")
    db.session.commit()
    login_as("coordinator")
    page = client.get(_url(w.ikm)).get_data(as_text=True)
    assert "Teguran tertulis dalam 12 bulan terakhir: 2." in page
    history = page.split('data-testid="sanction-history"', 1)[1]
    assert history.count("<li") == 3
    # Newest first, each with who gave it; the product type when one is named.
    assert history.index("Teguran paling baru") < history.index("Teguran untuk paving") < history.index("Teguran lama")
    assert w.coordinator.full_name in history and w.product_type.name in history
    assert 'data-testid="empty-state"' not in page


def test_the_page_shows_a_suspension_with_its_override(client, db, catalog_world, login_as):
    w = catalog_world
    services.give_sanction(w.coordinator, w.ikm, "suspension", "Pemalsuan label SNI", override_reason="Darurat mutu")
    db.session.commit()
    login_as("coordinator")
    page = client.get(_url(w.ikm)).get_data(as_text=True)
    history = page.split('data-testid="sanction-history"', 1)[1]
    assert "Penangguhan" in history and "Pemalsuan label SNI" in history
    assert "pengecualian: Darurat mutu" in history


def test_the_page_of_an_ikm_without_sanctions(client, catalog_world, login_as):
    login_as("coordinator")
    page = client.get(_url(catalog_world.ikm)).get_data(as_text=True)
    assert "Teguran tertulis dalam 12 bulan terakhir: 0." in page
    assert "Belum ada sanksi." in page and 'data-testid="sanction-history"' not in page
    assert 'data-testid="sanction-form"' in page


def test_the_override_box_is_offered_only_while_needed(client, db, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    for warnings in range(3):
        page = client.get(_url(w.ikm)).get_data(as_text=True)
        assert ('name="override"' in page) is (warnings < 2), warnings
        assert ('name="override_reason"' in page) is (warnings < 2), warnings
        _warn(w)
        db.session.commit()


def test_the_product_type_of_the_monitor_is_preselected(client, catalog_world, login_as):
    w = catalog_world
    login_as("coordinator")
    assert f'<option selected value="{w.product_type.id}">' not in client.get(_url(w.ikm)).get_data(as_text=True)
    page = client.get(f"{_url(w.ikm)}?product_type={w.product_type.id}").get_data(as_text=True)
    assert f'<option selected value="{w.product_type.id}">' in page
