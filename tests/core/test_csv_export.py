"""CSV downloads: a byte-order mark for Excel, numbers as numbers, and text that a spreadsheet would run as a formula
defused with an apostrophe."""

import csv
import io

import pytest

from marketplace.core.csv_export import csv_response, safe_cell


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+62 812", "'+62 812"),
        ("-R-9", "'-R-9"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("UD Paving Mandiri", "UD Paving Mandiri"),
        (None, ""),
        (850_000, 850_000),
        (-5, -5),
        (True, "1"),
    ],
)
def test_cells_that_would_run_as_formulas_are_defused(value, shown):
    assert safe_cell(value) == shown


def test_a_csv_download_is_an_attachment_kept_by_no_cache(app):
    with app.test_request_context():
        response = csv_response("saldo.csv", ["IKM", "Saldo (Rp)"], [("=cmd", 5), ("UD A", 7)])
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [["IKM", "Saldo (Rp)"], ["'=cmd", "5"], ["UD A", "7"]]
    assert response.headers["Content-Disposition"] == 'attachment; filename="saldo.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.mimetype == "text/csv"
