"""Reduction-list checks (应急减排清单核查), worked by hand.

The worked list (national rules, ratios 10/20/30 %): two enterprises, SO2 only for clarity.

- 甲 (grade B): lines L1 (SO2 60 t/a) and L2 (SO2 40 t/a); yellow stops L2 (40 t), orange limits
  L1 30 % (18 t) — orange removes less than yellow — red stops the plant (100 t).
- 乙 (grade A, decides its own): SO2 100 t/a, no measures.

List SO2 base 200 t/a. Yellow 40 t = 20 % ≥ 10 %; orange 18 t = 9 % < 20 %: shortfall
0.2 × 200 − 18 = 22 t; red 100 t = 50 % ≥ 30 %.
"""

from __future__ import annotations

from importlib import resources

import pytest
from stdnum.cn import uscc

from lantian.domain.warnings.reduction import (
    Enterprise,
    Measure,
    Permit,
    ProductionLine,
    ReductionList,
    RegistryEntry,
    Rules,
    check,
    in_force,
    parse_list,
    parse_rules,
)
from lantian.errors import ConfigError, StructureError


def code(n: int) -> str:
    stem = f"9132068{n:02d}MA1WXY00"[:17].ljust(17, "1")
    return stem + uscc.calc_check_digit(stem)


A, B, C = code(1), code(2), code(3)


def rules(jurisdiction: str | None = None) -> Rules:
    text = resources.files("lantian.data").joinpath("reduction_rules.toml").read_text(encoding="utf-8")
    return parse_rules(text, name="reduction_rules.toml", jurisdiction=jurisdiction)


def so2(t: float) -> dict[str, float]:
    return {"so2": t, "nox": 0.0, "pm": 0.0, "vocs": 0.0}


def ent(c: str, name: str, grade: str, t: float, **kw: object) -> Enterprise:
    fields = {
        "line": 2,
        "code": c,
        "name": name,
        "industry": "水泥",
        "grade": grade,
        "exemption": "",
        "reason": "",
        "key_vehicle": False,
        "baseline": so2(t),
    }
    fields.update(kw)
    return Enterprise(**fields)  # type: ignore[arg-type]


def measure(
    c: str, level: str, target: str, action: str, share: float, means: tuple[str, ...] = ("用电监控",), line: int = 2
) -> Measure:
    return Measure(line, c, level, target, action, share, means, "")


def worked() -> ReductionList:
    return ReductionList(
        [ent(A, "甲", "B", 100.0), ent(B, "乙", "A", 100.0)],
        [ProductionLine(2, A, "L1", so2(60.0)), ProductionLine(3, A, "L2", so2(40.0))],
        [
            measure(A, "yellow", "L2", "stop", 1.0, line=2),
            measure(A, "orange", "L1", "limit", 0.3, line=3),
            measure(A, "red", "全厂", "stop", 1.0, line=4),
        ],
        "worked.xlsx",
    )


def by_level(result: object) -> dict[tuple[str, str], object]:
    return {(x.level, x.pollutant): x for x in result.levels}  # type: ignore[attr-defined]


def test_worked_list_misses_orange_with_shortfall_in_tonnes() -> None:
    result = check(worked(), rules())
    so = by_level(result)
    assert so[("yellow", "so2")].reduction_t == 40.0 and so[("yellow", "so2")].ratio == pytest.approx(0.2)  # type: ignore[attr-defined]
    orange = so[("orange", "so2")]
    assert orange.reduction_t == pytest.approx(18.0) and orange.ratio == pytest.approx(0.09)  # type: ignore[attr-defined]
    assert orange.required == pytest.approx(0.2) and orange.shortfall_t == pytest.approx(22.0)  # type: ignore[attr-defined]
    assert not orange.meets  # type: ignore[attr-defined]
    assert so[("red", "so2")].shortfall_t == 0 and so[("red", "so2")].meets  # type: ignore[attr-defined]
    assert so[("yellow", "nox")].ratio is None  # no NOx on the list: nothing to require  # type: ignore[attr-defined]
    assert not result.passed
    codes = {(v.code, v.level) for v in result.violations}
    # 甲 (B) at orange: 18 of 100 t = 18 % < 20 %: 2 t short of its own minimum; and orange < yellow
    assert ("below_grade_minimum", "orange") in codes and ("not_stricter", "orange") in codes
    minimum = next(v for v in result.violations if v.code == "below_grade_minimum")
    assert minimum.shortfall_t == pytest.approx(2.0) and minimum.enterprise == A
    # 乙 is grade A: no measures and no minimum
    assert not any(v.enterprise == B for v in result.violations)


def test_local_ratios_override_the_national_ones() -> None:
    haimen = rules("海门市")
    assert haimen.ratios["orange"]["so2"] == pytest.approx(0.4) and haimen.minimums["B"]["red"] == pytest.approx(0.5)
    assert rules("海门").ratios == haimen.ratios  # 海门 and 海门市 are one place
    so = by_level(check(worked(), haimen))
    assert so[("yellow", "so2")].shortfall_t == pytest.approx(0.3 * 200 - 40)  # type: ignore[attr-defined]
    assert so[("red", "so2")].shortfall_t == 0  # 100 of 200 = 50 %  # type: ignore[attr-defined]


