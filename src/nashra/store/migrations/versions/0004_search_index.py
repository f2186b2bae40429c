"""search index: FTS5 table on SQLite, tsvector side table with GIN indexes on PostgreSQL

Revision ID: 0004
Revises: 0001

The index holds analysed tokens (``nashra.search.documents``), never raw text. It is filled by
the store as articles are saved and rebuilt by ``nashra reindex`` (run it once after upgrading an
archive that already holds articles).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # unicode61 only has to split on the spaces between our tokens; prefix indexes of 2 and 3
        # characters keep short prefix queries (مغ*, écon*) cheap.
        op.execute(
            "CREATE VIRTUAL TABLE article_search USING fts5("
            "title, body, author, title_words, body_words, "
            "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3')"
        )
        # ORDER BY rank = bm25 with the columns' weights (title 10, body 1, author 4, title_words
        # 10, body_words 1); FTS5 keeps this in its config table.
        op.execute(
            "INSERT INTO article_search (article_search, rank) "
            "VALUES ('rank', 'bm25(10.0, 1.0, 4.0, 10.0, 1.0)')"
        )
        op.execute(
            "CREATE TRIGGER article_search_after_delete AFTER DELETE ON articles "
            "BEGIN DELETE FROM article_search WHERE rowid = old.pk; END"
        )
        return
    op.create_table(
        "article_search",
        sa.Column("article_pk", sa.BigInteger(), nullable=False),
        sa.Column("terms", TSVECTOR(), nullable=False),
        sa.Column("words", TSVECTOR(), nullable=False),
        sa.Column("author", TSVECTOR(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.pk"],
            name=op.f("fk_article_search_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_pk", name=op.f("pk_article_search")),
    )
    for name in ("terms", "words", "author"):
        op.create_index(
            f"ix_article_search_{name}", "article_search", [name], postgresql_using="gin"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS article_search_after_delete")
        op.execute("DROP TABLE IF EXISTS article_search")
        return
    op.drop_table("article_search")
