"""search index (PostgreSQL): each row keeps where its title and its whole stream end

Revision ID: 0015
Revises: 0013

PostgreSQL only. The ranking's second step needs, for each of its 200 candidates, the length of
the title and of the whole stream (``DocTerms``): the last position of the title's lexemes
(weight A) and of all of them. Reading them meant unnesting every lexeme of every candidate's
``terms`` (each row of ``unnest(tsvector)`` is a tuple with two arrays: 60-80 µs a candidate,
12-18 ms of every relevance search at 100,000 articles). They are now kept in two columns,
``title_end`` and ``stream_end``, set by a trigger whenever a row's ``terms`` is written (an
insert, ``COPY``, an upsert's update).

The columns are added empty, without rewriting the table (a stored generated column would
rewrite ``article_search`` and rebuild its GIN indexes: ~50 s per 100,000 rows here, hours at
tens of millions). A row written before this migration keeps NULL until it is written again
(``nashra reindex``, or ``UPDATE article_search SET terms = terms`` in batches): the search reads
its lengths from ``terms`` as before (``coalesce``), so results never depend on it.
"""

from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

# A lexeme's positions are kept sorted: its last one is its greatest.
LAST_POSITION = (
    "CREATE FUNCTION nashra_last_position(tsvector) RETURNS integer "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "'SELECT max(u.positions[array_upper(u.positions, 1)]) FROM unnest($1) AS u'"
)
SET_ENDS = """
CREATE FUNCTION nashra_search_ends() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.title_end := nashra_last_position(ts_filter(NEW.terms, '{a}'));
    NEW.stream_end := nashra_last_position(NEW.terms);
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(LAST_POSITION)
    op.execute(SET_ENDS)
    op.execute(
        "ALTER TABLE article_search ADD COLUMN title_end integer, ADD COLUMN stream_end integer"
    )
    op.execute(
        "CREATE TRIGGER article_search_ends BEFORE INSERT OR UPDATE OF terms ON article_search "
        "FOR EACH ROW EXECUTE FUNCTION nashra_search_ends()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER article_search_ends ON article_search")
    op.execute("ALTER TABLE article_search DROP COLUMN title_end, DROP COLUMN stream_end")
    op.execute("DROP FUNCTION nashra_search_ends()")
    op.execute("DROP FUNCTION nashra_last_position(tsvector)")
