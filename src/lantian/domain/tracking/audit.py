"""The audit log's hash chain (审计日志防篡改).

Every change appends an entry whose hash covers the entry's own fields and the previous entry's
hash, so changing any stored field, deleting an entry or reordering entries breaks the chain from
that point. A separate head record (the newest sequence number and hash) catches deleting entries
at the end by someone who does not also move the head. Someone who can rewrite the database can,
so the head is also recorded outside it as an anchor (审计锚点, :class:`Anchor`): the entries up
to an anchored count must still end in the anchored hash (:func:`check_anchors`).

The hash is computed over the text as stored (ISO time, canonical JSON), never over re-parsed
values, so the check does not depend on how a database returns times or numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lantian.domain.plans.model import COMPARATOR_LABELS, STATUS_LABELS
from lantian.domain.plans.model import LEVEL_LABELS as PLAN_LEVELS
from lantian.domain.plans.records import FLAG_LABELS
from lantian.domain.targets.registry import INDICATORS
from lantian.domain.tracking.model import (
    NOTICE_LABELS,
    REVIEW_LABELS,
    SOURCE_LABELS,
    TICKET_LABELS,
    USER_ROLE_LABELS,
)
from lantian.domain.tracking.overdue import RHYTHM_LABELS
from lantian.domain.tracking.workflow import ACTION_LABELS as ACTION_WORDS
from lantian.domain.warnings.levels import LABELS as WARNING_LEVELS
from lantian.domain.warnings.lifecycle import ACTIONS as WARNING_ACTIONS
from lantian.errors import InputError

GENESIS = "0" * 64  # the "previous hash" of the first entry


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def timestamp(at: dt.datetime) -> str:
    """UTC, microseconds, ISO 8601: the stored form of an entry's time."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class StoredEntry:
    """An audit entry as stored: every field as text."""

    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    before: str  # canonical JSON ("null" when created)
    after: str  # canonical JSON ("null" when deleted)
    prev_hash: str
    hash: str


def chain_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, entity: str, entity_id: str,
               before: str, after: str) -> str:  # fmt: skip
    body = "\x1f".join([prev_hash, str(seq), at, actor, action, entity, entity_id, before, after])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def seal(prev: StoredEntry | None, at: dt.datetime, actor: str, action: str, entity: str, entity_id: str,
         before: Any, after: Any) -> StoredEntry:  # fmt: skip
    """The next entry after ``prev`` (None for the first)."""
    seq = prev.seq + 1 if prev else 1
    prev_hash = prev.hash if prev else GENESIS
    when, b, a = timestamp(at), canonical(before), canonical(after)
    digest = chain_hash(prev_hash, seq, when, actor, action, entity, entity_id, b, a)
    return StoredEntry(seq, when, actor, action, entity, entity_id, b, a, prev_hash, digest)


@dataclass(frozen=True)
class Break:
    seq: int  # where the chain breaks
    reason: str  # altered | missing | reordered | head


@dataclass(frozen=True)
class Verdict:
    entries: int
    head_seq: int
    head_hash: str
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_dict(self) -> dict[str, Any]:
        """The verdict as ``lantian audit verify --json`` and ``GET /api/v1/audit/verify`` give it."""
        return {"ok": self.ok, "entries": self.entries, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "breaks": [{"seq": b.seq, "reason": b.reason} for b in self.breaks]}  # fmt: skip


