"""The cart and the checkout: quantities that fit the listing, listings that may be sold, today's prices, orders
grouped by IKM with PPN and delivery fees, the stock of every line reserved, or nothing at all."""

import re
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from marketplace.accounts.services import decide_organization
from marketplace.catalog import services as catalog
from marketplace.catalog import stock
from marketplace.catalog.models import Listing, StockMovement
from marketplace.core.models import AuditEntry, OutboxMessage
from marketplace.core.money import ppn_idr
from marketplace.core.submissions import DuplicateSubmission, new_submission_token
from marketplace.core.timeutil import WIB, utcnow
from marketplace.extensions import db
from marketplace.orders import services
from marketplace.orders.models import (
    CartItem,
    Checkout,
    DeliveryAddress,
    DeliveryMethod,
    DeliveryTariff,
    DeliveryUnitFee,
    Order,
    OrderEvent,
)
from marketplace.orders.services import (
    CartRefused,
    CheckoutRefused,
    DeliveryChoice,
    DeliveryRefused,
    LineProblem,
    PricesChanged,
)
from tests import factories
from tests.helpers import table_counts

# --- helpers the other order tests share -----------------------------------------------------------------------


def english(message):
    """A translatable message as an English reader sees it."""
    with force_locale("en"):
        return str(message)


def add_ikm(sentra, name, is_pkp=False):
    """An approved IKM of `sentra` with one seller user."""
    ikm = factories.make_ikm(sentra, name=name, is_pkp=is_pkp)
    return ikm, factories.make_user("seller", organization=ikm)


def stock_of(listing_id):
    """What another reader sees, not what the session remembers."""
    db.session.expire_all()
    return db.session.scalar(select(Listing.stock).where(Listing.id == listing_id))


def place(user, choices=None, moment=None, token=None):
    """Plan the user's cart as the review page does, then confirm it with the fingerprint seen there."""
    choices = choices or {}
    plan = services.plan_checkout(user, choices, moment)
    return services.place_checkout(
        user, choices, "PO-77", "", plan.fingerprint, token or new_submission_token(), moment=moment
    )


def make_address(organization, label="Pabrik Sidoarjo"):
    address = DeliveryAddress(
        organization_id=organization.id,
        label=label,
        recipient="Bu Rina",
        phone="081234567890",
        address="Jl. Industri 5",
        regency="Kabupaten Sidoarjo",
        province="Jawa Timur",
    )
    db.session.add(address)
    db.session.flush()
    return address


def make_tariff(sentra, base_fee_idr, unit_fees):
    """A sentra's delivery tariff: {product type: fee per unit}."""
    tariff = DeliveryTariff(
        sentra_id=sentra.id,
        base_fee_idr=base_fee_idr,
        unit_fees=[DeliveryUnitFee(product_type_id=pt.id, fee_per_unit_idr=fee) for pt, fee in unit_fees.items()],
    )
    db.session.add(tariff)
    db.session.flush()
    return tariff


def cart_rows(user):
    db.session.expire_all()
    return db.session.scalars(select(CartItem).where(CartItem.user_id == user.id).order_by(CartItem.id)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


# --- the world of these tests ------------------------------------------------------------------------------------


@pytest.fixture
def shop(catalog_world, db):
    """Two IKMs of Jombang: UD Approved (not PKP) sells paving and bata ringan, CV Kena Pajak (PKP) sells paving."""
    w = catalog_world
    w.paving = factories.make_listing(
        w.ikm,
        w.product_type,
        title="Paving K-300 UD Approved",
        price_idr=85_000,
        stock=Decimal("100"),
        min_order=Decimal("10"),
        order_multiple=Decimal("5"),
        index=False,
    )
    w.bata_type = factories.make_product_type(w.category, slug="bata-ringan", name="Bata ringan 10 cm", unit="m3")
    factories.make_schedule(w.jombang, w.bata_type, floor=400_000, reference=600_000, ceiling=800_000)
    w.bata = factories.make_listing(
        w.ikm,
        w.bata_type,
        title="Bata ringan UD Approved",
        price_idr=650_000,
        stock=Decimal("40"),
        min_order=Decimal("1"),
        order_multiple=Decimal("0.5"),
        index=False,
    )
    w.pkp_ikm, w.pkp_seller = add_ikm(w.jombang, "CV Kena Pajak", is_pkp=True)
    w.pkp_paving = factories.make_listing(
        w.pkp_ikm,
        w.product_type,
        title="Paving K-300 CV Kena Pajak",
        price_idr=85_050,
        stock=Decimal("100"),
        min_order=Decimal("1"),
        order_multiple=Decimal("1"),
        index=False,
    )
    db.session.commit()
    return w


# --- the cart: quantities ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("5", "The minimum order is 10 m²."),
        ("12", "Order in multiples of 5 m²."),
        ("105", "Not enough stock: only 100 left."),
        ("0", "Enter a quantity above 0."),
        ("10.0001", "A quantity has at most 3 decimals."),
    ],
    ids=["below-minimum", "off-multiple", "above-stock", "zero", "four-decimals"],
)
def test_a_quantity_that_does_not_fit_the_listing_is_refused_with_a_clear_message(shop, quantity, message):
    with pytest.raises(CartRefused) as refused:
        services.put_in_cart(shop.buyer, shop.paving, Decimal(quantity))
    assert english(refused.value.message) == message
    assert refused.value.field == "quantity"


