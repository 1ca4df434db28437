"""Catalog part of the demo world: product types and listings with placeholder photos made by Pillow."""

import io
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from marketplace.catalog import search
from marketplace.catalog import stock as stock_moves
from marketplace.catalog.models import Category, Listing, ProductType
from marketplace.catalog.services import _store_photos
from marketplace.extensions import db

# The platform's categories (the first migration inserts the same ones; the demo makes sure they exist).
CATEGORIES = [
    ("paving-block", "Paving block", "Paving blocks", 1),
    ("bata-ringan", "Bata ringan", "Lightweight bricks", 2),
    ("batako", "Batako", "Concrete blocks (batako)", 3),
    ("genteng-roster", "Genteng & roster", "Roof tiles & vent blocks", 4),
    ("aluminium-ingot", "Aluminium ingot", "Aluminium ingots", 5),
    ("slag-flux-powder", "Slag flux & powder", "Slag flux & powder", 6),
    ("lainnya", "Lainnya", "Other", 7),
]

# slug, category, name, English name, unit, spec, SNI, slag kg per unit, photo colour
PRODUCT_TYPES = [
    (
        "paving-k300-6cm",
        "paving-block",
        "Paving block K-300, 6 cm",
        "Paving block K-300, 6 cm thick",
        "m2",
        "Tebal 6 cm, kuat tekan minimum 300 kg/cm² (mutu B), campuran slag aluminium.",
        "SNI 03-0691-1996",
        "22",
        (120, 120, 130),
    ),
    (
        "paving-k225-8cm",
        "paving-block",
        "Paving block K-225, 8 cm",
        "Paving block K-225, 8 cm thick",
        "m2",
        "Tebal 8 cm, kuat tekan minimum 225 kg/cm² (mutu C).",
        "SNI 03-0691-1996",
        "28",
        (150, 110, 90),
    ),
    (
        "bata-ringan-60x20x10",
        "bata-ringan",
        "Bata ringan 60×20×10 cm",
        "Lightweight brick (AAC) 60×20×10 cm",
        "m3",
        "Bata ringan (hebel) 60×20×10 cm, berat jenis ±600 kg/m³.",
        None,
        "140",
        (225, 225, 215),
    ),
    (
        "batako-press",
        "batako",
        "Batako press 40×20×10 cm",
        "Pressed concrete block 40×20×10 cm",
        "pcs",
        "Batako press mesin, 40×20×10 cm.",
        "SNI 03-0349-1989",
        "3.5",
        (160, 160, 150),
    ),
    (
        "aluminium-ingot-adc12",
        "aluminium-ingot",
        "Aluminium ingot ADC12",
        "Aluminium ingot ADC12",
        "kg",
        "Ingot aluminium paduan ADC12 hasil peleburan ulang dross dan slag.",
        None,
        "4",
        (190, 195, 205),
    ),
    (
        "slag-flux",
        "slag-flux-powder",
        "Slag flux",
        "Aluminium slag flux",
        "ton",
        "Flux dari slag aluminium untuk industri pengecoran.",
        None,
        "1000",
        (90, 90, 95),
    ),
]

# owner email, product type slug, title, price, stock, min order, multiple, lead days, capacity, status
LISTINGS = [
    (
        "ikm1@jombang.example.com",
        "paving-k300-6cm",
        "Paving K-300 abu-abu 6 cm",
        85_000,
        "1200",
        "10",
        "5",
        5,
        "4000",
        "active",
    ),
    (
        "ikm1@jombang.example.com",
        "paving-k225-8cm",
        "Paving K-225 8 cm untuk area parkir",
        78_000,
        "800",
        "10",
        "5",
        7,
        "3000",
        "active",
    ),
    (
        "ikm1@jombang.example.com",
        "paving-k300-6cm",
        "Paving K-300 merah 6 cm",
        88_000,
        "300",
        "10",
        "5",
        10,
        "1500",
        "pending_review",
    ),
    ("ikm2@jombang.example.com", "slag-flux", "Slag flux curah", 1_250_000, "40", "1", "1", 3, "60", "active"),
    (
        "ikm2@jombang.example.com",
        "aluminium-ingot-adc12",
        "Ingot ADC12 hasil daur ulang",
        38_500,
        "2500",
        "100",
        "50",
        7,
        "8000",
        "active",
    ),
    (
        "ikm3@jombang.example.com",
        "bata-ringan-60x20x10",
        "Bata ringan presisi 10 cm",
        650_000,
        "90",
        "5",
        "1",
        7,
        "300",
        "active",
    ),
    (
        "ikm3@jombang.example.com",
        "batako-press",
        "Batako press mesin",
        3_200,
        "15000",
        "500",
        "100",
        4,
        "40000",
        "pending_review",
    ),
    (
        "ikm4@jombang.example.com",
        "aluminium-ingot-adc12",
        "Aluminium ingot ADC12 standar pabrik",
        38_500,
        "4000",
        "100",
        "50",
        5,
        "10000",
        "active",
    ),
    ("ikm4@jombang.example.com", "slag-flux", "Slag flux kemasan karung", 1_300_000, "25", "1", "1", 5, "40", "active"),
    (
        "ikm5@jombang.example.com",
        "batako-press",
        "Batako press 40×20×10",
        3_100,
        "20000",
        "500",
        "100",
        3,
        "50000",
        "active",
    ),
    ("ikm5@jombang.example.com", "paving-k225-8cm", "Paving K-225 hemat", 79_000, "0", "10", "5", 14, "2000", "active"),
    (
        "ikm6@jombang.example.com",
        "aluminium-ingot-adc12",
        "Ingot ADC12 siap cor",
        38_500,
        "1500",
        "100",
        "50",
        10,
        "6000",
        "active",
    ),
    (
        "ikm6@jombang.example.com",
        "paving-k300-6cm",
        "Paving K-300 hitam 6 cm",
        86_000,
        "600",
        "10",
        "5",
        6,
        "2500",
        "active",
    ),
    (
        "ikm6@jombang.example.com",
        "bata-ringan-60x20x10",
        "Bata ringan 7,5 cm",
        640_000,
        "50",
        "5",
        "1",
        9,
        "200",
        "pending_review",
    ),
    (
        "ikm1@ceper.example.com",
        "aluminium-ingot-adc12",
        "Ingot aluminium Ceper",
        40_000,
        "3000",
        "100",
        "50",
        7,
        "9000",
        "active",
    ),
]

