"""search index: FTS5's ``ascii`` tokenizer instead of ``unicode61``

Revision ID: 0013
Revises: 0008

SQLite only. Every column of the index holds the analyser's output (``nashra.search.documents``):
folded, lower-case words made of letters and digits, separated by spaces. ``unicode61`` looked
up the Unicode category and case of every character of them to find the same boundaries;
``ascii`` splits on ASCII spaces and punctuation and keeps every other character as it is, so the
tokens are the same and each write (and query) costs less. FTS5 cannot change a tokenizer in
place: the table is rebuilt from the old one (its stored columns are copied and tokenised again,
about 40 s per 100,000 articles, once).
"""

from alembic import op

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen copies of what migration 0008 created.
_COLUMNS = "title, body, author, title_words, body_words, facets"
_RANK = "bm25(10.0, 1.0, 4.0, 10.0, 1.0, 0.0)"


def _rebuild(tokenizer: str) -> None:
    # A rename would rewrite the delete trigger to name the old table: drop it first.
    op.execute("DROP TRIGGER IF EXISTS article_search_after_delete")
    op.execute("ALTER TABLE article_search RENAME TO article_search_old")
    op.execute(
        f"CREATE VIRTUAL TABLE article_search USING fts5({_COLUMNS}, "
        f"tokenize = '{tokenizer}', prefix = '2 3 4')"
    )
    op.execute(f"INSERT INTO article_search (article_search, rank) VALUES ('rank', '{_RANK}')")
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
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("ascii")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("unicode61 remove_diacritics 0")
