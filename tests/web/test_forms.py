"""Forms that forgive (lantian.web.forms): a refused page form comes back on its own page, at the
error's status, with the message beside the field it names and every typed value kept; the report
form starts from the unit's current report, is not offered once accepted, and every round of a
report (returned, corrected, accepted) is kept and shown."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.tracking.model import SYSTEM
from tests.web.conftest import ENV, PDF, env_task, list_template

Client = Callable[[str | None], TestClient]


# ---------------------------------------------------------------- reading the page back
def beside(page: str, name: str) -> str:
    """The error shown beside field ``name`` ("" when none)."""
    found = re.search(rf'<span class="error field-error" id="error-{re.escape(name)}">([^<]*)</span>', page)
    return html.unescape(found.group(1)) if found else ""


def value(page: str, name: str, form: str = "") -> str:
    """The value of the first input called ``name`` (after ``form``'s opening tag, if given)."""
    text = page[page.index(form) :] if form else page
    found = re.search(rf'<input name="{re.escape(name)}"[^>]*?value="([^"]*)"', text) or re.search(
        rf'<input[^>]*name="{re.escape(name)}"[^>]*?value="([^"]*)"', text
    )
    assert found is not None, f"no input {name}"
    return html.unescape(found.group(1))


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea name="{re.escape(name)}"[^>]*>([^<]*)</textarea>', page)
    assert found is not None, f"no textarea {name}"
    return html.unescape(found.group(1))


def chosen(page: str, name: str) -> str:
    """The option selected in select ``name`` ("" when none is marked)."""
    found = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, f"no select {name}"
    option = re.search(r'<option value="([^"]*)" selected>', found.group(1))
    return option.group(1) if option else ""


def invalid(page: str, name: str) -> bool:
    return re.search(rf'name="{re.escape(name)}"[^>]*aria-invalid="true"', page) is not None


def post(c: TestClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return c.post(url, data={"csrf_token": c.headers["X-CSRF-Token"], **data}, **kwargs)


def last_month(c: TestClient, task: int) -> str:
    return chosen(c.get(f"/tasks/{task}").text, "period")  # the form's default: last month, in its grace


def summary(page: str) -> str:
    found = re.search(r'id="error-summary"><strong>未能提交</strong> ([^<]*) ·', page)
    return html.unescape(found.group(1)) if found else ""


# ---------------------------------------------------------------- the report form
def test_a_bad_report_comes_back_with_the_error_beside_the_period_and_the_text_kept(
    lantian: App, client: Client
) -> None:
    dept, task = client("dept"), env_task(lantian)
    r = post(
        dept,
        f"/tasks/{task}/progress",
        {
            "period": "2026-13",
            "status": "completed",
            "narrative": "已完成3家企业深度治理",
            "indicator_name": ["完成率", "治理企业"],
            "indicator_value": ["60", "3"],
        },
        files={"files": ("现场.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 422
    assert "报送期应为" in beside(r.text, "period") and invalid(r.text, "period")
    assert summary(r.text) == beside(r.text, "period")  # the page's summary says the same, once
    assert chosen(r.text, "period") == "2026-13"  # kept, though no period offered is it
    assert textarea(r.text, "narrative") == "已完成3家企业深度治理"
    assert chosen(r.text, "status") == "completed"
    assert re.findall(r'name="indicator_name" value="([^"]*)"', r.text) == ["完成率", "治理企业"]
    assert re.findall(r'name="indicator_value" value="([^"]*)"', r.text) == ["60", "3"]
    assert "浏览器不保留已选文件，请重新选择" in r.text  # a file cannot be given back: say so
    assert "Traceback" not in r.text and lantian.workflow.reports(SYSTEM) == []


ROWS = [  # (names, values, the field named, the words beside it)
    (["完成率", ""], ["60", "5"], "indicator_name.1", "请填写该数值对应的指标名称"),
    (["完成率"], ["六十"], "indicator_value.0", "指标数值应为数字"),
    (["完成率", "完成率"], ["60", "70"], "indicator_name.1", "指标名称重复"),
]


def test_an_indicator_row_that_does_not_fit_is_an_error_beside_it(lantian: App, client: Client) -> None:
    dept, task = client("dept"), env_task(lantian)
    period = last_month(dept, task)
    for names, values, field, words in ROWS:
        typed = {"period": period, "status": "in_progress", "narrative": "推进中"}
        r = post(dept, f"/tasks/{task}/progress", {**typed, "indicator_name": names, "indicator_value": values})
        assert r.status_code == 422 and words in beside(r.text, field), field
        assert invalid(r.text, field.split(".")[0])
        assert re.findall(r'name="indicator_name" value="([^"]*)"', r.text) == names  # nothing silently dropped
        assert re.findall(r'name="indicator_value" value="([^"]*)"', r.text) == values
    assert lantian.workflow.reports(SYSTEM) == []


def test_a_name_offered_without_a_value_is_no_indicator(lantian: App, client: Client) -> None:
    dept, task = client("dept"), env_task(lantian)
    period = last_month(dept, task)
    r = post(
        dept,
        f"/tasks/{task}/progress",
        {
            "period": period,
            "status": "in_progress",
            "narrative": "推进中",
            "indicator_name": ["完成率", "PM2.5浓度"],
            "indicator_value": ["60", ""],
        },
    )
    assert r.status_code == 303, r.text
    (report,) = lantian.workflow.reports(SYSTEM)
    assert report.indicators == {"完成率": 60.0}


def test_the_form_starts_from_the_current_report_and_is_not_offered_once_accepted(lantian: App, client: Client) -> None:
    dept, admin, task = client("dept"), client("admin"), env_task(lantian)
    page = dept.get(f"/tasks/{task}").text
    assert chosen(page, "status") == lantian.workflow.task(SYSTEM, task).ref.status.value  # the task's status
    period = last_month(dept, task)
    r = post(
        dept,
        f"/tasks/{task}/progress",
        {
            "period": period,
            "status": "completed",
            "narrative": "已完成",
            "indicator_name": "完成率",
            "indicator_value": "100",
        },
    )
    assert r.status_code == 303, r.text
    page = dept.get(f"/tasks/{task}").text
    # a resubmission starts from what was filed: 已完成 is not quietly turned back into 未启动
    assert chosen(page, "status") == "completed" and textarea(page, "narrative") == "已完成"
    assert re.findall(r'name="indicator_value" value="([^"]*)"', page)[0] == "100"  # as people write it
    (report,) = lantian.workflow.reports(SYSTEM)
    r = post(admin, f"/progress/{report.id}/review", {"decision": "accept", "version": str(report.version)})
    assert r.status_code == 303
    page = dept.get(f"/tasks/{task}").text
    # that month is no longer offered (the form goes on to this month's report) and says why
    assert f'<option value="{period}"' not in page and f"{period} 本期已通过审核" in page
    assert chosen(page, "period") != period
    # posting anyway (an old tab): refused on the page, with the reason, the text kept
    r = post(
        dept,
        f"/tasks/{task}/progress",
        {"period": period, "status": "in_progress", "narrative": "补充说明", "version:": str(report.version + 1)},
    )
    assert r.status_code == 409 and "报送已审核通过" in summary(r.text)


def test_every_round_is_kept_through_return_resubmit_and_accept(lantian: App, client: Client) -> None:
    dept, admin, task = client("dept"), client("admin"), env_task(lantian)
    period = last_month(dept, task)
    r = post(
        dept,
        f"/tasks/{task}/progress",
        {
            "period": period,
            "status": "in_progress",
            "narrative": "第一稿",
            "indicator_name": "完成率",
            "indicator_value": "40",
        },
        files={"files": ("第一轮.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 303
    (report,) = lantian.workflow.reports(SYSTEM)
    # 退回 needs a reason: the review form says so beside the reason field, on the task page
    r = post(admin, f"/progress/{report.id}/review", {"decision": "return", "version": str(report.version)})
    assert r.status_code == 409 and "退回须说明理由" in beside(r.text, "reason") and invalid(r.text, "reason")
    assert f'action="/progress/{report.id}/review"' in r.text and "第一稿" in r.text
    r = post(
        admin,
        f"/progress/{report.id}/review",
        {"decision": "return", "reason": "缺少现场照片", "version": str(report.version)},
    )
    assert r.status_code == 303
    page = dept.get(f"/tasks/{task}").text
    assert "本期报送已退回：缺少现场照片" in page and chosen(page, "status") == "in_progress"
    version = re.findall(r'name="version:" value="(\d+)"', page)[0]
    r = post(
        dept,
        f"/tasks/{task}/progress",
        {
            "period": period,
            "status": "in_progress",
            "narrative": "第二稿，补充照片",
            "indicator_name": "完成率",
            "indicator_value": "45",
            "version:": version,
        },
        files={"files": ("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, "image/png")},
    )
    assert r.status_code == 303, r.text
    (report,) = lantian.workflow.reports(SYSTEM)
    r = post(admin, f"/progress/{report.id}/review", {"decision": "accept", "version": str(report.version)})
    assert r.status_code == 303
    out = dept.get(f"/api/v1/progress/{report.id}").json()
    assert (out["review"], out["narrative"], out["review_reason"]) == ("accepted", "第二稿，补充照片", None)
    first, second = out["rounds"]
    assert (first["number"], first["unit"], first["narrative"], first["indicators"]) == (
        1,
        ENV,
        "第一稿",
        {"完成率": 40},
    )
    assert (first["review"], first["review_reason"], first["reviewer_unit"]) == (
        "returned",
        "缺少现场照片",
        "苏州市大气办",
    )
    assert [e["filename"] for e in first["evidence"]] == ["第一轮.pdf"]
    assert (second["number"], second["narrative"], second["review"], second["review_reason"]) == (
        2,
        "第二稿，补充照片",
        "accepted",
        None,
    )
    assert [e["filename"] for e in second["evidence"]] == ["照片.png"]
    assert first["submitted_by"] == "dept" and first["reviewed_at"] and second["reviewed_at"]
    # the task page shows the history: the unit (not the login), Beijing time, the reason kept
    page = dept.get(f"/tasks/{task}").text
    rounds = page[page.index('id="rounds"') :]
    assert "第1轮" in rounds and "第2轮" in rounds and "共2轮" in rounds
    assert "缺少现场照片" in rounds and "第一稿" in rounds and "第二稿，补充照片" in rounds
    assert f"第1轮</strong> · {ENV} · " in rounds and "dept" not in re.sub(r'href="[^"]*"', "", rounds)
    assert "T" not in re.findall(r"\d{4}-\d{2}-\d{2}.\d{2}:\d{2}", rounds)[0]
    assert "苏州市大气办" in rounds and "第一轮.pdf" in rounds and "照片.png" in rounds
    # the openapi document types the report and its rounds
    spec = dept.get("/api/v1/openapi.json").json()
    assert "RoundOut" in spec["components"]["schemas"] and "ReportOut" in spec["components"]["schemas"]


def test_a_conflict_shows_the_record_as_it_is_now_with_the_text_kept(lantian: App, client: Client) -> None:
    dept, task = client("dept"), env_task(lantian)
    period = last_month(dept, task)
    assert (
        post(
            dept, f"/tasks/{task}/progress", {"period": period, "status": "in_progress", "narrative": "上午的进展"}
        ).status_code
        == 303
    )
    page = dept.get(f"/tasks/{task}").text
    stale = re.findall(r'name="version:" value="(\d+)"', page)[0]
    # a colleague corrects the report first
    assert (
        post(
            dept,
            f"/tasks/{task}/progress",
            {"period": period, "status": "in_progress", "narrative": "同事的更正", "version:": stale},
        ).status_code
        == 303
    )
    r = post(
        dept,
        f"/tasks/{task}/progress",
        {"period": period, "status": "completed", "narrative": "我的版本", "version:": stale},
    )
    assert r.status_code == 409
    assert "页面显示的是最新内容，您填写的内容已保留" in r.text and "记录已被他人修改" in summary(r.text)
    assert "同事的更正" in r.text[: r.text.index('id="progress-form"')]  # the record as it is now
    assert textarea(r.text, "narrative") == "我的版本" and chosen(r.text, "status") == "completed"
    assert re.findall(r'name="version:" value="(\d+)"', r.text)[0] == str(int(stale) + 1)  # to submit again


def test_an_expired_page_comes_back_with_a_fresh_token_and_the_text_kept(lantian: App, client: Client) -> None:
    dept, task = client("dept"), env_task(lantian)
    period = last_month(dept, task)
    c = TestClient(dept.app, follow_redirects=False, cookies=dept.cookies)  # a form post: no header token
    r = c.post(
        f"/tasks/{task}/progress",
        data={"csrf_token": "expired", "period": period, "status": "in_progress", "narrative": "写了很久的进展"},
    )
    assert r.status_code == 403 and "页面已过期" in summary(r.text)
    assert textarea(r.text, "narrative") == "写了很久的进展"
    assert f'name="csrf_token" value="{dept.headers["X-CSRF-Token"]}"' in r.text


# ---------------------------------------------------------------- 督办
def test_the_notice_forms_keep_their_input(lantian: App, client: Client) -> None:
    admin, dept = client("admin"), client("dept")
    typed = {"department": ENV, "subject": "督促报送", "body": "请于本周内报送", "due": "2020-01-01", "task_ids": "1"}
    r = post(admin, "/notices", typed)
    assert r.status_code == 422 and "办理时限早于今天" in beside(r.text, "due")
    assert (chosen(r.text, "department"), value(r.text, "subject")) == (ENV, "督促报送")
    assert 'name="task_ids" value="1" checked' in r.text  # the ticked task stays ticked (picks.notice_form)
    assert textarea(r.text, "body") == "请于本周内报送" and value(r.text, "due", 'id="notice-form"') == "2020-01-01"
    r = post(admin, "/notices", {**typed, "due": "2099-01-01", "task_ids": "999999"})
    assert r.status_code == 404 and "没有该任务" in beside(r.text, "task_ids")
    r = post(admin, "/notices", {**typed, "due": "2099-01-01"})
    assert r.status_code == 303
    notice = r.headers["location"]
    version = re.findall(r'name="version" value="(\d+)"', dept.get(notice).text)[0]
    r = post(dept, f"{notice}/answer", {"answer": "   ", "version": version})
    assert r.status_code == 422 and "必填" in beside(r.text, "answer")
    r = post(dept, f"{notice}/answer", {"answer": "已整改", "version": str(int(version) + 5)})
    assert r.status_code == 409 and textarea(r.text, "answer") == "已整改" and "页面显示的是最新内容" in r.text
    r = post(admin, f"{notice}/close", {"version": version})  # not answered yet: a step the state forbids
    assert r.status_code == 409 and "当前状态" in summary(r.text)


# ---------------------------------------------------------------- tickets
def test_the_ticket_forms_keep_their_input(lantian: App, client: Client) -> None:
    admin = client("admin")
    typed = {"source": "nowhere", "title": "工地扬尘", "location": "园区东路", "description": "未覆盖裸土"}
    r = post(admin, "/tickets", typed, files={"files": ("现场.pdf", PDF, "application/pdf")})
    assert r.status_code == 422 and "请选择问题来源" in beside(r.text, "source")
    assert (value(r.text, "title"), value(r.text, "location")) == ("工地扬尘", "园区东路")
    assert textarea(r.text, "description") == "未覆盖裸土" and "请重新选择" in r.text
    r = post(admin, "/tickets", {**typed, "source": "inspection"})
    assert r.status_code == 303, r.text
    ticket = r.headers["location"]
    version = re.findall(r'name="version" value="(\d+)"', admin.get(ticket).text)[0]
    r = post(
        admin,
        f"{ticket}/steps",
        {"action": "assign", "version": version, "department": ENV, "due": "", "note": "限期整改"},
    )
    assert r.status_code == 422 and "交办须设整改时限" in beside(r.text, "due")
    assert chosen(r.text, "department") == ENV and textarea(r.text, "note") == "限期整改"
    r = post(
        admin,
        f"{ticket}/steps",
        {"action": "assign", "version": version, "department": " ", "due": "2099-01-01", "note": "限期整改"},
    )
    assert r.status_code == 422 and "必填" in beside(r.text, "department") and value(r.text, "due") == "2099-01-01"


# ---------------------------------------------------------------- warnings, lists, readings, forecasts
def test_the_warning_form_keeps_its_input(client: Client) -> None:
    admin = client("admin")
    r = post(
        admin,
        "/warnings",
        {"level": "orange", "at": "昨天晚上", "issuer": "苏州市重污染天气应急指挥部", "note": "启动橙色预警"},
        headers={"referer": "http://testserver/warnings"},
    )
    assert r.status_code == 422 and "时间格式错误" in beside(r.text, "at")
    assert chosen(r.text, "level") == "orange" and value(r.text, "at") == "昨天晚上"
    assert (value(r.text, "issuer"), value(r.text, "note")) == ("苏州市重污染天气应急指挥部", "启动橙色预警")


def test_the_reduction_list_and_readings_forms_keep_their_input(client: Client) -> None:
    admin = client("admin")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    r = post(
        admin, "/reduction-lists/check", {"jurisdiction": "昆山市"}, files={"file": ("清单.csv", b"a,b\n", "text/csv")}
    )
    assert r.status_code == 422 and "文件类型须为 .xlsx" in beside(r.text, "file")
    assert value(r.text, "jurisdiction", 'id="list-check-form"') == "昆山市"
    r = post(admin, "/reduction-list", {}, files={"file": ("清单.xlsx", b"", xlsx)})
    assert r.status_code == 422 and "文件为空" in beside(r.text, "file")
    assert post(admin, "/reduction-list", {}, files={"file": ("清单.xlsx", list_template(), xlsx)}).status_code == 200
    r = post(
        admin,
        "/warnings/readings",
        {"jurisdiction": "苏州市", "baseline_days": "5", "tolerance": "12.5"},
        files={"file": ("读数.txt", b"x", "text/plain")},
        headers={"referer": "http://testserver/warnings"},
    )
    assert r.status_code == 422 and "文件类型须为" in beside(r.text, "file")
    form = 'id="readings-form"'
    assert (value(r.text, "baseline_days", form), value(r.text, "tolerance", form)) == ("5", "12.5")


def test_the_forecast_forms_keep_their_input(client: Client) -> None:
    dept = client("dept")
    r = post(dept, "/forecasts/levels", {"scheme": "2024-key"}, files={"file": ("预报.txt", b"x", "text/plain")})
    assert r.status_code == 422 and "文件类型须为" in beside(r.text, "file") and chosen(r.text, "scheme") == "2024-key"
    r = post(dept, "/forecasts/verification", {}, files={"file": ("预报.csv", b"", "text/csv")})
    assert r.status_code == 422 and "文件为空" in beside(r.text, "file")
    assert r.text.index('id="error-file"') > r.text.index('id="verify-form"')  # beside the form that was sent


# ---------------------------------------------------------------- plan flags
def test_the_flag_form_keeps_its_input(client: Client) -> None:
    admin = client("admin")
    year = next(f for f in admin.get("/api/v1/flags").json() if "year" in f["message"])
    r = post(
        admin,
        f"/flags/{year['id']}",
        {
            "field": "meta",
            "jurisdiction": "",
            "level": "city",
            "year": "1999",
            "note": "按文件落款",
            "status": "corrected",
        },
    )
    assert r.status_code == 422 and "2000–2100" in r.text
    form = r.text[r.text.index(f'action="/flags/{year["id"]}"') :]
    assert value(form, "year") == "1999" and value(form, "note") == "按文件落款" and chosen(form, "level") == "city"
    r = post(admin, f"/flags/{year['id']}", {"field": "meta", "note": "看过了"})  # neither 确认 nor 更正
    assert r.status_code == 422 and "请选择确认或更正" in r.text
    form = r.text[r.text.index(f'action="/flags/{year["id"]}"') :]
    assert '<div class="form-error" id="form-error"><p class="error">' in form[:400]  # at the top of that form


def test_a_step_the_role_may_not_take_is_said_above_the_page(client: Client) -> None:
    r = post(client("dept"), "/warnings", {"level": "red", "at": "2026-12-01T08:00", "issuer": "指挥部"})
    assert r.status_code == 403 and "当前角色无此权限" in summary(r.text) and "Traceback" not in r.text
