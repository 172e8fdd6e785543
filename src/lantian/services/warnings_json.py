"""Warnings and reduction lists as JSON (预警与减排清单的 JSON 形式): the one shape the command line's
``--json`` and the web API share."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lantian.domain.warnings.levels import LABELS, LEVELS
from lantian.domain.warnings.lifecycle import ACTIONS, Event, Segment
from lantian.domain.warnings.readings import Compliance
from lantian.domain.warnings.reduction import POLLUTANT_LABELS, CheckResult, EnterpriseResult
from lantian.domain.warnings.verification import Pair, Scores
from lantian.services.warnings import InForce


def in_force_json(state: InForce) -> dict[str, Any]:
    return {
        "jurisdiction": state.jurisdiction, "at": state.at, "level": state.level,
        "label": LABELS.get(state.level or "", "无预警"),
        "source": state.segment.source if state.segment else None, "list": state.list_file,
        "reductions_t": state.reductions, "baselines_t": state.baselines,
        "enterprises": [enterprise_in_force(r, state.level or "") for r in state.enterprises],
    }  # fmt: skip


def event_json(e: Event) -> dict[str, Any]:
    return {"jurisdiction": e.jurisdiction, "action": e.action, "action_label": ACTIONS[e.action], "level": e.level,
            "label": LABELS.get(e.level or "", "解除"), "at": e.at, "issuer": e.issuer, "note": e.note}  # fmt: skip


def span_json(s: Segment, jurisdiction: str) -> dict[str, Any]:
    own = s.source == jurisdiction or s.source.removesuffix("市") == jurisdiction.removesuffix("市")
    source_text = "本级预警 own warning" if own else f"响应{s.source}预警 inherited from {s.source}"
    return {"start": s.start, "end": s.end, "level": s.level, "label": LABELS.get(s.level or "", "无预警"),
            "source": s.source, "inherited": not own, "source_text": source_text}  # fmt: skip


def enterprise_in_force(r: EnterpriseResult, level: str) -> dict[str, Any]:
    e = r.enterprise
    return {"credit_code": e.code, "name": e.name, "grade": e.grade, "reductions_t": r.reductions.get(level, {}),
            "measures": [{"object": m.target, "action": m.action, "share": m.share, "monitoring": list(m.monitoring),
                          "text": m.text, "describe": m.describe(), "line": m.line}
                         for m in r.measures.get(level, [])]}  # fmt: skip


def check_report(r: CheckResult) -> dict[str, Any]:
    """The JSON contract of ``reduction-list check``."""
    levels = [{"level": x.level, "label": LABELS[x.level], "pollutant": x.pollutant,
               "pollutant_label": POLLUTANT_LABELS[x.pollutant], "baseline_t": round(x.baseline_t, 3),
               "reduction_t": round(x.reduction_t, 3), "ratio": None if x.ratio is None else round(x.ratio, 4),
               "required": x.required, "shortfall_t": x.shortfall_t, "meets": x.meets} for x in r.levels]  # fmt: skip
    flat = [dict(v.__dict__) for v in r.violations]  # flat fields: a copy, faster than asdict on 100,000 rows
    by_code: dict[str, list[dict[str, Any]]] = {}
    for v in flat:
        by_code.setdefault(v["enterprise"], []).append(v)
    enterprises = [{"credit_code": e.enterprise.code, "name": e.enterprise.name, "line": e.enterprise.line,
                    "grade": e.enterprise.grade, "exemption": e.enterprise.exemption,
                    "reductions_t": {lv: {p: round(t, 3) for p, t in e.reductions[lv].items()} for lv in LEVELS},
                    "violations": by_code.get(e.enterprise.code, [])} for e in r.enterprises]  # fmt: skip
    return {
        "file": r.name, "passed": r.passed, "rules_source": r.rules.source,
        "enterprises_count": len(r.enterprises), "measures_count": r.measures,
        "violations_count": sum(v.severity == "error" for v in r.violations),
        "warnings_count": sum(v.severity == "warning" for v in r.violations),
        "levels": levels,
        "enterprises": enterprises,
        "violations": flat,
        "protected": [{"credit_code": e.code, "name": e.name, "reason": e.reason} for e in r.protected],
        "exempt": [{"credit_code": e.code, "name": e.name, "reason": e.reason} for e in r.exempt],
        "key_vehicle_users": [{"credit_code": k.enterprise.code, "name": k.enterprise.name,
                               "measures": {lv: [m.describe() for m in k.measures[lv] if m.action == "vehicle"]
                                            for lv in LEVELS}} for k in r.key_vehicle],
        "not_covered": [{"credit_code": x.code, "name": x.name, "industry": x.industry} for x in r.not_covered],
    }  # fmt: skip


def verification_json(
    pairs: list[Pair], leads: list[Scores], months: list[Scores], years: list[Scores], overall: Scores
) -> dict[str, Any]:
    """The JSON contract of ``warnings verify``: scores by lead time, by month, by year and overall."""
    return {"pairs": len(pairs), "overall": asdict(overall), "by_lead": [asdict(s) for s in leads],
            "by_month": [asdict(s) for s in months], "by_year": [asdict(s) for s in years]}  # fmt: skip


def readings_json(jurisdiction: str, found: list[Compliance]) -> dict[str, Any]:
    """The JSON contract of ``warnings readings``: each enterprise's object and level, and whether it fell short."""
    results = [{**asdict(c), "label": LABELS.get(c.level, c.level)} for c in found]
    return {"jurisdiction": jurisdiction, "checked": len(found), "short": sum(c.short for c in found),
            "results": results}  # fmt: skip
