"""search index (PostgreSQL): each row keeps its ``terms`` in the row, out of TOAST

Revision ID: 0018
Revises: 0017

PostgreSQL only. Relevance reads the ``terms`` tsvector of every match it ranks. A search row
holds two whole-article vectors, ``terms`` and ``words`` (~1.4 and ~1.7 kB for a demo-sized
article, which pglz leaves uncompressed): past PostgreSQL's 2 kB threshold the larger went to the
TOAST table, and in a long article's row ``terms`` went too. Each such match then cost a lookup
in the TOAST index and a read of its chunk besides its row, one at a time (a bitmap heap scan
prefetches rows, never their TOAST). Long articles are the ones a common word matches most.

``terms`` gets the storage MAIN: it stays in its row unless the row cannot fit a page
(``words``, only read for prefixes, still goes out first). So do ``facets`` and ``author``:
PostgreSQL moves every other movable value out while a row is past 2 kB, and with ``terms`` kept
the next was ``facets`` (72 bytes), which a date range checks on each row read. At 5 million
bench articles, the same 20 outlets' rows copied in both layouts and searched alternately, cold
(a common word in one outlet's 365 days): p50 48.5 → 42.7 and 70.3 → 42.4 ms, the ranking
statement 31.2 → 28.8 and 43.4 → 27.8 ms; the search table's heap grows by a fifth.

Only rows written from now on are stored so (the migration is instant at any size); an existing
archive's rows move when rewritten: ``VACUUM FULL article_search`` (891 s at 5 million; search
waits meanwhile) or, while the portal runs, ``UPDATE article_search SET terms = terms ||
''::tsvector, facets = facets || ''::tsvector`` in batches of pks, each followed by ``VACUUM
article_search`` (docs/deploy.md).
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# ``words`` keeps the default (EXTENDED): it is the one that goes.
IN_ROW = ("terms", "author", "facets")


def _storage(kind: str) -> str:
    columns = ", ".join(f"ALTER COLUMN {name} SET STORAGE {kind}" for name in IN_ROW)
    return f"ALTER TABLE article_search {columns}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_storage("MAIN"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_storage("EXTENDED"))
