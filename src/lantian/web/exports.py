"""What the command line exports, from the pages that show it (导出): the task list, the
responsibility matrix (also shown here, 部门 × 任务) and the reduction-list check reports, as ``.xlsx``.

Each download is the page's own list, with the page's filters and the page's authorisation by
place, written by the same functions as the command line (:mod:`lantian.reports.tasks_export`,
:mod:`lantian.reports.reduction_export`): ``/tasks.xlsx?…`` equals ``lantian tasks list … -o``,
``/matrix.xlsx?…`` ``lantian tasks matrix … -o`` and a check's report ``lantian reduction-list check
… -o`` for the tasks, lists and places the user may see.
"""

from __future__ import annotations

from itertools import groupby
from pathlib import PurePath
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lantian.bootstrap import App
from lantian.domain.plans.departments import KIND_LABELS, DepartmentKind
from lantian.domain.plans.model import TaskStatus
from lantian.domain.plans.records import TaskFilter
from lantian.domain.tracking.model import Actor
from lantian.errors import InputError, NotFoundError
from lantian.reports.reduction_export import check_xlsx
from lantian.reports.tasks_export import responsibility_matrix, task_table, xlsx_bytes
from lantian.web import views
from lantian.web.deps import lantian
from lantian.web.downloads import kept_check, xlsx_response
from lantian.web.pages import page_reader, render

router = APIRouter(include_in_schema=False)
MATRIX_COLUMNS = 400  # tasks the page draws as columns; past that it asks for a narrower filter


def _filter(app: App, **query: str) -> TaskFilter:
    flt = views.task_filter(app, **query)
    if flt.department and not flt.departments:  # as typed (发改委): the stored names it may mean
        flt.departments = app.plans.resolve_departments(flt.department)
    return flt


def _query(**query: str) -> str:
    return urlencode({k: v for k, v in query.items() if v})


# ---------------------------------------------------------------- the task list
@router.get("/tasks.xlsx")
def tasks_xlsx(request: Request, plan: str = "", department: str = "", role: str = "", status: str = "",
               q: str = "", deadline_before: str = "", overdue: str = "") -> Response:  # fmt: skip
    """The /tasks list as filtered, every page of it, in the layout of ``tasks list -o``."""
    who = page_reader(request)
    app = lantian(request)
    flt = _filter(app, plan=plan, department=department, role=role, status=status, q=q,
                  deadline_before=deadline_before, overdue=overdue)  # fmt: skip
    tasks = app.workflow.export_tasks(who.actor, flt)
    table = task_table(tasks, app.targets.reported.export_progress(tasks, app.workflow.today()))
    name = f"任务清单-{plan}.xlsx" if plan else "任务清单.xlsx"
    return xlsx_response(xlsx_bytes([table]), name, "tasks.xlsx")


# ---------------------------------------------------------------- the responsibility matrix
def matrix_grid(app: App, actor: Actor, flt: TaskFilter) -> dict[str, Any]:
    """责任矩阵 as the page draws it: the task columns grouped by plan, then per kind of unit
    (部门, 各级人民政府及管委会, 统称) its rows, each with its cells and counts. The rows are those of
    :func:`responsibility_matrix` (the download), the same tasks in the same order."""
    refs, total = app.workflow.tasks(actor, flt, limit=MATRIX_COLUMNS + 1)
    if total > MATRIX_COLUMNS:
        return {"total": total, "too_many": True, "limit": MATRIX_COLUMNS, "plans": [], "columns": [], "groups": []}
    tasks = app.workflow.export_tasks(actor, flt)
    table = responsibility_matrix(tasks)
    ids = {(r.plan_key, r.number): r.id for r, _ in refs}
    today = app.workflow.today()
    columns = [
        {"plan": pt.plan_key, "number": pt.task.number, "id": ids.get((pt.plan_key, pt.task.number)),
         "title": pt.task.title or pt.task.category or pt.task.text[:60]}
        for pt in tasks
    ]  # fmt: skip
    plans = [{"key": key, "count": len(list(run))} for key, run in groupby(c["plan"] for c in columns)]
    groups: dict[str, dict[str, Any]] = {
        KIND_LABELS[k]: {"kind": k.value, "label": KIND_LABELS[k], "rows": []} for k in DepartmentKind
    }
    n = len(tasks)
    for row in table.rows:
        cells = [str(c or "") for c in row[2 : 2 + n]]
        named = [i for i, c in enumerate(cells) if c]
        groups[str(row[1])]["rows"].append(
            {
                "name": row[0],
                "cells": cells,
                "lead": row[-3],
                "cooperating": row[-2],
                "responsible": row[-1],
                "completed": sum(tasks[i].status is TaskStatus.COMPLETED for i in named),
                "overdue": sum(tasks[i].is_overdue(today) for i in named),
            }
        )
    return {
        "total": total,
        "too_many": False,
        "limit": MATRIX_COLUMNS,
        "plans": plans,
        "columns": columns,
        "groups": [g for g in groups.values() if g["rows"]],
    }


