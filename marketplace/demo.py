"""The demo world for `flask seed-demo`: idempotent, found again by slug, NIB and email."""

from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.models import Organization, OrganizationKind, OrganizationStatus, Sentra, User
from marketplace.accounts.services import hash_password
from marketplace.catalog.demo import seed_catalog
from marketplace.core.roles import Role
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.orders.demo import demo_counts, seed_orders
from marketplace.orders.sentra_demo import seed_sentra_orders
from marketplace.payments.demo import demo_counts as payment_counts
from marketplace.payments.demo import seed_payment_settings, seed_payments
from marketplace.pricing.demo import CEPER_SCHEDULES, seed_pricing, seed_requests_and_sanctions

DEMO_PASSWORD = "demo-pasar-2026"  # noqa: S105 (published demo password)
JOINED_AGO, APPROVED_AGO = timedelta(days=450), timedelta(days=447)

SENTRAS = [
    {
        "slug": "slag-aluminium-jombang",
        "name": "Sentra IKM Slag Aluminium Jombang",
        "regency": "Kabupaten Jombang",
        "province": "Jawa Timur",
        "description": (
            "Sentra IKM pengolahan limbah slag aluminium di Kecamatan Sumobito. IKM di sini mengolah slag "
            "menjadi paving block, bata ringan, batako dan aluminium daur ulang, dengan mesin bersama dan "
            "laboratorium uji produk."
        ),
    },
    {
        "slug": "logam-ceper-klaten",
        "name": "Sentra IKM Logam Ceper",
        "regency": "Kabupaten Klaten",
        "province": "Jawa Tengah",
        "description": "Sentra IKM pengecoran logam di Kecamatan Ceper: komponen cor dan aluminium ingot.",
    },
]

# (owner email, business name, NIB, workers, village, status)
JOMBANG_IKMS = [
    ("ikm1@jombang.example.com", "UD Paving Mandiri Sumobito", "9120001000001", 24, "Desa Sumobito", "approved"),
    ("ikm2@jombang.example.com", "CV Slag Jaya Abadi", "9120001000002", 31, "Desa Badas", "approved"),
    ("ikm3@jombang.example.com", "UD Bata Ringan Sentosa", "9120001000003", 18, "Desa Mentoro", "approved"),
    ("ikm4@jombang.example.com", "IKM Logam Mulya Jombang", "9120001000004", 42, "Desa Sumobito", "approved"),
    ("ikm5@jombang.example.com", "UD Batako Karya Bersama", "9120001000005", 15, "Desa Segodorejo", "approved"),
    ("ikm6@jombang.example.com", "CV Aluminium Daur Ulang Sejahtera", "9120001000006", 27, "Desa Plemahan", "approved"),
    ("ikm7@jombang.example.com", "UD Berkah Slag Baru", "9120001000007", 6, "Desa Kedungpapar", "pending"),
]

CEPER_IKMS = [
    ("ikm1@ceper.example.com", "UD Cor Logam Ceper Makmur", "9120002000001", 35, "Desa Tegalrejo", "approved"),
]

# (owner email, company, NPWP, regency, province)
BUYERS = [
    (
        "pembeli@pabrik.example.com",
        "PT Sinar Peralatan Rumah Tangga",
        "0123456789012345",
        "Kabupaten Sidoarjo",
        "Jawa Timur",
    ),
    ("pembeli2@pabrik.example.com", "PT Aluminium Cor Nusantara", "0234567890123456", "Kabupaten Gresik", "Jawa Timur"),
    ("pembeli3@pabrik.example.com", "PT Bangun Beton Surabaya", "0345678901234567", "Kota Surabaya", "Jawa Timur"),
]

STAFF = [
    ("admin@pasar.example.com", "Admin Pasar Sentra", Role.ADMIN, None),
    ("koordinator@jombang.example.com", "Koordinator Sentra Jombang", Role.COORDINATOR, "slag-aluminium-jombang"),
    ("koordinator@ceper.example.com", "Koordinator Sentra Ceper", Role.COORDINATOR, "logam-ceper-klaten"),
]


def _user(email, full_name, role, password_hash, organization=None, sentra=None, is_owner=False):
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            full_name=full_name,
            role=role,
            organization=organization,
            sentra=sentra,
            is_owner=is_owner,
            password_hash=password_hash,
            verified_at=utcnow(),
            locale="id",
        )
        db.session.add(user)
    return user


