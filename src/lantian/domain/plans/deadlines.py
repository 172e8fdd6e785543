"""Deadlines (完成时限) as written → dates, resolved against the plan year.

=====================  ==========================================================
written                 resolved (plan year Y)
=====================  ==========================================================
2023年4月28日前          2023-04-28
2023年4月底前 / 4月底前   2023-04-30 / Y-04-30
6月底前                 Y-06-30
2024年底前 / 2024年      2024-12-31
年底前 / 年内 / 年底      Y-12-31
到2025年 / 2025年前       2025-12-31
上半年 / 下半年           Y-06-30 / Y-12-31
一季度 … 四季度           the quarter's last day
2019年7月1日起           from 2019-07-01 (start only)
秋冬季 / 秋冬季期间       Y-10-01 … (Y+1)-03-31
2023—2024年秋冬季        2023-10-01 … 2024-03-31
=====================  ==========================================================

Recurring duties (``每月至少开展2次``, ``每季度更新``, ``每年完成一轮``) are kept as
``recurring = "monthly:2"`` (period:times) with no single date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Protocol

from lantian.domain.plans.model import Deadline

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_PERIODS = {
    "年": "yearly",
    "季度": "quarterly",
    "季": "quarterly",
    "月": "monthly",
    "周": "weekly",
    "日": "daily",
    "半年": "half-yearly",
}


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def normalize_spaces(text: str) -> str:
    """``2023 年 4 月底前`` → ``2023年4月底前`` (spaces around digits from PDF exports)."""
    return re.sub(r"(?<=[\d年月日])\s+(?=[\d年月日])|(?<=\d)\s+(?=[年月日%])", "", text)


_Y = r"(?P<y>20\d{2})"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_Y + r"\s*[—–\-－~至到]\s*(?P<y2>20\d{2})年秋冬季(?:期间)?"), "winter_range"),
    (re.compile(_Y + r"年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:前|之前|以前)"), "ymd_before"),
    (re.compile(_Y + r"年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:起|开始)"), "ymd_from"),
    (re.compile(_Y + r"年(?P<m>\d{1,2})月(?:底|末)?(?:前|之前|以前)"), "ym_end"),
    (re.compile(_Y + r"年(?P<q>[一二三四1-4])季度(?:末)?(?:前)?"), "yq"),
    (re.compile(_Y + r"年(?P<h>上|下)半年"), "yh"),
    (re.compile(_Y + r"年(?:年)?(?:底|末)(?:前|之前)?"), "y_end"),
    (re.compile(r"(?:到|至|截至)" + _Y + r"年(?!\d{1,2}月)"), "y_end"),
    (re.compile(_Y + r"年(?:前|内)"), "y_end"),
    (re.compile(r"(?:^|(?<=[，。；：])|(?<=全[市省区县]))" + _Y + r"年[，,]"), "y_end"),
    (re.compile(r"(?<![年\d])(?P<m>\d{1,2})月(?:底|末)?(?:前|之前|以前)"), "m_end"),
    (re.compile(r"(?<![年\d])(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:前|之前|以前)"), "md_before"),
    (re.compile(r"(?<![\d年])(?:年底前|年内|年底|年末)"), "plan_year_end"),
    (re.compile(r"(?<![\d年])(?P<h>上|下)半年"), "h"),
    (re.compile(r"(?<![\d年])(?P<q>[一二三四])季度(?:末)?(?:前)"), "q"),
    (re.compile(r"秋冬季(?:期间)?"), "winter"),
]
_RECURRING = re.compile(
    r"每(?P<p>半年|年|季度|季|月|周|日)(?:度)?(?:至少|不少于)?(?:开展|完成|组织|进行|更新|检查|抽测)?"
    r"(?P<n>\d+|[一二两三四五六七八九十])?(?P<unit>次|轮|遍)?"
)


class _Match(Protocol):
    def group(self, name: str, /) -> str: ...


def _year(m: _Match, key: str = "y") -> int:
    return int(m.group(key))


def _quarter(token: str) -> int:
    return int(token) if token.isdigit() else _CN_DIGITS[token]


def resolve(kind: str, m: _Match, plan_year: int | None) -> tuple[dt.date | None, dt.date | None]:
    py = plan_year
    if kind == "winter_range":
        return dt.date(_year(m), 10, 1), dt.date(_year(m, "y2"), 3, 31)
    if kind == "ymd_before":
        return None, dt.date(_year(m), int(m.group("m")), int(m.group("d")))
    if kind == "ymd_from":
        return dt.date(_year(m), int(m.group("m")), int(m.group("d"))), None
    if kind == "ym_end":
        return None, month_end(_year(m), int(m.group("m")))
    if kind == "yq":
        q = _quarter(m.group("q"))
        return None, month_end(_year(m), q * 3)
    if kind == "yh":
        return None, month_end(_year(m), 6 if m.group("h") == "上" else 12)
    if kind == "y_end":
        return None, dt.date(_year(m), 12, 31)
    if py is None:
        return None, None
    if kind == "m_end":
        return None, month_end(py, int(m.group("m")))
    if kind == "md_before":
        return None, dt.date(py, int(m.group("m")), int(m.group("d")))
    if kind == "plan_year_end":
        return None, dt.date(py, 12, 31)
    if kind == "h":
        return None, month_end(py, 6 if m.group("h") == "上" else 12)
    if kind == "q":
        return None, month_end(py, _quarter(m.group("q")) * 3)
    if kind == "winter":
        return dt.date(py, 10, 1), dt.date(py + 1, 3, 31)
    raise ValueError(kind)


def _combined() -> re.Pattern[str]:
    """All patterns as one alternation, scanned once; earlier (more specific) kinds win."""
    parts = []
    for i, (pattern, _kind) in enumerate(_PATTERNS):
        body = re.sub(r"\(\?P<(\w+)>", rf"(?P<\g<1>_{i}>", pattern.pattern)
        parts.append(f"(?P<k{i}>{body})")
    # a cheap first-character check lets the engine skip most positions at once
    return re.compile("(?=[\\d到至截年上下一二三四秋，。；：全])(?:" + "|".join(parts) + ")")


_ALL = _combined()


class _Groups:
    """A match seen through the names of one alternative (``y_3`` → ``y``)."""

    def __init__(self, m: re.Match[str], index: int) -> None:
        self._m, self._suffix = m, f"_{index}"

    def group(self, name: str) -> str:
        return self._m.group(name + self._suffix)


def find_deadlines(text: str, plan_year: int | None, *, line: int = 0) -> tuple[list[Deadline], list[str]]:
    """All deadlines in ``text``; returns (deadlines, unresolved texts needing review)."""
    s = normalize_spaces(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Deadline]] = []
    unresolved: list[str] = []
    for m in _ALL.finditer(s):
        index = int((m.lastgroup or "k0")[1:])  # the outer group k<i> closes last
        kind = _PATTERNS[index][1]
        start, end = m.start(), m.end()
        try:
            begin, finish = resolve(kind, _Groups(m, index), plan_year)
        except ValueError:  # 2月30日 and the like
            unresolved.append(m.group(0))
            continue
        written = s[start:end].strip("，,。；：")
        if begin is None and finish is None:
            unresolved.append(written)
            continue
        taken.append((start, end))
        found.append((start, Deadline(text=written, start=begin, end=finish, line=line)))
    if "每" in s:
        for m in _RECURRING.finditer(s):
            if not (m.group("n") or m.group("unit") or re.match(r"每(?:年|季度|季|月)(?:更新|开展|检查)", m.group(0))):
                continue
            period = _PERIODS[m.group("p")]
            token = m.group("n")
            times = 1 if not token else int(token) if token.isdigit() else _CN_DIGITS[token]
            if any(a <= m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            deadline = Deadline(text=m.group(0), start=None, end=None, recurring=f"{period}:{times}", line=line)
            found.append((m.start(), deadline))
    found.sort(key=lambda pair: pair[0])
    return [d for _, d in found], unresolved
