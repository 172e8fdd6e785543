"""``.docx`` and ``.xlsx`` read into the same blocks as text: seed round trips, merged cells, bad files."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from openpyxl import Workbook

from lantian.documents.read import read_document
from lantian.documents.write import write_docx, write_xlsx
from lantian.domain.blocks import Paragraph, Table
from lantian.domain.plans.model import ParsedPlan
from lantian.domain.plans.parser import parse_plan
from lantian.errors import EmptyInputError, InputError, StructureError

HEADER = ["序号", "重点工作任务", "具体内容", "牵头单位", "配合单位", "责任单位", "完成时限", "目标值"]


def seed_path(seeds_dir: Path, prefix: str) -> Path:
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    return path


def summary(plan: ParsedPlan) -> list[tuple[str, str | None, str | None, list[tuple[str, str, bool]]]]:
    return [
        (t.number, t.title, t.category, [(d.normalized, d.role.value, d.implicit) for d in t.all_departments()])
        for t in plan.tasks
    ]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_a_seed_written_to_docx_parses_the_same(seeds_dir: Path, tmp_path: Path, prefix: str) -> None:
    text_doc = read_document(seed_path(seeds_dir, prefix))
    out = tmp_path / f"{prefix}.docx"
    write_docx(text_doc, out)
    word_doc = read_document(out)
    assert word_doc.kind == "docx"
    a, b = parse_plan(text_doc), parse_plan(word_doc)
    assert summary(a) == summary(b)
    assert [(t.indicator, t.jurisdiction, t.value) for t in a.targets] == [
        (t.indicator, t.jurisdiction, t.value) for t in b.targets
    ]
    assert (a.meta.title, a.meta.doc_number, a.meta.year) == (b.meta.title, b.meta.doc_number, b.meta.year)


@pytest.mark.parametrize(("prefix", "tasks"), [("000", 56), ("002", 45)])
def test_a_task_table_written_to_xlsx_parses_the_same(seeds_dir: Path, tmp_path: Path, prefix: str, tasks: int) -> None:
    text_doc = read_document(seed_path(seeds_dir, prefix))
    out = tmp_path / f"{prefix}.xlsx"
    write_xlsx(text_doc, out)
    a, b = parse_plan(text_doc), parse_plan(read_document(out))
    assert len(b.tasks) == tasks
    assert summary(a) == summary(b)


def test_docx_merged_cells_and_bold_titles(tmp_path: Path) -> None:
    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("1. 优化产业结构。").bold = True
    p.add_run("严格控制新增产能。（市发改委牵头）")
    table = d.add_table(rows=3, cols=4)
    header = table.rows[0].cells
    header[0].text, header[1].text, header[2].text = "序号", "重点工作任务", "责任分工"
    header[2].merge(header[3])  # 责任分工 spans the last two columns
    for i, (n, text, duty) in enumerate(
        [("1", "淘汰燃煤锅炉", "市生态环境局牵头"), ("2", "整治炉窑", "市工信局牵头")], 1
    ):
        cells = table.rows[i].cells
        cells[0].text, cells[2].text, cells[3].text = n, text, duty
    table.rows[1].cells[1].text = "锅炉炉窑"
    table.rows[1].cells[1].merge(table.rows[2].cells[1])  # the category spans both rows
    path = tmp_path / "merged.docx"
    d.save(str(path))
    doc = read_document(path)
    para = next(b for b in doc.blocks if isinstance(b, Paragraph))
    assert para.text == "**1. 优化产业结构。**严格控制新增产能。（市发改委牵头）" and para.line == 1
    tbl = next(b for b in doc.blocks if isinstance(b, Table))
    assert tbl.rows[0].texts == ["序号", "重点工作任务", "责任分工"]
    assert tbl.rows[1].texts == ["1", "锅炉炉窑", "淘汰燃煤锅炉", "市生态环境局牵头"]
    assert tbl.rows[2].texts == ["2", "", "整治炉窑", "市工信局牵头"]
    assert [r.line for r in tbl.rows] == [2, 3, 4]
    plan = parse_plan(doc)
    assert [t.category for t in plan.tasks] == ["锅炉炉窑", "锅炉炉窑"]
    assert [d.normalized for d in plan.tasks[1].departments] == ["市工业和信息化局"]


def test_xlsx_task_sheet_merged_categories_title_rows_and_other_sheets(tmp_path: Path) -> None:
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本表由大气办汇总"])
    ws = wb.create_sheet("任务")
    ws.append(["2024年重点工作任务分解表"])
    ws.append(HEADER)
    ws.append([1, "产业结构", "淘汰落后产能", "市工信局", "市发改委", None, "2024年底前", None])
    ws.append([2, None, "整治涉气产业集群", "市生态环境局", None, "各区政府", "6月底前", None])
    ws.append([3, None, "推进超低排放改造", "市生态环境局", None, None, "年内", None])
    ws.merge_cells("B3:B5")
    path = tmp_path / "tasks.xlsx"
    wb.save(path)
    doc = read_document(path)
    assert doc.warnings == ("sheet 说明 ignored (已忽略工作表 说明)",)
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "2024年重点工作任务分解表"
    tbl = doc.tables()[0]
    assert [r.line for r in tbl.rows] == [2, 3, 4, 5]
    assert tbl.rows[1].texts[0] == "1" and tbl.rows[2].texts[1] == ""
    plan = parse_plan(doc, overrides={"year": 2024})
    assert [t.number for t in plan.tasks] == ["1", "2", "3"]
    assert [t.category for t in plan.tasks] == ["产业结构"] * 3
    assert plan.tasks[1].deadlines[0].end is not None and plan.tasks[1].deadlines[0].end.isoformat() == "2024-06-30"


def test_corrupt_and_empty_files_are_clear_errors(tmp_path: Path) -> None:
    cases = {
        "random.docx": b"\x00\x01garbage" * 50,
        "random.xlsx": b"\x00\x01garbage" * 50,
        "zip.docx": b"",
    }
    import zipfile

    zpath = tmp_path / "zip.docx"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("hello.txt", "not a word document")
    for name, data in cases.items():
        path = tmp_path / name
        if data:
            path.write_bytes(data)
        with pytest.raises(InputError) as err:
            read_document(path)
        assert name in str(err.value)
    wb = Workbook()
    empty = tmp_path / "empty.xlsx"
    wb.save(empty)
    with pytest.raises(EmptyInputError, match=r"empty\.xlsx"):
        read_document(empty)


def test_docx_without_a_table_and_docx_without_duty_column(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("关于召开会议的通知")
    d.add_paragraph("请准时参加。")
    plain = tmp_path / "notice.docx"
    d.save(str(plain))
    with pytest.raises(StructureError, match=r"notice\.docx"):
        parse_plan(read_document(plain))
    d = docx.Document()
    d.add_paragraph("重点工作任务分解表")
    t = d.add_table(rows=2, cols=3)
    for cell, text in zip(t.rows[0].cells, ["序号", "重点工作任务", "具体内容"], strict=True):
        cell.text = text
    for cell, text in zip(t.rows[1].cells, ["1", "产业结构", "淘汰落后产能"], strict=True):
        cell.text = text
    no_duty = tmp_path / "no_duty.docx"
    d.save(str(no_duty))
    with pytest.raises(StructureError) as err:
        parse_plan(read_document(no_duty))
    assert err.value.field == "责任分工" and err.value.line == 2 and "no_duty.docx" in str(err.value)