def _ikm(sentra, email, name, nib, workers, village, status, password_hash):
    org = db.session.scalar(select(Organization).where(Organization.nib == nib))
    if org is None:
        org = Organization(
            kind=OrganizationKind.IKM,
            name=name,
            nib=nib,
            is_pkp=workers >= 30,
            npwp=f"0{nib[-6:]}123456789" if workers >= 30 else None,
            sentra=sentra,
            address=f"Jl. Raya {village.removeprefix('Desa ')} No. {int(nib[-2:]) + 10}, {village}",
            regency=sentra.regency,
            province=sentra.province,
            workers=workers,
            contact_person=f"Pemilik {name.split(' ', 1)[1]}",
            phone=f"0812 3400 {nib[-4:]}",
            email=email,
            status=status,
            # The approved IKMs joined when the sentra opened the marketplace, before its first prices and the demo's
            # year of orders; the one waiting for approval registered today.
            created_at=utcnow() - (JOINED_AGO if status != OrganizationStatus.PENDING else timedelta(0)),
            status_changed_at=utcnow() - APPROVED_AGO if status != OrganizationStatus.PENDING else None,
        )
        db.session.add(org)
    if org.public_phone is None and status == OrganizationStatus.APPROVED:
        # A WhatsApp number published to signed-in buyers (filled into an older demo database too).
        org.public_phone = f"0813 5500 {nib[-4:]}"
    _user(email, org.contact_person, Role.SELLER, password_hash, organization=org, is_owner=True)
    return org


def seed_demo():
    """Create whatever part of the demo world is missing; return counts of what exists."""
    password_hash = hash_password(DEMO_PASSWORD)
    sentras = {}
    for data in SENTRAS:
        sentra = db.session.scalar(select(Sentra).where(Sentra.slug == data["slug"]))
        if sentra is None:
            sentra = Sentra(**data)
            db.session.add(sentra)
        sentras[data["slug"]] = sentra
    db.session.flush()

    for row in JOMBANG_IKMS:
        _ikm(sentras["slag-aluminium-jombang"], *row, password_hash)
    for row in CEPER_IKMS:
        _ikm(sentras["logam-ceper-klaten"], *row, password_hash)

    for email, company, npwp, regency, province in BUYERS:
        org = db.session.scalar(
            select(Organization).where(Organization.kind == OrganizationKind.BUYER, Organization.name == company)
        )
        if org is None:
            org = Organization(
                kind=OrganizationKind.BUYER,
                name=company,
                npwp=npwp,
                address="Kawasan Industri, Blok A No. 7",
                regency=regency,
                province=province,
                contact_person=f"Bagian Pembelian {company.removeprefix('PT ')}",
                phone="031 8970 1234",
                email=email,
                status=OrganizationStatus.APPROVED,
                created_at=utcnow() - JOINED_AGO,  # buying for a year already
            )
            db.session.add(org)
        _user(email, org.contact_person, Role.BUYER, password_hash, organization=org, is_owner=True)

    for email, name, role, slug in STAFF:
        _user(email, name, role, password_hash, sentra=sentras[slug] if slug else None)
    db.session.flush()

    users = {u.email: u for u in db.session.scalars(select(User).where(User.organization_id.is_not(None)))}
    listings = seed_catalog(users)

    coordinator = db.session.scalar(select(User).where(User.email == "koordinator@jombang.example.com"))
    seed_pricing(sentras["slag-aluminium-jombang"], coordinator)
    seed_requests_and_sanctions(sentras["slag-aluminium-jombang"], coordinator)
    ceper_coordinator = db.session.scalar(select(User).where(User.email == "koordinator@ceper.example.com"))
    schedules = seed_pricing(sentras["logam-ceper-klaten"], ceper_coordinator, CEPER_SCHEDULES)
    seed_payment_settings()
    seed_orders()
    sentra_orders = seed_sentra_orders()  # after the year of orders the allocator reads, before their payouts
    seed_payments()

    return {
        "listings": listings,
        "price schedules": schedules,
        "sentras": db.session.query(Sentra).count(),
        "organizations": db.session.query(Organization).count(),
        "users": db.session.query(User).count(),
        **demo_counts(),
        "sentra orders": sentra_orders,
        **payment_counts(),
    }
