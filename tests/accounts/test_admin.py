"""The admin manages sentras and creates staff accounts, in the UI and on the command line."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Organization, Sentra, User
from tests.accounts.helpers import link_in, outbox_to
from tests.helpers import field_errors

SENTRA = {
    "name": "Sentra IKM Gerabah Kasongan",
    "slug": "gerabah-kasongan",
    "regency": "Kabupaten Bantul",
    "province": "DI Yogyakarta",
    "description": "Gerabah.",
}


def test_admin_creates_and_edits_a_sentra(client, db, world, login_as):
    login_as("admin")
    assert client.post("/admin/sentras/new", data=SENTRA).status_code == 302
    sentra = db.session.scalar(select(Sentra).where(Sentra.slug == "gerabah-kasongan"))
    assert sentra.province == "DI Yogyakarta"
    client.post(f"/admin/sentras/{sentra.id}/edit", data={**SENTRA, "name": "Sentra Kasongan"})
    assert sentra.name == "Sentra Kasongan"
    assert "Sentra Kasongan" in client.get("/admin/sentras").get_data(as_text=True)


def test_sentra_slugs_are_unique(client, world, login_as):
    login_as("admin")
    page = client.post("/admin/sentras/new", data={**SENTRA, "slug": world.jombang.slug}).get_data(as_text=True)
    assert "Nama singkat ini sudah dipakai sentra lain." in page


def test_admin_creates_a_coordinator_who_sets_a_password_by_link(client, db, world, login_as):
    login_as("admin")
    response = client.post(
        "/admin/staff/new",
        data={
            "email": "koor@baru.example.com",
            "full_name": "Koor Baru",
            "role": "coordinator",
            "sentra_id": world.jombang.id,
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "koor@baru.example.com"))
    assert user.sentra_id == world.jombang.id and user.password_hash is None
    link = link_in(outbox_to("koor@baru.example.com")[0], "/password/reset/")
    client.post("/logout")
    client.post(link, data={"password": "koor-sandi-2026", "confirm_password": "koor-sandi-2026"})
    assert user.is_verified
    assert client.post("/login", data={"email": user.email, "password": "koor-sandi-2026"}).status_code == 302
    assert client.get("/coordinator/").status_code == 200


@pytest.mark.parametrize(
    ("sentra_id", "message"), [("", "Pilih sentra koordinator."), ("0", "Pilih sentra dari daftar.")]
)
def test_a_coordinator_needs_a_sentra(client, db, world, login_as, sentra_id, message):
    login_as("admin")
    response = client.post(
        "/admin/staff/new",
        data={"email": "k@example.com", "full_name": "Koor", "role": "coordinator", "sentra_id": sentra_id},
    )
    assert response.status_code == 200
    assert message in field_errors(response.get_data(as_text=True), "sentra_id")
    assert db.session.scalar(select(User).where(User.email == "k@example.com")) is None


def test_an_administrator_needs_no_sentra(client, db, world, login_as):
    login_as("admin")
    response = client.post(
        "/admin/staff/new", data={"email": "a2@example.com", "full_name": "Admin Dua", "role": "admin", "sentra_id": ""}
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "a2@example.com"))
    assert (user.role, user.sentra_id) == ("admin", None)


def test_create_user_command(app, db, world):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "--role", "coordinator", "--sentra", "jombang", "--email", "Cli@Example.com"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "cli@example.com"))
    assert user.role == "coordinator" and user.sentra_id == world.jombang.id
    assert len(outbox_to("cli@example.com")) == 1


def test_create_user_command_refuses_bad_input(app, db, world):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-user", "--role", "coordinator", "--email", "a@example.com"]).exit_code != 0
    assert (
        runner.invoke(
            args=["create-user", "--role", "coordinator", "--sentra", "nope", "--email", "a@example.com"]
        ).exit_code
        != 0
    )
    duplicate = runner.invoke(args=["create-user", "--role", "admin", "--email", world.admin.email])
    assert duplicate.exit_code != 0
    assert db.session.scalar(select(User).where(User.email == "a@example.com")) is None


def test_seed_demo_is_idempotent_and_complete(app, db):
    runner = app.test_cli_runner()
    client = app.test_client()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    counts = (db.session.query(User).count(), db.session.query(Organization).count())
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert (db.session.query(User).count(), db.session.query(Organization).count()) == counts
    jombang = db.session.scalar(select(Sentra).where(Sentra.name == "Sentra IKM Slag Aluminium Jombang"))
    assert jombang.regency == "Kabupaten Jombang" and jombang.province == "Jawa Timur"
    ikms = db.session.scalars(select(Organization).where(Organization.sentra_id == jombang.id)).all()
    assert sum(o.status == "approved" for o in ikms) >= 6 and sum(o.status == "pending" for o in ikms) >= 1
    # Approved IKMs publish a WhatsApp number, so a signed-in buyer of the demo sees one.
    assert all(o.public_phone for o in ikms if o.status == "approved")
    assert db.session.query(Organization).filter_by(kind="buyer").count() == 3
    roles = {u.email: u.role for u in db.session.scalars(select(User))}
    assert roles["admin@pasar.example.com"] == "admin"
    assert roles["koordinator@jombang.example.com"] == "coordinator"
    assert all(roles[f"ikm{i}@jombang.example.com"] == "seller" for i in range(1, 8))
    buyers = [
        db.session.scalar(select(User).where(User.email == e))
        for e in ("pembeli@pabrik.example.com", "pembeli2@pabrik.example.com")
    ]
    assert buyers[0].organization_id != buyers[1].organization_id
    seller7 = db.session.scalar(select(User).where(User.email == "ikm7@jombang.example.com"))
    assert seller7.organization.status == "pending"
    assert runner.invoke(args=["seed-demo", "--if-empty"]).output.startswith("database already has data")
    # The catalog part: the named product types, 2-4 listings per approved IKM with photos, a review queue.
    from marketplace.catalog.models import Listing, ProductType

    units = {pt.slug: pt.unit for pt in db.session.scalars(select(ProductType))}
    assert units["paving-k300-6cm"] == "m2" and units["paving-k225-8cm"] == "m2"
    assert units["bata-ringan-60x20x10"] == "m3" and units["batako-press"] == "pcs"
    assert units["aluminium-ingot-adc12"] == "kg" and units["slag-flux"] == "ton"
    for org in ikms:
        listings = db.session.scalars(select(Listing).where(Listing.organization_id == org.id)).all()
        assert (2 <= len(listings) <= 4) if org.status == "approved" else not listings
        assert all(len(listing.photos) >= 1 for listing in listings)
    assert db.session.query(Listing).filter_by(status="pending_review").count() >= 2
    assert "Paving K-300 abu-abu 6 cm" in client.get("/products?q=paving").get_data(as_text=True)
    # Pricing: every demo product type has a price in force in Jombang, one changes next month.
    from marketplace.pricing import services as pricing

    schedules = pricing.schedules_of_sentra(jombang.id)
    in_force = pricing.in_force_by_product_type(schedules)
    assert set(in_force) == {pt.id for pt in db.session.scalars(select(ProductType))}
    assert {s.mode for s in in_force.values()} == {"band", "fixed"}
    assert any(s.tiers for s in in_force.values())
    assert any(pricing.is_future(s) for s in schedules)
    # A few pending price-change requests from different IKMs, one of them outside the band; one IKM warned.
    from marketplace.pricing.models import PriceChangeRequest, Sanction

    waiting = db.session.scalars(select(PriceChangeRequest).where(PriceChangeRequest.status == "pending")).all()
    assert len(waiting) == 3 and len({r.organization_id for r in waiting}) == 3
    assert any(not r.schedule.allows(r.price_idr) for r in waiting)
    [warning] = db.session.scalars(select(Sanction)).all()
    assert warning.kind == "warning" and warning.organization.name == "UD Batako Karya Bersama"
    # Every live demo listing keeps to the price in force of its sentra.
    for listing in db.session.scalars(select(Listing).where(Listing.status == "active")):
        schedule = pricing.schedule_in_force(listing.organization.sentra_id, listing.product_type_id)
        assert schedule is not None and schedule.allows(listing.price_idr), listing.title
        assert schedule.mode == "band" or listing.price_idr == schedule.reference_idr
    page = client.get("/sentra/slag-aluminium-jombang/harga-acuan").get_data(as_text=True)
    assert "Rp\u00a086.000" in page and "Harga semen naik" in page
    login = client.post("/login", data={"email": "koordinator@jombang.example.com", "password": "demo-pasar-2026"})
    assert login.headers["Location"] == "/account"
