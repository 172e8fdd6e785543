"""Cross-level task links (上下级任务对应): which city task answers which provincial task.

For a parent plan (e.g. the province's) and a child plan (a city's), every (parent, child) pair of
tasks gets a score made of explained parts; the weights sum to 1, so the score lies in [0, 1]:

- **text** (:data:`W_TEXT`, times the square root of the cosine): TF-IDF cosine similarity over
  the title, category and text of both tasks. Chinese has no spaces, so the terms are character
  bigrams inside runs of Chinese characters, plus Latin words such as ``VOCs`` or ``PM2.5``; the
  department names, dates and deadline words (年底前 …) and the campaign boilerplate every task
  shares (加强, 推进, 开展, 落实, 工作 … :data:`STOP_PHRASES`) are removed first. The square root
  spreads the low cosines that two long Chinese texts on the same subject typically reach
  (0.1–0.5). The reason names the shared terms, bigrams that follow each other in the child's
  text merged back into words (餐饮 + 饮油 + 油烟 → 餐饮油烟).
- **indicator** (:data:`W_INDICATOR`): both tasks carry a target on the same indicator (pm25 …).
- **department** (:data:`W_DEPARTMENT`, times the Jaccard overlap): lead and responsible
  departments (牵头 / 责任单位, by their normalized names) compared once the level prefix
  (省/市/县/区) is dropped and 厅 is read as 局, so 省生态环境厅 ↔ 市生态环境局 and
  省发展改革委 ↔ 市发展改革委. Catch-alls (各有关部门) and implicit departments do not count.
- **section** (:data:`W_SECTION`): both tasks stand under the same kind of section (工业, 能源,
  交通/移动源, VOCs, 扬尘, 面源/生活源, 重污染天气, 监测执法, 保障措施 — :data:`SECTIONS`), judged
  from the section heading, the 重点工作任务 category and the title.
- **deadline** (:data:`W_DEADLINE`): the two tasks share a resolved deadline date.

Each child task lists its best parents (up to ``top``) scoring at least ``min_score``; children
with none are ``unmatched_children``; parents whose best score stays below ``min_score`` are
``unmatched_parents`` (上级任务下级无对应). Pure Python (standard library only).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from lantian.domain.plans.model import Role, Task

W_TEXT = 0.7  # × sqrt(cosine of the TF-IDF term vectors) — 内容相近
W_INDICATOR = 0.08  # same target indicator — 同一指标
W_DEPARTMENT = 0.1  # × Jaccard overlap of the level-free lead/responsible departments — 对应部门
W_SECTION = 0.07  # same kind of section — 同类板块
W_DEADLINE = 0.05  # a shared deadline date — 相同时限
MIN_SCORE = 0.35  # default cut-off for a proposal
SHOWN_TERMS = 5  # shared terms named in the text reason

STOP_PHRASES: tuple[str, ...] = (
    "不再列出",
    "进一步",
    "年底前",
    "月底前",
    "年内",
    "以下",
    "加强",
    "推进",
    "开展",
    "落实",
    "工作",
    "全面",
    "持续",
    "深入",
    "强化",
    "推动",
    "加快",
    "加大",
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
    "设区市",
    "重点",
    "任务",
    "方案",
    "计划",
    "积极",
    "有序",
    "逐步",
    "大力",
    "依法",
    "结合",
    "鼓励",
    "支持",
    "原则上",
)

# Kinds of section (板块): a task belongs to every kind whose words appear in its heading.
SECTIONS: dict[str, tuple[str, ...]] = {
    "工业": ("产业", "工业", "行业", "超低排放", "锅炉", "炉窑", "园区", "产能"),
    "能源": ("能源", "煤炭", "燃煤", "煤电"),
    "交通/移动源": ("运输", "交通", "机动车", "移动源", "船舶", "柴油", "车船", "油品", "港口", "码头"),
    "VOCs": ("VOCs", "挥发性有机物", "臭氧", "涂料"),
    "扬尘": ("扬尘", "降尘", "施工", "渣土", "矿山"),
    "面源/生活源": ("面源", "生活源", "秸秆", "餐饮", "油烟", "烟花", "农业", "氨"),
    "重污染天气": ("重污染", "应急", "联防联控"),
    "监测执法": ("监测", "监控", "执法", "能力", "科技", "标准"),
    "保障措施": ("保障", "组织领导", "考核", "奖惩", "资金", "财政", "全民", "责任"),
}

_NON_CJK = re.compile(r"[^\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]|[A-Za-z]")
_DATE_WORDS = re.compile(r"\d{4}年|\d{1,2}月|\d+日|\d+(?:\.\d+)?%?")
_LEVEL = re.compile(r"^[省市县区]")
_LEADING = "的和及与等或并对个"  # particles dropped from the start of a shown term
_TRAILING = "的和及与或并"  # and from its end
_MAX_WORD = 8
_STOP = re.compile("|".join(map(re.escape, sorted(STOP_PHRASES, key=len, reverse=True))))


@dataclass
class LinkProposal:
    """A proposed parent ↔ child link (上下级任务对应) with its score and the reasons for it."""

    parent_number: str
    child_number: str
    score: float
    reasons: list[str] = field(default_factory=list)
    parent_title: str | None = None
    child_title: str | None = None


@dataclass
class LinkReport:
    links: list[LinkProposal] = field(default_factory=list)  # by child, best parent first
    unmatched_parents: list[Task] = field(default_factory=list)  # 下级无对应
    unmatched_children: list[Task] = field(default_factory=list)  # 上级无对应


def clean_text(task: Task) -> str:
    """Title, category and text with department names, dates and boilerplate blanked out."""
    text = f"{task.title or ''} {task.category or ''} {task.text}"
    names = {n for d in task.all_departments() for n in (d.written, d.name) if n}
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = _STOP.sub(" ", text)  # first: 年底前 goes before the date 2025年 is blanked
    return _DATE_WORDS.sub(" ", text)


def bigrams(text: str) -> list[str]:
    """Character bigrams inside runs of Chinese characters (no bigram spans punctuation or a gap)."""
    out: list[str] = []
    for run in _NON_CJK.split(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def terms(text: str) -> list[str]:
    """The terms compared: Chinese bigrams plus Latin words as written (VOCs, PM2.5, ODS)."""
    return bigrams(text) + _LATIN.findall(text)


def department_key(name: str) -> str:
    """省生态环境厅 → 生态环境局, 市生态环境局 → 生态环境局: the name without its level."""
    return _LEVEL.sub("", name).replace("厅", "局")


def _departments(task: Task) -> dict[str, str]:
    """Level-free key → normalized name, for the lead and responsible departments."""
    out: dict[str, str] = {}
    for d in task.all_departments():
        if d.role in (Role.LEAD, Role.RESPONSIBLE) and not d.implicit and "各" not in d.normalized:
            out.setdefault(department_key(d.normalized), d.normalized)
    return out


def sections(task: Task) -> set[str]:
    """The kinds of section (:data:`SECTIONS`) named by the task's heading, category or title."""
    heading = " ".join([*task.section_path[-1:], task.category or "", task.title or ""])
    return {kind for kind, words in SECTIONS.items() if any(w in heading for w in words)}


