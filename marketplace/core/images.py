"""Uploaded images: verified by decoding, bounded, stripped of metadata and re-encoded."""

import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.core.errors import DomainError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
# MPO is the multi-picture JPEG many phones write; only its first frame is decoded and kept.
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
DISPLAY_SIZE = (1600, 1600)
THUMB_SIZE = (480, 480)


class ImageRejected(DomainError):
    """The upload is not an image we accept; nothing was stored."""


@dataclass
class ProcessedImage:
    display: bytes
    thumb: bytes
    width: int
    height: int


def _encode(image, size):
    copy = image.copy()
    copy.thumbnail(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh WebP without EXIF, ICC or other metadata: nothing of the original file survives.
    copy.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue(), copy.size


def process_upload(stream):
    """Decode, check and re-encode an uploaded image; raise ImageRejected with a clear message."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRejected(_l("The photo is larger than 8 MB."))
    if not data:
        raise ImageRejected(_l("The file is empty."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ImageRejected(_l("Only JPEG, PNG or WebP photos are accepted."))
            width, height = probe.size
            # Checked before decoding the pixels, so a decompression bomb is never expanded.
            if width * height > MAX_PIXELS:
                raise ImageRejected(_l("The photo has more than 40 megapixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
            display, (w, h) = _encode(image, DISPLAY_SIZE)
            thumb, _ = _encode(image, THUMB_SIZE)
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own guard, for headers far past our limit
        raise ImageRejected(_l("The photo has more than 40 megapixels.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(_l("This file is not a valid JPEG, PNG or WebP image.")) from exc
    return ProcessedImage(display=display, thumb=thumb, width=w, height=h)
