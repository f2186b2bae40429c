"""schedule: leases, per-host politeness, adaptive intervals, auto-disable reason, WebSub

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import nashra.store.schema

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = nashra.store.schema.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("lease_until", _TS, nullable=True))
        batch_op.add_column(sa.Column("poll_interval", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_error_kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("disabled_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("websub_hub", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("websub_topic", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("websub_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("websub_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("websub_expires_at", _TS, nullable=True))
        batch_op.create_index("ix_feeds_next_poll_at", ["next_poll_at"], unique=False)
        batch_op.create_index("ix_feeds_host", ["host"], unique=False)

    op.create_table(
        "crawl_hosts",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("next_request_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_crawl_hosts")),
    )


def downgrade() -> None:
    op.drop_table("crawl_hosts")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_index("ix_feeds_host")
        batch_op.drop_index("ix_feeds_next_poll_at")
        for name in (
            "websub_expires_at",
            "websub_state",
            "websub_secret",
            "websub_topic",
            "websub_hub",
            "disabled_reason",
            "last_error_kind",
            "poll_interval",
            "lease_until",
            "lease_owner",
            "host",
        ):
            batch_op.drop_column(name)