def test_a_refused_quantity_leaves_the_cart_as_it_was(shop):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("20"))
    before = table_counts()
    with pytest.raises(CartRefused):
        services.put_in_cart(shop.buyer, shop.paving, Decimal("105"))
    assert table_counts() == before
    assert [(row.listing_id, row.quantity) for row in cart_rows(shop.buyer)] == [(shop.paving.id, Decimal("20"))]


def test_putting_a_listing_in_the_cart_twice_keeps_one_line_with_the_new_quantity(shop):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("20"))
    services.put_in_cart(shop.buyer, shop.paving, Decimal("35"))
    assert [(row.listing_id, row.quantity) for row in cart_rows(shop.buyer)] == [(shop.paving.id, Decimal("35"))]


def test_only_the_users_of_a_buyer_company_may_put_in_the_cart(shop):
    with pytest.raises(CartRefused):
        services.put_in_cart(shop.pkp_seller, shop.paving, Decimal("10"))
    assert cart_rows(shop.pkp_seller) == []


# --- the cart: listings that may not be sold ---------------------------------------------------------------------


def _paused(w, listing):
    catalog.seller_action(w.seller, listing, "pause")


def _suspended(w, listing):
    catalog.moderate_listing(w.coordinator, listing, "suspend", reason="Mutu tidak sesuai SNI")


def _ikm_suspended(w, listing):
    decide_organization(w.coordinator, listing.organization, "suspend", reason="Banting harga berulang")


def _out_of_band(w, listing):
    # A new schedule whose band leaves the listing's price (85.000) out, and CV Kena Pajak's (85.050) in.
    factories.make_schedule(w.jombang, w.product_type, floor=85_001, reference=100_000, ceiling=150_000)
    db.session.commit()


NOT_FOR_SALE = "This listing is not for sale any more."
OUT_OF_BAND = "Its price is outside the sentra's band: it cannot be bought until the IKM corrects it."
UNSELLABLE = pytest.mark.parametrize(
    "make_unsellable, message",
    [(_paused, NOT_FOR_SALE), (_suspended, NOT_FOR_SALE), (_ikm_suspended, NOT_FOR_SALE), (_out_of_band, OUT_OF_BAND)],
    ids=["paused", "suspended", "ikm-suspended", "out-of-band"],
)


@UNSELLABLE
def test_a_listing_that_may_not_be_sold_cannot_be_put_in_the_cart(shop, make_unsellable, message):
    make_unsellable(shop, shop.paving)
    before = table_counts()
    with pytest.raises(CartRefused) as refused:
        services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    assert english(refused.value.message) == message
    assert table_counts() == before


@UNSELLABLE
def test_a_listing_that_may_no_longer_be_sold_cannot_be_checked_out(shop, make_unsellable, message):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    services.put_in_cart(shop.buyer, shop.pkp_paving, Decimal("10"))
    make_unsellable(shop, shop.paving)
    before = table_counts()
    with pytest.raises(LineProblem) as refused:
        services.place_checkout(shop.buyer, {}, "", "", "seen", new_submission_token())
    assert refused.value.title == shop.paving.title
    assert english(refused.value.reason) == message
    assert table_counts() == before


# --- the cart: today's prices ------------------------------------------------------------------------------------


def _fixed_at_90000(w):
    factories.make_schedule(w.jombang, w.product_type, reference=90_000, mode="fixed")


def _tier_of_5_percent_from_10(w):
    factories.make_schedule(w.jombang, w.product_type, floor=50_000, reference=85_000, ceiling=150_000, tiers=[(10, 5)])


