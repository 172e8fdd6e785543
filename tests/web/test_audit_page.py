"""The audit page reads as changes, not stored JSON, and says how many of the chain's entries it shows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.tracking.model import Actor, UserRole
from tests.web.conftest import ENV


def test_the_audit_page_shows_fields_changed_and_counts_what_it_lists(
    client: Callable[[str | None], TestClient], lantian: App
) -> None:
    admin = Actor("admin", UserRole.ADMIN, "苏州市")
    lantian.workflow.issue_notice(admin, department=ENV, subject="扬尘督办", body="b",
                                  due=lantian.workflow.today() + dt.timedelta(days=3))  # fmt: skip
    page = client("admin").get("/audit", headers={"Accept-Language": "zh-CN"}).text
    assert "<b>督办事项</b>：扬尘督办" in page  # a field by its label, not its stored key
    assert "{&#34;" not in page and '{"' not in page  # no stored JSON on the page
    rows = len(re.findall(r"<tr><td>\d+</td>", page))
    assert rows >= 1
    assert re.search(rf"下表为与本辖区有关的记录：{rows} 条", page)
    chain = int(re.search(r"全部 (\d+) 条", page).group(1))  # type: ignore[union-attr]
    assert chain >= rows