def verify(entries: Iterable[StoredEntry], head: tuple[int, str] | None) -> Verdict:
    """Walk the chain in sequence order; ``head`` is the stored (newest seq, hash), None when empty."""
    breaks: list[Break] = []
    expected_seq, prev_hash, count = 1, GENESIS, 0
    last: StoredEntry | None = None
    for e in entries:
        count += 1
        if e.seq != expected_seq:
            breaks.append(Break(expected_seq, "missing" if e.seq > expected_seq else "reordered"))
        elif e.prev_hash != prev_hash:
            breaks.append(Break(e.seq, "missing"))
        digest = chain_hash(e.prev_hash, e.seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.before, e.after)
        if digest != e.hash:
            breaks.append(Break(e.seq, "altered"))
        expected_seq, prev_hash, last = e.seq + 1, e.hash, e
    last_seq, last_hash = (last.seq, last.hash) if last else (0, GENESIS)
    stored = head or (0, GENESIS)
    if stored != (last_seq, last_hash):
        breaks.append(Break(max(stored[0], last_seq), "head"))
    return Verdict(count, last_seq, last_hash, breaks)


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ (what an audit line shows as before → after)."""
    b, a = before or {}, after or {}
    keys = [k for k in {**b, **a} if b.get(k) != a.get(k)]
    return {k: b.get(k) for k in keys if k in b}, {k: a.get(k) for k in keys if k in a}


# ---------------------------------------------------------------- what a person reads (审计页)
# An entry stores its action, its entity and the fields of the record by their stored names; a page
# shows them by these labels (Chinese msgids; the English catalog translates them), never the keys.

ACTION_LABELS = {
    "plan.import": "导入计划",
    "task.status": "更新任务状态",
    "target.set": "登记目标",
    "flag.confirmed": "确认复核项",
    "flag.corrected": "更正复核项",
    "flag.open": "重新待复核",
    "progress.submit": "报送进展",
    "progress.accept": "审核通过",
    "progress.return": "审核退回",
    "notice.issue": "下发督办",
    "notice.answer": "回复督办",
    "notice.close": "办结督办",
    "notice.escalate": "督办升级",
    "ticket.create": "登记问题",
    "ticket.assign": "交办问题",
    "ticket.rectify": "报告整改",
    "ticket.pass": "核查通过",
    "ticket.fail": "核查不通过",
    "ticket.close": "销号",
    "reduction_list.import": "登记减排清单",
    "warning.issue": "发布预警",
    "warning.upgrade": "升级预警",
    "warning.downgrade": "降级预警",
    "warning.lift": "解除预警",
    "user.add": "新增用户",
    "user.password": "修改密码",
    "user.active": "启用或停用用户",
    "user.locked": "锁定账号",
    "action.record": "登记问责措施",
    "bulletin.publish": "发布月报",
    "bulletin.republish": "重新发布月报",
    "compensation.confirm": "确认生态补偿结算",
    "plan.rhythm": "设定计划调度频次",
    "task.rhythm": "设定任务调度频次",
}

ENTITY_LABELS = {
    "plan": "计划",
    "task": "任务",
    "target": "目标",
    "flag": "复核项",
    "progress": "进展报送",
    "notice": "督办",
    "ticket": "问题",
    "reduction_list": "减排清单",
    "warning": "预警",
    "user": "用户",
    "action": "问责措施",
    "bulletin": "月报",
    "compensation": "生态补偿结算",
}

FIELD_LABELS = {  # a stored record's keys (the services' *_dict and to_jsonable of the model)
    "action": "步骤",
    "active": "启用",
    "actor": "操作人",
    "answer": "回复",
    "answered_at": "回复时间",
    "answered_by": "回复单位",
    "at": "时间",
    "baseline_year": "基准年",
    "body": "督办内容",
    "by": "办理单位",
    "comparator": "比较方式",
    "cooperating": "配合单位",
    "correction": "更正内容",
    "corrections": "重新应用的更正",
    "created_at": "登记时间",
    "created_by": "登记单位",
    "department": "部门",
    "description": "问题描述",
    "display_name": "显示名称",
    "due": "办理时限",
    "escalation": "升级次数",
    "evidence": "佐证材料",
    "field": "字段",
    "file": "文件",
    "flags": "待复核",
    "id": "编号",
    "indicator": "指标",
    "indicators": "指标",
    "issued_at": "下发时间",
    "issued_by": "下发单位",
    "issuer": "发布单位",
    "jurisdiction": "辖区",
    "key": "计划编号",
    "lead": "牵头单位",
    "level": "级别",
    "location": "地点",
    "locked_until": "锁定至",
    "message": "问题",
    "narrative": "进展情况",
    "note": "说明",
    "password": "密码",
    "period": "报送期",
    "part": "子任务",
    "plan_key": "计划",
    "reopened": "重新待复核",
    "resolution": "复核说明",
    "responsible": "负责单位",
    "review": "审核",
    "review_reason": "退回理由",
    "reviewed_at": "审核时间",
    "reviewed_by": "审核单位",
    "revision": "修订",
    "rhythm": "调度频次",
    "role": "角色",
    "rung": "督办升级",
    "source": "来源",
    "state": "状态",
    "status": "状态",
    "status_label": "结果",
    "steps": "办理步骤数",
    "stretch_value": "力争值",
    "subject": "督办事项",
    "submitted_at": "报送时间",
    "submitted_by": "报送单位",
    "subtask": "子任务",
    "targets": "目标",
    "task_id": "任务",
    "task_ids": "任务",
    "task_number": "任务编号",
    "tasks": "任务",
    "text": "原文",
    "title": "问题",
    "unit": "单位",
    "username": "用户名",
    "value": "目标值",
    "version": "版本",
    "year": "年度",
    # 问责措施 (services/actions.py action_dict)
    "kind": "措施",
    "on": "日期",
    "recorded_by": "登记人",
    "document": "文号或标题",
    "minutes": "纪要或说明",
    "rule": "预警规则",
    "bulletin": "月报",
    "month": "月份",
    "docx_sha256": "docx 文件校验值",
    "pdf_sha256": "pdf 文件校验值",
    "published_by": "发布单位",
    "published_at": "发布时间",
}

FLAG_FIELDS = {
    "departments": "责任分工",
    "deadline": "完成时限",
    "target": "目标",
    "meta": "计划信息",
}  # a flag's field
VALUE_LABELS = {  # stored values of enumerations (状态、角色…) as a page shows them
    **{str(k): v for k, v in STATUS_LABELS.items()},
    **{str(k): v for k, v in FLAG_LABELS.items()},
    **{str(k): v for k, v in REVIEW_LABELS.items()},
    **{str(k): v for k, v in USER_ROLE_LABELS.items()},
    **{str(k): v for k, v in SOURCE_LABELS.items()},
    **{str(k): v for k, v in TICKET_LABELS.items()},
    **{str(k): v for k, v in NOTICE_LABELS.items()},
    **{str(k): v for k, v in ACTION_WORDS.items()},
    **WARNING_LEVELS,
    **{str(k): v for k, v in PLAN_LEVELS.items()},
    **FLAG_FIELDS,
    **WARNING_ACTIONS,
    **{str(k): v for k, v in RHYTHM_LABELS.items()},  # 调度频次
    **COMPARATOR_LABELS,
}
ENTITY_VALUE_LABELS = {  # where two enumerations share a value (closed: 已办结 or 销号)
    "notice": {str(k): v for k, v in NOTICE_LABELS.items()},
    "ticket": {str(k): v for k, v in TICKET_LABELS.items()},
    "plan": {"created": "新建", "revised": "新修订", "unchanged": "无变化"},  # an import's outcome
    "target": {"user": "人工登记"},  # a target's source: entered by a person, else the plan and line
}
PERSON_FIELDS = frozenset(  # fields that hold a login name: a page shows the unit instead
    {"actor", "by", "created_by", "issued_by", "answered_by", "reviewed_by", "submitted_by", "uploaded_by"}
)
PERSON_FIELDS |= {"published_by"}  # 月报: who published a bulletin
ENUM_FIELDS = frozenset(
    {"status", "review", "role", "source", "state", "action", "comparator", "level", "field", "rhythm"}
)
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
BEIJING = dt.timezone(dt.timedelta(hours=8))


def value_text(value: Any, key: str = "", width: int = 120, entity: str = "") -> str:
    """A stored value in words: a time in Beijing time to the minute, yes/no, a list joined with 、,
    a record as 标签：值 pairs, an enumeration by its label; never JSON. Cut to ``width`` characters."""
    if value is None:
        shown = ""
    elif isinstance(value, bool):
        shown = "是" if value else "否"
    elif isinstance(value, float):
        shown = f"{value:.3f}".rstrip("0").rstrip(".")
    elif isinstance(value, list):
        shown = "、".join(value_text(v, key, width, entity) for v in value)
    elif isinstance(value, dict):
        shown = "；".join(f"{FIELD_LABELS.get(k, k)}：{value_text(v, k, width, entity)}" for k, v in value.items())
    elif isinstance(value, str) and _ISO_TIME.match(value):
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))  # stored times carry their offset;
        moment = moment.astimezone(BEIJING) if moment.tzinfo else moment  # a warning's is Beijing time already
        shown = moment.strftime("%Y-%m-%d %H:%M")
    elif key == "indicator" and str(value) in INDICATORS:
        shown = INDICATORS[str(value)].label
    elif key in ENUM_FIELDS and str(value) in (labels := VALUE_LABELS | ENTITY_VALUE_LABELS.get(entity, {})):
        shown = labels[str(value)]
    else:
        shown = str(value)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


BREAK_LABELS = {"missing": "记录缺失", "reordered": "顺序被打乱", "altered": "内容被改动", "head": "末条记录不符"}


def entity_text(entry: StoredEntry) -> str:
    """The record an entry is about, in words: 目标 苏州市·PM2.5浓度·2026 (an indicator by its name)."""
    ident = entry.entity_id
    if entry.entity == "target":
        ident = "·".join(INDICATORS[p].label if p in INDICATORS else p for p in ident.split("·"))
    elif entry.entity == "task":
        ident = ident.replace("#", " 第") + ("项" if "#" in ident else "")
    return ident


def change_lines(
    entry: StoredEntry, width: int = 120, names: Callable[[str], str] | None = None
) -> list[tuple[str, str, str]]:
    """What an entry changed, for a person (变更内容): ``(field label, before, after)`` for each field
    that differs, values in words (:func:`value_text`); a created record shows its fields with an empty
    before, a removed one with an empty after, a value that is not a record one line with no field.
    ``names`` turns a login name (报送单位, 下发单位…) into what a page shows for it: the unit."""
    before, after = json.loads(entry.before), json.loads(entry.after)
    if (before is None or isinstance(before, dict)) and (after is None or isinstance(after, dict)):
        old, new = changed(before, after)
        if entry.entity == "user":  # the account is named by its unit in the entry's 对象 column
            old.pop("username", None), new.pop("username", None)
        for side in (old, new):  # status_label beside status: the label is what status already shows
            for key in [k for k in side if k.endswith("_label") and k.removesuffix("_label") in side]:
                del side[key]
        if names is not None:
            for side in (old, new):
                for key in PERSON_FIELDS & side.keys():
                    side[key] = names(side[key]) if isinstance(side[key], str) else side[key]
        return [
            (
                FIELD_LABELS.get(key, key),
                value_text(old.get(key), key, width, entry.entity),
                value_text(new.get(key), key, width, entry.entity),
            )
            for key in {**old, **new}
        ]
    return [("", value_text(before, "", width, entry.entity), value_text(after, "", width, entry.entity))]


# ---------------------------------------------------------------- anchors (审计锚点)
# The chain proves that no entry was changed *relative to the head*; whoever can write the database
# can also delete entries from the end, delete them all, or edit one and recompute every hash after
# it, and the chain (head record included) verifies again. An anchor is the head — the number of
# entries and the newest hash — written down outside the database: as long as it is kept out of
# reach, the entry at that number must still have that hash, which covers every entry up to it.

ANCHOR_HEADER = "# lantian 审计锚点 audit anchors: 条数 count · 末条校验值 head hash · 记录时间 recorded at (UTC)"
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Anchor:
    """The audit log had ``count`` entries, the newest with ``hash``, when it was recorded ``at``."""

    count: int
    hash: str
    at: str  # ISO 8601, UTC

    def line(self) -> str:
        """The anchor file's line: ``count hash time``."""
        return f"{self.count} {self.hash} {self.at}"


