"""An order's documents as PDF: the invoice (faktur) and the delivery note (surat jalan).

They are in Indonesian whatever the reader's language: they go to finance departments, drivers and warehouse gates
in Indonesia, where these are the words on the paper (so their labels are not in the translation catalogs), and
amounts and dates are written the Indonesian way. The text is set in DejaVu Sans, vendored in fonts/ with its
licence: the core PDF fonts only do Latin-1, and company names, addresses and notes are typed by users.
"""

import unicodedata
from pathlib import Path

from flask_babel import force_locale
from fpdf import FPDF, FontFace, XPos, YPos

from marketplace.core.money import format_idr, format_quantity
from marketplace.core.timeutil import format_wib, utcnow
from marketplace.orders.models import DeliveryMethod, OrderStatus

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVuSans"
LOCALE = "id"
NONE = "—"
# The total page count in the footer. fpdf2 replaces its alias wherever it appears, user text included; private-use
# characters are taken out of user text (see _text), so none can spell it.
_PAGE_COUNT_ALIAS = "\ue000\ue000"

STATUS_LABELS = {
    OrderStatus.AWAITING_PAYMENT: "Menunggu pembayaran",
    OrderStatus.PAID: "Dibayar, menunggu konfirmasi penjual",
    OrderStatus.ACCEPTED: "Diterima penjual",
    OrderStatus.READY: "Siap diambil atau dikirim",
    OrderStatus.SHIPPED: "Dikirim",
    OrderStatus.DELIVERED: "Sampai di tujuan",
    OrderStatus.COMPLETED: "Selesai",
    OrderStatus.CANCELLED: "Dibatalkan",
    OrderStatus.REJECTED: "Ditolak penjual",
    OrderStatus.DISPUTED: "Dalam sengketa",
    OrderStatus.REFUNDED: "Dana dikembalikan",
}

# The IKM has taken the order on: from here it packs, prints the surat jalan and ships. Cancelled and rejected
# orders never got here; refunded ones did (a refund ends a dispute, after shipping).
DELIVERY_NOTE_STATUSES = (
    OrderStatus.ACCEPTED,
    OrderStatus.READY,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.DISPUTED,
    OrderStatus.REFUNDED,
)

_GREY = 95
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(232, 236, 241))


def has_invoice(order):
    """An order has an invoice once it is paid, and keeps it whatever happens next (a refund is shown on it)."""
    return order.paid_at is not None


def has_delivery_note(order):
    """An order has a delivery note once its IKM accepted it; the number is filled in when it ships."""
    return order.status in DELIVERY_NOTE_STATUSES


def invoice_pdf(order):
    """The order's invoice (faktur) as PDF bytes: both parties, its lines, its totals and its payment."""
    with force_locale(LOCALE):
        pdf = _Document(f"Faktur {order.number}")
        _title(pdf, "FAKTUR", order.number)
        _parties(pdf, ("Penjual", _seller_lines(order)), ("Pembeli", _buyer_lines(order)))
        _fields(
            pdf,
            [
                ("Nomor pesanan", order.number),
                ("Nomor checkout", order.checkout.number),
                ("Nomor PO", order.po_number or NONE),
                ("Tanggal pesanan", format_wib(order.created_at)),
                ("Pengiriman", _delivery_method(order)),
            ],
        )
        _invoice_lines(pdf, order)
        _invoice_totals(pdf, order)
        _payment(pdf, order)
        _small_print(
            pdf,
            "Faktur ini dibuat oleh Pasar Sentra atas nama penjual. Bukan Faktur Pajak: Faktur Pajak diterbitkan "
            "oleh penjual yang berstatus PKP melalui sistem Direktorat Jenderal Pajak.",
        )
        return bytes(pdf.output())


def delivery_note_pdf(order):
    """The order's delivery note (surat jalan) as PDF bytes: who sends what to where, without prices, to be signed."""
    with force_locale(LOCALE):
        pdf = _Document(f"Surat jalan {order.delivery_note_number or order.number}")
        _title(pdf, "SURAT JALAN", order.delivery_note_number or f"Pesanan {order.number}")
        _parties(pdf, ("Pengirim", _seller_lines(order)), ("Penerima", _buyer_lines(order)))
        _fields(
            pdf,
            [
                ("Nomor surat jalan", order.delivery_note_number or NONE),
                ("Nomor pesanan", order.number),
                ("Nomor PO", order.po_number or NONE),
                ("Tanggal kirim", format_wib(order.shipped_at) if order.shipped_at else NONE),
                ("Cara pengiriman", _delivery_method(order)),
                _destination(order),
            ]
            + ([("Catatan pembeli", order.note)] if order.note else []),
        )
        _delivery_lines(pdf, order)
        _signatures(
            pdf,
            (
                ("Pengirim", ("Nama:", "Tanggal:")),
                ("Sopir", ("Nama:", "No. kendaraan:", "Tanggal:")),
                ("Penerima", ("Nama:", "Tanggal:")),
            ),
        )
        return bytes(pdf.output())


