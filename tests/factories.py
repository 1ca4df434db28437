"""Factories for the accounts world. They add and flush; the test (or the view) commits."""

import itertools

from werkzeug.security import generate_password_hash

from marketplace.accounts.models import Organization, OrganizationKind, OrganizationStatus, Sentra, User
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db

PASSWORD = "correct-horse-42"
# Hashing is deliberately slow; one hash serves every factory-made user.
_PASSWORD_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def make_sentra(**overrides):
    n = next(_seq)
    sentra = Sentra(
        slug=overrides.pop("slug", f"sentra-{n}"),
        name=overrides.pop("name", f"Sentra Uji {n}"),
        regency=overrides.pop("regency", "Kabupaten Jombang"),
        province=overrides.pop("province", "Jawa Timur"),
        description=overrides.pop("description", ""),
        **overrides,
    )
    db.session.add(sentra)
    db.session.flush()
    return sentra


def make_ikm(sentra, status=OrganizationStatus.APPROVED, **overrides):
    n = next(_seq)
    org = Organization(
        kind=OrganizationKind.IKM,
        name=overrides.pop("name", f"UD Uji {n}"),
        nib=overrides.pop("nib", f"{9000000000000 + n}"),
        sentra=sentra,
        address="Jl. Raya Sumobito 1",
        regency=overrides.pop("regency", sentra.regency),
        province=overrides.pop("province", sentra.province),
        workers=overrides.pop("workers", 10),
        contact_person="Pak Uji",
        phone="081234567890",
        email=overrides.pop("email", f"ikm{n}@example.com"),
        status=status,
        **overrides,
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_buyer_org(**overrides):
    n = next(_seq)
    org = Organization(
        kind=OrganizationKind.BUYER,
        name=overrides.pop("name", f"PT Pembeli {n}"),
        npwp=overrides.pop("npwp", f"{10**15 + n}"),
        address="Kawasan Industri Blok A",
        regency="Kabupaten Sidoarjo",
        province="Jawa Timur",
        contact_person="Bu Pembeli",
        phone="031 8970 1234",
        email=overrides.pop("email", f"buyer{n}@example.com"),
        status=OrganizationStatus.APPROVED,
        **overrides,
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_user(role, organization=None, sentra=None, verified=True, is_owner=None, **overrides):
    n = next(_seq)
    user = User(
        email=overrides.pop("email", f"{role}{n}@example.com"),
        full_name=overrides.pop("full_name", f"{role.title()} {n}"),
        role=role,
        organization=organization,
        sentra=sentra,
        is_owner=is_owner if is_owner is not None else organization is not None,
        password_hash=overrides.pop("password_hash", _PASSWORD_HASH),
        verified_at=utcnow() if verified else None,
        locale=overrides.pop("locale", "id"),
        **overrides,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_category(**overrides):
    from marketplace.catalog.models import Category

    n = next(_seq)
    category = Category(
        slug=overrides.pop("slug", f"kategori-{n}"),
        name=overrides.pop("name", f"Kategori {n}"),
        name_en=overrides.pop("name_en", f"Category {n}"),
        position=overrides.pop("position", n),
        **overrides,
    )
    db.session.add(category)
    db.session.flush()
    return category


def make_product_type(category=None, **overrides):
    from decimal import Decimal

    from marketplace.catalog.models import ProductType

    n = next(_seq)
    product_type = ProductType(
        category=category or make_category(),
        slug=overrides.pop("slug", f"jenis-{n}"),
        name=overrides.pop("name", f"Paving block uji {n}"),
        unit=overrides.pop("unit", "m2"),
        spec=overrides.pop("spec", "Tebal 6 cm"),
        sni_standard=overrides.pop("sni_standard", None),
        slag_kg_per_unit=overrides.pop("slag_kg_per_unit", Decimal("12.5")),
        **overrides,
    )
    db.session.add(product_type)
    db.session.flush()
    return product_type


def make_listing(organization, product_type, status="active", index=True, **overrides):
    """A listing in the given status (set directly: factories build states, services move them)."""
    from decimal import Decimal

    from marketplace.catalog import search
    from marketplace.catalog.models import Listing

    n = next(_seq)
    listing = Listing(
        organization=organization,
        product_type=product_type,
        title=overrides.pop("title", f"Paving block uji {n}"),
        description=overrides.pop("description", "Paving block dari slag aluminium."),
        price_idr=overrides.pop("price_idr", 85_000),
        stock=overrides.pop("stock", Decimal("500")),
        min_order=overrides.pop("min_order", Decimal("10")),
        order_multiple=overrides.pop("order_multiple", Decimal("1")),
        lead_time_days=overrides.pop("lead_time_days", 7),
        capacity_per_month=overrides.pop("capacity_per_month", Decimal("2000")),
        status=status,
        **overrides,
    )
    db.session.add(listing)
    db.session.flush()
    if index:
        search.index_listing(listing.id)
    return listing


def make_schedule(sentra, product_type, reference=85_000, floor=None, ceiling=None, mode="band", days_ago=1, tiers=()):
    """A price schedule in force (or, with a negative days_ago, coming)."""
    from datetime import timedelta
    from decimal import Decimal

    from marketplace.pricing.models import PriceSchedule, PriceTier
    from marketplace.pricing.services import today_wib

    start = today_wib() - timedelta(days=days_ago)
    schedule = PriceSchedule(
        sentra_id=sentra.id,
        product_type_id=product_type.id,
        mode=mode,
        reference_idr=reference,
        floor_idr=reference if mode == "fixed" else (floor or reference),
        ceiling_idr=reference if mode == "fixed" else (ceiling or reference),
        effective_from=start,
        review_on=start + timedelta(days=90),
        reason="Harga uji",
        tiers=[PriceTier(min_qty=Decimal(q), discount_pct=Decimal(p)) for q, p in tiers],
    )
    db.session.add(schedule)
    db.session.flush()
    return schedule


def make_price_request(listing, price=120_000, status="pending", requested_by=None, reason="Biaya bahan naik"):
    """A price-change request for a listing, against the schedule in force for it."""
    from marketplace.core.timeutil import utcnow
    from marketplace.pricing.models import PriceChangeRequest
    from marketplace.pricing.services import schedule_in_force

    requested_by = requested_by or make_user("seller", organization=listing.organization)
    schedule = schedule_in_force(listing.organization.sentra_id, listing.product_type_id)
    decided = status in ("approved", "rejected")
    change = PriceChangeRequest(
        listing_id=listing.id,
        organization_id=listing.organization_id,
        sentra_id=listing.organization.sentra_id,
        requested_by_id=requested_by.id,
        current_price_idr=listing.price_idr,
        schedule_id=schedule.id,
        price_idr=price,
        reason=reason,
        status=status,
        decided_by_id=requested_by.id if decided else None,
        decided_at=utcnow() if decided else None,
        decision_note="Alasan uji" if status == "rejected" else None,
    )
    db.session.add(change)
    db.session.flush()
    return change


# The moves that take a paid order to each later status, with who makes them (services move; factories only drive).
_ORDER_PATH = {
    "accepted": [("seller", "accept")],
    "ready": [("seller", "accept"), ("seller", "mark_ready")],
    "shipped": [("seller", "accept"), ("seller", "mark_ready"), ("seller", "ship")],
    "delivered": [("seller", "accept"), ("seller", "mark_ready"), ("seller", "ship"), ("seller", "mark_delivered")],
    "completed": [("seller", "accept"), ("seller", "mark_ready"), ("seller", "ship"), ("buyer", "confirm_receipt")],
    "disputed": [("seller", "accept"), ("seller", "mark_ready"), ("seller", "ship"), ("buyer", "dispute")],
    "rejected": [("seller", "reject")],
    "cancelled": [("buyer", "cancel")],
}


def make_order(buyer, listing, quantity=10, status="paid", seller=None, coordinator=None):
    """An order of `quantity` of `listing` placed by `buyer` through the real services (cart, checkout, payment
    interface, the actions of each side), moved on to `status`. Returns the order."""
    from decimal import Decimal

    from marketplace.core.submissions import new_submission_token
    from marketplace.orders import payment, services
    from marketplace.orders.services import DeliveryChoice

    seller = seller or make_user("seller", organization=listing.organization)
    services.put_in_cart(buyer, listing, Decimal(quantity))
    choices = {listing.organization_id: DeliveryChoice("pickup")}
    plan = services.plan_checkout(buyer, choices)
    checkout = services.place_checkout(buyer, choices, "", "", plan.fingerprint, new_submission_token())
    (order,) = checkout.orders
    if status == "awaiting_payment":
        return order
    payment.mark_checkout_paid(checkout.id, reference="factory")
    if status == "refunded":
        for who, name in _ORDER_PATH["disputed"]:
            services.act_on_order(
                buyer if who == "buyer" else seller, order, name, reason="Alasan uji", delivery_note_number="SJ-1"
            )
        services.act_on_order(coordinator, order, "resolve_refunded", reason="Barang rusak")
        return order
    for who, name in _ORDER_PATH.get(status, []):
        services.act_on_order(
            buyer if who == "buyer" else seller, order, name, reason="Alasan uji", delivery_note_number="SJ-1"
        )
    return order


def make_sentra_order(buyer, sentra, product_type, quantity=10, paid=False):
    """A sentra order placed by `buyer` through the real services (the split as the allocator proposes it), paid
    through the payment interface when `paid`. Returns the sentra order."""
    from decimal import Decimal

    from marketplace.core.submissions import new_submission_token
    from marketplace.orders import payment, sentra_orders

    data = sentra_orders.SentraOrderRequest(product_type_id=product_type.id, quantity=Decimal(quantity))
    plan = sentra_orders.plan_sentra_order(buyer, sentra, data)
    placed = sentra_orders.place_sentra_order(buyer, sentra, data, plan.fingerprint, True, new_submission_token())
    if paid:
        payment.mark_checkout_paid(placed.rounds[0].checkout_id, reference="factory")
    return placed