def read_anchors(text: str, *, file: str) -> list[Anchor]:
    """The anchors of an anchor file (``#`` lines and blank lines skipped); a malformed line is an
    InputError naming the file, the line and the field."""
    anchors: list[Anchor] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3:
            raise InputError(
                "锚点行应为：条数 校验值 记录时间 (an anchor line is: count, head hash, time)", file=file, line=number,
                field="anchor",
            )  # fmt: skip
        count, digest, at = parts
        if not count.isascii() or not count.isdigit():
            raise InputError(f"条数应为整数 (count {count!r} is not a number)", file=file, line=number, field="count")
        if len(digest) != 64 or not set(digest) <= _HEX:
            raise InputError(
                "校验值应为64位十六进制数字 (the head hash is 64 hexadecimal digits)",
                file=file,
                line=number,
                field="hash",
            )
        if int(count) == 0 and digest != GENESIS:
            raise InputError(
                "空日志的校验值为64个0 (an anchor of an empty log has the hash 0…0)",
                file=file,
                line=number,
                field="hash",
            )
        try:
            dt.datetime.fromisoformat(at)
        except ValueError:
            raise InputError(
                f"记录时间格式不正确 (time {at!r} is not ISO 8601)", file=file, line=number, field="time"
            ) from None
        anchors.append(Anchor(int(count), digest, at))
    return anchors


