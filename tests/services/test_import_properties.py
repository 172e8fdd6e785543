"""Property tests of the plan importer: whatever text or bytes it is fed (plan-like fragments,
stray control characters, long lines, foreign encodings, damaged .docx/.xlsx packages), it either
imports a plan (with its flags) or refuses with a clear input error (exit status 2) naming the
file: never an internal error."""

from __future__ import annotations

import dataclasses
import io
import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from lantian.bootstrap import App
from lantian.config import Limits, Settings
from lantian.errors import InputError, LantianError, LimitError

LIMITS = Limits(plan_chars=20_000, line_chars=1_000, unpacked_bytes=4 * 1024 * 1024, zip_members=200)
FRAGMENTS = [
    "苏州市2024年大气污染防治工作计划",
    "苏气办〔2023〕16号",
    "一、总体要求",
    "（一）深化工业源治理",
    "1. **推进燃煤锅炉整治**。",
    "牵头单位：市生态环境局；配合单位：市发展改革委、市工业和信息化局",
    "责任单位：各县（市、区）人民政府",
    "2024年6月底前完成",
    "PM2.5浓度下降到35微克/立方米以下，优良天数比率达到80%",
    "附件1",
    "\t序号\t重点工作任务\t牵头单位",
    "\t1\t推进燃煤锅炉整治\t市生态环境局",
    "\t",
    "",
    "**",
    "\x00",
    "\x1b[0m",
    "\r",
    "\ufeff",
    "\u202e",
    "长" * 1_200,  # over the line limit
]
counter = itertools.count()


@pytest.fixture(scope="module")
def lantian(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    folder = tmp_path_factory.mktemp("fuzz")
    app = App.open(dataclasses.replace(Settings.load(folder / "data", env={}), limits=LIMITS))
    yield app
    app.close()


def import_once(app: App, folder: Path, name: str, data: bytes) -> None:
    """Import ``data`` as a file called ``name``: a plan, or a clear refusal; nothing else."""
    path = folder / f"{next(counter)}-{name}"
    path.write_bytes(data)
    try:
        report = app.plans.import_files([path])
    except LantianError as exc:
        assert isinstance(exc, InputError), f"{type(exc).__name__}: {exc}"
        assert exc.exit_code == 2
        assert exc.file is not None and exc.file.endswith(name), str(exc)
        assert "Traceback" not in str(exc)
        if isinstance(exc, LimitError):
            assert "LANTIAN_MAX_" in exc.message
        event(f"refused: {exc.code}")
        return
    (outcome,) = report.outcomes
    assert outcome.status in ("created", "revised", "unchanged")
    assert outcome.tasks >= 0 and outcome.flags >= 0
    event(f"imported: {'with' if outcome.flags else 'without'} flags")


PLAN_LIKE = FRAGMENTS[:13]  # the fragments a real plan has
line = st.one_of(
    st.sampled_from(PLAN_LIKE),
    st.sampled_from(PLAN_LIKE),
    st.sampled_from(FRAGMENTS),
    st.text(max_size=40),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join),
)
# a plan-like start (title, a heading, a task) under generated lines, or generated lines alone
plan_text = st.tuples(st.sampled_from(["", "\n".join(PLAN_LIKE[:6]) + "\n"]), st.lists(line, max_size=40)).map(
    lambda parts: parts[0] + "\n".join(parts[1])
)
encoding = st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=plan_text, enc=encoding, cut=st.sampled_from([0, 0, 0, 1, 2, 5]))
def test_any_plan_text_imports_or_is_refused_clearly(lantian: App, tmp_path: Path, text: str, enc: str,
                                                     cut: int) -> None:  # fmt: skip
    data = text.encode(enc, errors="replace")
    import_once(lantian, tmp_path, "计划.txt", data[: len(data) - cut] if cut else data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2_000))
def test_any_bytes_named_as_a_plan_are_refused_clearly(lantian: App, tmp_path: Path, data: bytes) -> None:
    for name in ("计划.txt", "计划.docx", "计划.xlsx"):
        import_once(lantian, tmp_path, name, data)


def _docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["序号", "重点工作任务", "牵头单位"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["1", "推进燃煤锅炉整治", "市生态环境局"], strict=True):
        cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "重点工作任务", "牵头单位", "完成时限"])
    sheet.append([1, "推进燃煤锅炉整治", "市生态环境局", "2024年12月底前"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace_member(package: bytes, member: str, content: bytes) -> bytes:
    """The package with one member's content replaced (the others copied as they were)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == member else source.read(info))
    return out.getvalue()


DOCX = _docx(["苏州市2024年大气污染防治工作计划", "一、总体要求"])
XLSX = _xlsx()
xml_noise = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(["<w:p>", "</w:p>", "<w:t>", "甲", "<x:", "&amp;", "&#0;", "]]>", "<?xml"]))
    .map("".join)
    .map(str.encode),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["docx", "xlsx"]),
    how=st.sampled_from(["truncate", "flip", "member"]),
    at=st.integers(min_value=0, max_value=10**6),
    noise=xml_noise,
)
def test_damaged_packages_import_or_are_refused_clearly(lantian: App, tmp_path: Path, kind: str, how: str,
                                                        at: int, noise: bytes) -> None:  # fmt: skip
    package = DOCX if kind == "docx" else XLSX
    if how == "truncate":
        data = package[: at % len(package)]
    elif how == "flip":
        i = at % len(package)
        data = package[:i] + bytes([package[i] ^ 0xFF]) + package[i + 1 :]
    else:
        with zipfile.ZipFile(io.BytesIO(package)) as source:
            names = source.namelist()
        data = _replace_member(package, names[at % len(names)], noise)
    import_once(lantian, tmp_path, f"计划.{kind}", data)
