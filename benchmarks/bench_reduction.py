"""Benchmark: checking an emergency reduction list of 20,000 enterprises and 100,000 measures.

Generates a workbook in the template's layout: 20,000 enterprises (grades A–D and unrated, 3 %
保障类, 5 % 重点用车单位, valid credit codes), 2 production lines each (40,000 rows), and 100,000
measures (stop / limit per line and level, transport measures, about 1 % without a monitoring
means so the violation paths run). Then times what ``lantian reduction-list check FILE --json``
does: read the three sheets, parse and check every row, compute each level's ratio and every
enterprise's violations, and build the JSON report. Best of 3.

Baseline, measured in the same run: reading the same three sheets into Python lists with
calamine and nothing else (best of 3). The check's ratio to it is printed.

    python benchmarks/bench_reduction.py [--enterprises 20000] [--measures 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

from _common import best_of, peak_rss_mib

GRADES = ("A", "B", "B", "C", "C", "D", "")
LEVELS = ("黄色", "橙色", "红色")


def generate(path: Path, enterprises: int, measures: int) -> None:
    import openpyxl
    from stdnum.cn import uscc

    rnd = random.Random(7)
    book = openpyxl.Workbook(write_only=True)
    ent = book.create_sheet("企业")
    ent.append(["企业名称", "统一社会信用代码", "行业", "绩效分级", "豁免类别", "豁免理由", "重点用车单位",
                "SO2排放量(t/a)", "NOx排放量(t/a)", "颗粒物排放量(t/a)", "VOCs排放量(t/a)"])  # fmt: skip
    lines = book.create_sheet("生产线")
    lines.append(["统一社会信用代码", "生产线/工序/设施", "SO2排放量(t/a)", "NOx排放量(t/a)", "颗粒物排放量(t/a)",
                  "VOCs排放量(t/a)"])  # fmt: skip
    meas = book.create_sheet("措施")
    meas.append(["统一社会信用代码", "预警级别", "生产线/工序/设施", "措施类型", "限产比例(%)", "监测手段", "措施内容"])
    per = measures // enterprises
    extra = measures - per * enterprises
    for i in range(enterprises):
        stem = f"913206{i:06d}MA1W"[:17].ljust(17, "0")
        code = stem + uscc.calc_check_digit(stem)
        e = [round(rnd.uniform(0, 50), 2) for _ in range(4)]
        protected = i % 33 == 0
        vehicle = i % 20 == 0
        ent.append([f"企业{i}", code, "行业", GRADES[i % len(GRADES)], "保障类" if protected else "",
                    "民生保障" if protected else "", "是" if vehicle else "否", *e])  # fmt: skip
        lines.append([code, "1号线", *(round(x * 0.6, 3) for x in e)])
        lines.append([code, "2号线", *(round(x * 0.4, 3) for x in e)])
        n = per + (1 if i < extra else 0)
        for k in range(n):
            level = LEVELS[k % 3]
            if vehicle and k == n - 1:
                meas.append([code, "黄色", "运输车辆", "运输管控", "", "视频监控、台账", "停止国四及以下货车运输"])
                continue
            target = "1号线" if k % 2 == 0 else "2号线"
            stop = k >= 3 or level == "红色"
            means = "" if rnd.random() < 0.01 else "用电监控、在线监测"
            meas.append([code, level, target, "停产" if stop else "限产", "" if stop else 20 + 10 * (k % 3), means, ""])
    book.save(path)


def baseline(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(s).to_python()) for s in ("企业", "生产线", "措施"))


def run_check(path: Path) -> tuple[int, int, int]:
    from lantian.services.reduction import ReductionService
    from lantian.services.warnings_json import check_report

    result = ReductionService(path.parent).check(path)
    json.dumps(check_report(result), ensure_ascii=False)
    return len(result.enterprises), result.measures, len(result.violations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--measures", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "清单.xlsx"
        print(f"generating {args.enterprises:,} enterprises and {args.measures:,} measures …", file=sys.stderr)
        generate(path, args.enterprises, args.measures)
        size = path.stat().st_size / 2**20
        base, rows = best_of(3, lambda: baseline(path))
        took, (enterprises, measures, violations) = best_of(3, lambda: run_check(path))
    print(f"workbook: {enterprises:,} enterprises, {measures:,} measures, {rows:,} rows in all, {size:.1f} MiB")
    print(f"violations reported: {violations:,}")
    print(f"baseline (calamine reads the three sheets): {base:.2f} s")
    print(f"reduction-list check (read, parse, check, JSON report): {took:.2f} s = {took / base:.1f} × baseline")
    print(f"peak memory: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