@dataclass(frozen=True)
class AnchorVerdict:
    """The stored entries against the anchors recorded earlier."""

    anchors: int  # how many were checked
    held: Anchor | None = None  # the newest anchor the entries still agree with
    missing: int = 0  # entries an anchor counted that are no longer there (the largest shortfall)
    missing_since: Anchor | None = None
    rewritten: Anchor | None = None  # the earliest anchor whose entry now has another hash
    rewritten_after: int = 0  # the change lies after this entry (the last anchor before it that held)

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.rewritten is None

    def problems(self) -> list[str]:
        """What is wrong, for a person: Chinese first, then English."""
        out: list[str] = []
        if self.missing_since is not None:
            a = self.missing_since
            out.append(f"缺少{self.missing}条：{a.at} 的锚点记有{a.count}条，现只有{a.count - self.missing}条 "
                       f"({self.missing} entries missing since the anchor of {a.at})")  # fmt: skip
        if self.rewritten is not None:
            a, first = self.rewritten, self.rewritten_after + 1
            where = f"第{a.count}条" if first == a.count else f"第{first}–{a.count}条中有条目"
            span = f"#{a.count}" if first == a.count else f"an entry in #{first}–#{a.count}"
            out.append(f"{where}在 {a.at} 之后被改写 ({span} rewritten since {a.at})")
        return out

    def as_dict(self) -> dict[str, Any]:
        def anchor(a: Anchor | None) -> dict[str, Any] | None:
            return None if a is None else {"count": a.count, "hash": a.hash, "at": a.at}

        return {"ok": self.ok, "anchors": self.anchors, "held": anchor(self.held), "missing": self.missing,
                "missing_since": anchor(self.missing_since), "rewritten": anchor(self.rewritten),
                "rewritten_after": self.rewritten_after, "problems": self.problems()}  # fmt: skip


def check_anchors(anchors: Iterable[Anchor], hashes: dict[int, str]) -> AnchorVerdict:
    """``hashes``: the stored entries' hashes by sequence number. Each anchor's entry must still be
    there with the anchored hash (which, through the chain, stands for every entry before it)."""
    chosen = sorted(anchors, key=lambda a: a.count)
    held: Anchor | None = None
    missing, missing_since = 0, None
    rewritten: Anchor | None = None
    rewritten_after = 0
    for a in chosen:
        stored = hashes.get(a.count) if a.count else GENESIS
        if stored == a.hash:
            held = a
            if rewritten is None:
                rewritten_after = a.count
        elif stored is None:
            gone = a.count - sum(1 for seq in hashes if seq <= a.count)
            if gone >= missing:
                missing, missing_since = max(gone, 1), a
        elif rewritten is None:
            rewritten = a
    return AnchorVerdict(len(chosen), held, missing, missing_since, rewritten, rewritten_after)
