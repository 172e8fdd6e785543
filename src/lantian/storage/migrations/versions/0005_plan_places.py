"""plans.jurisdiction indexed: a city's task list and dashboard start from its plans (and the places
above it), not from every task in the store

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_plans_jurisdiction", "plans", ["jurisdiction"])


def downgrade() -> None:
    op.drop_index("ix_plans_jurisdiction", table_name="plans")