@router.get("/matrix")
def matrix(request: Request, plan: str = "", department: str = "", role: str = "", status: str = "",
           q: str = "") -> HTMLResponse:  # fmt: skip
    who = page_reader(request)
    app = lantian(request)
    flt = _filter(app, plan=plan, department=department, role=role, status=status, q=q)
    return render(
        request,
        "matrix.html",
        grid=matrix_grid(app, who.actor, flt),
        flt=flt,
        plans=app.workflow.plan_keys(who.actor),
        query=_query(plan=plan, department=department, role=role, status=status, q=q),
    )


@router.get("/matrix.xlsx")
def matrix_xlsx(request: Request, plan: str = "", department: str = "", role: str = "", status: str = "",
                q: str = "") -> Response:  # fmt: skip
    """The matrix of the tasks the page shows, in the layout of ``tasks matrix -o``."""
    who = page_reader(request)
    app = lantian(request)
    flt = _filter(app, plan=plan, department=department, role=role, status=status, q=q)
    table = responsibility_matrix(app.workflow.export_tasks(who.actor, flt))
    name = f"责任矩阵-{plan}.xlsx" if plan else "责任矩阵.xlsx"
    return xlsx_response(xlsx_bytes([table]), name, "matrix.xlsx")


# ---------------------------------------------------------------- reduction-list check reports
@router.get("/reduction-list.xlsx")
def reduction_list_xlsx(request: Request, jurisdiction: str = "") -> Response:
    """The check report of a place's kept list (the /reduction-list page), for those who see it."""
    who = page_reader(request)
    app = lantian(request)
    place = views.place_seen(app, who.actor, jurisdiction or who.actor.jurisdiction)
    if not place:
        raise InputError("which jurisdiction? (请指定辖区)", field="jurisdiction")
    meta = app.reduction.meta(place)
    if meta is None:
        raise NotFoundError(f"{place} has no reduction list yet (尚未登记应急减排清单)", field="jurisdiction")
    result = app.reduction.kept(place)
    result.name = str(meta.get("file") or result.name)  # the list as it was uploaded, as the page names it
    return xlsx_response(check_xlsx(result), f"减排清单核查-{place}.xlsx", "reduction-list.xlsx")


@router.get("/reduction-lists/check/{token}.xlsx")
def reduction_check_xlsx(token: str, request: Request) -> Response:
    """The report of a check the user made within the hour (its uploads kept: downloads.keep_check)."""
    who = page_reader(request)
    assert who.user is not None
    app = lantian(request)
    jurisdiction, uploads = kept_check(app, who.user, token)
    listed = uploads["file"]
    if listed is None:
        raise NotFoundError("this report is no longer kept; check the list again (核查报告已过期，请重新核查)")
    result = views.checked_list(app, listed, jurisdiction, uploads["registry"], uploads["permits"])
    stem = PurePath(listed[0]).stem
    return xlsx_response(check_xlsx(result), f"减排清单核查-{stem}.xlsx", "reduction-list-check.xlsx")
