"""Interface languages (界面语言): Chinese first, English kept in ``i18n/en/LC_MESSAGES/messages.po``.

Templates and messages are written in Chinese (the msgids); the English catalog translates them. The
catalog is read with Babel and compiled in memory when the app starts, so no binary ``.mo`` file is
kept in the repository. A missing English string falls back to the Chinese text (and a test fails).
"""

from __future__ import annotations

import gettext
import io
import math
import re
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lantian.errors import LantianError

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT = "zh"


def catalog_path(lang: str) -> str:
    return f"i18n/{lang}/LC_MESSAGES/messages.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT or lang not in LANGUAGES:
        return gettext.NullTranslations()
    source = resources.files("lantian.web").joinpath(catalog_path(lang))
    with source.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick(cookie: str | None, accept_language: str | None) -> str:
    """The cookie wins; otherwise Chinese unless the browser asks for English before Chinese."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


# ---------------------------------------------------------------- errors shown to a person (出错提示)
# A message is written once for both languages, in one of two forms the splitter below reads:
#   "english text (中文说明)"      the common form; an optional tail ": detail" belongs to both
#   "中文说明 (english text)"      the reverse
#   "中文说明; english text"       a size limit's form (documents/limits.py)
# (brackets may be full-width). A message of Chinese only is shown as it is in both languages. The
# contract test tests/contracts/test_error_messages.py holds every message in src/lantian to this.

FIELD_LABELS: dict[str, str] = {
    # the ``field`` of an error (its stored name) → the label a person knows it by (中文 msgid)
    "action": "办理步骤",
    "address": "登录地址",
    "anchor": "基准",
    "answer": "回复内容",
    "aq": "监测数据",
    "aqi": "空气质量指数",
    "aqi_low": "空气质量指数下限",
    "as_of": "截至日期",
    "at": "时间",
    "audit": "审计日志",
    "baseline_days": "基准天数",
    "baseline_year": "基准年",
    "body": "督办内容",
    "bulletin": "月报",
    "bulletin_id": "月报",
    "by": "排序方式",
    "city": "城市",
    "clause_reporters": "条款报送单位",
    "code": "站点编码",
    "comparator": "比较方式",
    "count": "条数",
    "csrf_token": "表单校验码",
    "database_url": "数据库地址",
    "date": "日期",
    "deadline": "完成时限",
    "deadline_before": "时限不晚于",
    "decision": "审核结果",
    "department": "部门",
    "departments": "责任分工",
    "description": "问题描述",
    "due": "办理时限",
    "email": "电子邮箱",
    "engine": "计算引擎",
    "entity": "对象类型",
    "entity_id": "对象编号",
    "evidence": "佐证材料",
    "evidence_id": "佐证材料",
    "field": "复核字段",
    "file": "文件",
    "files": "文件",
    "flag": "复核项",
    "flag_id": "复核项",
    "flags": "复核状态",
    "font": "字体",
    "forecast": "预报",
    "format": "格式",
    "from": "起始日期",
    "grace_days": "宽限天数",
    "grade": "等级",
    "hash": "校验值",
    "header": "表头",
    "indicator": "指标",
    "indicators": "指标",
    "input": "输入",
    "issuer": "发布单位",
    "jurisdiction": "辖区",
    "key": "编号",
    "kind": "类型",  # 排名类型 (web/rankings.py), 问责措施 (web/accountability.py)
    "lead": "牵头单位",
    "level": "级别",
    "limit": "条数",
    "limits": "上限",
    "location": "地点",
    "meta": "计划信息",
    "method": "方法",
    "month": "月份",
    "narrative": "进展情况",
    "new": "新提交",
    "next": "登录后前往",
    "note": "说明",
    "notice": "督办单",
    "notice_id": "督办",
    "office": "所属辖区",
    "offset": "起始位置",
    "output": "输出文件",
    "overdue": "仅逾期",
    "page": "页码",
    "part": "子任务",
    "password": "密码",
    "period": "时段",
    "permits": "排污许可数据",
    "photos": "照片",
    "place": "辖区",
    "plan": "计划",
    "primary_pollutant": "首要污染物",
    "product": "产品",
    "q": "关键词",
    "ranking": "排名方式",
    "reason": "退回理由",
    "registry": "企业名录",
    "report": "报送",
    "report_id": "报送",
    "review": "审核状态",
    "revision": "修订",
    "rhythm": "调度频次",
    "role": "角色",
    "saved": "已保存",
    "scheme": "预警方案",
    "seeds": "示例计划目录",
    "soffice": "转换为 pdf",
    "source": "问题来源",
    "standard": "标准",
    "state": "状态",
    "station": "站点",
    "status": "状态",
    "stretch": "力争值",
    "subject": "督办事项",
    "subtask": "子任务",
    "target": "目标",
    "task": "任务",
    "task_id": "任务",
    "task_ids": "任务编号",
    "text": "内容",
    "ticket": "问题",
    "ticket_id": "问题",
    "time": "时间",
    "title": "问题名称",
    "to": "截止日期",
    "token": "表单凭据",
    "tolerance": "容差",
    "unread": "仅未读",
    "url": "机器人地址",
    "user": "用户",
    "username": "用户名",
    "value": "数值",
    "version": "版本",
    "webhook": "群机器人",
    "weekly_grace_days": "周调度宽限天数",
    "year": "年度",
    # accounts (web/admin.py, services/accounts.py)
    "old_password": "当前密码",
    "new_password": "新密码",
    "confirm": "再次输入新密码",
    "active": "账号状态",
    "display_name": "显示名称",
    "changed": "修改结果",  # /account?changed=1, after the change
    "done": "操作结果",  # /users/…?done=added|password|…, after an account's change
    "custom_key": "自定义指标名称",  # 目标 (web/targets.py)
    "unit": "单位",
    "edit_place": "修改的目标辖区",
    "edit_indicator": "修改的目标指标",
    "edit_year": "修改的目标年份",
    # 问责措施 (web/accountability.py)
    "on": "日期",
    "document": "文号或标题",
    "minutes": "纪要或说明",
    "rule": "预警规则",
    "action_id": "问责措施",
    "file_id": "材料",
    # 生态补偿 (web/compensation.py)
    "span": "月份或季度",
    "replace": "替换已确认结算",
    "patterns": "匹配规则",  # indicator_rules.toml [[patterns]]
}

_OPEN = "(（"
_CLOSE = ")）"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")  # a word with a small letter: PM, AQI, YYYY are not words


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def _chinese(text: str) -> bool:
    """Mostly Chinese: more Chinese characters than Latin words, bracketed asides aside (a Chinese
    term in an English sentence, PM2.5 or HJ 633 in a Chinese one do not change what it is)."""
    for start, end in reversed(_groups(text)):
        text = text[:start] + text[end:]
    return len(_CJK.findall(text)) > len(_WORD.findall(text))


def _groups(text: str) -> list[tuple[int, int]]:
    """The top-level bracketed groups of ``text`` as (start, end) spans, brackets included."""
    spans, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif char in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(":：;；,，").strip()


def split_message(message: str) -> tuple[str | None, str]:
    """``(中文, english)`` of an error message written in one of the two forms above. The Chinese is
    None when the message carries none (then only the English can be shown); a message of Chinese only
    is its own English."""
    for start, end in reversed(_groups(message)):
        inner = message[start + 1 : end - 1].strip()
        before, tail = _tidy(message[:start]), message[end:].rstrip()
        if tail and not tail.lstrip().startswith((":", "：")):
            continue  # a bracket inside the sentence, not the translation
        if not before:
            continue
        if _chinese(inner) and not _chinese(before):
            return inner + tail, before + tail
        if not _chinese(inner) and _chinese(before):
            return before + tail, inner + tail
    head, sep, rest = message.partition("; ")
    if sep and _chinese(head) and rest and not _chinese(rest):
        return head, rest
    if _chinese(message):
        return message, message
    return None, message


def field_label(field: str | None, lang: str) -> str | None:
    """A field as a person knows it: its label, or the field itself when it is already Chinese (a
    column heading); never a stored name on a Chinese page."""
    if not field:
        return None
    label = FIELD_LABELS.get(field)
    if label is not None:
        return translations(lang).gettext(label)
    if has_chinese(field):
        return field
    return field if lang == "en" else None


def error_text(error: LantianError, lang: str = DEFAULT, *, with_field: bool = True) -> str:
    """What a page shows for ``error`` in ``lang``: for Chinese the Chinese text, the field by its
    Chinese label, the file and line in words (``000.txt 第12行 · 责任分工：…``); for English the
    English text with the same place. This is the one rule every page uses (filter ``error_text``);
    ``with_field=False`` when the text stands beside the field it is about."""
    zh, en = split_message(error.message)
    text = (zh or en) if lang != "en" else en
    where = []
    if error.file:
        if error.line is None:
            where.append(error.file)
        elif lang == "en":
            where.append(f"{error.file}:{error.line}")
        else:
            where.append(f"{error.file} 第{error.line}行")
    elif error.line is not None:
        where.append(f"line {error.line}" if lang == "en" else f"第{error.line}行")
    label = field_label(error.field, lang) if with_field else None
    if label:
        where.append(label)
    if not where:
        return text
    return (": " if lang == "en" else "：").join([" · ".join(where), text])


def number(value: object, digits: int = 3) -> str:
    """A number as people write it: 33 not 33.0, 0.8, 2.25 (at most ``digits`` decimals, trailing
    zeros dropped); None as —; anything else as it is. Jinja filter ``num``."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    text = f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


_LEGACY_HINT = re.compile(r"[;；]\s*可?用 --[\w-]+ 指定")  # flags stored before issue 19 named the CLI option


def message_text(message: str, lang: str = DEFAULT) -> str:
    """A stored two-language message (a review flag's) in ``lang``: Chinese first, English for "en"."""
    zh, en = split_message(message)
    if lang == "en":
        return en
    return _LEGACY_HINT.sub("", zh or en)
