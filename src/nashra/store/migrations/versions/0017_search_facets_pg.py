"""search index (PostgreSQL): the filters inside the GIN index, beside the era and the words

Revision ID: 0017
Revises: 0016

PostgreSQL only (SQLite's FTS5 has had its ``facets`` column since 0008). A search with a
filter on the outlet, the section, the language or whole days joined ``articles`` to apply it:
at 5 million articles a common word within one outlet's year read the outlet's rows of
``articles`` and then each one's index row to check the word, ~13,800 pages from disk
(141-1,282 ms p95 cold). The search table gets a ``facets`` column, a ``tsvector`` of the
lexemes :func:`nashra.search.facets.facet_tokens` writes (``s<outlet>``, ``c<section>``,
``l<language>``, ``y2019``, ``m201903``, ``d20190309``), and the GIN index of the era and the
words becomes ``(nashra_era(article_pk), facets, terms)``: GIN intersects a filter's lexemes
with the words' inside the index, and only the rows that pass are read.

Every existing row is filled from its article (``nashra_facets()``, the same tokens in SQL; a
test checks both agree), with the search table's GIN indexes dropped while it is rewritten and
built again after (``maintenance_work_mem`` raised to 256 MB for the migration when it is
lower). An operator who cannot stop search that long does the same beforehand while the portal
runs (the function, ``ALTER TABLE … ADD COLUMN facets tsvector``, the ``UPDATE`` in batches of
pks, then ``CREATE INDEX CONCURRENTLY`` of the new index under the same name and definition):
the rows the running portal wrote since, without facets, are then filled in place (the indexes
are only dropped when more than a tenth of the rows lack them), and an index already there is
kept. The rewrite leaves the old row versions to autovacuum (or ``VACUUM article_search``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_HEX = "encode(convert_to(coalesce({}, ''), 'UTF8'), 'hex')"
_DAY = "to_char($4 AT TIME ZONE 'UTC', '{}')"
FACETS_FUNCTION = (
    "CREATE OR REPLACE FUNCTION nashra_facets(text, text, text, timestamptz) RETURNS tsvector "
    "LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT array_to_tsvector(ARRAY["
    f"'s' || {_HEX.format('$1')}, 'c' || {_HEX.format('$2')}, 'l' || {_HEX.format('$3')}, "
    f"'y' || {_DAY.format('YYYY')}, 'm' || {_DAY.format('YYYYMM')}, "
    f"'d' || {_DAY.format('YYYYMMDD')}]) $$"
)
INDEX = "ix_article_search_era_facets_terms"
OLD_INDEX = "ix_article_search_era_terms"  # migration 0016's (era, terms), which INDEX replaces
# The search table's other GIN indexes (migration 0004).
OTHER_GIN = {"ix_article_search_words": "words", "ix_article_search_author": "author"}
# More rows than this share without facets: the GIN indexes are dropped while they are filled.
REBUILD_SHARE = 0.1


def _gin(name: str, columns: str) -> str:
    return f"CREATE INDEX IF NOT EXISTS {name} ON article_search USING gin ({columns})"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(FACETS_FUNCTION)
    op.execute("ALTER TABLE article_search ADD COLUMN IF NOT EXISTS facets tsvector")
    unfilled, rows = bind.execute(
        sa.text("SELECT count(*) FILTER (WHERE facets IS NULL), count(*) FROM article_search")
    ).one()
    # GIN builds go faster with room to gather their entries (64 MB is PostgreSQL's default):
    # raised for this transaction only, never lowered.
    op.execute(
        "SELECT set_config('maintenance_work_mem', '256MB', true) "
        "WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes('256MB')"
    )
    if unfilled > REBUILD_SHARE * rows:
        # Rewriting many rows with their GIN indexes in place would update each index per row:
        # drop them, fill the column, build them again.
        for name in (OLD_INDEX, INDEX, *OTHER_GIN):
            op.execute(f"DROP INDEX IF EXISTS {name}")
    if unfilled:
        op.execute(
            "UPDATE article_search AS s "
            "SET facets = nashra_facets(a.source, a.section, a.lang, a.published) "
            "FROM articles AS a WHERE a.pk = s.article_pk AND s.facets IS NULL"
        )
    op.execute("ALTER TABLE article_search ALTER COLUMN facets SET NOT NULL")
    op.execute(_gin(INDEX, "nashra_era(article_pk), facets, terms"))
    op.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    for name, columns in OTHER_GIN.items():
        op.execute(_gin(name, columns))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_gin(OLD_INDEX, "nashra_era(article_pk), terms"))
    op.execute(f"DROP INDEX {INDEX}")
    op.execute("ALTER TABLE article_search DROP COLUMN facets")
    op.execute("DROP FUNCTION nashra_facets(text, text, text, timestamptz)")
