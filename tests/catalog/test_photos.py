"""Photos are verified by decoding, bounded, stripped of metadata and re-encoded; bad files store nothing."""

import io
import os

import pytest
from flask_babel import force_locale
from PIL import Image

from marketplace.catalog.models import ListingPhoto
from marketplace.core.images import MAX_BYTES, ImageRejected, process_upload
from marketplace.core.storage import get_storage
from marketplace.core.submissions import new_submission_token
from marketplace.core.transaction import transaction
from tests.catalog import images
from tests.helpers import table_counts


def stored_files():
    root = get_storage().root
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_real_images_are_accepted_and_re_encoded(fmt):
    processed = process_upload(io.BytesIO(images.image_bytes(fmt, size=(3000, 2000))))
    display = Image.open(io.BytesIO(processed.display))
    thumb = Image.open(io.BytesIO(processed.thumb))
    assert display.format == thumb.format == "WEBP"
    assert max(display.size) == 1600 and max(thumb.size) == 480
    assert (processed.width, processed.height) == display.size


def test_exif_and_gps_are_stripped():
    original = images.image_bytes("JPEG", exif=True)
    assert b"SecretCameraMaker" in original
    processed = process_upload(io.BytesIO(original))
    assert b"SecretCameraMaker" not in processed.display
    assert not Image.open(io.BytesIO(processed.display)).getexif()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (images.php_as_jpg(), "not a valid"),
        (images.truncated_png(), "not a valid"),
        (images.decompression_bomb_png(), "40 megapixels"),
        (images.image_bytes("GIF"), "Only JPEG, PNG or WebP"),
        (b"", "empty"),
        (b"\xff\xd8\xff" + b"\x00" * 100, "not a valid"),
    ],
    ids=["php-renamed-jpg", "truncated-png", "decompression-bomb", "gif", "empty", "jpeg-magic-only"],
)
def test_files_that_are_not_acceptable_images_are_refused(data, message):
    with pytest.raises(ImageRejected) as refused:
        process_upload(io.BytesIO(data))
    with force_locale("en"):
        assert message in str(refused.value.message)


def test_files_over_8_mb_are_refused_without_reading_everything():
    class Endless(io.RawIOBase):
        read_bytes = 0

        def read(self, n=-1):
            self.read_bytes += n
            return b"\x00" * n

    stream = Endless()
    with pytest.raises(ImageRejected) as refused:
        process_upload(stream)
    with force_locale("en"):
        assert "larger than 8 MB" in str(refused.value.message)
    assert stream.read_bytes == MAX_BYTES + 1


def _listing_form(w, **overrides):
    data = {
        "submission_token": new_submission_token(),
        "product_type_id": str(w.product_type.id),
        "title": "Paving block K-300 abu-abu",
        "description": "Baris satu\nBaris dua",
        "price_idr": "85000",
        "stock": "500",
        "expected_stock": "500",  # what the edit page of a factory-made listing shows
        "min_order": "10",
        "order_multiple": "5",
        "lead_time_days": "7",
        "capacity_per_month": "3000",
        "certification_note": "",
    }
    data.update(overrides)
    return data