PRICE_CHANGES = pytest.mark.parametrize(
    "change, new_price",
    [(_fixed_at_90000, 90_000), (_tier_of_5_percent_from_10, 80_750)],
    ids=["new-schedule", "new-tier"],
)


@PRICE_CHANGES
def test_the_cart_shows_the_price_of_today_and_that_it_changed(shop, change, new_price):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    change(shop)
    db.session.commit()
    (line,) = services.cart_of(shop.buyer).lines
    assert (line.item.seen_unit_price_idr, line.unit_price_idr, line.line_total_idr) == (
        85_000,
        new_price,
        10 * new_price,
    )
    assert line.price_changed


def test_a_cart_whose_prices_did_not_move_shows_no_change(shop):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    (line,) = services.cart_of(shop.buyer).lines
    assert line.unit_price_idr == 85_000
    assert not line.price_changed


@PRICE_CHANGES
def test_updating_the_cart_marks_the_prices_shown_as_seen(shop, change, new_price):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    change(shop)
    db.session.commit()
    services.update_cart(shop.buyer, {})
    (line,) = services.cart_of(shop.buyer).lines
    assert line.item.seen_unit_price_idr == new_price
    assert not line.price_changed


def test_an_update_with_one_quantity_that_does_not_fit_changes_no_line_and_names_it(shop):
    paving = services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    bata = services.put_in_cart(shop.buyer, shop.bata, Decimal("2"))
    before = table_counts()
    with pytest.raises(LineProblem) as refused, force_locale("en"):  # the quantity in the message is the reader's
        services.update_cart(shop.buyer, {paving.id: Decimal("20"), bata.id: Decimal("2.25")})
    assert refused.value.title == shop.bata.title
    assert english(refused.value.reason) == "Order in multiples of 0.5 m³."
    assert table_counts() == before
    assert [row.quantity for row in cart_rows(shop.buyer)] == [Decimal("10"), Decimal("2")]


# --- planning: orders per IKM, PPN, delivery ---------------------------------------------------------------------


def test_the_plan_has_one_order_per_ikm_holding_that_ikms_lines(shop):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    services.put_in_cart(shop.buyer, shop.pkp_paving, Decimal("10"))
    services.put_in_cart(shop.buyer, shop.bata, Decimal("2"))
    plan = services.plan_checkout(shop.buyer, {})
    grouped = {order.seller.id: sorted(line.listing.id for line in order.group.lines) for order in plan.orders}
    assert grouped == {shop.ikm.id: sorted([shop.paving.id, shop.bata.id]), shop.pkp_ikm.id: [shop.pkp_paving.id]}


def test_an_empty_cart_cannot_be_checked_out(shop):
    with pytest.raises(CheckoutRefused):
        services.plan_checkout(shop.buyer, {})


def test_ppn_of_11_percent_is_charged_by_a_pkp_seller_rounded_half_up(shop):
    services.put_in_cart(shop.buyer, shop.pkp_paving, Decimal("11"))
    (order,) = services.plan_checkout(shop.buyer, {}).orders
    # 11 × 85.050 = 935.550; 11 % of it is 102.910,5, which rounds up.
    assert (order.subtotal_idr, order.ppn_idr, order.total_idr) == (935_550, 102_911, 1_038_461)
    assert order.ppn_idr == ppn_idr(935_550, True)


def test_a_seller_not_registered_as_pkp_charges_no_ppn(shop):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("15"))
    (order,) = services.plan_checkout(shop.buyer, {}).orders
    assert (order.subtotal_idr, order.ppn_idr, order.total_idr) == (1_275_000, 0, 1_275_000)


def test_delivery_costs_the_tariffs_base_fee_plus_each_lines_unit_fee_rounded_half_up(shop):
    make_tariff(shop.jombang, 150_000, {shop.product_type: 2_500, shop.bata_type: 333})
    address = make_address(shop.buyer_org)
    db.session.commit()
    services.put_in_cart(shop.buyer, shop.paving, Decimal("15"))
    services.put_in_cart(shop.buyer, shop.bata, Decimal("12.5"))
    choices = {shop.ikm.id: DeliveryChoice(DeliveryMethod.DELIVERY, address.id)}
    (order,) = services.plan_checkout(shop.buyer, choices).orders
    # 150.000 + 15 × 2.500 + 12,5 × 333 (4.162,5, rounded up)
    assert order.delivery_fee_idr == 191_663
    assert order.total_idr == 15 * 85_000 + 12_500 * 650 + 191_663


