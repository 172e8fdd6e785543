"""The typed shape of a progress report in the API (调度报送): what ``/api/v1/progress…`` answers, as
the OpenAPI document describes it. Every report carries its rounds (报送轮次): each submission, by
which unit and when, and the review it met; a returned round keeps its reason."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import ReviewState


class EvidenceOut(BaseModel):
    """An evidence file (佐证材料); ``url`` downloads it."""

    id: int
    filename: str
    size: int
    content_type: str
    uploaded_by: str
    url: str


class RoundOut(BaseModel):
    """One submission of a report and its review (报送轮次)."""

    number: int = Field(description="1, 2, … within the report")
    unit: str = Field(description="报送单位 the reporting unit")
    status: TaskStatus
    status_label: str
    narrative: str
    indicators: dict[str, float]
    submitted_by: str = Field(description="the login that filed it")
    submitted_at: dt.datetime
    review: ReviewState
    review_label: str
    review_reason: str | None = Field(description="退回理由 the reason it was returned")
    reviewed_by: str | None
    reviewer_unit: str | None = Field(description="审核单位 the reviewing office")
    reviewed_at: dt.datetime | None
    evidence: list[EvidenceOut] = Field(description="the files filed with this round")


class ReportOut(BaseModel):
    """A department's report on a task (or sub-task) for one period, as it stands, with its rounds."""

    id: int
    task_id: int
    plan_key: str
    task_number: str
    subtask: str = Field(description='子任务 number; "" for the whole task')
    department: str
    jurisdiction: str
    period: str
    status: TaskStatus
    status_label: str
    narrative: str
    indicators: dict[str, float]
    review: ReviewState
    review_label: str
    review_reason: str | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    submitted_by: str
    submitted_at: dt.datetime
    version: int = Field(description="send it back to change or review the report (乐观锁)")
    evidence: list[EvidenceOut] = Field(description="every file filed with the report")
    rounds: list[RoundOut] = Field(description="every submission, oldest first")
