"""search index (PostgreSQL): the terms' GIN index also knows each row's era

Revision ID: 0016
Revises: 0015

PostgreSQL only. Relevance ranks the newest K matches of a query. For a phrase, the GIN index of
``terms`` knows which rows hold every word but not where (it keeps no positions), so each of
those candidates is read and checked: at 5 million articles, 44,616 candidates for a phrase
with 16,300 matches, 260 ms, however few of them the newest K need.

The index now has two columns: the row's era — ``nashra_era(article_pk)``, a ``tsvector`` of
one lexeme, ``e<article_pk / 65536>`` (:data:`nashra.search.tables.ERA_ROWS`) — and ``terms``.
GIN intersects the era's entries with the words' inside the index, so a search restricted to
the newest eras (``nashra_era(article_pk) @@ 'e76 | e75'``) reads only their candidates; a
search without that condition uses the index as it used the old one (the ``terms`` column's
entries only). The era is computed from the pk, so no row is rewritten; building the index reads
the table once (244 s at 5 million articles with the default ``maintenance_work_mem``), after
which the old single-column index is dropped. An operator who cannot stop search writes that
long builds it beforehand, while the portal runs, with the same two statements (the function,
then ``CREATE INDEX CONCURRENTLY`` of the same name and definition): each step here is skipped
when what it makes is already there.
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Not STRICT, so that PostgreSQL inlines it: the index and every query then hold the same
# expression, and the planner matches them. 65536 is nashra.search.tables.ERA_ROWS.
ERA_FUNCTION = (
    "CREATE OR REPLACE FUNCTION nashra_era(bigint) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT array_to_tsvector(ARRAY['e' || ($1 / 65536)::text]) $$"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(ERA_FUNCTION)
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_article_search_era_terms ON article_search "
        "USING gin (nashra_era(article_pk), terms)"
    )
    op.execute("DROP INDEX IF EXISTS ix_article_search_terms")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_article_search_terms ON article_search USING gin (terms)")
    op.execute("DROP INDEX ix_article_search_era_terms")
    op.execute("DROP FUNCTION nashra_era(bigint)")
