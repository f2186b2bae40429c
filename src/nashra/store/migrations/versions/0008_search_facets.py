"""search index: outlet, section, language and day as tokens of the SQLite index; 4-letter prefixes

Revision ID: 0008
Revises: 0004

SQLite only: the FTS5 table gets a ``facets`` column (see ``nashra.search.facets``) and a prefix
index for 4 letters besides 2 and 3. FTS5 cannot add a column, so the table is rebuilt from the
old one (its analysed tokens are copied, not recomputed) joined to ``articles``.
"""

from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen copies of what nashra.search.facets.SQL and migration 0004 say today.
_FACETS_SQL = (
    "'s' || lower(hex(a.source)) || ' c' || lower(hex(coalesce(a.section, ''))) "
    "|| ' l' || lower(hex(a.lang)) || ' y' || strftime('%Y', a.published) "
    "|| ' m' || strftime('%Y%m', a.published) || ' d' || strftime('%Y%m%d', a.published)"
)
_COLUMNS = "title, body, author, title_words, body_words"


def _create(columns: str, prefix: str, weights: str) -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE article_search USING fts5({columns}, "
        f"tokenize = 'unicode61 remove_diacritics 0', prefix = '{prefix}')"
    )
    op.execute(f"INSERT INTO article_search (article_search, rank) VALUES ('rank', '{weights}')")


def _rebuild(columns: str, prefix: str, weights: str, facets: bool) -> None:
    # A rename would rewrite the delete trigger of 0004 to name the old table: drop it first.
    op.execute("DROP TRIGGER IF EXISTS article_search_after_delete")
    op.execute("ALTER TABLE article_search RENAME TO article_search_old")
    _create(columns, prefix, weights)
    if facets:
        op.execute(
            f"INSERT INTO article_search (rowid, {_COLUMNS}, facets) "
            f"SELECT s.rowid, s.title, s.body, s.author, s.title_words, s.body_words, {_FACETS_SQL} "
            "FROM article_search_old AS s JOIN articles AS a ON a.pk = s.rowid"
        )
    else:
        op.execute(
            f"INSERT INTO article_search (rowid, {_COLUMNS}) "
            f"SELECT rowid, {_COLUMNS} FROM article_search_old"
        )
    op.execute("DROP TABLE article_search_old")
    op.execute(
        "CREATE TRIGGER article_search_after_delete AFTER DELETE ON articles "
        "BEGIN DELETE FROM article_search WHERE rowid = old.pk; END"
    )
    op.execute("INSERT INTO article_search (article_search) VALUES ('optimize')")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # ORDER BY rank: bm25 with the weights of 0004 and 0 for the facets (they only filter).
    _rebuild(f"{_COLUMNS}, facets", "2 3 4", "bm25(10.0, 1.0, 4.0, 10.0, 1.0, 0.0)", True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(_COLUMNS, "2 3", "bm25(10.0, 1.0, 4.0, 10.0, 1.0)", False)