# --- what the documents say -------------------------------------------------------------------------------------


def _seller_lines(order):
    seller = order.seller_organization
    lines = [seller.name, *_address_lines(seller)]
    if seller.nib:
        lines.append(f"NIB: {seller.nib}")
    if seller.npwp:
        lines.append(f"NPWP: {seller.npwp}")
    # The status the order was priced with (PPN or not), not today's.
    lines.append("PKP" if order.seller_is_pkp else "Bukan PKP")
    return lines


def _buyer_lines(order):
    buyer = order.buyer_organization
    lines = [buyer.name, *_address_lines(buyer)]
    if buyer.npwp:
        lines.append(f"NPWP: {buyer.npwp}")
    return lines


def _address_lines(organization):
    return [organization.address, f"{organization.regency}, {organization.province}"]


def _delivery_method(order):
    if order.delivery_method == DeliveryMethod.DELIVERY:
        return "Dikirim ke alamat pembeli"
    return "Diambil sendiri oleh pembeli"


def _destination(order):
    if order.delivery_method == DeliveryMethod.DELIVERY:
        return ("Alamat tujuan", order.delivery_address or NONE)
    seller = order.seller_organization
    return ("Tempat pengambilan", ", ".join((seller.name, seller.address, seller.regency)))


def _line_product(line):
    """The standard product, and the IKM's own title under it when it says something else."""
    if line.listing_title and line.listing_title != line.product_name:
        return f"{line.product_name}\n{line.listing_title}"
    return line.product_name


def _ppn_label(order):
    return f"PPN {format_quantity(order.ppn_percent)}%"


def _invoice_lines(pdf, order):
    rows = [
        (str(n), _line_product(line), _quantity(line), format_idr(line.unit_price_idr), format_idr(line.line_total_idr))
        for n, line in enumerate(order.lines, start=1)
    ]
    _table(
        pdf,
        ("No", "Produk", "Jumlah", "Harga satuan", "Total"),
        rows,
        col_widths=(10, 74, 26, 35, 35),
        align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
    )


def _invoice_totals(pdf, order):
    rows = [("Subtotal", format_idr(order.subtotal_idr)), ("Ongkos kirim", format_idr(order.delivery_fee_idr))]
    if order.seller_is_pkp:
        rows.append((_ppn_label(order), format_idr(order.ppn_idr)))
    if pdf.will_page_break(7 * (len(rows) + 1) + 4):
        pdf.add_page()
    pdf.ln(2)
    for label, value in rows:
        _total_row(pdf, label, value)
    _total_row(pdf, "Total", format_idr(order.total_idr), bold=True)
    pdf.ln(4)


def _total_row(pdf, label, value, bold=False):
    pdf.set_font(FONT, "B" if bold else "", 10.5 if bold else 9.5)
    pdf.set_x(pdf.l_margin + pdf.epw - 90)
    pdf.cell(50, 6.5 if bold else 5.5, _text(label), align="R", border="T" if bold else 0)
    pdf.cell(40, 6.5 if bold else 5.5, _text(value), align="R", border="T" if bold else 0)
    pdf.ln()


def _payment(pdf, order):
    rows = [("Status pembayaran", f"LUNAS, dibayar {format_wib(order.paid_at)}" if order.paid_at else "Belum dibayar")]
    if order.checkout.payment_reference:
        rows.append(("Referensi pembayaran", order.checkout.payment_reference))
    rows.append(("Status pesanan", STATUS_LABELS.get(order.status, order.status)))
    if order.refund_due_idr:
        rows.append(("Dikembalikan ke pembeli", format_idr(order.refund_due_idr)))
    _fields(pdf, rows)


