"""Transfer proofs: a photo or a PDF of a bank transfer, decoded and written anew before it is stored.

Photos go through the same checks as listing photos (core/images.py) and are kept as a WebP of the display size.
A PDF is parsed and only its pages are copied into a new file: document actions, scripts, attached files, forms
and annotations (links included) are left behind, so what a coordinator opens is the printed page and nothing more.
"""

import io
import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from marketplace.core.errors import DomainError
from marketplace.core.images import MAX_BYTES, ImageRejected, process_upload

MAX_PDF_PAGES = 10
log = logging.getLogger(__name__)


class ProofRejected(DomainError):
    field = "proof"


@dataclass(frozen=True)
class ProcessedProof:
    data: bytes
    content_type: str
    extension: str


def process_proof(stream):
    """Decode, check and re-encode an uploaded transfer proof; ProofRejected with a clear message otherwise."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ProofRejected(_l("The file is larger than 8 MB."))
    if not data:
        raise ProofRejected(_l("The file is empty."))
    if data.lstrip()[:5] == b"%PDF-":
        return ProcessedProof(_rewrite_pdf(data), "application/pdf", "pdf")
    try:
        image = process_upload(io.BytesIO(data))
    except ImageRejected as error:
        not_an_image = str(error.message) in {str(message) for message in _NOT_AN_IMAGE}
        raise ProofRejected(WRONG_KIND if not_an_image else error.message) from error
    return ProcessedProof(image.display, "image/webp", "webp")


WRONG_KIND = _l("Upload a photo (JPEG, PNG or WebP) or a PDF of the transfer.")
# What core/images.py says of a file that is no photo we take: for a proof, a PDF is welcome too.
_NOT_AN_IMAGE = (
    _l("This file is not a valid JPEG, PNG or WebP image."),
    _l("Only JPEG, PNG or WebP photos are accepted."),
)


def _rewrite_pdf(data):
    unreadable = ProofRejected(_l("This PDF cannot be read. Upload the bank's PDF as it is, or a photo of it."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ProofRejected(_l("This PDF is protected with a password: upload one without, or a photo of it."))
        if not 1 <= len(reader.pages) <= MAX_PDF_PAGES:
            raise ProofRejected(_l("A proof has 1 to %(max)d pages.", max=MAX_PDF_PAGES))
        writer = PdfWriter()
        for page in reader.pages:
            copied = writer.add_page(page)
            for key in ("/Annots", "/AA"):
                if key in copied:
                    del copied[key]
        out = io.BytesIO()
        writer.write(out)
    except ProofRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as exc:
        log.info("transfer proof PDF refused: %s", exc)
        raise unreadable from exc
    result = out.getvalue()
    if len(result) > MAX_BYTES:
        raise ProofRejected(_l("The file is larger than 8 MB."))
    return result
