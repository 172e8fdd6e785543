"""Size limits (上限): zip bombs, member counts, a plan's text and its longest line, the settings."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook

from lantian.config import LIMIT_VARIABLES, MIB, Limits, Settings
from lantian.documents.limits import check_package
from lantian.documents.read import read_document, read_text_bytes
from lantian.documents.tables import open_workbook
from lantian.errors import ConfigError, InputError, LimitError

SMALL = Limits(unpacked_bytes=2 * MIB, zip_members=50, zip_ratio=100, plan_chars=10_000, line_chars=500)
ZEROS = b"\0" * MIB


def write_bomb(path: Path, unpacked_mb: int, *, members: int = 0) -> Path:
    """A ``.docx``-shaped zip whose ``word/document.xml`` unpacks to ``unpacked_mb`` MiB of zeros,
    written in a stream (the test holds 1 MiB at a time), plus ``members`` tiny extra members."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(ZEROS)
        for n in range(members):
            package.writestr(f"word/media/{n}.xml", "x")
    return path


def write_big_bomb(path: Path, unpacked_mb: int) -> Path:
    """The same bomb, fast at any size: one MiB of zeros is deflated once into a self-contained
    block (full flush) that is repeated ``unpacked_mb`` times; the zip's records are written by
    hand (a valid package: its CRC and sizes are right, below 4 GiB no zip64 is needed)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(ZEROS) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(unpacked_mb):
        crc = zlib.crc32(ZEROS, crc)
    name, size, packed = b"word/document.xml", unpacked_mb * MIB, len(block) * unpacked_mb + len(tail)
    fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, packed, size)  # version … sizes
    with path.open("wb") as f:
        f.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name)
        for _ in range(unpacked_mb):
            f.write(block)
        f.write(tail)
        directory = f.tell()
        f.write(b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, 0))
        f.write(name)
        end = f.tell()
        f.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, end - directory, directory, 0))
    return path


def real_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


# ------------------------------------------------------------------------------ settings
def test_limits_come_from_the_environment_and_default_generously() -> None:
    assert Settings.load("x", env={}).limits == Limits()
    assert Limits().upload_bytes >= 20 * MIB and Limits().plan_chars >= 1_000_000
    env = {"LANTIAN_MAX_UPLOAD_MB": "3", "LANTIAN_MAX_PLAN_CHARS": "1000", "LANTIAN_MAX_ZIP_MEMBERS": " 7 "}
    limits = Settings.load("x", env=env).limits
    assert (limits.upload_bytes, limits.plan_chars, limits.zip_members) == (3 * MIB, 1000, 7)
    assert limits.unpacked_bytes == Limits().unpacked_bytes


def test_every_limit_is_documented_with_its_default() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "settings.md").read_text(encoding="utf-8")
    defaults = Limits()
    for variable, (name, unit) in LIMIT_VARIABLES.items():
        row = next((r for r in doc.splitlines() if f"`{variable}`" in r), None)
        assert row is not None, f"{variable} is not in docs/settings.md"
        assert f"| {getattr(defaults, name) // unit} |" in row, f"{variable}: the default in docs/settings.md"


@pytest.mark.parametrize("value", ["lots", "0", "-5", "1.5"])
def test_a_bad_limit_is_a_config_error_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Limits.load({"LANTIAN_MAX_UNPACKED_MB": value})
    assert caught.value.field == "LANTIAN_MAX_UNPACKED_MB"
    assert value in str(caught.value)


# ------------------------------------------------------------------------------ zip packages
def test_a_zip_bomb_is_refused_from_its_directory_naming_the_limit(tmp_path: Path) -> None:
    bomb = write_bomb(tmp_path / "bomb.docx", 3)  # 3 MiB of zeros packed into a few KiB
    assert bomb.stat().st_size < 64 * 1024
    with pytest.raises(LimitError) as caught:
        read_document(bomb, limits=SMALL)
    text = str(caught.value)
    assert text.startswith("bomb.docx: ") or str(bomb) in text
    assert "解压后大小超过上限 2 MB (LANTIAN_MAX_UNPACKED_MB)" in text
    assert caught.value.exit_code == 2


def test_a_member_packed_beyond_the_ratio_is_refused(tmp_path: Path) -> None:
    bomb = write_bomb(tmp_path / "bomb.docx", 2)  # 2 MiB: within the unpacked limit below
    pattern = r"word/document.xml 的压缩比 [\d,]+:1，超过上限 100 \(LANTIAN_MAX_ZIP_RATIO\)"
    with pytest.raises(LimitError, match=pattern):
        check_package(bomb, name="bomb.docx", limits=Limits(zip_ratio=100))
    check_package(bomb, name="bomb.docx", limits=Limits(zip_ratio=10_000))  # a looser ratio lets it by


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    package = write_bomb(tmp_path / "many.xlsx", 0, members=60)
    with pytest.raises(LimitError, match=r"压缩包成员 62 个，超过上限 50 \(LANTIAN_MAX_ZIP_MEMBERS\)"):
        check_package(package.read_bytes(), name="many.xlsx", limits=SMALL)


def test_workbooks_read_by_calamine_are_checked_too(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in range(200):
        sheet.append([row, "某企业", "停产"])
    path = tmp_path / "清单.xlsx"
    book.save(path)
    assert open_workbook(path, SMALL).sheet_names  # a real workbook is within the limits
    with pytest.raises(LimitError, match="LANTIAN_MAX_ZIP_MEMBERS"):
        open_workbook(path, Limits(zip_members=3))
    bomb = write_bomb(tmp_path / "bomb.xlsx", 3)
    with pytest.raises(LimitError, match="LANTIAN_MAX_UNPACKED_MB"):
        open_workbook(bomb, SMALL)


def test_a_file_larger_than_the_unpacked_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.docx"
    path.write_bytes(b"PK" + os.urandom(3 * MIB))
    with pytest.raises(LimitError, match="LANTIAN_MAX_UNPACKED_MB"):
        read_document(path, limits=SMALL)


def test_a_damaged_zip_is_still_an_input_error(tmp_path: Path) -> None:
    data = real_docx(tmp_path / "plan.docx", ["一、总体要求"]).read_bytes()
    with pytest.raises(InputError) as caught:
        check_package(data[:-30], name="plan.docx", limits=SMALL)
    assert not isinstance(caught.value, LimitError)


# ------------------------------------------------------------------------------ plan text
def test_a_long_line_is_refused_with_its_line_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("苏州市2024年大气污染防治工作计划\n一、总体要求\n" + "很长" * 300 + "\n", encoding="utf-8")
    with pytest.raises(LimitError) as caught:
        read_document(path, limits=SMALL)
    assert caught.value.line == 3
    assert "单行长度超过上限 500 (LANTIAN_MAX_LINE_CHARS)" in str(caught.value)
    assert str(caught.value).startswith(f"{path}:3: ")


def test_a_long_text_is_refused_naming_the_limit() -> None:
    text = ("一、重点任务\n" * 2000).encode("utf-8")
    with pytest.raises(LimitError, match=r"计划文本 14,000 字符，超过上限 10,000 \(LANTIAN_MAX_PLAN_CHARS\)"):
        read_text_bytes(text, name="plan.txt", limits=SMALL)
    assert read_text_bytes(text, name="plan.txt", limits=Limits()).blocks  # the default lets it by


def test_a_90_mb_line_is_refused_by_default_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    with path.open("wb") as f:  # a sparse file: 90 MB on paper, nothing on disk
        f.truncate(90 * 1000 * 1000)
    with pytest.raises(LimitError, match="LANTIAN_MAX_PLAN_CHARS"):
        read_document(path)


def test_docx_paragraphs_and_text_are_held_to_the_same_limits(tmp_path: Path) -> None:
    path = real_docx(tmp_path / "plan.docx", ["一、总体要求", "甲" * 600])
    with pytest.raises(LimitError) as caught:
        read_document(path, limits=SMALL)
    assert caught.value.line == 2 and "LANTIAN_MAX_LINE_CHARS" in str(caught.value)
    path = real_docx(tmp_path / "long.docx", ["乙" * 400] * 30)
    with pytest.raises(LimitError, match="LANTIAN_MAX_PLAN_CHARS"):
        read_document(path, limits=SMALL)
    assert read_document(path, limits=Limits()).blocks


# ------------------------------------------------------------------------------ memory
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(done.returncode, peak_kib, repr(done.stderr), sep="\\n")
"""


