"""Heavy-pollution weather (重污染天气): warning levels from forecasts, and forecast verification
against the observed city daily values. docs/warnings.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lantian.documents.read import decode_text
from lantian.domain.aq.csvrows import csv_rows
from lantian.domain.targets.registry import place_key
from lantian.domain.warnings.forecast import HEADER, REQUIRED, ForecastRow, parse_forecast_rows, pollutant_keys
from lantian.domain.warnings.levels import LABELS, Scheme, Slot, highest, levels, parse_schemes
from lantian.domain.warnings.verification import Pair, Scores, by, lead_label, month_label, scores
from lantian.errors import EmptyInputError, InputError, NotFoundError, StructureError, UnsupportedFormatError
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Assessment
from lantian.services.targets import city_days


def load_schemes(path: Path | None = None) -> dict[str, Scheme]:
    if path is None:
        text = resources.files("lantian.data").joinpath("warning_schemes.toml").read_text(encoding="utf-8")
        return parse_schemes(text, name="warning_schemes.toml")
    if not path.is_file():
        raise InputError("file not found (文件不存在)", file=str(path))
    return parse_schemes(decode_text(path.read_bytes(), name=str(path))[0], name=str(path))


def read_forecast(path: Path) -> list[ForecastRow]:
    """A forecast file (.csv UTF-8/GBK, or .xlsx: the first sheet), checked row by row."""
    if not path.is_file():
        raise InputError("file not found (文件不存在)", file=str(path))
    if path.suffix.lower() == ".xlsx":
        return parse_forecast_rows(_xlsx_rows(path), name=str(path))
    if path.suffix.lower() not in (".csv", ".txt"):
        raise UnsupportedFormatError("a forecast is a .csv or .xlsx file (预报文件应为 CSV 或 xlsx)", file=str(path))
    data = path.read_bytes()
    if not data.strip():
        raise EmptyInputError("the file is empty (文件为空)", file=str(path))
    text, _ = decode_text(data, name=str(path))
    _, rows = csv_rows(text, name=str(path), header=HEADER, required=REQUIRED, what="预报 forecast")
    return parse_forecast_rows(rows, name=str(path))


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged or foreign file
        raise UnsupportedFormatError(f"not a readable .xlsx file (无法读取): {exc}", file=str(path)) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    cols = {HEADER[h]: i for i, h in enumerate(header) if h in HEADER}
    missing = [f for f in REQUIRED if f not in cols]
    if missing:
        raise StructureError(f"the forecast lacks the column(s) {'、'.join(missing)} (缺少列)", file=str(path), line=1,
                             field="、".join(missing))  # fmt: skip
    for line, row in enumerate(rows, start=2):
        if not any(c not in (None, "") for c in row):
            continue
        yield line, {f: _cell(row[i]) if i < len(row) else "" for f, i in cols.items()}
    book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class WarningService:
    airquality: AirQualityService

    def levels(self, path: Path, scheme: str, schemes_file: Path | None = None) -> list[dict[str, Any]]:
        """The warning level of each forecast series (city × issue) and of each of its days or hours."""
        schemes = load_schemes(schemes_file)
        if scheme not in schemes:
            raise InputError(f"unknown scheme {scheme!r}; use {' | '.join(schemes)} (预警方案)", field="scheme")
        chosen = schemes[scheme]
        series: dict[tuple[str, dt.datetime], list[ForecastRow]] = {}
        for row in read_forecast(path):
            series.setdefault((row.city, row.issued), []).append(row)
        out = []
        for (city, issued), rows in sorted(series.items()):
            rows.sort(key=lambda r: (r.date, -1 if r.hour is None else r.hour))
            slots = [_slot(r) for r in rows]
            result = levels(slots, chosen)
            level = highest(result)
            out.append({
                "city": city, "issued": issued, "scheme": chosen.code, "scheme_title": chosen.title,
                "scheme_verified": chosen.verified, "level": level, "label": LABELS.get(level or "", "无预警"),
                "days": [
                    {"date": r.date, "hour": r.hour, "aqi": r.aqi, "level": x.level, "rule": x.rule}
                    for r, x in zip(rows, result, strict=True)
                ],
            })  # fmt: skip
        return out

    def verify(self, path: Path) -> tuple[list[Pair], list[Scores], list[Scores], Scores]:
        """Every daily forecast against the observed city daily AQI: by lead time, by month, overall."""
        forecasts = [r for r in read_forecast(path) if r.hour is None]
        try:
            assessment: Assessment | None = self.airquality.assessment()
        except NotFoundError:
            assessment = None
        observed = {place_key(city): days for city, days in city_days(self.airquality, assessment).items()}
        pairs = []
        for f in forecasts:
            day = observed.get(place_key(f.city), {}).get(f.date)
            if day is None or day.get("aqi") is None:
                continue
            primary = pollutant_keys(str(day.get("primary_pollutant") or "")) or ()
            pairs.append(Pair(f, int(day["aqi"]), primary))
        if not pairs:
            message = "no forecast day has an observed daily AQI (没有可对照的实测日AQI)"
            raise NotFoundError(f"{message}: import station data or published values", field="forecast")
        return pairs, by(pairs, lead_label), by(pairs, month_label), scores("all", pairs)


def _slot(r: ForecastRow) -> Slot:
    start = dt.datetime.combine(r.date, dt.time())
    if r.hour is None:
        return Slot(start, 24, r.aqi)
    return Slot(start + dt.timedelta(hours=r.hour), 1, r.aqi)
