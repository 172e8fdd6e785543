"""The monthly bulletin (空气质量月报) as a Word document, in Chinese, with its chart.

:class:`Bulletin` holds every figure already computed (``services/reports.py`` assembles it); this
module only lays it out: python-docx for the document, matplotlib (Agg) for the chart. Chinese in
the chart needs a CJK font: Noto Sans CJK from Debian's ``fonts-noto-cjk`` (``scripts/setup``
installs it); without one the chart is never drawn in boxes: :func:`chart_png` refuses it with a
clear error, and :func:`write_bulletin` writes the bulletin without it, says so in the document and
returns the warning for the command to show.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from lantian.domain.targets.registry import INDICATORS
from lantian.errors import ConfigError, InputError

NO_FONT = "未找到中文字体，月报未附图表；安装 Debian 的 fonts-noto-cjk 后重新生成 (no CJK font: the chart was left out)"
# What the figures stand on, for the public: the standards and the method by name, never a path in
# the code or its developer docs (docs/metrics.md is where developers read the same in detail).
METHOD_NOTE = (
    "依据：《环境空气质量标准》（GB 3095—2012）；《环境空气质量指数（AQI）技术规定（试行）》（HJ 633—2012）；"
    "《环境空气质量评价技术规范（试行）》（HJ 663—2013）；数值修约按《数值修约规则与极限数值的表示和判定》"
    "（GB/T 8170—2008）。达标概率为按历史同期逐日数据分块重抽样（自助法）模拟全年的估计值。"
)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC")


@dataclass(frozen=True)
class MonthFigure:
    month: str  # 1月 …
    pm25: float | None
    good_ratio: float | None


@dataclass
class Bulletin:
    jurisdiction: str
    year: int
    month: int
    issued: dt.date
    month_rows: list[tuple[str, str, str]] = field(default_factory=list)  # (item, this month, same month last year)
    targets: list[dict[str, Any]] = field(default_factory=list)  # targets status rows (year to date)
    ranking_title: str = ""
    ranking_columns: list[str] = field(default_factory=list)
    ranking: list[list[str]] = field(default_factory=list)
    ranking_lines: list[str] = field(default_factory=list)  # the place's own rank among its province's cities
    months: list[MonthFigure] = field(default_factory=list)  # January … this month
    pm25_target: float | None = None
    good_target: float | None = None
    flags: list[str] = field(default_factory=list)
    overdue: list[tuple[str, str, str, str]] = field(default_factory=list)  # (plan, task, lead, deadline)
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.jurisdiction}{self.year}年{self.month}月环境空气质量月报"


def chart_png(b: Bulletin) -> bytes:
    """Monthly PM2.5 (bars) and good-day ratio (line) from January to the month, against the targets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font = _cjk_font(font_manager)
    if font is None:
        raise ConfigError(NO_FONT, field="font")
    plt.rcParams["font.family"] = font
    plt.rcParams["axes.unicode_minus"] = False
    labels = [m.month for m in b.months]
    fig, left = plt.subplots(figsize=(7.5, 3.9), dpi=150)
    try:
        pm = [m.pm25 if m.pm25 is not None else 0 for m in b.months]
        bars = left.bar(labels, pm, color="#4e79a7", label="PM2.5 月均浓度（µg/m³）")
        left.bar_label(bars, labels=["—" if m.pm25 is None else f"{m.pm25:g}" for m in b.months], fontsize=8)
        if b.pm25_target is not None:
            left.axhline(b.pm25_target, color="#e15759", linestyle="--", linewidth=1.2,
                         label=f"PM2.5 年度目标 {b.pm25_target:g}")  # fmt: skip
        left.set_ylabel("PM2.5（µg/m³）")
        right = left.twinx()
        good = [m.good_ratio for m in b.months]
        right.plot(labels, [g if g is not None else float("nan") for g in good], color="#59a14f", marker="o",
                   label="优良天数比率（%）")  # fmt: skip
        if b.good_target is not None:
            right.axhline(b.good_target, color="#59a14f", linestyle=":", linewidth=1.2,
                          label=f"优良天数比率目标 {b.good_target:g}%")  # fmt: skip
        right.set_ylim(0, 105)
        right.set_ylabel("优良天数比率（%）")
        handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        names = left.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
        left.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=7, ncol=4, frameon=False)
        left.set_title(f"{b.jurisdiction}{b.year}年逐月PM2.5与优良天数比率")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _cjk_font(font_manager: Any) -> str | None:
    """The first CJK font matplotlib knows; fonts installed after its cache was built are added."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    font = next((f for f in CJK_FONTS if f in installed), None)
    if font is None:
        for path in font_manager.findSystemFonts():
            if "CJK" in path or "wqy" in path.lower():
                font_manager.fontManager.addfont(path)
        installed = {f.name for f in font_manager.fontManager.ttflist}
        font = next((f for f in CJK_FONTS if f in installed), None)
    return font


def write_bulletin(b: Bulletin, path: Path) -> list[str]:
    """Write the bulletin to ``path`` (.docx), atomically; returns its warnings (警告) — the chart left
    out when no CJK font is installed, the rest of the bulletin written all the same."""
    if path.suffix.lower() != ".docx":
        raise InputError("the bulletin is a .docx file (月报输出为 .docx)", file=str(path), field="output")
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    # Word takes Chinese text from the East Asian font slot, which font.name does not set
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    style.font.size = Pt(10.5)
    heading = doc.add_heading(b.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"发布日期：{b.issued:%Y年%m月%d日}    数据截至：{b.year}年{b.month}月底")

    doc.add_heading("一、本月空气质量", level=1)
    _table(doc, ["指标", f"{b.month}月", "上年同期"], [list(r) for r in b.month_rows])

    doc.add_heading("二、年度目标完成情况（截至本月底）", level=1)
    if b.targets:
        rows = [
            [
                str(r["label"]), target_text(r), _value(r["value_to_date"]), str(r["days_counted"]),
                remaining_text(r), "—" if r["probability"] is None else f"{r['probability']:.0%}",
            ]
            for r in b.targets
        ]  # fmt: skip
        _table(doc, ["指标", "年度目标", "累计值", "有效天数", "剩余时段要求", "达标概率"], rows)
    else:
        doc.add_paragraph("本年度未登记空气质量目标。")
    warnings: list[str] = []
    try:
        doc.add_paragraph().add_run().add_picture(io.BytesIO(chart_png(b)), width=Cm(16))
    except ConfigError as exc:  # no CJK font: no chart in boxes, the figures above stand
        warnings.append(exc.message)
        doc.add_paragraph(f"（{exc.message.split(' (')[0]}。）")

    doc.add_heading(f"三、{b.ranking_title or '排名'}", level=1)
    if b.ranking:
        _table(doc, b.ranking_columns, b.ranking)
    else:
        doc.add_paragraph("本月无可比排名数据。")
    for line in b.ranking_lines:
        doc.add_paragraph(line)

    doc.add_heading("四、预警与问责", level=1)
    for line in b.flags or ["本月无预警或问责事项。"]:
        doc.add_paragraph(line, style="List Bullet")

    doc.add_heading("五、逾期任务", level=1)
    if b.overdue:
        _table(doc, ["计划", "任务", "牵头（负责）单位", "完成时限"], [list(r) for r in b.overdue])
    else:
        doc.add_paragraph("截至本月底无逾期任务。")
    if b.notes:
        doc.add_heading("说明", level=2)
        for note in b.notes:
            doc.add_paragraph(note)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".docx", dir=path.parent)
    os.close(fd)
    try:
        doc.save(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write the bulletin: {exc.strerror} (无法写入)", file=str(path)) from None
    return warnings


def _table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def _value(v: Any) -> str:
    return "—" if v is None else f"{v:g}"


def target_text(r: dict[str, Any]) -> str:
    """A target as offices write it (a ``targets status`` row): ≤ 31 µg/m³（力争 30）, ≥ 80 %,
    较2025年下降 3 %（27.2 µg/m³） — a relative target with the threshold it resolves to."""
    unit = f" {r['unit']}" if r["unit"] else ""
    if r["comparator"] in ("decrease_by", "increase_by"):
        verb = "下降" if r["comparator"] == "decrease_by" else "提高"
        threshold = r.get("target_value")
        spec = INDICATORS.get(r["indicator"])  # the threshold is in the indicator's own unit
        unit = f" {spec.unit}" if spec and spec.unit else ""
        shown = "" if threshold is None else f"（{threshold:.1f}{unit}）"
        text = f"较{r['baseline_year']}年{verb} {r['target']:g} %{shown}"
    else:
        text = f"{'≤' if r['comparator'] == '<=' else '≥'} {r['target']:g}{unit}"
    return text + ("" if r["stretch"] is None else f"（力争 {r['stretch']:g}）")


def remaining_text(r: dict[str, Any]) -> str:
    """What the rest of the year must deliver, as offices write it (a ``targets status`` row)."""
    if r.get("required_mean_remaining") is not None:
        return f"剩余日均值 ≤ {r['required_mean_remaining']:g} {r['unit']}"
    if r.get("good_days_needed") is not None:
        return f"还需优良 {r['good_days_needed']} 天，可容许非优良 {r['affordable_non_good_days']} 天"
    if r.get("affordable_heavy_days") is not None:
        return f"可容许重污染 {r['affordable_heavy_days']} 天"
    return "—"


NO_OFFICE = (
    "LibreOffice (soffice) is not installed: no PDF was made "
    "(未找到 LibreOffice（soffice），未能生成 PDF；请安装 LibreOffice 后重新发布)"
)


def docx_to_pdf(docx: Path, *, timeout: int = 180) -> bytes:
    """The PDF LibreOffice makes of ``docx`` (``soffice --headless --convert-to pdf``), in a
    folder and a LibreOffice profile of its own: two conversions at once do not share a lock.
    A clear error when LibreOffice is missing, fails or takes longer than ``timeout`` seconds."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ConfigError(NO_OFFICE, field="soffice")
    with tempfile.TemporaryDirectory(prefix="lantian-pdf-") as folder:
        work = Path(folder)
        source = work / "bulletin.docx"
        source.write_bytes(docx.read_bytes())
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(work), str(source)]  # fmt: skip
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ConfigError(f"LibreOffice took longer than {timeout} s (生成 PDF 超时)", field="soffice") from None
        except (subprocess.CalledProcessError, OSError) as exc:
            raise ConfigError(f"LibreOffice failed: {exc} (LibreOffice 未能生成 PDF)", field="soffice") from None
        pdf = work / "bulletin.pdf"
        if not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            raise ConfigError("LibreOffice made no PDF (LibreOffice 未能生成 PDF)", field="soffice")
        return pdf.read_bytes()
