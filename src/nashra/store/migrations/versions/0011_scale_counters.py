"""scale: per-outlet article counters kept by triggers (issue 17)

Revision ID: scale1
Revises: 0001

The footer («لدينا … خبرا ومقالا مفهرسا»), the outlets page, ``/api/v1/sources`` and every search
(which checks the outlet filter against the known outlets) counted the archive with
``count(*) … GROUP BY source``: a full scan (60–190 ms at 200,000 articles on PostgreSQL,
linear in the archive). Each
outlet now carries its ``article_count`` and ``latest_published``, kept by triggers on
``articles``, so the total is a sum over the outlets (hundreds of rows) whatever the archive's
size. On PostgreSQL the triggers are per statement with transition tables: a ``COPY`` of a
million rows updates each outlet once, not a million times. SQLite has row triggers only (one
writer at a time there, so no contention).
"""

import sqlalchemy as sa
from alembic import op

import nashra.store.schema

revision = "scale1"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = nashra.store.schema.UTCDateTime

RECOUNT = (
    "UPDATE sources SET "
    "article_count = (SELECT count(*) FROM articles WHERE articles.source = sources.slug), "
    "latest_published = (SELECT max(published) FROM articles WHERE articles.source = sources.slug)"
)

PG = [
    """CREATE OR REPLACE FUNCTION nashra_articles_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE sources s SET article_count = s.article_count + n.added,
                           latest_published = GREATEST(s.latest_published, n.latest)
      FROM (SELECT source, count(*) AS added, max(published) AS latest
            FROM new_rows GROUP BY source) n
      WHERE s.slug = n.source;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION nashra_articles_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE sources s SET article_count = s.article_count - n.removed,
             latest_published = (SELECT max(a.published) FROM articles a WHERE a.source = s.slug)
      FROM (SELECT source, count(*) AS removed FROM old_rows GROUP BY source) n
      WHERE s.slug = n.source;
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER articles_added AFTER INSERT ON articles REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION nashra_articles_added()",
    "CREATE TRIGGER articles_removed AFTER DELETE ON articles REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION nashra_articles_removed()",
]

SQLITE = [
    """CREATE TRIGGER articles_added AFTER INSERT ON articles BEGIN
      UPDATE sources SET article_count = article_count + 1,
        latest_published = CASE WHEN latest_published IS NULL OR NEW.published > latest_published
                                THEN NEW.published ELSE latest_published END
      WHERE slug = NEW.source;
    END""",
    """CREATE TRIGGER articles_removed AFTER DELETE ON articles BEGIN
      UPDATE sources SET article_count = article_count - 1,
        latest_published = (SELECT max(published) FROM articles WHERE source = OLD.source)
      WHERE slug = OLD.source;
    END""",
]


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(
            sa.Column("article_count", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("latest_published", UTC(timezone=True)))
    op.execute(RECOUNT)
    for statement in PG if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS articles_added ON articles"
               if op.get_bind().dialect.name == "postgresql"
               else "DROP TRIGGER IF EXISTS articles_added")  # fmt: skip
    op.execute("DROP TRIGGER IF EXISTS articles_removed ON articles"
               if op.get_bind().dialect.name == "postgresql"
               else "DROP TRIGGER IF EXISTS articles_removed")  # fmt: skip
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("latest_published")
        batch.drop_column("article_count")
