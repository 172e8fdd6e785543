"""Published monthly bulletins (月报发布): what an office has put on its public page.

A bulletin is published once per place and month; publishing the same month again replaces it (the
audit log keeps what it replaced). Its files — the .docx and the PDF LibreOffice made from it — are
kept in the data folder under their SHA-256 (``bulletins/ab/abcdef…``); the record names them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from lantian.errors import InputError

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class PublishedBulletin:
    place: str  # 辖区, as the office names it (苏州市)
    month: str  # YYYY-MM
    title: str  # 苏州市2025年1月环境空气质量月报
    docx_sha256: str
    docx_size: int
    pdf_sha256: str | None  # None: no PDF could be made (LibreOffice missing or failed)
    pdf_size: int | None
    published_by: str  # the user name
    published_at: dt.datetime
    id: int = 0

    def as_audit(self) -> dict[str, Any]:
        """What the audit log keeps of it (before and after a publication)."""
        return {"jurisdiction": self.place, "month": self.month, "bulletin": self.title,
                "docx_sha256": self.docx_sha256, "pdf_sha256": self.pdf_sha256,
                "published_by": self.published_by, "published_at": self.published_at.isoformat()}  # fmt: skip


def check_month(text: str, *, field: str = "month") -> str:
    """A month as YYYY-MM (2025-01), from 2000 to 2100; a clear error naming ``field`` otherwise."""
    value = (text or "").strip()
    found = MONTH.match(value)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        raise InputError(f"a month is YYYY-MM, not {value!r} (月份格式应为 2025-01)", field=field)
    return value


def newest_complete_month(last_day: dt.date) -> str:
    """The newest month whose every day is on or before ``last_day`` (data to 2025-02-15 → 2025-01;
    to 2025-01-31 → 2025-01)."""
    if (last_day + dt.timedelta(days=1)).month != last_day.month:
        return f"{last_day:%Y-%m}"
    return f"{last_day.replace(day=1) - dt.timedelta(days=1):%Y-%m}"