def test_a_placed_order_keeps_the_delivery_fee_and_a_copy_of_the_address(shop):
    make_tariff(shop.jombang, 150_000, {shop.product_type: 2_500})
    address = make_address(shop.buyer_org)
    db.session.commit()
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    checkout = place(shop.buyer, {shop.ikm.id: DeliveryChoice(DeliveryMethod.DELIVERY, address.id)})
    (order,) = checkout.orders
    assert (order.delivery_method, order.delivery_fee_idr, order.delivery_address_id) == (
        "delivery",
        175_000,
        address.id,
    )
    assert order.delivery_address == address.one_line()


def test_pickup_costs_no_delivery_fee(shop):
    make_tariff(shop.jombang, 150_000, {shop.product_type: 2_500})
    db.session.commit()
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    (order,) = services.plan_checkout(shop.buyer, {shop.ikm.id: DeliveryChoice(DeliveryMethod.PICKUP)}).orders
    assert (order.delivery_fee_idr, order.address) == (0, None)


def test_delivery_from_a_sentra_without_a_tariff_is_refused_and_nothing_is_placed(shop):
    address = make_address(shop.buyer_org)
    db.session.commit()
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    choices = {shop.ikm.id: DeliveryChoice(DeliveryMethod.DELIVERY, address.id)}
    before = table_counts()
    with pytest.raises(DeliveryRefused) as refused:
        services.place_checkout(shop.buyer, choices, "", "", "seen", new_submission_token())
    assert english(refused.value.message) == "UD Approved: the sentra does not deliver yet; choose pickup."
    assert table_counts() == before


def _other_companys(w):
    return make_address(w.other_buyer_org, label="Gudang PT Dua")


def _archived(w):
    address = make_address(w.buyer_org, label="Proyek lama")
    address.archived_at = utcnow()
    return address


@pytest.mark.parametrize("make_foreign_address", [_other_companys, _archived], ids=["other-company", "archived"])
def test_delivery_to_an_address_that_is_not_the_buyers_own_is_refused_and_nothing_is_placed(shop, make_foreign_address):
    make_tariff(shop.jombang, 150_000, {shop.product_type: 2_500})
    address = make_foreign_address(shop)
    db.session.commit()
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    choices = {shop.ikm.id: DeliveryChoice(DeliveryMethod.DELIVERY, address.id)}
    before = table_counts()
    with pytest.raises(DeliveryRefused) as refused:
        services.place_checkout(shop.buyer, choices, "", "", "seen", new_submission_token())
    assert english(refused.value.message) == "UD Approved: choose one of your saved addresses."
    assert table_counts() == before


# --- placing -----------------------------------------------------------------------------------------------------


def _three_lines_of_two_ikms(w):
    services.put_in_cart(w.buyer, w.paving, Decimal("10"))
    services.put_in_cart(w.buyer, w.bata, Decimal("2.5"))
    services.put_in_cart(w.buyer, w.pkp_paving, Decimal("7"))


def test_placing_creates_one_checkout_holding_one_order_per_ikm_awaiting_payment(shop):
    _three_lines_of_two_ikms(shop)
    before = table_counts()
    checkout = place(shop.buyer)
    after = table_counts()
    assert (after["checkout"] - before["checkout"], after["customer_order"] - before["customer_order"]) == (1, 2)
    assert {(o.seller_organization_id, o.buyer_organization_id, o.status) for o in checkout.orders} == {
        (shop.ikm.id, shop.buyer_org.id, "awaiting_payment"),
        (shop.pkp_ikm.id, shop.buyer_org.id, "awaiting_payment"),
    }
    assert checkout.status == "awaiting_payment"


def test_each_order_line_copies_the_product_name_unit_quantity_and_unit_price(shop):
    _three_lines_of_two_ikms(shop)
    checkout = place(shop.buyer)
    lines = sorted(
        (
            line.listing_id,
            line.product_name,
            line.listing_title,
            line.unit,
            line.quantity,
            line.unit_price_idr,
            line.line_total_idr,
        )
        for order in checkout.orders
        for line in order.lines
    )
    assert lines == sorted(
        [
            (shop.paving.id, shop.product_type.name, "Paving K-300 UD Approved", "m2", Decimal("10"), 85_000, 850_000),
            (shop.bata.id, "Bata ringan 10 cm", "Bata ringan UD Approved", "m3", Decimal("2.5"), 650_000, 1_625_000),
            (
                shop.pkp_paving.id,
                shop.product_type.name,
                "Paving K-300 CV Kena Pajak",
                "m2",
                Decimal("7"),
                85_050,
                595_350,
            ),
        ]
    )