def test_measure_without_monitoring_or_object_is_flagged() -> None:
    data = worked()
    data.measures.append(measure(A, "red", "L1", "stop", 1.0, means=(), line=9))
    data.measures.append(measure(A, "red", "", "other", 0.0, line=10))
    data.measures.append(measure(A, "red", "L9", "stop", 1.0, means=("无人机",), line=11))
    found = {v.code: v for v in check(data, rules()).violations}
    assert found["no_monitoring"].line == 9 and found["no_monitoring"].sheet == "措施"
    assert found["no_object"].line == 10
    assert found["unknown_object"].line == 11 and "L9" in found["unknown_object"].message
    assert found["unknown_monitoring"].line == 11 and "无人机" in found["unknown_monitoring"].message


def test_measures_carry_up_and_the_plant_caps_the_reduction() -> None:
    own = [measure(A, "yellow", "L2", "stop", 1.0)]
    levels = in_force(own)
    assert levels["orange"] == own and levels["red"] == own
    data = ReductionList(
        [ent(A, "甲", "B", 100.0)],
        [ProductionLine(2, A, "L1", so2(60.0)), ProductionLine(3, A, "L2", so2(40.0))],
        [
            measure(A, "yellow", "L1", "stop", 1.0),
            measure(A, "yellow", "L1", "limit", 0.5),
            measure(A, "yellow", "L2", "limit", 0.5),
            measure(A, "yellow", "全厂", "limit", 0.7),
        ],
    )
    result = check(data, rules())
    # lines: L1 stop (60) + L2 half (20) = 80 t; whole plant 70 %: 70 t; the larger, 80 t
    assert result.enterprises[0].reductions["yellow"]["so2"] == pytest.approx(80.0)
    assert result.enterprises[0].reductions["red"]["so2"] == pytest.approx(80.0)  # carried up from yellow


def test_grade_exemption_vehicle_and_code_rules() -> None:
    bad_code = A[:-1] + ("0" if A[-1] != "0" else "1")
    data = ReductionList(
        [
            ent(bad_code, "甲", "C", 10.0),
            ent(B, "乙", "D", 10.0, exemption="保障类"),
            ent(C, "丙", "B", 10.0, key_vehicle=True),
        ],
        [],
        [measure(C, "yellow", "全厂", "limit", 0.25), measure(C, "yellow", "运输车辆", "vehicle", 0.0, ("视频监控",))],
    )
    result = check(data, rules())
    found = {(v.code, v.enterprise, v.level) for v in result.violations}
    assert ("bad_credit_code", bad_code, None) in found
    assert {("no_measures", bad_code, lv) for lv in ("yellow", "orange", "red")} <= found  # C must act at every level
    assert ("exemption_without_reason", B, None) in found and not any(
        c == "no_measures" and e == B for c, e, _ in found
    )  # 保障类: no measures needed, but a reason
    assert [e.code for e in result.protected] == [B]
    # 丙: its yellow measures carry up (the vehicle measure covers every level); 25 % meets 10 and 20 %, not 30 %
    assert not any(c == "key_vehicle_no_measure" for c, e, _ in found if e == C)
    assert ("below_grade_minimum", C, "red") in found and ("below_grade_minimum", C, "orange") not in found


def test_registry_coverage_and_permit_consistency() -> None:
    registry = [
        RegistryEntry(2, A, "甲", "水泥", True),
        RegistryEntry(3, code(9), "未列入企业", "化工", True),
        RegistryEntry(4, code(8), "不涉气企业", "服装", False),
    ]
    permits = [Permit(2, A, "化工", "P-1", {"so2": 80.0, "nox": None, "pm": None, "vocs": None})]
    result = check(worked(), rules(), registry=registry, permits=permits)
    assert [x.name for x in result.not_covered] == ["未列入企业"]
    found = {(v.code, v.enterprise): v for v in result.violations}
    assert ("not_covered", code(9)) in found
    assert found[("permit_industry", A)].severity == "error"
    assert "80" in found[("permit_exceeded", A)].message and found[("permit_exceeded", A)].pollutant == "so2"
    assert found[("no_permit", B)].severity == "warning"


def test_bad_cells_are_all_named_with_sheet_line_and_field() -> None:
    enterprises = [
        (2, {"code": A, "name": "甲", "grade": "B", "so2": "abc", "nox": "1", "pm": "1", "vocs": "1"}),
        (3, {"code": A, "name": "甲2", "grade": "B", "so2": "1", "nox": "1", "pm": "1", "vocs": "1"}),
        (4, {"code": B, "name": "乙", "grade": "E", "so2": "-1", "nox": "1", "pm": "1", "vocs": "1"}),
    ]
    measures = [
        (2, {"code": A, "level": "紫色", "object": "L1", "action": "停产", "limit": "", "monitoring": "台账"}),
        (3, {"code": A, "level": "橙色", "object": "L1", "action": "限产", "limit": "", "monitoring": "台账"}),
    ]
    with pytest.raises(StructureError) as err:
        parse_list(enterprises, [], measures, file="清单.xlsx")
    e = err.value
    assert e.file == "清单.xlsx!企业" and e.line == 2 and "SO2" in (e.field or "")
    text = str(e)
    for piece in ("重复企业", "企业!4 绩效分级", "企业!4 SO2", "措施!2 预警级别", "措施!3 限产比例"):
        assert piece in text, piece


def test_rules_errors_name_the_file() -> None:
    with pytest.raises(ConfigError, match="ratios"):
        parse_rules("[grades]\n", name="r.toml")
    with pytest.raises(ConfigError, match="between 0 and 100"):
        parse_rules("[ratios]\nyellow = 10\norange = 200\nred = 30\n[monitoring]\nmeans=['台账']\n", name="r.toml")
    with pytest.raises(ConfigError, match="TOML"):
        parse_rules("[ratios", name="r.toml")
