"""Reduction-list sheets (减排清单) are read by their header names: a value under no header (a row whose
cells are shifted) and two columns for the same field are refused with the sheet, line and column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from lantian.domain.aq.csvrows import csv_rows
from lantian.errors import StructureError
from tests.helpers import run


@pytest.fixture
def template(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    path = tmp_path / "清单模板.xlsx"
    code, _, err = run(capsys, "reduction-list", "template", "-o", str(path))
    assert code == 0, err
    return path


def test_a_row_shifted_under_no_header_is_refused(
    capsys: pytest.CaptureFixture[str], template: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(template)
    sheet = book["企业"]
    last = sheet.max_column  # VOCs排放量(t/a), the last titled column
    sheet.cell(3, last + 1, sheet.cell(3, last).value)  # row 3's VOCs moved one column right
    sheet.cell(3, last, None)  # before, read as a blank VOCs (0 t/a) without a word
    shifted = tmp_path / "错位.xlsx"
    book.save(shifted)
    code, _, err = run(capsys, "reduction-list", "check", str(shifted))
    letter = openpyxl.utils.get_column_letter(last + 1)
    assert code == 2 and f"{shifted}!企业:3: {letter}列" in err and "没有表头" in err and "Traceback" not in err


def test_two_columns_for_the_same_field_are_refused(
    capsys: pytest.CaptureFixture[str], template: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(template)
    sheet = book["企业"]
    extra = sheet.max_column + 1
    sheet.cell(1, extra, "SO2(t/a)")  # a second SO2 column: which one is the list's? (before: the first, silently)
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, extra, 1.0)
    doubled = tmp_path / "重复列.xlsx"
    book.save(doubled)
    code, _, err = run(capsys, "reduction-list", "check", str(doubled))
    assert code == 2 and f"{doubled}!企业:1: SO2(t/a)" in err and "同一项" in err and "SO2排放量(t/a)" in err


def test_the_csv_lists_get_the_same_checks() -> None:
    header = {"编码": "code", "code": "code", "名称": "name"}
    _, rows = csv_rows("编码,名称\nA,甲\nB,乙,多出\n", name="l.csv", header=header, required=("code",), what="list")
    with pytest.raises(StructureError, match="第3列") as caught:
        list(rows)
    assert (caught.value.line, caught.value.field) == (3, "第3列")
    with pytest.raises(StructureError, match="同一项") as caught:
        csv_rows("编码,名称,code\nA,甲,A\n", name="l.csv", header=header, required=("code",), what="list")
    assert (caught.value.line, caught.value.field) == (1, "code")
    _, rows = csv_rows("编码,名称,\nA,甲,\n", name="l.csv", header=header, required=("code",), what="list")
    assert list(rows) == [(2, {"code": "A", "name": "甲"})]  # an empty untitled column is fine
