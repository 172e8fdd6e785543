"""Cross-level task links (上下级任务对应): which city task answers which provincial task.

For a parent plan (e.g. the province's) and a child plan (a city's), every pair of tasks gets a
score in [0, 1] made of explained parts:

- **text** (weight :data:`W_TEXT`): cosine similarity of TF-IDF vectors over Chinese character
  bigrams of the title and text, after removing department names, deadline phrases and
  campaign boilerplate (加强, 推进, 开展 …) that every task shares. The reason lists the most
  informative shared terms.
- **indicator** (:data:`W_INDICATOR`): both tasks carry a target on the same indicator (pm25 …).
- **department** (:data:`W_DEPARTMENT`): a lead/responsible department of the parent matches one
  of the child's once the level prefix is dropped and 厅 is read as 局 (省生态环境厅 ↔ 市生态环境局).
- **deadline** (:data:`W_DEADLINE`): a shared resolved deadline year-end or date.

Each child task lists its best parents (up to ``top``) scoring at least ``min_score``; parents whose
best score stays below it are reported as having no counterpart below (下级无对应). Pure Python.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from lantian.domain.plans.model import Role, Task

W_TEXT = 0.7
W_INDICATOR = 0.1
W_DEPARTMENT = 0.12
W_DEADLINE = 0.08
MIN_SCORE = 0.22

_STOP = (
    "加强",
    "推进",
    "开展",
    "落实",
    "工作",
    "进一步",
    "全面",
    "持续",
    "深入",
    "强化",
    "推动",
    "加快",
    "完善",
    "严格",
    "各地",
    "各级",
    "有关",
    "相关",
    "要求",
    "实施",
    "建立",
    "健全",
    "提升",
    "确保",
    "按照",
    "组织",
    "做好",
    "负责",
    "牵头",
    "配合",
    "参与",
    "分工",
    "职责",
    "以下",
    "不再列出",
    "年底前",
    "月底前",
    "年内",
    "力争",
    "完成",
    "全市",
    "全省",
    "全区",
    "我市",
    "我省",
    "市级",
    "省级",
    "县级",
    "重点",
    "任务",
    "方案",
    "计划",
)
_NON_CJK = re.compile(r"[^\u4e00-\u9fff]+")
_DATE_WORDS = re.compile(r"\d{4}年|\d{1,2}月|\d+日|\d+(?:\.\d+)?%?")
_LEVEL = re.compile(r"^[省市县区]")


@dataclass
class LinkProposal:
    parent_number: str
    child_number: str
    score: float
    reasons: list[str] = field(default_factory=list)
    parent_title: str | None = None
    child_title: str | None = None


@dataclass
class LinkReport:
    links: list[LinkProposal] = field(default_factory=list)
    unmatched_parents: list[Task] = field(default_factory=list)
    unmatched_children: list[Task] = field(default_factory=list)


def _clean(task: Task) -> str:
    text = f"{task.title or ''} {task.category or ''} {task.text}"
    for d in task.all_departments():
        text = text.replace(d.written or d.name, " ").replace(d.name, " ")
    text = _DATE_WORDS.sub(" ", text)
    for word in _STOP:
        text = text.replace(word, " ")
    return text


def bigrams(text: str) -> list[str]:
    """Character bigrams inside runs of Chinese characters (no bigram spans punctuation or a gap)."""
    out: list[str] = []
    for run in _NON_CJK.split(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _department_key(name: str) -> str:
    stem = _LEVEL.sub("", name)
    return stem.replace("厅", "局").replace("分局", "局")


def _departments(task: Task) -> set[str]:
    return {
        _department_key(d.normalized)
        for d in task.all_departments()
        if d.role in (Role.LEAD, Role.RESPONSIBLE) and not d.implicit
    }


def _years(task: Task) -> set[str]:
    return {d.end.isoformat() for d in task.all_deadlines() if d.end is not None}


def propose_links(
    parent_tasks: Sequence[Task],
    child_tasks: Sequence[Task],
    *,
    min_score: float = MIN_SCORE,
    top: int = 3,
) -> LinkReport:
    docs = [Counter(bigrams(_clean(t))) for t in (*parent_tasks, *child_tasks)]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    idf = {term: math.log((1 + n) / (1 + k)) + 1 for term, k in df.items()}

    def vector(counts: Counter[str]) -> tuple[dict[str, float], float]:
        vec = {term: (1 + math.log(c)) * idf[term] for term, c in counts.items()}
        return vec, math.sqrt(sum(v * v for v in vec.values())) or 1.0

    pvecs = [vector(d) for d in docs[: len(parent_tasks)]]
    cvecs = [vector(d) for d in docs[len(parent_tasks) :]]
    pinfo = [({x.indicator for x in t.all_targets()}, _departments(t), _years(t)) for t in parent_tasks]
    best_parent = [0.0] * len(parent_tasks)
    report = LinkReport()
    for ci, child in enumerate(child_tasks):
        cvec, cnorm = cvecs[ci]
        c_ind, c_dep, c_years = {x.indicator for x in child.all_targets()}, _departments(child), _years(child)
        scored: list[LinkProposal] = []
        for pi, parent in enumerate(parent_tasks):
            pvec, pnorm = pvecs[pi]
            shared = [(pvec[k] * cvec[k], k) for k in pvec.keys() & cvec.keys()]
            cosine = sum(v for v, _ in shared) / (pnorm * cnorm)
            score = W_TEXT * cosine
            reasons = []
            if shared:
                terms = "、".join(k for _, k in sorted(shared, reverse=True)[:5])
                reasons.append(f"内容相近 {cosine:.2f}，共同词: {terms} (similar text, shared terms)")
            p_ind, p_dep, p_years = pinfo[pi]
            if common := sorted(p_ind & c_ind):
                score += W_INDICATOR
                reasons.append(f"同一指标 {'、'.join(common)} (same target indicator)")
            if deps := sorted(p_dep & c_dep):
                score += W_DEPARTMENT
                reasons.append(f"对应部门 {'、'.join(deps)} (matching department)")
            if dates := sorted(p_years & c_years):
                score += W_DEADLINE
                reasons.append(f"相同时限 {'、'.join(dates)} (same deadline)")
            best_parent[pi] = max(best_parent[pi], score)
            if score >= min_score:
                scored.append(
                    LinkProposal(parent.number, child.number, round(score, 3), reasons, parent.title, child.title)
                )
        scored.sort(key=lambda p: -p.score)
        report.links.extend(scored[:top])
        if not scored:
            report.unmatched_children.append(child)
    report.unmatched_parents = [p for pi, p in enumerate(parent_tasks) if best_parent[pi] < min_score]
    return report
