"""Quantitative targets (量化目标) in plan text.

A target is an indicator, a comparator, a value, a unit, the year it is due, an optional baseline
year for relative targets and an optional 力争 (stretch) value. The words map as follows:

==========================================  ===============================================
written                                      comparator
==========================================  ===============================================
不低于 / 不少于 / …以上                        ``>=``
不高于 / 不超过 / 控制在 / …以下 / …以内        ``<=``
达到 / 达 / 提高到 / 降至                       ``>=`` for indicators where more is better
                                             (优良天数比率 …), ``<=`` where less is better
                                             (PM2.5浓度, 降尘量, 重度污染天数比率, 排放量 …)
…左右                                         ``~`` (approximately)
比/较YYYY年 下降 / 削减 / 降低 / 减少 x%        ``decrease_by`` x, baseline YYYY
比/较YYYY年 增长 / 提高 x%                     ``increase_by`` x, baseline YYYY
比YYYY年翻一番                                 ``multiply_by`` 2, baseline YYYY
==========================================  ===============================================

A ``力争`` clause sets the stretch value of the target with the same indicator in the same
sentence (``PM2.5浓度达到28微克/立方米 … 力争PM2.5浓度达到27微克/立方米``); ``分别`` and ``均``
spread one sentence over several indicators. What cannot be matched up is returned for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lantian.domain.plans.deadlines import normalize_spaces
from lantian.domain.plans.model import Target

INDICATORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"重度及以上污染天数比率|重污染天数比率"), "heavy_day_ratio"),
    (re.compile(r"优良天数比率|优良天数比例|优良率"), "good_day_ratio"),
    (re.compile(r"PM2\.5|细颗粒物"), "pm25"),
    (re.compile(r"PM10|可吸入颗粒物"), "pm10"),
    (re.compile(r"降尘"), "dustfall"),
    (re.compile(r"臭氧|O3"), "o3"),
    (re.compile(r"综合指数"), "composite_index"),
    (re.compile(r"挥发性有机物|VOCs"), "voc_reduction"),
    (re.compile(r"氮氧化物"), "nox_reduction"),
    (re.compile(r"二氧化硫"), "so2_reduction"),
)
_REDUCTION_KEYS = {"voc_reduction", "nox_reduction", "so2_reduction"}
LOWER_IS_BETTER = {"pm25", "pm10", "o3", "dustfall", "heavy_day_ratio", "composite_index"}
_LOWER_WORDS = re.compile(r"浓度|排放|消费量|消费总量|能耗|使用量|使用总量|降尘|天数比率.*污染")

UNITS: dict[str, str] = {
    "微克/立方米": "µg/m³",
    "μg/m3": "µg/m³",
    "μg/m³": "µg/m³",
    "µg/m³": "µg/m³",
    "ug/m3": "µg/m³",
    "吨/平方千米·月": "t/km²·月",
    "吨/平方千米•月": "t/km²·月",
    "吨/月·平方公里": "t/km²·月",
    "吨/月•平方公里": "t/km²·月",
    "吨/平方公里·月": "t/km²·月",
    "％": "%",
}
_UNIT_RE = (
    r"%|％|微克/立方米|μg/m3|μg/m³|µg/m³|ug/m3|吨/平方千米[·•]月|吨/月[·•]平方公里|吨/平方公里[·•]月"
    r"|万辆·次|辆·次|万辆|辆|万台|台|万家|家|个|座|万吨标准煤|万吨|吨|万千瓦|千瓦|公里|千米|万标箱|TEU"
    r"|蒸吨|倍|条|处|套|艘|次|天|项|万亩|亩|万平方米|平方米|人"
)
_NUM = r"(?P<num>\d+(?:\.\d+)?)\s*(?P<mult>万|亿)?\s*(?P<unit>" + _UNIT_RE + r")?"
_VERBS = (
    r"(?P<verb>不低于|不少于|不得低于|不得高于|不得超过|不高于|不超过|控制在|达到|提高到|提高至|提升至|提升到|增加到|降至|降到|下降到"
    r"|下降|削减|降低|减少|增长|提高|提升|达)"
)
_PIECE = re.compile(_VERBS + r"\s*(?:在|至|为)?\s*" + _NUM + r"\s*(?P<qual>以上|以下|以内|左右)?")
_BARE_STRETCH = re.compile(r"力争(?P<verb>)(?:在|为)?\s*" + _NUM + r"\s*(?P<qual>以上|以下|以内|左右)?")
_DOUBLE = re.compile(r"翻一番")
_COUNT = re.compile(
    r"(?P<label>(?:推广应用|推广|淘汰|建成|新增|建设|完成|改造|替代|更新)[^，。；\d]{0,14}?)"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<mult>万)?\s*(?P<unit>辆|台|家|个|座|艘|套|处|条|项)(?P<qual>以上)?"
    r"(?P<object>[^，。；、\d]{0,16})"
)
_BASE = re.compile(r"(?:比|较|相比|与)\s*(?P<b>(?:19|20)\d{2})\s*年(?:相比)?")
_YEAR = re.compile(r"(?:到|至|截至)?\s*(?P<y>20\d{2})\s*年(?:底|末)?(?:前)?")
_SCOPE = re.compile(r"^(?:[，,：:\s]|全市|全省|全区|全县|全国|城市|力争|确保|使|在|其中|空气质量|均|分别|总体)+")
_SPLIT = re.compile(r"[，,；;。：:]")


@dataclass
class TargetIssue:
    text: str
    message: str


def canonical_indicator(label: str) -> str:
    for pattern, key in INDICATORS:
        if pattern.search(label):
            return key
    return label


def _unit(unit: str | None, mult: str | None) -> str:
    u = UNITS.get(unit or "", unit or "")
    if mult and u and not u.startswith(mult):
        return mult + u
    return mult or u


def _direction(indicator: str, label: str) -> str:
    if indicator in LOWER_IS_BETTER or indicator in _REDUCTION_KEYS or _LOWER_WORDS.search(label):
        return "<="
    return ">="


def _comparator(verb: str, qual: str | None, indicator: str, label: str) -> str:
    if verb in ("下降", "削减", "降低", "减少"):
        return "decrease_by"
    if verb in ("增长", "提高", "提升"):
        return "increase_by"
    if not verb:  # a bare 力争 value takes the direction of the indicator
        return (
            _direction(indicator, label) if qual not in ("以上", "以下", "以内") else (">=" if qual == "以上" else "<=")
        )
    if qual == "左右":
        return "~"
    if verb in ("不低于", "不少于", "不得低于") or qual == "以上":
        return ">="
    if verb in ("不高于", "不超过", "不得高于", "不得超过", "控制在", "降至", "降到", "下降到") or qual in (
        "以下",
        "以内",
    ):
        return "<="
    return _direction(indicator, label)


def _clean_label(label: str) -> str:
    label = re.sub(r"<sub>|</sub>", "", label)
    label = _BASE.sub("", label)
    label = re.sub(r"(?:到|至)?\s*20\d{2}\s*年(?:底|末)?(?:前)?", "", label)
    label = _SCOPE.sub("", label)
    label = re.sub(r"(?:比|较)$", "", label)
    label = re.sub(r"(?:分别|(?<!年)均|总体|力争|要|原则上)+$", "", label)
    return label.strip("，,、 ")


def find_targets(text: str, plan_year: int | None, *, line: int = 0) -> tuple[list[Target], list[TargetIssue]]:
    """Targets in ``text`` (a task, sub-task or target paragraph)."""
    s = normalize_spaces(re.sub(r"</?sub>", "", text))
    targets: list[Target] = []
    issues: list[TargetIssue] = []
    carried_year = plan_year
    for sentence in re.split(r"(?<=[。；;])", s):
        if not sentence.strip():
            continue
        base_spans = [b.span() for b in _BASE.finditer(sentence)]
        year_m = next(
            (y for y in _YEAR.finditer(sentence) if not any(a <= y.start("y") < b for a, b in base_spans)),
            None,
        )
        if year_m:
            carried_year = int(year_m.group("y"))
        year = carried_year
        stretch_mode = False
        last_label = ""
        pos = 0
        for piece in _SPLIT.split(sentence):
            piece_start = sentence.find(piece, pos)
            pos = piece_start + len(piece)
            if "力争" in piece:
                stretch_mode = True
            found = list(_PIECE.finditer(piece))
            if not found and stretch_mode and last_label:
                found = list(_BARE_STRETCH.finditer(piece))
            doubles = list(_DOUBLE.finditer(piece))
            counts = [] if found else list(_COUNT.finditer(piece))
            if not found and not doubles and not counts:
                continue
            if doubles and not found:
                label = _clean_label(piece[: doubles[0].start()])
                b = _BASE.search(piece)
                targets.append(
                    Target(
                        text=piece.strip(),
                        indicator=canonical_indicator(label),
                        comparator="multiply_by",
                        value=2.0,
                        unit="倍",
                        year=year,
                        baseline_year=int(b.group("b")) if b else None,
                        indicator_label=label,
                        source="text",
                        line=line,
                    )
                )
                continue
            for m in counts:
                label = m.group("label").strip()
                if len(label) <= 4:  # 完成2个 / 建成1个…: the object comes after the count
                    label = (label + m.group("object").strip("的")).strip()
                if len(label) <= 2:
                    issues.append(TargetIssue(piece.strip(), "count without what is counted (数量目标缺少对象)"))
                    continue
                targets.append(
                    Target(
                        text=piece.strip(),
                        indicator=label,
                        comparator=">=",
                        value=float(m.group("num")),
                        unit=_unit(m.group("unit"), m.group("mult")),
                        year=year,
                        indicator_label=label,
                        source="text",
                        line=line,
                    )
                )
            if not found:
                continue
            m = found[0]
            raw_label = piece[: m.start()]
            label = _clean_label(raw_label)
            listed = bool(re.match(r"\s*[、和]", piece[m.end() :]))  # 不低于30%、40%、50%
            many = "分别" in piece or listed or bool(re.search(r"(?<!年)均", raw_label))
            values = [(v.group("num"), v.group("mult"), v.group("unit"), v.group("qual")) for v in found]
            if "分别" in piece or listed:
                tail = piece[m.start() :]
                values = [
                    (v.group("num"), v.group("mult"), v.group("unit"), v.group("qual"))
                    for v in re.finditer(_NUM + r"\s*(?P<qual>以上|以下|以内|左右)?", tail)
                ]
                last_unit = next((v[2] for v in reversed(values) if v[2]), None)
                last_mult = next((v[1] for v in reversed(values) if v[1]), None)
                values = [(n, mu or last_mult, u or last_unit, q) for n, mu, u, q in values]
            if not label:
                label = last_label
            if not label:
                issues.append(TargetIssue(piece.strip(), "target without an indicator (指标不明)"))
                continue
            labels = [label]
            if many:
                parts = [p for p in re.split(r"[、和]", label) if p]
                if len(parts) > 1:
                    # shared suffix: 挥发性有机物、氮氧化物排放量 → …排放量 for each
                    suffix_m = re.search(r"(排放总量|排放量|货运量|浓度|比例|比重)$", parts[-1])
                    suffix = suffix_m.group(1) if suffix_m else ""
                    short = {len(p) for p in parts[:-1]}
                    if len(short) == 1 and len(parts[-1]) > (k := short.pop()) and k <= 4:
                        suffix = parts[-1][k:]  # 黄色、橙色、红色级别减排比例 → …级别减排比例 each
                    labels = [p if (not suffix or p.endswith(suffix)) else p + suffix for p in parts]
            if len(labels) > 1 and len(values) == 1:
                values = values * len(labels)
            if len(labels) != len(values):
                if len(values) == 1:
                    labels = [label]
                else:
                    issues.append(
                        TargetIssue(
                            piece.strip(), f"{len(labels)} indicators but {len(values)} values (指标与数值个数不符)"
                        )
                    )
                    continue
            b = _BASE.search(piece)
            baseline = int(b.group("b")) if b else None
            verb = m.group("verb")
            for lab, (num, mult, unit, qual) in zip(labels, values, strict=True):
                indicator = canonical_indicator(lab)
                if indicator == lab and UNITS.get(unit or "", unit) == "t/km²·月":
                    indicator = "dustfall"
                comparator = _comparator(verb, qual, indicator, lab)
                relative = comparator in ("decrease_by", "increase_by")
                value = float(num)
                unit_s = _unit(unit, mult)
                if stretch_mode:
                    match = next(
                        (
                            t
                            for t in reversed(targets)
                            if t.indicator == indicator
                            and t.stretch_value is None
                            and t.value is not None
                            and t.comparator == comparator
                        ),
                        None,
                    )
                    if match is not None:
                        match.stretch_value = value
                        match.text = f"{match.text}；{piece.strip()}"
                        continue
                targets.append(
                    Target(
                        text=piece.strip(),
                        indicator=indicator,
                        comparator=comparator,
                        value=None if stretch_mode else value,
                        unit=unit_s,
                        year=year,
                        baseline_year=baseline if relative else None,
                        stretch_value=value if stretch_mode else None,
                        indicator_label=lab,
                        source="text",
                        line=line,
                    )
                )
            last_label = label
    return targets, issues
