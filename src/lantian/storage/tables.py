"""The relational schema (数据表). Migrations in ``migrations/versions`` create exactly this.

Plans keep every imported revision (修订) with its full parsed payload (JSON), so a revision can be
shown and diffed later; tasks, sub-tasks, departments, deadlines, targets and review flags are rows for
querying (filters by department, role, deadline, status). A task keeps its id across revisions when
its number stays (progress reported against it survives a re-import); a task dropped by a newer
revision is kept with ``removed_in`` set.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),  # 计划键: 文号 where there is one
    Column("title", Text, nullable=False),
    Column("issuer", Text),  # 发文机关
    Column("doc_number", String(200)),  # 文号
    Column("issued_on", Date),
    Column("level", String(20)),
    Column("jurisdiction", String(200), index=True),  # 辖区
    Column("year", Integer),
    Column("style", String(20), nullable=False, default=""),
    Column("current_revision", Integer, nullable=False),
    # 导入单位: the importer's jurisdiction ('' : the command line); a plan without a place stays with it
    Column("office", String(200), nullable=False, server_default=""),
    Column("rhythm", String(20)),  # 调度频次 (overdue.Rhythm) of its tasks; NULL: the office's default
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

plan_revisions = Table(
    "plan_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, … per plan
    Column("file", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("task_count", Integer, nullable=False),
    Column("target_count", Integer, nullable=False),
    Column("flag_count", Integer, nullable=False),
    Column("payload", JSON, nullable=False),  # ParsedPlan.to_dict()
    Column("changes", JSON),  # PlanDiff against the previous revision
    UniqueConstraint("plan_id", "number", name="uq_plan_revisions_plan_number"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),  # order in the plan
    Column("number", String(50), nullable=False),  # 序号
    Column("title", Text),
    Column("category", Text),  # 重点工作任务
    Column("text", Text, nullable=False),
    Column("status", String(20), nullable=False),  # TaskStatus
    Column("last_deadline", Date, index=True),  # latest resolved 完成时限
    Column("first_revision", Integer, nullable=False),
    Column("revision", Integer, nullable=False),  # revision this row was last written by
    Column("removed_in", Integer),  # revision that dropped the task (kept for history)
    Column("payload", JSON, nullable=False),  # the Task as JSON (what exports rebuild from)
    Column("rhythm", String(20)),  # 调度频次 (overdue.Rhythm): NULL follows the plan's
    UniqueConstraint("plan_id", "number", name="uq_tasks_plan_number"),
)

task_departments = Table(
    "task_departments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("subtask", String(50)),  # sub-task number, NULL for the task itself
    Column("name", String(200), nullable=False),  # as written (prefix restored)
    Column("normalized", String(200), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("implicit", Boolean, nullable=False),
    # reports on the task each month (调度报送单位, overdue.reporting_units): one row per such unit
    Column("reporter", Boolean, nullable=False, server_default=false()),
)

task_deadlines = Table(
    "task_deadlines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("subtask", String(50)),
    Column("text", Text, nullable=False),
    Column("start", Date),
    Column("end", Date, index=True),
    Column("recurring", String(50)),
)

targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE")),
    Column("subtask", String(50)),
    Column("text", Text, nullable=False),
    Column("indicator", String(100), nullable=False, index=True),
    Column("indicator_label", String(200), nullable=False),
    Column("comparator", String(20), nullable=False),
    Column("value", Float),
    Column("unit", String(30), nullable=False),
    Column("year", Integer),
    Column("baseline_year", Integer),
    Column("stretch_value", Float),
    Column("jurisdiction", String(200), index=True),
    Column("source", String(50), nullable=False),  # "text" or 附件N
    Column("line", Integer, nullable=False),
)

review_flags = Table(
    "review_flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("task_number", String(50)),
    Column("field", String(50), nullable=False),
    Column("message", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(20), nullable=False),  # open | confirmed | corrected
    Column("resolution", Text),
    Column("resolved_at", DateTime(timezone=True)),
    Column("correction", JSON),  # the reviewer's structured correction (domain.plans.corrections), if any
)

jurisdiction_targets = Table(
    "jurisdiction_targets",  # 目标登记: targets entered by a user (plan targets stay in ``targets``)
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jurisdiction", String(200), nullable=False),  # 辖区, as the user names it (苏州市, 苏州)
    Column("indicator", String(100), nullable=False),
    Column("year", Integer, nullable=False),
    Column("comparator", String(20), nullable=False),
    Column("value", Float, nullable=False),
    Column("stretch_value", Float),  # 力争
    Column("unit", String(30), nullable=False),
    Column("baseline_year", Integer),
    Column("note", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("jurisdiction", "indicator", "year", name="uq_jurisdiction_targets_key"),
)

warning_events = Table(
    "warning_events",  # 预警过程: each jurisdiction's warnings issued, upgraded, downgraded, lifted
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place", String(200), nullable=False),  # place_key(jurisdiction): 苏州市 and 苏州 are one place
    Column("seq", Integer, nullable=False),  # 1, 2, … per place: two concurrent writers cannot both add event n
    Column("jurisdiction", String(200), nullable=False),
    Column("action", String(20), nullable=False),  # issue | upgrade | downgrade | lift
    Column("level", String(20)),  # in force from ``at``; NULL after a lift
    Column("at", DateTime(timezone=False), nullable=False),  # Beijing time, as announced
    Column("issuer", String(200), nullable=False),  # 发布单位
    Column("note", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("place", "seq", name="uq_warning_events_place_seq"),
)

# ---------------------------------------------------------------- the daily workflow (调度 / 督办 / 销号)
users = Table(
    "users",  # 用户: local accounts (argon2 hashes)
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # admin | department | leader
    Column("jurisdiction", String(200), nullable=False),  # 辖区
    Column("department", String(200)),  # 部门 (normalised), department users only
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),  # consecutive failures (登录限制)
    Column("locked_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("email", String(320)),  # 电子邮箱: where notifications are mailed (None: in the app only)
)

web_sessions = Table(
    "web_sessions",  # 会话: only the SHA-256 of the cookie's token is stored
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

progress_reports = Table(
    "progress_reports",  # 调度报送: a department's report on a task or sub-task for a period
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("subtask", String(50), nullable=False),  # "" for the task itself
    Column("department", String(200), nullable=False, index=True),
    Column("jurisdiction", String(200), nullable=False),
    Column("period", String(10), nullable=False, index=True),  # 2026-10
    Column("status", String(20), nullable=False),  # TaskStatus
    Column("narrative", Text, nullable=False),
    Column("indicators", JSON, nullable=False),
    Column("review", String(20), nullable=False),  # submitted | accepted | returned
    Column("review_reason", Text),
    Column("reviewed_by", String(100)),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),  # optimistic lock (乐观锁)
    UniqueConstraint("task_id", "subtask", "department", "period", name="uq_progress_reports_key"),
)

progress_rounds = Table(
    "progress_rounds",  # 报送轮次: every submission of a report and its review, never overwritten
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("progress_reports.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, … within the report
    Column("unit", String(200), nullable=False),  # the reporting unit (部门)
    Column("status", String(20), nullable=False),  # TaskStatus
    Column("narrative", Text, nullable=False),
    Column("indicators", JSON, nullable=False),
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("review", String(20), nullable=False),  # submitted | accepted | returned
    Column("review_reason", Text),
    Column("reviewed_by", String(100)),
    Column("reviewer_unit", String(200)),  # the reviewing office (苏州市大气办)
    Column("reviewed_at", DateTime(timezone=True)),
    UniqueConstraint("report_id", "number", name="uq_progress_rounds_number"),
)

evidence = Table(
    "evidence",  # 佐证材料: files kept in <data>/evidence/<sha256>
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner", String(20), nullable=False),  # progress | notice | ticket
    Column("owner_id", Integer, nullable=False),
    Column("step", Integer),  # the ticket step it documents; for a report, the round (报送轮次)
    Column("filename", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("uploaded_by", String(100), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
)

notices = Table(
    "notices",  # 督办单
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jurisdiction", String(200), nullable=False, index=True),
    Column("department", String(200), nullable=False, index=True),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("task_ids", JSON, nullable=False),
    Column("due", Date, nullable=False),
    Column("state", String(20), nullable=False),  # issued | answered | closed
    Column("escalation", Integer, nullable=False),  # rungs of the ladder reached
    Column("issued_by", String(100), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("answer", Text),
    Column("answered_by", String(100)),
    Column("answered_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
)

tickets = Table(
    "tickets",  # 问题清单: 发现 → 交办 → 整改 → 核查 → 销号
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jurisdiction", String(200), nullable=False, index=True),
    Column("source", String(20), nullable=False),  # inspection | alert | complaint
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("department", String(200), index=True),
    Column("due", Date),
    Column("state", String(20), nullable=False),
    Column("reopened", Integer, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)

ticket_steps = Table(
    "ticket_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("action", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("by_user", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False),
    UniqueConstraint("ticket_id", "seq", name="uq_ticket_steps_ticket_seq"),
)

public_reports = Table(
    "public_reports",  # 群众举报: a public complaint's ticket, the digest of its tracking code, kept private
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code_sha256", String(64), nullable=False, unique=True),  # the code itself is never stored
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("contact", String(100), nullable=False),  # 联系方式 (optional): for the office only
    Column("address_key", String(64), nullable=False),  # the client's address, keyed: the rate limit
    Column("created_at", DateTime(timezone=True), nullable=False),
)

bulletins = Table(
    "bulletins",  # 月报发布: the published monthly bulletin of a place, one per month (published again: replaced)
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place", String(200), nullable=False),  # 辖区
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("title", Text, nullable=False),
    Column("docx_sha256", String(64), nullable=False),  # the files, kept in the data folder by digest
    Column("docx_size", Integer, nullable=False),
    Column("pdf_sha256", String(64)),  # none: LibreOffice could not make the PDF
    Column("pdf_size", Integer),
    Column("published_by", String(100), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("place", "month", name="uq_bulletins_place_month"),
)

audit_log = Table(
    "audit_log",  # 审计日志: append-only, hash-chained; every field stored as the text that was hashed
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("entity", String(30), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",  # the newest audit entry (one row): deleting entries at the end breaks it
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

place_changes = Table(
    "place_changes",  # per place (辖区), the newest audit entry that changed its tasks or records: a
    metadata,  # dashboard's figures are kept until a place they count changes (not on every change)
    Column("place", String(200), primary_key=True),
    Column("seq", Integer, nullable=False),
)

audit_places = Table(
    "audit_places",  # the places (辖区) each audit entry concerns: the log is shown to an office by them
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("place", String(200), primary_key=True),
)

notifications = Table(
    "notifications",  # 通知: one per user and event (站内通知), read or not
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),  # domain.notify.model.Kind: notice, escalation, reminder …
    Column("event_key", String(200), nullable=False),  # the event, once per user (idempotency)
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(500), nullable=False),  # the page it concerns ("" : none)
    Column("place", String(200), nullable=False),  # 辖区 of the record it concerns
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True)),
    UniqueConstraint("user_id", "event_key", name="uq_notifications_user_event"),
)

webhooks = Table(
    "webhooks",  # 群机器人: 政务微信 / 钉钉-style robots, per place (and department)
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(1000), nullable=False),
    Column("secret", String(200), nullable=False),  # HMAC-SHA256 key ("" : unsigned)
    Column("place", String(200), nullable=False),  # 辖区
    Column("department", String(200)),  # only this department's events (None: every event of the place)
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

deliveries = Table(
    "deliveries",  # 投递: a message on its way by e-mail or webhook, retried until sent or given up
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(20), nullable=False),  # email | webhook
    Column("target", String(1000), nullable=False),  # the address, or the webhook's URL
    Column("webhook_id", Integer, ForeignKey("webhooks.id", ondelete="CASCADE")),
    Column("event_key", String(200), nullable=False),
    Column("place", String(200), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("next_at", DateTime(timezone=True), nullable=False),  # not before (backoff)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("channel", "target", "event_key", name="uq_deliveries_channel_target_event"),
)

delivery_attempts = Table(
    "delivery_attempts",  # 投递记录: every attempt, its outcome and error
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", Integer, ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text),
)

notify_cursor = Table(
    "notify_cursor",  # the newest audit entry turned into notifications (lantian notify run)
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
)

compensation_settlements = Table(
    "compensation_settlements",  # 生态补偿结算: a period's settlement as the admin confirmed it, frozen
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office", String(100), nullable=False),  # whose places were settled ('' : every place stored)
    Column("period", String(10), nullable=False),  # 2025-01 | 2025-Q1 | 2025
    Column("label", String(40), nullable=False),
    Column("rules", String(300), nullable=False),  # the rules file it was computed under
    Column("schemes", JSON, nullable=False),  # the scheme names, in the rules' order
    Column("lines", JSON, nullable=False),  # every scheme × place: amount, arithmetic, value, reference
    Column("notes", JSON, nullable=False),
    Column("confirmed_by", String(100), nullable=False),
    Column("confirmed_unit", String(200), nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("office", "period", name="uq_compensation_settlements_office_period"),
)

Index("ix_notifications_user_read", notifications.c.user_id, notifications.c.read_at, notifications.c.id)
Index("ix_deliveries_status_next", deliveries.c.status, deliveries.c.next_at)
Index("ix_audit_places_place", audit_places.c.place, audit_places.c.seq)
Index("ix_public_reports_address", public_reports.c.address_key, public_reports.c.created_at)
Index("ix_evidence_owner", evidence.c.owner, evidence.c.owner_id)
Index("ix_task_departments_norm_role", task_departments.c.normalized, task_departments.c.role)
# a plan's tasks in order, with what the task list filters and counts on: a page is read without
# touching the wide rows (text, payload) or sorting the place's tasks; the counts from the index alone
Index("ix_tasks_plan_order", tasks.c.plan_id, tasks.c.position, tasks.c.removed_in, tasks.c.status)

accountability_actions = Table(
    "accountability_actions",  # 问责措施: an action taken on a flag; its files are evidence (owner 'action')
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place", String(200), nullable=False),  # the flagged place
    Column("rule", String(200), nullable=False),  # the flag it answers: rule, place, period reached
    Column("period", String(20), nullable=False),
    Column("kind", String(50), nullable=False),  # 警示 | 通报 | 约谈 | 挂牌督办 | 专项帮扶 | 区域限批 | 区域限批解除 …
    Column("happened_on", Date, nullable=False),
    Column("unit", String(200), nullable=False),  # who acted (苏州市大气办)
    Column("recorded_by", String(100), nullable=False),  # the login, for the audit
    Column("document", Text, nullable=False),  # 文号 / title
    Column("minutes", Text, nullable=False),  # 约谈纪要 or a note
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_accountability_actions_place", accountability_actions.c.place, accountability_actions.c.period)
