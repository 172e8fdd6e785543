"""Plan JSON round trips exactly; revision diffs name what changed."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from lantian.domain.plans.codec import plan_from_dict, plan_to_dict, task_from_dict, task_to_dict
from lantian.domain.plans.diff import PlanDiff, diff_plans
from lantian.domain.plans.model import ParsedPlan, Role


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_round_trip_is_exact(seed: Callable[[str], ParsedPlan], prefix: str) -> None:
    plan = seed(prefix)
    data = plan.to_dict()
    assert plan_from_dict(data).to_dict() == data
    tasks = [task_to_dict(t) for t in plan.tasks]
    assert plan_to_dict(plan, tasks) == data
    assert [task_from_dict(t) for t in tasks] == plan.tasks


def test_identical_plans_have_an_empty_diff(seed: Callable[[str], ParsedPlan]) -> None:
    plan = seed("000")
    diff = diff_plans(plan, copy.deepcopy(plan))
    assert diff.empty and diff.to_dict()["changed"] == []


def test_diff_names_added_removed_and_changed_fields(seed: Callable[[str], ParsedPlan]) -> None:
    old = seed("000")
    new = copy.deepcopy(old)
    removed = new.tasks.pop()
    new.tasks[0].text += "（补充）"
    new.tasks[1].departments[0].role = (
        Role.COOPERATING if new.tasks[1].departments[0].role != Role.COOPERATING else Role.LEAD
    )
    added = copy.deepcopy(new.tasks[2])
    added.number = "99"
    new.tasks.append(added)
    new.targets = new.targets[1:] if new.targets else []
    new.meta.year = (old.meta.year or 2024) + 1
    diff = diff_plans(old, new)
    assert diff.removed == [removed.number]
    assert diff.added == ["99"]
    changed = {c.number: c.fields for c in diff.changed}
    assert changed[old.tasks[0].number] == ["text"]
    assert changed[old.tasks[1].number] == ["departments"]
    assert diff.meta_changed == ["year"]
    if old.targets:
        assert diff.targets_removed == [old.targets[0].text]
    assert PlanDiff.from_dict(diff.to_dict()) == diff
