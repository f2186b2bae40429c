"""store: one index for "the earliest article with this body" (exact copies)

Revision ID: 0009
Revises: 0001

``Store._original_of`` asks, for every stored article, for the earliest article of another outlet
with the same normalised body (``body_hash = ? ORDER BY published, pk LIMIT 1``). With an index on
``body_hash`` alone, PostgreSQL with stale statistics (a new archive, autovacuum off) walked the
whole ``published`` index instead, a cost that grew with the archive (15 ms at 10,000 articles).
An index on ``(body_hash, published, pk)`` answers the filter and the order in one step.
"""

from alembic import op

revision = "0009"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_body_hash_published", "articles", ["body_hash", "published", "pk"])
    op.drop_index("ix_articles_body_hash", table_name="articles")


def downgrade() -> None:
    op.create_index("ix_articles_body_hash", "articles", ["body_hash"])
    op.drop_index("ix_articles_body_hash_published", table_name="articles")