def test_the_checkout_total_is_the_sum_of_its_orders_totals(shop):
    _three_lines_of_two_ikms(shop)
    checkout = place(shop.buyer)
    by_seller = {order.seller_organization_id: order for order in checkout.orders}
    assert by_seller[shop.ikm.id].total_idr == 850_000 + 1_625_000
    assert by_seller[shop.pkp_ikm.id].total_idr == 595_350 + 65_489  # PPN 65.488,5 rounded up
    assert checkout.total_idr == 850_000 + 1_625_000 + 595_350 + 65_489


def test_placing_empties_the_cart_and_writes_a_placed_event_per_order(shop):
    _three_lines_of_two_ikms(shop)
    checkout = place(shop.buyer)
    assert cart_rows(shop.buyer) == []
    for order in checkout.orders:
        assert [(e.from_status, e.to_status, e.actor_id) for e in order.events] == [
            (None, "awaiting_payment", shop.buyer.id)
        ]


def test_order_numbers_read_ps_year_and_six_digits_and_are_unique(shop):
    _three_lines_of_two_ikms(shop)
    first = place(shop.buyer)
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    second = place(shop.buyer)
    orders = [*first.orders, *second.orders]
    numbers = [order.number for order in orders]
    for order in orders:
        assert re.fullmatch(r"PS-\d{4}-\d{6}", order.number)
        assert order.number[3:7] == str(order.created_at.astimezone(WIB).year)
    assert len(set(numbers)) == len(numbers) == 3


def test_placing_reserves_the_stock_of_every_line(shop):
    _three_lines_of_two_ikms(shop)
    place(shop.buyer)
    assert (stock_of(shop.paving.id), stock_of(shop.bata.id), stock_of(shop.pkp_paving.id)) == (
        Decimal("90"),
        Decimal("37.5"),
        Decimal("93"),
    )
    reserved = db.session.scalars(
        select(StockMovement.listing_id).where(StockMovement.reason == "reserved").order_by(StockMovement.listing_id)
    ).all()
    assert reserved == sorted([shop.paving.id, shop.bata.id, shop.pkp_paving.id])


def test_a_line_short_of_stock_when_confirming_places_and_reserves_nothing_and_is_named(shop):
    _three_lines_of_two_ikms(shop)
    plan = services.plan_checkout(shop.buyer, {})
    stock.adjust(shop.bata.id, new=Decimal("2"), expected=Decimal("40"))  # the IKM counted again meanwhile
    before = table_counts()
    with pytest.raises(LineProblem) as refused:
        services.place_checkout(shop.buyer, {}, "", "", plan.fingerprint, new_submission_token())
    assert refused.value.title == "Bata ringan UD Approved"
    assert english(refused.value.reason) == "Not enough stock: only 2 left."
    assert table_counts() == before
    assert (stock_of(shop.paving.id), stock_of(shop.bata.id), stock_of(shop.pkp_paving.id)) == (
        Decimal("100"),
        Decimal("2"),
        Decimal("100"),
    )


def test_a_line_whose_stock_is_taken_while_confirming_undoes_the_reservations_already_made(shop, monkeypatch):
    # This checkout read the stock (100) before another buyer's checkout took 95 of its last line: the read passes,
    # and the reservation of that line fails after the lines of lower listing ids were reserved.
    _three_lines_of_two_ikms(shop)
    plan = services.plan_checkout(shop.buyer, {})
    ids = sorted((shop.paving.id, shop.bata.id, shop.pkp_paving.id))
    reserved = []

    def reserve(listing_id, quantity, **kwargs):
        movement = stock.reserve(listing_id, quantity, **kwargs)
        reserved.append(listing_id)
        return movement

    monkeypatch.setattr(services, "reserve", reserve)
    before = table_counts()
    seen = services.cart_of(shop.buyer)  # the listings, with their stock, are in the session
    table = Listing.__table__
    # A write the session's listings do not see, as if another transaction had committed it.
    db.session.execute(table.update().where(table.c.id == ids[-1]).values(stock=Decimal("5")))
    with pytest.raises(LineProblem) as refused:
        services.place_checkout(shop.buyer, {}, "", "", plan.fingerprint, new_submission_token())
    assert reserved == ids[:-1]  # made, then undone
    assert refused.value.title == db.session.get(Listing, ids[-1]).title
    assert english(refused.value.reason).lower() == "not enough stock: only 5 left."
    assert table_counts() == before
    assert (stock_of(shop.paving.id), stock_of(shop.bata.id)) == (Decimal("100"), Decimal("40"))
    assert len(seen.lines) == 3


