"""portal: indexes that make the archive version probe O(1) on a large archive

Revision ID: 0007
Revises: 0001

The portal drops its page cache when the archive's fingerprint changes and reads that fingerprint
about once a second (``nashra.store.queries.archive_version``). ``max(updated)`` needs an index to
be one index step instead of a full scan; the images that are not visible (hidden by moderators,
a small minority) get a partial index so their count and id sum are read from it alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None

_NOT_VISIBLE = sa.text("state <> 'visible'")


def upgrade() -> None:
    op.create_index("ix_articles_updated", "articles", ["updated"], unique=False)
    op.create_index(
        "ix_images_not_visible",
        "images",
        ["id"],
        unique=False,
        sqlite_where=_NOT_VISIBLE,
        postgresql_where=_NOT_VISIBLE,
    )


def downgrade() -> None:
    op.drop_index("ix_images_not_visible", table_name="images")
    op.drop_index("ix_articles_updated", table_name="articles")
