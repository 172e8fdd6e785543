"""public_reports (群众举报): a public complaint's ticket, the SHA-256 of the tracking code its
reporter follows it by (the code itself is never stored), the optional contact the office alone
sees, and the client's address keyed with the server's secret, by which complaints are rate-limited.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_public_reports_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_reports")),
        sa.UniqueConstraint("code_sha256", name="uq_public_reports_code_sha256"),
        sa.UniqueConstraint("ticket_id", name="uq_public_reports_ticket_id"),
    )
    op.create_index("ix_public_reports_address", "public_reports", ["address_key", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_public_reports_address", table_name="public_reports")
    op.drop_table("public_reports")