DESCRIPTION = (
    "{title}, dibuat oleh {ikm} di {sentra}.\n"
    "Bahan baku memanfaatkan slag aluminium sehingga mengurangi limbah industri.\n"
    "Pengiriman ke seluruh Jawa Timur; hubungi kami untuk jadwal produksi."
)


class _DemoUpload:
    """Quacks like an uploaded file: the photo goes through the same checks as a seller's."""

    def __init__(self, data, filename):
        self.stream = io.BytesIO(data)
        self.filename = filename


def placeholder_photo(text, colour, variant=0):
    image = Image.new("RGB", (1200, 900), colour)
    draw = ImageDraw.Draw(image)
    # A brick pattern, so the photo looks like a product and not a flat colour.
    shade = tuple(max(c - 25, 0) for c in colour)
    for row in range(0, 900, 90):
        offset = 0 if (row // 90 + variant) % 2 == 0 else 100
        for col in range(-200, 1200, 200):
            draw.rectangle([col + offset + 6, row + 6, col + offset + 194, row + 84], outline=shade, width=6)
    font = ImageFont.load_default(size=56)
    draw.rectangle([0, 760, 1200, 900], fill=(25, 135, 84))
    draw.text((40, 790), text[:38], fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def seed_catalog(users_by_email):
    """Product types and listings for the demo IKMs; returns how many listings exist."""
    categories = {}
    for slug, name, name_en, position in CATEGORIES:
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            category = Category(slug=slug, name=name, name_en=name_en, position=position)
            db.session.add(category)
        categories[slug] = category
    db.session.flush()

    types = {}
    for slug, cat, name, name_en, unit, spec, sni, slag, colour in PRODUCT_TYPES:
        product_type = db.session.scalar(select(ProductType).where(ProductType.slug == slug))
        if product_type is None:
            product_type = ProductType(
                slug=slug,
                category=categories[cat],
                name=name,
                name_en=name_en,
                unit=unit,
                spec=spec,
                sni_standard=sni,
                slag_kg_per_unit=Decimal(slag),
            )
            db.session.add(product_type)
        elif product_type.name_en is None:  # a demo made before product types had English names
            product_type.name_en = name_en
            search.reindex("product_type", product_type.id)
        types[slug] = (product_type, colour)
    db.session.flush()

    for n, (email, type_slug, title, price, stock, min_order, multiple, lead, capacity, status) in enumerate(LISTINGS):
        org = users_by_email[email].organization
        if db.session.scalar(select(Listing.id).where(Listing.organization_id == org.id, Listing.title == title)):
            continue
        product_type, colour = types[type_slug]
        listing = Listing(
            organization=org,
            product_type=product_type,
            title=title,
            description=DESCRIPTION.format(title=title, ikm=org.name, sentra=org.sentra.name),
            price_idr=price,
            min_order=Decimal(min_order),
            order_multiple=Decimal(multiple),
            lead_time_days=lead,
            capacity_per_month=Decimal(capacity),
            certification_note=f"Sesuai {product_type.sni_standard}" if product_type.sni_standard else "",
            # The demo starts where real listings would be after review: born in that status (nobody moved it).
            status=status,
        )
        stock_moves.set_initial(listing, Decimal(stock))  # written as its 'initial' movement with the INSERT
        db.session.add(listing)
        db.session.flush()
        photos = [_DemoUpload(placeholder_photo(title, colour, v), f"{n}-{v}.jpg") for v in range(2)]
        _store_photos(listing, photos)
        db.session.flush()
        search.index_listing(listing.id)
    return db.session.query(Listing).count()
