"""accountability_actions, the actions an office took on a flag (问责措施): 通报 issued, 约谈 held
with its minutes, 挂牌督办, 区域限批 and its lifting. Each answers one flag, named by its rule, the
flagged place and the period the flag was reached; its files are evidence rows (owner 'action').

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accountability_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_accountability_actions_place", "accountability_actions", ["place", "period"])


def downgrade() -> None:
    op.execute("DELETE FROM evidence WHERE owner = 'action'")
    op.drop_index("ix_accountability_actions_place", table_name="accountability_actions")
    op.drop_table("accountability_actions")
