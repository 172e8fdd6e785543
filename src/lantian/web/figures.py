"""The lists the dashboard's figures open that no other page shows (工作台数字的明细): 调度未报, the
reports due and not filed (each task at its own rhythm: weekly, monthly, quarterly), page by page.
Each list counts what its tile counts, with the same service call (:meth:`WorkflowService.missing_reports`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from lantian.web import pages, views
from lantian.web.deps import lantian

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/progress/missing")
def missing_reports(request: Request, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    """调度未报: the reports of the last month due that the tasks the user's office answers for still
    owe (a department: its own), in plan order, 50 a page."""
    who = pages.page_reader(request)
    app = lantian(request)
    total, rounds, items = app.workflow.missing_reports(who.actor, PAGE, (page - 1) * PAGE)
    return pages.render(
        request,
        "missing_reports.html",
        total=total,
        rounds=[{"rhythm": r.rhythm.label, "period": r.label, "due": r.due.isoformat()} for r in rounds],
        items=[views.overdue_json(o) for o in items],
        page=page,
        pages=max(1, -(-total // PAGE)),
    )
