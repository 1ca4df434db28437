"""Images made on the fly for upload tests: real ones, and files that only pretend to be."""

import io
import zlib

from PIL import Image


def image_bytes(fmt="JPEG", size=(800, 600), color=(200, 120, 40), exif=False):
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCameraMaker"  # Make
        data[0x8825] = {2: (7, 33, 0)}  # GPS info
        image.save(out, format=fmt, exif=data.tobytes())
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def php_as_jpg():
    return b"<?php system($_GET['cmd']); ?>\n"


def truncated_png():
    return image_bytes("PNG", size=(400, 400))[:200]


def decompression_bomb_png():
    """A small PNG whose header claims 20000 x 20000 pixels (400 megapixels)."""
    width = height = 20000

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    row = b"\x00" + b"\x00" * width
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(50)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return (io.BytesIO(data), name, content_type)
