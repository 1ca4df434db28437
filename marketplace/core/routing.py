"""URL pieces shared by every domain: ids that fit the database, page numbers that stay in range."""

from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
MAX_PAGE = 10_000


class BoundedIntConverter(IntegerConverter):
    """<int:…> that only matches numbers a database id can hold: a 30-digit id is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def page_arg():
    """The ?page= number, from 1 to MAX_PAGE; junk means page 1."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)