def test_a_php_file_named_jpg_stores_nothing(client, catalog_world, login_as):
    login_as("seller")
    before, files = table_counts(), stored_files()
    data = {**_listing_form(catalog_world), "photos": [images.upload(images.php_as_jpg(), "shell.jpg")]}
    response = client.post("/seller/listings/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "File ini bukan gambar JPEG, PNG, atau WebP yang valid." in response.get_data(as_text=True)
    assert table_counts() == before
    assert stored_files() == files


def test_one_bad_file_among_good_ones_stores_none_of_them(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.draft_listing
    before, files = table_counts(), stored_files()
    photos = [images.upload(images.image_bytes()), images.upload(images.truncated_png(), "b.png", "image/png")]
    client.post(
        f"/seller/listings/{listing.id}/edit",
        data={**_listing_form(catalog_world), "photos": photos},
        content_type="multipart/form-data",
    )
    assert table_counts() == before
    assert stored_files() == files


def test_a_listing_keeps_at_most_eight_photos_and_the_first_is_the_cover(client, db, catalog_world, login_as):
    login_as("seller")
    data = {**_listing_form(catalog_world), "photos": [images.upload(images.image_bytes()) for _ in range(8)]}
    response = client.post("/seller/listings/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    listing_id = int(response.headers["Location"].split("/")[-2])
    photos = db.session.scalars(db.select(ListingPhoto).where(ListingPhoto.listing_id == listing_id)).all()
    assert len(photos) == 8
    assert [p.is_cover for p in photos] == [True] + [False] * 7
    ninth = {**_listing_form(catalog_world), "photos": [images.upload(images.image_bytes())]}
    page = client.post(f"/seller/listings/{listing_id}/edit", data=ninth, content_type="multipart/form-data")
    assert page.status_code == 200
    assert len(db.session.scalars(db.select(ListingPhoto).where(ListingPhoto.listing_id == listing_id)).all()) == 8


def test_seller_changes_the_cover_and_removes_photos(client, db, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.draft_listing
    client.post(
        f"/seller/listings/{listing.id}/edit",
        data={**_listing_form(catalog_world), "photos": [images.upload(images.image_bytes())]},
        content_type="multipart/form-data",
    )
    first, second = listing.photos
    assert first.is_cover and not second.is_cover
    client.post(f"/seller/listings/{listing.id}/photos/{second.id}/cover")
    assert second.is_cover and not first.is_cover
    display_path = get_storage().full_path(second.display_key)
    assert display_path.exists()
    client.post(f"/seller/listings/{listing.id}/photos/{second.id}/delete")
    assert listing.photos == [first] and first.is_cover
    assert not display_path.exists()


def test_stored_photos_are_served_as_webp(client, catalog_world, login_as):
    login_as("seller")
    listing = catalog_world.draft_listing
    client.post(
        f"/seller/listings/{listing.id}/edit",
        data={
            **_listing_form(catalog_world),
            "photos": [images.upload(images.image_bytes("PNG"), "a.png", "image/png")],
        },
        content_type="multipart/form-data",
    )
    photo = listing.photos[-1]
    response = client.get(f"/media/{photo.thumb_key}")
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert Image.open(io.BytesIO(response.data)).format == "WEBP"


class _Upload:
    def __init__(self, data):
        self.stream = io.BytesIO(data)
        self.filename = "photo.jpg"


def test_photos_saved_for_a_change_that_rolls_back_are_removed(db, catalog_world):
    from marketplace.catalog.services import add_photos

    files = stored_files()
    add_photos(catalog_world.seller, catalog_world.draft_listing, [_Upload(images.image_bytes())])
    assert len(stored_files() - files) == 2  # display size and thumbnail
    db.session.rollback()
    assert stored_files() == files


def test_a_removed_photo_stays_on_disk_until_the_removal_commits(db, catalog_world):
    from marketplace.catalog.services import add_photos, remove_photo

    [photo] = add_photos(catalog_world.seller, catalog_world.draft_listing, [_Upload(images.image_bytes())])
    db.session.commit()
    path = get_storage().full_path(photo.display_key)
    # The removal is part of a larger unit of work that then fails: the file must survive.
    with pytest.raises(RuntimeError), transaction():
        remove_photo(catalog_world.seller, catalog_world.draft_listing, photo)
        raise RuntimeError("a later step of the same operation failed")
    assert path.exists()
    photo = db.session.get(ListingPhoto, photo.id)
    remove_photo(catalog_world.seller, db.session.get(type(catalog_world.draft_listing), photo.listing_id), photo)
    assert not path.exists()  # the operation committed, then the file went


def test_phone_multi_picture_jpegs_are_accepted():
    image = Image.new("RGB", (640, 480), (10, 20, 30))
    out = io.BytesIO()
    image.save(out, format="MPO", save_all=True, append_images=[Image.new("RGB", (640, 480))])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    assert process_upload(io.BytesIO(out.getvalue())).width == 640


def test_only_catalog_photos_are_served(client, db, catalog_world):
    storage = get_storage()
    storage.save("private/proof.webp", images.image_bytes("WEBP"))
    assert client.get("/media/private/proof.webp").status_code == 404