def _dates(task: Task) -> set[str]:
    return {d.end.isoformat() for d in task.all_deadlines() if d.end is not None}


@dataclass
class _Profile:
    vector: dict[str, float]
    norm: float
    heading: str  # the title and category, cleaned
    text: str  # title, category and text, cleaned
    indicators: set[str]
    departments: dict[str, str]
    sections: set[str]
    dates: set[str]


def _merged_words(shared: dict[str, float], text: str) -> dict[str, float]:
    """Runs of consecutive shared bigrams in ``text`` merged back into words, with their weight."""
    words: dict[str, float] = {}

    def add(word: str, weight: float) -> None:
        word = word.lstrip(_LEADING).rstrip(_TRAILING)
        if len(word) >= 2:
            words[word] = max(words.get(word, 0.0), weight)

    for run in _NON_CJK.split(text):
        i = 0
        while i < len(run) - 1:
            if run[i : i + 2] not in shared:
                i += 1
                continue
            j = i + 1
            while j < len(run) - 1 and run[j : j + 2] in shared:
                j += 1
            if j - i + 1 <= _MAX_WORD:
                add(run[i : j + 1], sum(shared[run[k : k + 2]] for k in range(i, j)))
            else:
                for k in range(i, j):
                    add(run[k : k + 2], shared[run[k : k + 2]])
            i = j + 1
    return words


