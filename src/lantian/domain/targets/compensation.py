"""The ecological-compensation settlement of a period (生态补偿结算): every scheme's amount for each
place of an office, with its arithmetic, the total per place, and what changed between a settlement
the admin confirmed (确认结算, stored frozen) and the one the data gives now.

Pure: the amounts come from :mod:`lantian.domain.targets.accountability`; the service fills them in
and the store keeps the confirmed one (docs/accountability.md, "Compensation").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lantian.domain.targets.accountability import Settlement
from lantian.errors import InputError

PERIOD_FORMS = "2025-01（月）、2025-Q1（季度）或 2025（年）"


def period_code(text: str) -> str:
    """A settlement's period as stored: a month ``2025-01``, a quarter ``2025-Q1`` or a year ``2025``
    (a settlement is of a fixed period, never a running one)."""
    s = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        if 1 <= int(m[2]) <= 12:
            return f"{m[1]}-{int(m[2]):02d}"
    elif m := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", s):
        return f"{m[1]}-Q{m[2]}"
    elif re.fullmatch(r"\d{4}", s):
        return s
    raise InputError(f"时段应为 {PERIOD_FORMS}，收到“{text}”（settlement period: YYYY-MM, YYYY-Qn or YYYY）",
                     field="period")  # fmt: skip


@dataclass(frozen=True)
class Confirmation:
    by: str  # the admin's user name
    unit: str  # the admin's unit as pages name it (苏州市大气办)
    at: dt.datetime


@dataclass(frozen=True)
class PeriodSettlement:
    """One office's settlement of one period: each scheme's line per place (``lines``, in scheme
    order), the schemes in the rules' order. ``confirmed`` once the admin has frozen it."""

    office: str  # whose places are settled ('' : every place stored: the command line without --place)
    period: str  # period_code
    label: str  # 2025年1月
    rules: str  # the rules file it was computed under
    schemes: tuple[str, ...]
    lines: tuple[Settlement, ...]
    confirmed: Confirmation | None = None
    notes: tuple[str, ...] = field(default=())  # what a reader should know (a scheme that could not apply)

    @property
    def places(self) -> list[str]:
        return sorted({line.place for line in self.lines})

    def of(self, scheme: str) -> list[Settlement]:
        return [line for line in self.lines if line.scheme == scheme]

    def totals(self) -> dict[str, Decimal]:
        """Each place's net amount over every scheme (万元; + receives, − pays)."""
        out = {p: Decimal(0) for p in self.places}
        for line in self.lines:
            out[line.place] += line.amount
        return out

    def net(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    def same_amounts(self, other: PeriodSettlement) -> bool:
        return not differences(self, other)


def differences(old: PeriodSettlement, new: PeriodSettlement) -> list[str]:
    """What differs between a confirmed settlement and today's, line by line, in words: a place or
    scheme added or gone, an amount changed (with both arithmetics)."""
    before = {(s.scheme, s.place): s for s in old.lines}
    after = {(s.scheme, s.place): s for s in new.lines}
    out: list[str] = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        scheme, place = key
        if a is None and b is not None:
            out.append(f"{place}·{scheme}：新增 {_amount(b.amount)}（{b.arithmetic}）")
        elif b is None and a is not None:
            out.append(f"{place}·{scheme}：不再结算（原为 {_amount(a.amount)}）")
        elif a is not None and b is not None and (a.amount != b.amount or a.arithmetic != b.arithmetic):
            was, now = _amount(a.amount), _amount(b.amount)
            out.append(f"{place}·{scheme}：{was} → {now}（原：{a.arithmetic}；现：{b.arithmetic}）")
    return out


def _amount(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return ("+" + text if value > 0 else text.replace("-", "−")) + " 万元"


# ---------------------------------------------------------------------------- stored form
def line_dict(s: Settlement) -> dict[str, Any]:
    return {
        "scheme": s.scheme, "place": s.place, "amount": str(s.amount), "arithmetic": s.arithmetic,
        "value": None if s.value is None else str(s.value),
        "reference": None if s.reference is None else str(s.reference), "reference_source": s.reference_source,
    }  # fmt: skip


def line_from(d: dict[str, Any]) -> Settlement:
    def dec(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    amount = dec(d["amount"])
    assert amount is not None
    return Settlement(str(d["scheme"]), str(d["place"]), amount, str(d["arithmetic"]), dec(d.get("value")),
                      dec(d.get("reference")), str(d.get("reference_source", "")))  # fmt: skip


def lines_from(stored: Sequence[dict[str, Any]]) -> tuple[Settlement, ...]:
    return tuple(line_from(d) for d in stored)
