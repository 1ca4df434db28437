"""Full-text search over listings: one interface, two backends.

SQLite: an FTS5 table `listing_fts` (rowid = listing id), ranked by bm25.
PostgreSQL: a table `listing_search` with a tsvector and a GIN index, ranked by ts_rank.
Both use the 'simple' treatment of words (no stemming), so Indonesian and English words are
found alike and both backends return the same listings. The tables are made by the migrations.
"""

import re

from sqlalchemy import bindparam, column, text

from marketplace.accounts.signals import organization_renamed
from marketplace.extensions import db

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
_WORD = re.compile(r"\w+", re.UNICODE)

# The product type's and its category's names in both languages (a product type's English name may be empty).
_SQLITE_DOCUMENT = """
    SELECT l.id, l.title, l.description,
        pt.name || ' ' || COALESCE(pt.name_en, '') || ' ' || c.name || ' ' || c.name_en, o.name
    FROM listing l
    JOIN product_type pt ON pt.id = l.product_type_id
    JOIN category c ON c.id = pt.category_id
    JOIN organization o ON o.id = l.organization_id
"""

_PG_DOCUMENT = """
    SELECT l.id,
        setweight(to_tsvector('simple', l.title), 'A')
        || setweight(
            to_tsvector('simple', pt.name || ' ' || COALESCE(pt.name_en, '') || ' ' || c.name || ' ' || c.name_en), 'B'
        )
        || setweight(to_tsvector('simple', o.name), 'C')
        || setweight(to_tsvector('simple', l.description), 'D')
    FROM listing l
    JOIN product_type pt ON pt.id = l.product_type_id
    JOIN category c ON c.id = pt.category_id
    JOIN organization o ON o.id = l.organization_id
"""


def _dialect():
    return db.session.get_bind().dialect.name


def terms_of(query):
    """The words of a user's query, lower-cased and bounded: quotes and operators are dropped."""
    if not isinstance(query, str):
        return []
    words = [w.lower()[:MAX_TERM_LENGTH] for w in _WORD.findall(query[:2000])]
    return [w for w in dict.fromkeys(words) if w][:MAX_TERMS]


# Which listings to re-index: a fixed set of clauses, so no caller ever hands SQL text in.
_SCOPES = {
    "listing": "l.id = :scope_id",
    "organization": "l.organization_id = :scope_id",
    "product_type": "l.product_type_id = :scope_id",
    "category": "pt.category_id = :scope_id",
}


def reindex(scope, scope_id):
    """Rebuild the search rows of one listing, or of every listing of an IKM, product type or category."""
    where = _SCOPES[scope]
    params = {"scope_id": scope_id}
    # The documents are built in SQL from the rows: text() statements do not autoflush, so pending ORM changes
    # (a new IKM name, a new title) must reach the database first or the old words are indexed again.
    db.session.flush()
    if _dialect() == "postgresql":
        db.session.execute(
            text(
                f"INSERT INTO listing_search (listing_id, document) {_PG_DOCUMENT} WHERE {where} "  # noqa: S608
                "ON CONFLICT (listing_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            params,
        )
        return
    ids = f"SELECT l.id FROM listing l JOIN product_type pt ON pt.id = l.product_type_id WHERE {where}"  # noqa: S608
    db.session.execute(text(f"DELETE FROM listing_fts WHERE rowid IN ({ids})"), params)  # noqa: S608
    columns = "rowid, title, description, product_type, ikm_name"
    db.session.execute(text(f"INSERT INTO listing_fts ({columns}) {_SQLITE_DOCUMENT} WHERE {where}"), params)  # noqa: S608


def index_listing(listing_id):
    reindex("listing", listing_id)


def matches(query):
    """A selectable of (listing_id, rank) for the query's words (all must match, as prefixes); lower rank is better.

    None when the query has no words: the caller then shows everything.
    """
    words = terms_of(query)
    if not words:
        return None
    if _dialect() == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        return (
            text(
                "SELECT listing_id, -ts_rank(document, to_tsquery('simple', :tsquery)) AS rank "
                "FROM listing_search WHERE document @@ to_tsquery('simple', :tsquery)"
            )
            .bindparams(bindparam("tsquery", tsquery))
            .columns(column("listing_id"), column("rank"))
            .subquery("search_match")
        )
    fts_query = " ".join('"' + w.replace('"', "") + '"*' for w in words)
    return (
        text(
            "SELECT rowid AS listing_id, bm25(listing_fts, 10.0, 1.0, 5.0, 3.0) AS rank "
            "FROM listing_fts WHERE listing_fts MATCH :fts_query"
        )
        .bindparams(bindparam("fts_query", fts_query))
        .columns(column("listing_id"), column("rank"))
        .subquery("search_match")
    )


def is_search_table(name):
    """The search tables are made by hand in the migrations, not from the models: autogenerate leaves them be."""
    return name == "listing_search" or name.startswith("listing_fts")


def include_name(name, type_, parent_names):
    """Alembic filter: compare everything but the search tables."""
    return not (type_ == "table" and is_search_table(name))


@organization_renamed.connect
def _reindex_listings_of_renamed(organization):
    """Listings are found by their IKM's name too; runs in the renaming operation's transaction."""
    if organization.is_ikm:
        reindex("organization", organization.id)