def _shared_words(shared: dict[str, float], heading: str, text: str) -> list[str]:
    """The shared terms named in the reason: those in the child's title first, then the text's.

    Consecutive shared bigrams are merged back into words of at most :data:`_MAX_WORD` characters
    (longer runs are whole shared clauses and are shown as their bigrams); particles at a word's
    ends (的, 和 …) are dropped; a word inside an already chosen one is not repeated.
    """
    in_heading = _merged_words(shared, heading)
    in_text = _merged_words(shared, text)
    in_text.update((term, weight) for term, weight in shared.items() if term.isascii())
    ranked = [
        *sorted(in_heading.items(), key=lambda kv: (-kv[1], kv[0])),
        *sorted(in_text.items(), key=lambda kv: (-kv[1], kv[0])),
    ]
    chosen: list[str] = []
    for word, _ in ranked:
        if not any(word in c for c in chosen):
            chosen.append(word)
        if len(chosen) == SHOWN_TERMS:
            break
    return chosen


def _score(parent: _Profile, child: _Profile) -> tuple[float, list[str]]:
    reasons: list[str] = []
    shared = {k: parent.vector[k] * child.vector[k] for k in parent.vector.keys() & child.vector.keys()}
    cosine = min(1.0, sum(shared.values()) / (parent.norm * child.norm))
    score = W_TEXT * math.sqrt(cosine)
    if shared:
        reasons.append(
            f"共同关键词: {'、'.join(_shared_words(shared, child.heading, child.text))} "
            f"(shared terms; 文本相似度 text similarity {cosine:.2f})"
        )
    if common := sorted(parent.indicators & child.indicators):
        score += W_INDICATOR
        reasons.append(f"同一指标 {'、'.join(common)} (same target indicator)")
    if keys := sorted(parent.departments.keys() & child.departments.keys()):
        overlap = len(keys) / len(parent.departments.keys() | child.departments.keys())
        score += W_DEPARTMENT * overlap
        pairs = "、".join(f"{parent.departments[k]} → {child.departments[k]}" for k in keys)
        reasons.append(f"对应部门 {pairs} (matching department)")
    if kinds := sorted(parent.sections & child.sections):
        score += W_SECTION
        reasons.append(f"同类板块 {'、'.join(kinds)} (same section)")
    if dates := sorted(parent.dates & child.dates):
        score += W_DEADLINE
        reasons.append(f"相同时限 {'、'.join(dates)} (same deadline)")
    return score, reasons


def propose_links(
    parent_tasks: Sequence[Task],
    child_tasks: Sequence[Task],
    *,
    min_score: float = MIN_SCORE,
    top: int = 3,
) -> LinkReport:
    """Propose parent ↔ child task links with explained scores (see the module docstring)."""
    texts = [clean_text(t) for t in (*parent_tasks, *child_tasks)]
    counts = [Counter(terms(text)) for text in texts]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(counts)
    idf = {term: math.log((1 + n) / (1 + k)) + 1 for term, k in df.items()}

    def profile(task: Task, text: str, c: Counter[str]) -> _Profile:
        vector = {term: (1 + math.log(k)) * idf[term] for term, k in c.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        indicators = {x.indicator for x in task.all_targets()}
        heading = _STOP.sub(" ", f"{task.title or ''} {task.category or ''}")
        return _Profile(vector, norm, heading, text, indicators, _departments(task), sections(task), _dates(task))

    tasks = [*parent_tasks, *child_tasks]
    profiles = [profile(t, texts[i], counts[i]) for i, t in enumerate(tasks)]
    parents, children = profiles[: len(parent_tasks)], profiles[len(parent_tasks) :]
    best_parent = [0.0] * len(parent_tasks)
    report = LinkReport()
    for ci, child in enumerate(child_tasks):
        proposals: list[LinkProposal] = []
        for pi, parent in enumerate(parent_tasks):
            score, reasons = _score(parents[pi], children[ci])
            best_parent[pi] = max(best_parent[pi], score)
            if score >= min_score:
                proposals.append(
                    LinkProposal(parent.number, child.number, round(score, 3), reasons, parent.title, child.title)
                )
        proposals.sort(key=lambda p: -p.score)
        report.links.extend(proposals[:top])
        if not proposals:
            report.unmatched_children.append(child)
    report.unmatched_parents = [p for pi, p in enumerate(parent_tasks) if best_parent[pi] < min_score]
    return report