def test_refusing_a_1_5_gb_docx_bomb_stays_under_200_mb(tmp_path: Path) -> None:
    """The issue's bomb (a 1.5 MB .docx whose document.xml unpacks to 1.5 GB) through the command
    line with the default limits: exit 2 naming the limit, no traceback, peak memory ≤ 200 MB."""
    bomb = write_big_bomb(tmp_path / "bomb.docx", 1500)
    assert bomb.stat().st_size < 2 * MIB
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_MAX_")}
    env["LANTIAN_DATA_DIR"] = str(tmp_path / "data")
    cli = [sys.executable, "-m", "lantian", "plans", "import", str(bomb)]
    out = subprocess.run([sys.executable, "-c", MEASURE, *cli], capture_output=True, text=True, env=env, check=True)
    status, peak_kib, stderr = out.stdout.splitlines()
    assert status == "2", stderr
    assert "解压后大小超过上限 256 MB (LANTIAN_MAX_UNPACKED_MB)" in stderr and "Traceback" not in stderr
    assert int(peak_kib) <= 200 * 1024, f"peak {int(peak_kib) / 1024:.0f} MiB"
    print(f"peak RSS refusing the 1.5 GB bomb: {int(peak_kib) / 1024:.1f} MiB")


def test_the_bomb_check_reads_no_member(tmp_path: Path) -> None:
    """The member count comes from the end record: a package claiming 65,000 members is refused
    before its directory is loaded (here it holds one: the directory is never read)."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as package:
        package.writestr("a.xml", "x")
    raw = bytearray(data.getvalue())
    end = raw.rindex(b"PK\x05\x06")
    raw[end + 8 : end + 12] = (65_000).to_bytes(2, "little") * 2  # entries on this disk, entries in all
    with pytest.raises(LimitError, match="65,000 个"):
        check_package(bytes(raw), name="many.docx", limits=SMALL)