def _delivery_lines(pdf, order):
    # Empty columns for the receiver: what arrived and in what state (the receipt, BAST, is made of them).
    rows = [
        (str(n), _line_product(line), format_quantity(line.quantity), line.unit_label, "", "")
        for n, line in enumerate(order.lines, start=1)
    ]
    _table(
        pdf,
        ("No", "Produk", "Jumlah", "Satuan", "Jumlah diterima", "Keterangan"),
        rows,
        col_widths=(10, 67, 22, 16, 25, 40),
        align=("RIGHT", "LEFT", "RIGHT", "LEFT", "RIGHT", "LEFT"),
        min_row_height=9,
    )


def _quantity(line):
    return f"{format_quantity(line.quantity)} {line.unit_label}"


# --- layout -----------------------------------------------------------------------------------------------------


class _Document(FPDF):
    """An A4 page with our fonts and a footer naming the document and the page."""

    def __init__(self, title):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document_title = _text(title)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.alias_nb_pages(_PAGE_COUNT_ALIAS)
        self.set_title(self.document_title)
        self.set_author("Pasar Sentra")
        self.set_creator("Pasar Sentra")
        self.set_lang("id-ID")
        self.add_page()

    def footer(self):
        self.set_y(-13)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(_GREY)
        self.cell(0, 4, f"{self.document_title} · dibuat {format_wib(utcnow())} · Pasar Sentra", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"Halaman {self.page_no()} dari {_PAGE_COUNT_ALIAS}", align="R")
        self.set_text_color(0)


def _title(pdf, title, number):
    pdf.set_font(FONT, "B", 18)
    pdf.cell(pdf.epw / 2, 10, title)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(pdf.epw / 2, 10, _text(number), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(_GREY)
    pdf.cell(0, 4, "Pasar Sentra: pasar daring Sentra IKM", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.set_draw_color(160)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.l_margin + pdf.epw, pdf.get_y() + 2)
    pdf.set_draw_color(0)
    pdf.ln(6)


def _parties(pdf, *parties):
    """Side by side: a heading, the name in bold, then its lines."""
    gap = 8
    width = (pdf.epw - gap * (len(parties) - 1)) / len(parties)
    top, bottom = pdf.get_y(), pdf.get_y()
    for i, (heading, (name, *lines)) in enumerate(parties):
        x = pdf.l_margin + i * (width + gap)
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 8)
        pdf.set_text_color(_GREY)
        pdf.cell(width, 5, heading.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(0)
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(width, 5.5, _text(name), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        for line in lines:
            pdf.multi_cell(width, 4.6, _text(line), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 5)


def _fields(pdf, rows, label_width=45):
    """Label, value rows; a long value wraps under itself."""
    for label, value in rows:
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(_GREY)
        pdf.cell(label_width, 5, label)
        pdf.set_text_color(0)
        pdf.multi_cell(0, 5, _text(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _table(pdf, headings, rows, col_widths, align, min_row_height=None):
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=col_widths,
        text_align=align,
        headings_style=_HEADINGS,
        line_height=4.8,
        padding=(1.5, 1.5),
        borders_layout="HORIZONTAL_LINES",
        min_row_height=min_row_height,
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for row in rows:
            table.row([_text(cell) for cell in row])
    pdf.ln(2)


def _signatures(pdf, signers):
    """A box per person who signs: who they are, room to sign, and lines to write their name, the date and so on."""
    gap, height, line_height = 6, 42, 6
    width = (pdf.epw - gap * (len(signers) - 1)) / len(signers)
    pdf.ln(4)
    if pdf.will_page_break(height + 2):
        pdf.add_page()
    top = pdf.get_y()
    for i, (role, blanks) in enumerate(signers):
        x = pdf.l_margin + i * (width + gap)
        pdf.rect(x, top, width, height)
        pdf.set_xy(x, top + 1.5)
        pdf.set_font(FONT, "B", 9.5)
        pdf.cell(width, 5, role, align="C")
        pdf.set_font(FONT, "", 8)
        for j, blank in enumerate(reversed(blanks), start=1):
            pdf.set_xy(x + 3, top + height - 2 - j * line_height)
            pdf.cell(width - 6, line_height - 1, blank, border="B")
    pdf.set_xy(pdf.l_margin, top + height + 4)


def _small_print(pdf, text):
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(_GREY)
    pdf.multi_cell(0, 4, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)


def _text(value):
    """User text made safe to print: control and private-use characters become spaces (line breaks stay)."""
    text = "" if value is None else str(value)
    return "".join(
        ch if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Co", "Cs") else " " for ch in text
    ).strip()
