"""Rankings that raise flags, for the tests of the 问责 page and its routes: the air-quality engine
is tested on real data elsewhere (tests/cli/test_accountability.py); here the monthly ranks are
given, so that every place of the permission tests (江苏省 ⊃ 苏州市 ⊃ 昆山市, 南京市) has a flag.

In January every place ties for last (末位: a 警示 each, 日照's ladder of the shipped rules); in
February and March 昆山市 stays last (挂牌督办, then 约谈). With four places ranked the streak rule
(倒数5位) flags nobody.
"""

from __future__ import annotations

from typing import Any

from lantian.bootstrap import App
from lantian.domain.targets.accountability import Ranking

PLACES = ["苏州市", "江苏省", "南京市", "昆山市"]
LADDER = "末位问责（日照）"  # the shipped rules' ladder: 1 → 警示, 2 → 挂牌督办, 3 → 约谈
SERIES: list[tuple[str, Ranking]] = [
    ("2025-01", dict.fromkeys(PLACES, 1)),
    ("2025-02", {"苏州市": 1, "江苏省": 2, "南京市": 3, "昆山市": 4}),
    ("2025-03", {"苏州市": 2, "江苏省": 1, "南京市": 3, "昆山市": 4}),
]
WINDOW = ("2025-01", "2025-03")


def with_flags(app: App) -> None:
    """The office's places and their monthly ranks are :data:`SERIES` (the default window: its months)."""

    def series(places: Any, first: str, last: str, ranking: str, **_: Any) -> list[tuple[str, Ranking]]:
        return [(m, r) for m, r in SERIES if first <= m <= last]

    setattr(app.actions, "_series", series)  # noqa: B010
    setattr(app.actions, "window", lambda: WINDOW)  # noqa: B010
    setattr(app.accountability, "places", lambda office: list(PLACES))  # noqa: B010