def test_a_stale_fingerprint_raises_prices_changed_and_changes_nothing(shop):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    seen = services.plan_checkout(shop.buyer, {}).fingerprint
    _fixed_at_90000(shop)
    db.session.commit()
    before = table_counts()
    with pytest.raises(PricesChanged):
        services.place_checkout(shop.buyer, {}, "", "", seen, new_submission_token())
    assert table_counts() == before
    assert stock_of(shop.paving.id) == Decimal("100")


def test_a_fingerprint_of_other_delivery_choices_raises_prices_changed(shop):
    make_tariff(shop.jombang, 150_000, {shop.product_type: 2_500})
    address = make_address(shop.buyer_org)
    db.session.commit()
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    seen = services.plan_checkout(shop.buyer, {}).fingerprint  # the review page showed pickup
    choices = {shop.ikm.id: DeliveryChoice(DeliveryMethod.DELIVERY, address.id)}
    with pytest.raises(PricesChanged):
        services.place_checkout(shop.buyer, choices, "", "", seen, new_submission_token())
    assert count(Checkout) == 0


@pytest.mark.parametrize("quantity, unit_price", [("95", 85_000), ("100", 80_750)], ids=["below-tier", "tier"])
def test_a_volume_tier_lowers_the_unit_price_from_its_quantity(shop, quantity, unit_price):
    factories.make_schedule(
        shop.jombang, shop.product_type, floor=50_000, reference=85_000, ceiling=150_000, tiers=[(100, 5)]
    )
    db.session.commit()
    services.put_in_cart(shop.buyer, shop.paving, Decimal(quantity))
    checkout = place(shop.buyer)
    ((line,),) = [order.lines for order in checkout.orders]
    assert (line.unit_price_idr, line.line_total_idr) == (unit_price, unit_price * int(quantity))


def test_confirming_twice_with_one_submission_token_places_one_checkout(shop):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    token = new_submission_token()
    seen = services.plan_checkout(shop.buyer, {}).fingerprint
    checkout = services.place_checkout(shop.buyer, {}, "", "", seen, token)
    with pytest.raises(DuplicateSubmission) as again:
        services.place_checkout(shop.buyer, {}, "", "", seen, token)
    assert again.value.made(Checkout) == checkout.id
    assert (count(Checkout), count(Order)) == (1, 1)
    assert stock_of(shop.paving.id) == Decimal("90")


def test_placing_writes_the_checkout_audit_entry_and_mails_the_buyer(shop):
    services.put_in_cart(shop.buyer, shop.paving, Decimal("10"))
    checkout = place(shop.buyer)
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "checkout.placed")).all()
    assert [(a.actor_id, a.object_id) for a in audit] == [(shop.buyer.id, checkout.id)]
    assert [m.to_address for m in db.session.scalars(select(OutboxMessage))] == [shop.buyer.email]


def test_order_events_of_placing_belong_to_their_orders(shop):
    _three_lines_of_two_ikms(shop)
    checkout = place(shop.buyer)
    events = db.session.scalars(select(OrderEvent).order_by(OrderEvent.id)).all()
    assert sorted(e.order_id for e in events) == sorted(o.id for o in checkout.orders)


def test_a_cart_of_two_sentras_is_checked_out_one_sentra_at_a_time(client, catalog_world, login_as):
    """Each sentra holds its IKMs' money in its own account: one checkout pays one sentra."""
    w = catalog_world
    jombang = factories.make_listing(w.ikm, w.product_type, title="Paving Jombang", index=False)
    ceper = factories.make_listing(w.ceper_ikm, w.product_type, title="Paving Ceper", index=False)
    db.session.commit()
    services.put_in_cart(w.buyer, jombang, Decimal("10"))
    services.put_in_cart(w.buyer, ceper, Decimal("10"))
    choices = {listing.organization_id: services.DeliveryChoice("pickup") for listing in (jombang, ceper)}
    with pytest.raises(services.CheckoutRefused) as refused:
        services.plan_checkout(w.buyer, choices)
    assert "more than one sentra" in english(refused.value.message)
    login_as("buyer")
    page = client.get("/cart").get_data(as_text=True)
    assert 'data-testid="cart-several-sentras"' in page and 'data-testid="to-checkout"' not in page
