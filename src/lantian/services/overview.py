"""What the dashboard and the public page show of the air (空气质量概览): city daily AQI for the last
year of data (calendar heat map and trend), the newest month's city ranking, and the warnings in
force. Computed with the assessment engine and kept until the hourly store changes (an import adds
or rewrites Parquet files), so a page view does not recompute a year of station data.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

from lantian.domain.aq.periods import parse_period
from lantian.errors import NotFoundError
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from lantian.services.targets import TargetService

RANK_COLUMNS = ("station", "rank", "composite_index", "pm25", "pm10", "o3_p90", "good_ratio", "heavy_days",
                "valid_days", "max_index_pollutants")  # fmt: skip
DAY_COLUMNS = ("station", "day", "aqi", "category", "primary_pollutant", "pm25", "pm10", "o3_8h_max")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


class OverviewService:
    def __init__(self, airquality: AirQualityService, targets: TargetService) -> None:
        self.airquality = airquality
        self.target_service = targets
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._air: dict[str, Any] | None = None
        self._targets: dict[tuple[str, tuple[Any, ...]], list[dict[str, Any]]] = {}

    def _signature(self) -> tuple[Any, ...]:
        files = self.airquality.store.files("sites")
        newest = max((f.stat().st_mtime_ns for f in files[-31:]), default=0)
        return (len(files), files[-1].name if files else None, newest, self.airquality.areas_path.is_file())

    def air(self) -> dict[str, Any]:
        """{"span", "month", "ranking", "days"}: empty lists when no station data is imported."""
        with self._lock:
            key = self._signature()
            if self._air is None or key != self._key:
                self._air, self._key = self._compute(), key
            return self._air

    def targets(self, jurisdiction: str, runs: int = 200) -> list[dict[str, Any]]:
        """The place's targets for the year of the newest data, with the value to date (目标进度)."""
        air = self.air()
        if not air["span"]:
            return []
        key = (jurisdiction, (*(self._key or ()), int(time.time() // 600)))  # targets may change: 10 minutes
        if key not in self._targets:
            self._targets = {k: v for k, v in self._targets.items() if k[1] == key[1]}  # keep this window's only
            as_of = dt.date.fromisoformat(air["span"][1])
            try:
                rows = self.target_service.status(jurisdiction, as_of, runs=runs)
            except NotFoundError:
                rows = []
            self._targets[key] = [{k: _plain(v) for k, v in r.items()} for r in rows]
        return self._targets[key]

    def _compute(self) -> dict[str, Any]:
        try:
            assessment = self.airquality.assessment()
        except NotFoundError:
            return {"span": None, "month": None, "ranking": [], "days": []}
        span = assessment.span()
        if span is None:
            return {"span": None, "month": None, "ranking": [], "days": []}
        first, last = span
        month = f"{last:%Y-%m}"
        ranking = assessment.period("city", parse_period(month), Options(), with_last_year=False)
        ranking.sort(key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r["station"]))
        start = max(first, last - dt.timedelta(days=365))
        days = assessment.daily("city", start, last, Options())
        return {
            "span": [first.isoformat(), last.isoformat()],
            "month": month,
            "ranking": [{k: _plain(r.get(k)) for k in RANK_COLUMNS} for r in ranking],
            "days": [{k: _plain(r.get(k)) for k in DAY_COLUMNS} for r in days],
        }
