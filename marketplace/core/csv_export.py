"""CSV downloads: one helper for every table a page offers as a file.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return) as a formula, so text that
came from users (an IKM's name, a bank reference) is prefixed with an apostrophe: it opens as the text it is.
Numbers stay numbers. Excel opens UTF-8 correctly only with a byte-order mark, so the file starts with one.
"""

import csv
import io

from flask import Response

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_response(filename, header, rows):
    """A CSV download of `rows` (sequences of cells) under `header`, as an attachment named `filename`."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
