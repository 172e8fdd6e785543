"""The compensation settlement's JSON (生态补偿结算): the API's ``response_model`` and the command
line's ``--json`` (``lantian targets compensation``), one schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from lantian.domain.targets.compensation import PeriodSettlement


class LineOut(BaseModel):
    scheme: str = Field(description="补偿方案 the scheme's name, as in the rules file")
    place: str = Field(description="辖区 the place settled")
    amount: float = Field(description="金额（万元）: + 补偿 receives, − 扣缴 pays")
    arithmetic: str = Field(description="计算过程, in words and numbers")
    value: float | None = Field(description="the place's value of the period (a rank scheme: its rank)")
    reference: float | None = Field(description="what it was compared with: its target or its earlier value")
    reference_source: str = Field(description="where the reference came from (目标来源 / 上年同期)")


class TotalOut(BaseModel):
    place: str
    amount: float = Field(description="合计（万元） over every scheme")


class CompensationOut(BaseModel):
    office: str = Field(description="whose places are settled ('' : every place stored)")
    period: str = Field(description="2025-01 | 2025-Q1 | 2025")
    label: str = Field(description="2025年1月")
    rules: str = Field(description="the rules file it was computed under")
    status: Literal["confirmed", "draft"] = Field(description="confirmed: frozen by the admin (已确认); draft: today's")
    confirmed_by: str | None = None
    confirmed_unit: str | None = None
    confirmed_at: dt.datetime | None = None
    schemes: list[str]
    lines: list[LineOut]
    totals: list[TotalOut]
    net: float = Field(description="the sum of every amount (万元)")
    differences: list[str] = Field(
        default_factory=list,
        description="a confirmed settlement: what today's data would change, line by line (empty: the same)",
    )
    notes: list[str] = Field(default_factory=list)


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def settlement_out(s: PeriodSettlement, differences: list[str] | None = None) -> CompensationOut:
    c = s.confirmed
    return CompensationOut(
        office=s.office, period=s.period, label=s.label, rules=s.rules,
        status="confirmed" if c is not None else "draft",
        confirmed_by=c.by if c else None, confirmed_unit=c.unit if c else None, confirmed_at=c.at if c else None,
        schemes=list(s.schemes),
        lines=[LineOut(scheme=x.scheme, place=x.place, amount=float(x.amount), arithmetic=x.arithmetic,
                       value=_f(x.value), reference=_f(x.reference), reference_source=x.reference_source)
               for x in s.lines],
        totals=[TotalOut(place=p, amount=float(v)) for p, v in s.totals().items()],
        net=float(s.net()), differences=differences or [], notes=list(s.notes),
    )  # fmt: skip
