"""Buyer companies keep delivery addresses; each sentra's coordinator sets the delivery tariff checkout charges."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from marketplace.core.models import AuditEntry
from marketplace.core.submissions import new_submission_token
from marketplace.orders import delivery
from marketplace.orders.models import DeliveryAddress, DeliveryTariff, DeliveryUnitFee
from marketplace.orders.services import delivery_fee_idr
from tests import factories
from tests.helpers import QueryCounter, field_errors, table_counts


def address_form(**overrides):
    data = {
        "submission_token": new_submission_token(),
        "label": "Pabrik Sidoarjo",
        "recipient": "Budi Santoso",
        "phone": "0812 3456 7890",
        "address": "Jl. Raya Waru No. 12, Kecamatan Waru",
        "regency": "Kabupaten Sidoarjo",
        "province": "Jawa Timur",
    }
    data.update(overrides)
    return data


def details(**overrides):
    values = {k: v for k, v in address_form(**overrides).items() if k != "submission_token"}
    return delivery.AddressDetails(**values)


def make_address(db, user, **overrides):
    address = delivery.create_address(user, details(**overrides))
    db.session.commit()
    return address


def in_english(db, user):
    """Messages as written in the code, whatever the catalogs hold (and amounts as Rp 400,000)."""
    user.locale = "en"
    db.session.commit()


def addresses_of(organization):
    return DeliveryAddress.query.filter_by(organization_id=organization.id).order_by(DeliveryAddress.id).all()


# --- addresses through the pages --------------------------------------------------------------------------------


def test_a_company_without_addresses_sees_an_empty_state_with_a_link_to_add_one(client, world, login_as):
    login_as("buyer")
    page = client.get("/addresses").get_data(as_text=True)
    assert 'data-testid="empty-state"' in page and 'href="/addresses/new"' in page


def test_a_buyer_adds_an_address_and_a_colleague_sees_and_edits_it(client, world, login_as):
    login_as("buyer")
    response = client.post("/addresses/new", data=address_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/addresses")
    (address,) = addresses_of(world.buyer_org)
    assert (address.label, address.recipient, address.phone, address.province) == (
        "Pabrik Sidoarjo",
        "Budi Santoso",
        "0812 3456 7890",
        "Jawa Timur",
    )
    login_as("buyer_colleague")
    assert "Pabrik Sidoarjo" in client.get("/addresses").get_data(as_text=True)
    response = client.post(f"/addresses/{address.id}/edit", data=address_form(label="Gudang Krian", regency="Krian"))
    assert response.status_code == 302
    assert (address.label, address.regency) == ("Gudang Krian", "Krian")


def test_the_edit_page_starts_from_the_address(client, db, world, login_as):
    address = make_address(db, world.buyer, label="Proyek Tol Krian")
    login_as("buyer")
    page = client.get(f"/addresses/{address.id}/edit").get_data(as_text=True)
    assert 'value="Proyek Tol Krian"' in page and "Jl. Raya Waru No. 12" in page


def test_an_address_is_kept_on_one_line(client, world, login_as):
    login_as("buyer")
    client.post("/addresses/new", data=address_form(address="Jl. Raya Waru\r\n  No. 12\r\nWaru"))
    (address,) = addresses_of(world.buyer_org)
    assert address.address == "Jl. Raya Waru No. 12 Waru"


def test_archiving_asks_first_then_hides_the_address_but_keeps_its_row(client, db, world, login_as):
    address = make_address(db, world.buyer)
    login_as("buyer")
    page = client.get("/addresses").get_data(as_text=True)
    assert f'action="/addresses/{address.id}/archive"' in page and "data-confirm=" in page
    response = client.post(f"/addresses/{address.id}/archive")
    assert response.status_code == 302
    assert addresses_of(world.buyer_org) == [address] and address.archived_at is not None
    assert 'data-testid="address-row"' not in client.get("/addresses").get_data(as_text=True)
    # Archived is gone for good: no more editing, no second archive.
    assert client.get(f"/addresses/{address.id}/edit").status_code == 404
    assert client.post(f"/addresses/{address.id}/archive").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/addresses/{id}/edit"),
        ("POST", "/addresses/{id}/edit"),
        ("POST", "/addresses/{id}/archive"),
    ],
)
def test_another_company_gets_404_and_changes_nothing(client, db, world, login_as, method, url):
    address = make_address(db, world.buyer)
    login_as("other_buyer")
    before = table_counts()
    response = client.open(url.format(id=address.id), method=method, data=address_form(label="Milik orang lain"))
    assert response.status_code == 404
    assert table_counts() == before
    assert (address.label, address.archived_at) == ("Pabrik Sidoarjo", None)


def test_another_companys_addresses_are_not_listed(client, db, world, login_as):
    make_address(db, world.buyer)
    login_as("other_buyer")
    assert "Pabrik Sidoarjo" not in client.get("/addresses").get_data(as_text=True)


@pytest.mark.parametrize("who", ["seller", "coordinator", "admin"])
def test_only_buyers_have_address_pages(client, world, login_as, who):
    login_as(who)
    assert client.get("/addresses").status_code == 403
    assert client.post("/addresses/new", data=address_form()).status_code == 403


ADDRESS_JUNK = [
    ("label", ""),
    ("label", "A"),
    ("label", "x" * 81),
    ("recipient", "   "),
    ("recipient", "x" * 121),
    ("phone", ""),
    ("phone", "bukan nomor"),
    ("phone", "0812 3456 7890 1234 5678"),
    ("address", "Jl."),
    ("address", "x" * 301),
    ("regency", ""),
    ("regency", "x" * 121),
    ("province", ""),
    ("province", "Atlantis"),
]


@pytest.mark.parametrize(("name", "junk"), ADDRESS_JUNK)
def test_a_junk_new_address_gets_an_error_beside_the_field_and_stores_nothing(client, world, login_as, name, junk):
    login_as("buyer")
    before = table_counts()
    response = client.post("/addresses/new", data=address_form(**{name: junk}))
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), name)
    assert table_counts() == before


@pytest.mark.parametrize(("name", "junk"), ADDRESS_JUNK)
def test_a_junk_edit_gets_an_error_beside_the_field_and_changes_nothing(client, db, world, login_as, name, junk):
    address = make_address(db, world.buyer)
    login_as("buyer")
    saved = {k: getattr(address, k) for k in ("label", "recipient", "phone", "address", "regency", "province")}
    response = client.post(f"/addresses/{address.id}/edit", data=address_form(**{name: junk}))
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), name)
    db.session.expire_all()
    assert {k: getattr(address, k) for k in saved} == saved


def test_a_new_address_with_a_missing_field_is_refused(client, world, login_as):
    login_as("buyer")
    data = address_form()
    del data["province"]
    before = table_counts()
    response = client.post("/addresses/new", data=data)
    assert response.status_code == 200 and field_errors(response.get_data(as_text=True), "province")
    assert table_counts() == before


def test_a_double_submit_of_the_new_address_form_saves_one_address(client, db, world, login_as):
    in_english(db, world.buyer)
    login_as("buyer")
    data = address_form()
    first = client.post("/addresses/new", data=data)
    second = client.post("/addresses/new", data=data, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "already sent" in second.get_data(as_text=True)
    assert len(addresses_of(world.buyer_org)) == 1


def test_a_company_keeps_at_most_twenty_live_addresses(client, db, world, login_as):
    for i in range(delivery.MAX_ADDRESSES):
        make_address(db, world.buyer if i % 2 else world.buyer_colleague, label=f"Gudang {i}")
    in_english(db, world.buyer)
    login_as("buyer")
    page = client.get("/addresses").get_data(as_text=True)
    assert 'data-testid="addresses-full"' in page and 'data-testid="add-address"' not in page
    before = table_counts()
    response = client.post("/addresses/new", data=address_form(label="Gudang baru"))
    assert response.status_code == 200 and "at most 20 addresses" in response.get_data(as_text=True)
    assert table_counts() == before
    # An archived address makes room.
    client.post(f"/addresses/{addresses_of(world.buyer_org)[0].id}/archive")
    assert client.post("/addresses/new", data=address_form(label="Gudang baru")).status_code == 302


def test_the_address_services_are_for_the_companys_buyers_only(db, world):
    address = make_address(db, world.buyer)
    with pytest.raises(delivery.AddressRefused):
        delivery.create_address(world.seller, details())
    with pytest.raises(delivery.AddressRefused):
        delivery.update_address(world.other_buyer, address, details(label="Bukan punya kami"))
    with pytest.raises(delivery.AddressRefused):
        delivery.archive_address(world.other_buyer, address)
    with pytest.raises(delivery.AddressRefused) as refused:
        delivery.create_address(world.buyer, details(province="Jawa"))
    assert refused.value.field == "province"
    db.session.expire_all()
    assert (address.label, address.archived_at) == ("Pabrik Sidoarjo", None)


def queries_for(client, url):
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_the_addresses_page_costs_the_same_queries_for_one_address_or_ten(client, db, world, login_as):
    login_as("buyer")
    make_address(db, world.buyer, label="Gudang 0")
    few = queries_for(client, "/addresses")
    for i in range(1, 10):
        make_address(db, world.buyer, label=f"Gudang {i}")
    many = queries_for(client, "/addresses")
    assert len(addresses_of(world.buyer_org)) == 10 and many == few


# --- the sentra's tariff ----------------------------------------------------------------------------------------


@pytest.fixture
def tariff_world(world, db):
    category = factories.make_category()
    world.paving = factories.make_product_type(category, name="Paving K-300", unit="m2")
    world.bata = factories.make_product_type(category, name="Bata ringan", unit="m3")
    db.session.commit()
    return world


def tariff_form(w, base="150000", paving="2500", bata="40000"):
    return {"base_fee_idr": base, f"fee_{w.paving.id}": paving, f"fee_{w.bata.id}": bata}


def tariff_of(sentra):
    return DeliveryTariff.query.filter_by(sentra_id=sentra.id).one_or_none()


def test_a_sentra_without_a_tariff_says_so(client, tariff_world, login_as):
    login_as("coordinator")
    page = client.get("/coordinator/delivery-tariff").get_data(as_text=True)
    assert 'data-testid="no-tariff"' in page
    assert "Paving K-300 (Rp per m²)" in page and "Bata ringan (Rp per m³)" in page
    assert tariff_of(tariff_world.jombang) is None  # reading writes nothing


def test_the_coordinator_saves_the_tariff_and_it_is_audited(client, tariff_world, login_as):
    w = tariff_world
    login_as("coordinator")
    response = client.post("/coordinator/delivery-tariff", data=tariff_form(w))
    assert response.status_code == 302
    tariff = tariff_of(w.jombang)
    assert tariff.base_fee_idr == 150_000 and tariff.updated_by_id == w.coordinator.id
    assert (tariff.fee_per_unit(w.paving.id), tariff.fee_per_unit(w.bata.id)) == (2_500, 40_000)
    first = AuditEntry.query.filter_by(action="delivery_tariff.saved", object_id=tariff.id).one()
    assert first.actor_id == w.coordinator.id and first.before is None
    assert first.after == {
        "base_fee_idr": 150_000,
        "fees_per_unit_idr": {str(w.paving.id): 2_500, str(w.bata.id): 40_000},
    }

    client.post("/coordinator/delivery-tariff", data=tariff_form(w, base="175000", paving="3000"))
    second = AuditEntry.query.filter_by(action="delivery_tariff.saved").order_by(AuditEntry.id.desc()).first()
    assert second.before == first.after
    assert second.after["base_fee_idr"] == 175_000 and second.after["fees_per_unit_idr"][str(w.paving.id)] == 3_000
    assert DeliveryUnitFee.query.filter_by(tariff_id=tariff.id).count() == 2  # updated in place, not added again


def test_the_tariff_page_shows_the_fees_an_example_and_who_changed_it_last(client, db, tariff_world, login_as):
    w = tariff_world
    in_english(db, w.coordinator)
    login_as("coordinator")
    client.post("/coordinator/delivery-tariff", data=tariff_form(w, bata="0"))
    page = client.get("/coordinator/delivery-tariff").get_data(as_text=True)
    assert 'value="150000"' in page and 'value="2500"' in page
    example = page.split('data-testid="tariff-example">')[1].split("</p>")[0]
    assert "100 m² of Paving K-300" in example and "Rp\u00a0400,000" in example
    changed = page.split('data-testid="tariff-changed">')[1].split("</p>")[0]
    assert w.coordinator.full_name in changed and "WIB" in changed


TARIFF_JUNK = [
    ("base_fee_idr", ""),
    ("base_fee_idr", "seratus"),
    ("base_fee_idr", "-1"),
    ("base_fee_idr", "100000001"),
    ("base_fee_idr", "99999999999999999999999999"),
    ("base_fee_idr", "1.5"),
    ("paving", "abc"),
    ("paving", "-2500"),
    ("paving", "1e9"),
    ("paving", "100000001"),
    ("paving", ""),
]


@pytest.mark.parametrize(("name", "junk"), TARIFF_JUNK)
def test_a_junk_tariff_gets_an_error_beside_the_field_and_changes_nothing(
    client, db, tariff_world, login_as, name, junk
):
    w = tariff_world
    login_as("coordinator")
    client.post("/coordinator/delivery-tariff", data=tariff_form(w))
    before = table_counts()
    data = tariff_form(w, **{"base" if name == "base_fee_idr" else name: junk})
    response = client.post("/coordinator/delivery-tariff", data=data)
    assert response.status_code == 200
    field = "base_fee_idr" if name == "base_fee_idr" else f"fee_{w.paving.id}"
    assert field_errors(response.get_data(as_text=True), field)
    assert table_counts() == before
    db.session.expire_all()
    tariff = tariff_of(w.jombang)
    assert (tariff.base_fee_idr, tariff.fee_per_unit(w.paving.id)) == (150_000, 2_500)


def test_a_junk_first_tariff_creates_no_tariff(client, tariff_world, login_as):
    login_as("coordinator")
    before = table_counts()
    response = client.post("/coordinator/delivery-tariff", data=tariff_form(tariff_world, paving="-1"))
    assert response.status_code == 200 and table_counts() == before


def test_a_coordinator_only_ever_changes_their_own_sentras_tariff(client, db, tariff_world, login_as):
    w = tariff_world
    login_as("coordinator")
    client.post("/coordinator/delivery-tariff", data=tariff_form(w))
    login_as("other_coordinator")
    page = client.get("/coordinator/delivery-tariff").get_data(as_text=True)
    assert 'data-testid="no-tariff"' in page  # Jombang's tariff is not shown to Ceper
    client.post("/coordinator/delivery-tariff", data=tariff_form(w, base="1", paving="1", bata="1"))
    db.session.expire_all()
    assert (tariff_of(w.jombang).base_fee_idr, tariff_of(w.jombang).fee_per_unit(w.paving.id)) == (150_000, 2_500)
    assert tariff_of(w.other_sentra).base_fee_idr == 1


@pytest.mark.parametrize("who", ["buyer", "seller", "admin"])
def test_only_coordinators_have_the_tariff_page(client, tariff_world, login_as, who):
    login_as(who)
    assert client.get("/coordinator/delivery-tariff").status_code == 403
    assert client.post("/coordinator/delivery-tariff", data=tariff_form(tariff_world)).status_code == 403
    assert tariff_of(tariff_world.jombang) is None


def test_save_tariff_refuses_what_the_form_would(db, tariff_world):
    w = tariff_world
    with pytest.raises(delivery.TariffRefused):
        delivery.save_tariff(w.buyer, 0, {})
    for base, fees, field in [
        (-1, {}, "base_fee_idr"),
        (delivery.MAX_FEE_IDR + 1, {}, "base_fee_idr"),
        (1.5, {}, "base_fee_idr"),
        (0, {w.paving.id: -1}, f"fee_{w.paving.id}"),
        (0, {w.paving.id: Decimal("2.5")}, f"fee_{w.paving.id}"),
    ]:
        with pytest.raises(delivery.TariffRefused) as refused:
            delivery.save_tariff(w.coordinator, base, fees)
        assert refused.value.field == field
    with pytest.raises(delivery.TariffRefused):
        delivery.save_tariff(w.coordinator, 0, {2_147_483_647: 100})
    assert db.session.scalar(select(func.count(DeliveryTariff.id))) == 0


# --- the fee checkout charges -----------------------------------------------------------------------------------


def test_the_delivery_fee_is_the_base_fee_plus_the_quantity_times_the_unit_fee():
    tariff = DeliveryTariff(
        base_fee_idr=150_000, unit_fees=[DeliveryUnitFee(product_type_id=7, fee_per_unit_idr=2_500)]
    )
    line = SimpleNamespace(listing=SimpleNamespace(product_type_id=7), item=SimpleNamespace(quantity=Decimal("100")))
    assert delivery_fee_idr(tariff, [line]) == 400_000


def test_a_product_type_without_a_unit_fee_adds_nothing_and_halves_round_up():
    tariff = DeliveryTariff(base_fee_idr=10_000, unit_fees=[DeliveryUnitFee(product_type_id=7, fee_per_unit_idr=3)])
    lines = [
        SimpleNamespace(listing=SimpleNamespace(product_type_id=7), item=SimpleNamespace(quantity=Decimal("0.5"))),
        SimpleNamespace(listing=SimpleNamespace(product_type_id=8), item=SimpleNamespace(quantity=Decimal("40"))),
    ]
    assert delivery_fee_idr(tariff, lines) == 10_002  # 10.000 + 1,5 rounded half up


def test_the_example_on_the_tariff_page_is_what_checkout_charges():
    tariff = DeliveryTariff(
        base_fee_idr=150_000, unit_fees=[DeliveryUnitFee(product_type_id=7, fee_per_unit_idr=2_500)]
    )
    assert delivery.example_fee_idr(tariff, 7, 100) == 400_000
