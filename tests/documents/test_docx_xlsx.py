"""``.docx`` / ``.xlsx`` readers and writers: seed round trips, merged cells, values, bad files."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from openpyxl import Workbook, load_workbook

from lantian.documents.read import read_document
from lantian.documents.write import write_docx, write_xlsx
from lantian.domain.blocks import Cell, Document, Paragraph, Row, Table
from lantian.domain.plans.model import ParsedPlan
from lantian.domain.plans.parser import parse_plan
from lantian.errors import EmptyInputError, InputError, LantianError, StructureError

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def seed_file(seeds_dir: Path, prefix: str) -> Path:
    (path,) = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
    return path


def task_view(plan: ParsedPlan) -> list[tuple[str | None, list[str]]]:
    """Per task: its title and its normalized departments (what a round trip must keep)."""
    return [(t.title, [d.normalized for d in t.all_departments()]) for t in plan.tasks]


def annex_targets(plan: ParsedPlan) -> list[tuple[str, str | None, float | None]]:
    return [(t.indicator, t.jurisdiction, t.value) for t in plan.targets if t.source.startswith("附件")]


# --------------------------------------------------------------------------------------------
# round trips with the real seeds


@pytest.mark.parametrize("prefix", ["000", "001", "003"])
def test_seed_to_docx_and_back_parses_to_the_same_plan(seeds_dir: Path, tmp_path: Path, prefix: str) -> None:
    text_doc = read_document(seed_file(seeds_dir, prefix))
    out = tmp_path / f"{prefix}.docx"
    write_docx(text_doc, out)
    word_doc = read_document(out)
    assert word_doc.kind == "docx" and word_doc.encoding == "docx"
    from_text, from_word = parse_plan(text_doc), parse_plan(word_doc)
    assert len(from_word.tasks) == len(from_text.tasks) > 0
    assert task_view(from_word) == task_view(from_text)
    if prefix == "001":  # numbered prose: the titles come from bold runs
        assert all(t.title for t in from_word.tasks)
        assert any(isinstance(b, Paragraph) and b.text.startswith("**") for b in word_doc.blocks)
    if prefix == "003":  # provincial plan with annex tables
        assert len(annex_targets(from_word)) == len(annex_targets(from_text)) > 0
        assert annex_targets(from_word) == annex_targets(from_text)
    assert docx.Document(str(out)).core_properties.title == text_doc.paragraphs()[0].text.replace("**", "")


@pytest.mark.parametrize(("prefix", "count"), [("000", 56), ("002", 45)])
def test_seed_to_xlsx_and_back_parses_to_the_same_tasks(
    seeds_dir: Path, tmp_path: Path, prefix: str, count: int
) -> None:
    text_doc = read_document(seed_file(seeds_dir, prefix))
    out = tmp_path / f"{prefix}.xlsx"
    write_xlsx(text_doc, out)
    sheet_doc = read_document(out)
    assert sheet_doc.kind == "xlsx" and sheet_doc.warnings == ()
    from_text, from_sheet = parse_plan(text_doc), parse_plan(sheet_doc)
    assert len(from_sheet.tasks) == count
    assert task_view(from_sheet) == task_view(from_text)
    assert [t.category for t in from_sheet.tasks] == [t.category for t in from_text.tasks]
    assert load_workbook(out).sheetnames[0] == "任务表"


def test_a_document_with_several_tables_gets_one_sheet_per_table(seeds_dir: Path, tmp_path: Path) -> None:
    text_doc = read_document(seed_file(seeds_dir, "003"))
    out = tmp_path / "003.xlsx"
    write_xlsx(text_doc, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["任务表", *(f"表{i}" for i in range(2, len(text_doc.tables()) + 1))]
    assert wb.properties.title == text_doc.paragraphs()[0].text


# --------------------------------------------------------------------------------------------
# .docx built by hand


def test_docx_vertical_and_horizontal_merges(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("重点工作任务分解表")
    d.add_paragraph("")  # empty: no block, but it counts for line numbers
    table = d.add_table(rows=3, cols=4)
    head = table.rows[0].cells
    head[0].text, head[1].text, head[2].text = "序号", "重点工作任务", "责任分工"
    head[2].merge(head[3])  # 责任分工 over the last two grid columns
    rows = [("1", "淘汰燃煤锅炉", "市生态环境局牵头，市发改委配合"), ("2", "整治工业炉窑", "市工信局牵头")]
    for i, (number, text, duty) in enumerate(rows, start=1):
        cells = table.rows[i].cells
        cells[0].text, cells[2].text, cells[3].text = number, text, duty
    category = table.rows[1].cells[1].merge(table.rows[2].cells[1])  # 重点工作任务 spans both rows
    category.text = "锅炉炉窑综合整治"
    d.add_paragraph("附：说明")
    path = tmp_path / "merged.docx"
    d.save(str(path))

    doc = read_document(path)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    first, tbl, last = doc.blocks
    assert isinstance(first, Paragraph) and (first.text, first.line) == ("重点工作任务分解表", 1)
    assert isinstance(tbl, Table)
    assert tbl.rows[0].texts == ["序号", "重点工作任务", "责任分工"]  # the merged header cell once
    assert tbl.rows[1].texts == ["1", "锅炉炉窑综合整治", "淘汰燃煤锅炉", "市生态环境局牵头，市发改委配合"]
    assert tbl.rows[2].texts == ["2", "", "整治工业炉窑", "市工信局牵头"]  # continuation cell empty
    assert [r.line for r in tbl.rows] == [3, 4, 5] and (tbl.line, tbl.last_line) == (3, 5)
    assert all(c.line == 4 for c in tbl.rows[1].cells)
    assert isinstance(last, Paragraph) and last.line == 6

    plan = parse_plan(doc, overrides={"year": 2024})
    assert [t.category for t in plan.tasks] == ["锅炉炉窑综合整治"] * 2
    assert [d.normalized for d in plan.tasks[1].departments] == ["市工业和信息化局"]


def _body_xml(xml: str) -> docx.document.Document:
    d = docx.Document()
    body = d.element.body
    for el in parse_xml(f"<w:body {W_NS}>{xml}</w:body>").iterchildren():
        body.insert(len(body) - 1, el)  # before sectPr
    return d


def test_docx_bold_runs_breaks_nested_tables_and_content_controls(tmp_path: Path) -> None:
    xml = (
        "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>1. 优化</w:t></w:r>"
        '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"> </w:t></w:r>'
        "<w:r><w:rPr><w:b/></w:rPr><w:t>产业结构。</w:t></w:r>"
        '<w:r><w:t>严格控制</w:t></w:r><w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t>新增产能。</w:t></w:r></w:p>'
        '<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">  </w:t></w:r><w:r><w:t>正文</w:t></w:r></w:p>'
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>控件内段落</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        "<w:tbl><w:tr>"
        "<w:tc><w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>外</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>内</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p/></w:tc>"
        "</w:tr></w:tbl>"
        "<w:p><w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del><w:ins><w:r><w:t>插入的</w:t></w:r></w:ins></w:p>"
    )
    path = tmp_path / "runs.docx"
    _body_xml(xml).save(str(path))
    doc = read_document(path)
    texts = [(b.text, b.line) for b in doc.paragraphs()]
    assert texts == [
        ("**1. 优化 产业结构。**严格控制新增产能。", 1),
        ("正文", 2),  # a whitespace-only bold run starts no bold segment
        ("控件内段落", 3),
        ("插入的", 5),  # the table row was line 4; deleted text is gone
    ]
    (tbl,) = doc.tables()
    assert tbl.rows[0].texts == ["第一行\n第二行", "外\n内"] and tbl.line == 4


def test_docx_written_cells_keep_bold_and_line_breaks(tmp_path: Path) -> None:
    table = Table(
        rows=(
            Row(cells=(Cell("序号", 2), Cell("重点工作任务", 2), Cell("责任分工", 2)), line=2),
            Row(cells=(Cell("1", 3), Cell("**控煤**\n第二段", 3), Cell("市发改委牵头", 3)), line=3),
        ),
        line=2,
    )
    source = Document(name="x", blocks=(Paragraph("**标题**正文", 1), table))
    out = tmp_path / "w.docx"
    write_docx(source, out)
    back = read_document(out)
    assert [b.text for b in back.paragraphs()] == ["**标题**正文"]
    assert back.tables()[0].rows[1].texts == ["1", "**控煤**\n第二段", "市发改委牵头"]
    assert docx.Document(str(out)).core_properties.title == "标题正文"


# --------------------------------------------------------------------------------------------
# .xlsx built by hand

HEADER = ["序号", "重点工作任务", "具体内容", "牵头单位", "配合单位", "完成时限"]


def test_xlsx_merged_categories_title_row_integer_numbers_and_a_second_sheet(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "任务"
    ws.append(["2024年大气污染防治重点工作任务分解表"])
    ws.append([None, "苏气办〔2024〕3号"])
    ws.append(HEADER)
    ws.append([1, "产业结构调整", "淘汰落后产能", "市工信局", "市发改委", "2024年底前"])
    ws.append([2, None, "整治涉气产业集群", "市生态环境局", None, "6月底前"])
    ws.append([3, None, "推进钢铁超低排放改造", "市生态环境局", "市工信局", "年内"])
    ws.append([None] * 6)
    ws.append([None] * 6)  # trailing empty rows
    ws.merge_cells("B4:B6")
    notes = wb.create_sheet("说明")
    notes.append(["填表说明：按季度更新"])
    wb.create_sheet("空表")  # empty: not warned about
    path = tmp_path / "tasks.xlsx"
    wb.save(path)

    doc = read_document(path)
    assert doc.kind == "xlsx" and doc.warnings == ("sheet 说明 ignored (已忽略工作表 说明)",)
    paras = doc.paragraphs()
    assert [(p.text, p.line) for p in paras] == [("2024年大气污染防治重点工作任务分解表", 1), ("苏气办〔2024〕3号", 2)]
    (tbl,) = doc.tables()
    assert [r.line for r in tbl.rows] == [3, 4, 5, 6] and (tbl.line, tbl.last_line) == (3, 6)
    assert tbl.rows[0].texts == HEADER
    assert tbl.rows[1].texts == ["1", "产业结构调整", "淘汰落后产能", "市工信局", "市发改委", "2024年底前"]
    assert tbl.rows[2].texts == ["2", "", "整治涉气产业集群", "市生态环境局", "", "6月底前"]
    assert tbl.rows[3].texts[:2] == ["3", ""]

    plan = parse_plan(doc, overrides={"year": 2024})
    assert [t.number for t in plan.tasks] == ["1", "2", "3"]
    assert [t.category for t in plan.tasks] == ["产业结构调整"] * 3
    end = plan.tasks[1].deadlines[0].end
    assert end is not None and end.isoformat() == "2024-06-30"


def test_xlsx_task_sheet_is_found_after_a_cover_sheet_and_from_column_b(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "封面"
    wb.active.append(["封面"])
    ws = wb.create_sheet("分解表")
    ws.append([None, "序 号", "工作任务", "责任单位（部门）"])
    ws.append([None, 1.0, "开展秋冬季攻坚", "各区政府"])
    path = tmp_path / "cover.xlsx"
    wb.save(path)
    doc = read_document(path)
    assert doc.warnings == ("sheet 封面 ignored (已忽略工作表 封面)",)
    (tbl,) = doc.tables()
    assert tbl.rows[0].texts == ["序 号", "工作任务", "责任单位（部门）"]
    assert tbl.rows[1].texts == ["1", "开展秋冬季攻坚", "各区政府"]


def test_xlsx_without_a_header_reads_the_first_sheet_as_paragraphs(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["关于开展大气污染防治工作的通知"])
    wb.active.append(["各区：", "请按要求落实。"])
    path = tmp_path / "notice.xlsx"
    wb.save(path)
    doc = read_document(path)
    assert [(p.text, p.line) for p in doc.paragraphs()] == [
        ("关于开展大气污染防治工作的通知", 1),
        ("各区： 请按要求落实。", 2),
    ]
    assert doc.tables() == []


def test_xlsx_two_row_header_is_folded_into_one(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "具体内容", "责任单位", None])
    ws.append([None, None, "牵头单位", "配合单位"])
    ws.append([1, "加强扬尘管控", "市住建局", "市城管局"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.merge_cells("C1:D1")
    path = tmp_path / "two_rows.xlsx"
    wb.save(path)
    doc = read_document(path)
    (tbl,) = doc.tables()
    assert [r.texts for r in tbl.rows] == [
        ["序号", "具体内容", "牵头单位", "配合单位"],
        ["1", "加强扬尘管控", "市住建局", "市城管局"],
    ]
    assert [r.line for r in tbl.rows] == [1, 3]
    plan = parse_plan(doc, overrides={"year": 2024})
    (task,) = plan.tasks
    assert [(d.normalized, d.role.value) for d in task.departments] == [
        ("市住房和城乡建设局", "lead"),
        ("市城市管理局", "cooperating"),
    ]


def test_xlsx_values_become_plain_text(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "具体内容", "责任单位", "完成时限", "目标值", "比例", "说明"])
    ws.append([12, "  控煤  ", "市发改委", dt.datetime(2024, 6, 30, 0, 0), 0.1 + 0.2, 0.35, 35.5])
    ws.append([13.0, "控车", "市公安局", dt.date(2025, 12, 31), 1.0, None, None])
    ws["F2"].number_format = "0%"
    path = tmp_path / "values.xlsx"
    wb.save(path)
    (tbl,) = read_document(path).tables()
    assert tbl.rows[1].texts == ["12", "控煤", "市发改委", "2024-06-30", "0.3", "35%", "35.5"]
    assert tbl.rows[2].texts == ["13", "控车", "市公安局", "2025-12-31", "1", "", ""]


def test_xlsx_writer_keeps_text_as_text(tmp_path: Path) -> None:
    table = Table(
        rows=(
            Row(cells=(Cell("序号", 1), Cell("具体内容", 1), Cell("责任单位", 1)), line=1),
            Row(cells=(Cell("01", 2), Cell("=SUM(A1:A2)", 2), Cell("市生态环境局\x07", 2)), line=2),
        ),
        line=1,
    )
    out = tmp_path / "text.xlsx"
    write_xlsx(Document(name="t", blocks=(table,)), out)
    assert read_document(out).tables()[0].rows[1].texts == ["01", "=SUM(A1:A2)", "市生态环境局"]


def test_writing_into_a_missing_folder_names_the_file(tmp_path: Path) -> None:
    doc = Document(name="t", blocks=(Paragraph("标题", 1),))
    for target, write in ((tmp_path / "nope" / "a.docx", write_docx), (tmp_path / "nope" / "a.xlsx", write_xlsx)):
        with pytest.raises(LantianError) as err:
            write(doc, target)
        assert str(target) in str(err.value) and "无法写入文件" in str(err.value)


# --------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.docx", bytes(range(256)) * 8),
        ("x.xlsx", bytes(range(256)) * 8),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),  # a .doc renamed
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),  # a .xls renamed
    ],
)
def test_random_bytes_are_an_input_error_naming_the_file(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_document(path)
    assert name in str(err.value) and "不是有效的" in str(err.value)
    assert err.value.file == str(path)


def test_a_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a word document")
    with pytest.raises(InputError, match=r"x\.docx"):
        read_document(path)
    # a workbook renamed to .docx, and a Word document renamed to .xlsx
    book = tmp_path / "book.docx"
    wb = Workbook()
    wb.active.append(["序号"])
    wb.save(book)
    with pytest.raises(InputError, match=r"book\.docx"):
        read_document(book)
    word = tmp_path / "word.xlsx"
    docx.Document().save(str(word))
    with pytest.raises(InputError, match=r"word\.xlsx"):
        read_document(word)


def test_an_empty_workbook(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    wb = Workbook()
    wb.create_sheet("第二页")
    wb.save(path)
    with pytest.raises(EmptyInputError) as err:
        read_document(path)
    assert "empty.xlsx" in str(err.value)


def test_a_docx_without_a_table_is_a_structure_error(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("关于召开大气污染防治工作会议的通知")
    d.add_paragraph("各有关单位：")
    d.add_paragraph("请准时参加。")
    path = tmp_path / "notice.docx"
    d.save(str(path))
    with pytest.raises(StructureError) as err:
        parse_plan(read_document(path))
    assert "notice.docx" in str(err.value)


def test_a_docx_task_table_without_a_duty_column(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("重点工作任务分解表")
    d.add_paragraph("苏气办〔2024〕3号")
    t = d.add_table(rows=2, cols=3)
    for cell, text in zip(t.rows[0].cells, ["序号", "重点工作任务", "具体内容"], strict=True):
        cell.text = text
    for cell, text in zip(t.rows[1].cells, ["1", "产业结构", "淘汰落后产能"], strict=True):
        cell.text = text
    path = tmp_path / "no_duty.docx"
    d.save(str(path))
    with pytest.raises(StructureError) as err:
        parse_plan(read_document(path))
    assert err.value.field == "责任分工" and err.value.line == 3
    assert str(err.value).startswith(f"{path}:3: 责任分工: ")


def test_docx_vertical_continuation_cell_is_empty_even_with_stale_text(tmp_path: Path) -> None:
    """Word hides whatever a ``vMerge`` continuation cell still holds; so does the reader."""

    def tc(text: str, merge: str | None = None) -> str:
        props = "" if merge is None else f"<w:tcPr>{merge}</w:tcPr>"
        return f"<w:tc>{props}<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"

    span, restart, cont, cont2 = (
        '<w:gridSpan w:val="2"/>',
        '<w:vMerge w:val="restart"/>',
        "<w:vMerge/>",
        '<w:vMerge w:val="continue"/>',
    )
    xml = (
        "<w:tbl>"
        f"<w:tr>{tc('序号')}{tc('重点工作任务')}{tc('责任分工', span)}</w:tr>"
        f"<w:tr>{tc('1')}{tc('控煤', restart)}{tc('压减煤炭')}{tc('市发改委牵头')}</w:tr>"
        f"<w:tr>{tc('2')}{tc('旧文字', cont)}{tc('清洁取暖')}{tc('市住建局牵头')}</w:tr>"
        f"<w:tr>{tc('3')}{tc('旧文字', cont2)}{tc('散煤治理')}{tc('市市场监管局牵头')}</w:tr>"
        "</w:tbl>"
    )
    path = tmp_path / "vmerge.docx"
    _body_xml(xml).save(str(path))
    (tbl,) = read_document(path).tables()
    assert [r.texts[:2] for r in tbl.rows] == [["序号", "重点工作任务"], ["1", "控煤"], ["2", ""], ["3", ""]]
    assert len(tbl.rows[0].cells) == 3 and [r.line for r in tbl.rows] == [1, 2, 3, 4]
