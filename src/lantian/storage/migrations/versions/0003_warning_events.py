"""warning_events: the life of each jurisdiction's heavy-pollution warning (预警发布、升级、降级、解除)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warning_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_events")),
        sa.UniqueConstraint("place", "seq", name="uq_warning_events_place_seq"),
    )


def downgrade() -> None:
    op.drop_table("warning_events")
