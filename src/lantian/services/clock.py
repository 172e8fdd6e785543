"""The services' clock (时钟): UTC now, replaceable in tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


BEIJING = dt.timezone(dt.timedelta(hours=8))  # 北京时间: warnings, deadlines and report months are kept in it


def beijing(at: dt.datetime) -> dt.datetime:
    """``at`` as naive Beijing time (a naive time is taken as Beijing time already)."""
    return at.astimezone(BEIJING).replace(tzinfo=None) if at.tzinfo else at


def beijing_now(clock: Clock = utc_now) -> dt.datetime:
    """Now, as naive Beijing time to the second."""
    return beijing(clock()).replace(microsecond=0)
