"""plans.office, the office (辖区) that imported a plan: a plan whose place could not be read stays
with it until its place is corrected (access.sees_plan); and audit_places, the places each audit
entry concerns, by which the audit log is shown to an office (access.record_scope).

Existing plans get the jurisdiction of the account that first imported them, as the audit log
records it ('' : the command line); existing entries the places their records name.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "null")
    except ValueError:
        return None


def upgrade() -> None:
    # plain ALTER TABLE on SQLite too: a batch copy of plans would cascade-delete its tasks
    op.add_column("plans", sa.Column("office", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "audit_places",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("seq", "place"),
    )
    op.create_index("ix_audit_places_place", "audit_places", ["place", "seq"])
    bind = op.get_bind()
    users: dict[str, str] = {u: j for u, j in bind.execute(sa.text("SELECT username, jurisdiction FROM users"))}
    plans: dict[str, tuple[str | None, int]] = {
        key: (place, pid) for pid, key, place in bind.execute(sa.text("SELECT id, key, jurisdiction FROM plans"))
    }
    flagged = sa.text("SELECT f.id, p.key FROM review_flags f JOIN plans p ON p.id = f.plan_id")
    flags: dict[str, str] = {str(i): k for i, k in bind.execute(flagged)}
    offices: dict[str, str] = {}
    rows = []
    for seq, actor, action, entity, entity_id, before, after in bind.execute(
        sa.text("SELECT seq, actor, action, entity, entity_id, before, after FROM audit_log ORDER BY seq")
    ):
        places: set[str] = set()
        if action == "plan.import":  # the importing office, as the app records it
            offices.setdefault(entity_id, users.get(actor) or "")
            places.add(users.get(actor) or "")
        for state in (_json(before), _json(after)):
            if isinstance(state, dict) and isinstance(state.get("jurisdiction"), str):
                places.add(state["jurisdiction"])
        key = {"plan": entity_id, "task": entity_id.split("#")[0], "flag": flags.get(entity_id)}.get(entity)
        if key is not None and key in plans:
            places.add(plans[key][0] or offices.get(key) or "")
        if entity in ("warning", "reduction_list"):
            places.add(entity_id)
        rows += [{"seq": seq, "place": p.strip()} for p in sorted(places) if p.strip()]
    for key, office in offices.items():
        if key in plans and office:
            update = sa.text("UPDATE plans SET office = :office WHERE id = :id")
            bind.execute(update, {"office": office, "id": plans[key][1]})
    if rows:
        bind.execute(sa.text("INSERT INTO audit_places (seq, place) VALUES (:seq, :place)"), rows)


def downgrade() -> None:
    op.drop_index("ix_audit_places_place", table_name="audit_places")
    op.drop_table("audit_places")
    op.drop_column("plans", "office")  # SQLite ≥ 3.35 drops a column in place
