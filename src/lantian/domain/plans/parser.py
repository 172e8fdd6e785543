"""Plan parser (计划解析): neutral blocks → :class:`ParsedPlan`. Implementation in progress."""

from __future__ import annotations

from collections.abc import Mapping

from lantian.domain.blocks import Document
from lantian.domain.plans.departments import DepartmentDictionary
from lantian.domain.plans.model import ParsedPlan


def parse_plan(
    doc: Document,
    *,
    dictionary: DepartmentDictionary | None = None,
    overrides: Mapping[str, object] | None = None,
) -> ParsedPlan:
    """Parse a document into a plan.

    ``overrides`` may set any :class:`PlanMeta` field (title, issuer, doc_number, issued_on,
    level, jurisdiction, year). Raises :class:`lantian.errors.StructureError` for a document
    that is not a plan (no tasks found, a task table without its 责任分工 column, …).
    """
    raise NotImplementedError
