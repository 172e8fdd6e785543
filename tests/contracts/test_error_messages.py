"""Every error a person may see carries its Chinese, in a form the pages can split from the English.

Pages show :func:`lantian.web.i18n.error_text`: the Chinese of a message for a Chinese page, the
English for the English one. That works only when each message is written as ``english (中文)``,
``中文 (english)`` or ``中文; english`` (the splitter, :func:`lantian.web.i18n.split_message`). This
test reads every ``raise …Error("…")`` in src/lantian (an AST scan, so new sites are held to it too)
and checks that the Chinese comes out, without command-line syntax in it, and that every field an
error names has a Chinese label. The CLI's own messages (src/lantian/cli) are printed to a terminal
as written and are left out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian import errors
from lantian.web.i18n import FIELD_LABELS, error_text, has_chinese, split_message

SRC = Path(__file__).resolve().parents[2] / "src" / "lantian"
ERRORS = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, Exception)}
CLI_SYNTAX = re.compile(r"`|(^|\s)--[a-z]|\blantian [a-z]")
HOLE = "0"  # what an f-string's {value} becomes in the sample: neither Chinese nor a word


def _sample(node: ast.expr, constants: dict[str, list[ast.expr]]) -> list[str]:
    """The message(s) ``node`` may build, with every {value} as HOLE; [] when it is built elsewhere."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else HOLE for v in node.values]
        text = "".join(str(p) for p in parts)
        return [text] if re.search(r"[^\W\d_]", text) else []  # only holes: the parts are checked where made
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sample(node.left, constants), _sample(node.right, constants)
        return [a + b for a in left for b in right] if left and right else []
    if isinstance(node, ast.Name):
        return [s for value in constants.get(node.id, []) for s in _sample(value, {})]
    return []


def _sites() -> Iterator[tuple[str, int, str, str | None]]:
    """(module, line, sample message, field) of every error raised with a message written in src/lantian."""
    for path in sorted(SRC.rglob("*.py")):
        if "cli" in path.relative_to(SRC).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants: dict[str, list[ast.expr]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                constants.setdefault(node.targets[0].id, []).append(node.value)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in ERRORS:
                continue
            field = next(
                (k.value.value for k in node.keywords if k.arg == "field" and isinstance(k.value, ast.Constant)), None
            )
            for text in _sample(node.args[0], constants):
                yield f"{path.relative_to(SRC)}", node.lineno, text, field if isinstance(field, str) else None


SITES = list(_sites())


def test_the_scan_finds_the_raise_sites() -> None:
    assert len(SITES) > 250
    assert any("退回须说明理由" in text for _, _, text, _ in SITES)
    assert any("用户名或密码错误" in text for _, _, text, _ in SITES)  # a module constant, followed


def test_every_message_carries_its_chinese() -> None:
    bad = [f"{where}:{line}: {text}" for where, line, text, _ in SITES if split_message(text)[0] is None]
    assert not bad, "write these as 'english (中文)':\n" + "\n".join(bad)


def test_no_command_line_in_the_chinese() -> None:
    """A command or an option is for the terminal; a page says in words what is missing and who gives it."""
    bad = []
    for where, line, text, _ in SITES:
        zh = split_message(text)[0] or ""
        if CLI_SYNTAX.search(zh):
            bad.append(f"{where}:{line}: {zh}")
    assert not bad, "\n".join(bad)


def test_every_named_field_has_a_chinese_label() -> None:
    bad = sorted(
        {f"{where}:{line}: {field}" for where, line, _, field in SITES if field and not has_chinese(field)}
        - {f"{where}:{line}: {field}" for where, line, _, field in SITES if field in FIELD_LABELS}
    )
    # settings are named by their variable, which is what an administrator sets
    bad = [b for b in bad if not b.rsplit(": ", 1)[1].isupper()]
    assert not bad, "add these to lantian.web.i18n.FIELD_LABELS:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("message", "zh", "en"),
    [
        ("a returned report needs a reason (退回须说明理由)", "退回须说明理由", "a returned report needs a reason"),
        ("条数应为整数 (count 'x' is not a number)", "条数应为整数", "count 'x' is not a number"),
        (
            "cannot write the file (无法写入文件): disk full",
            "无法写入文件: disk full",
            "cannot write the file: disk full",
        ),
        (
            "the task table has no 责任分工 (or 牵头单位/责任单位) column (任务表缺少责任分工列)",
            "任务表缺少责任分工列",
            "the task table has no 责任分工 (or 牵头单位/责任单位) column",
        ),
        (
            "仅大气办管理员可导入计划 (only the 大气办 may import plans)",
            "仅大气办管理员可导入计划",
            "only the 大气办 may import plans",
        ),
        ("no 督办 notice 7 (没有该督办)", "没有该督办", "no 督办 notice 7"),
        (
            "上传内容超过上限 2 MB (LANTIAN_MAX_UPLOAD_MB); the upload is larger than that",
            "上传内容超过上限 2 MB (LANTIAN_MAX_UPLOAD_MB)",
            "the upload is larger than that",
        ),
        ("not a time: 'x' (时间应为 YYYY-MM-DD HH:MM)", "时间应为 YYYY-MM-DD HH:MM", "not a time: 'x'"),
        ("该计划已导入", "该计划已导入", "该计划已导入"),
        ("must be a list of strings", None, "must be a list of strings"),
    ],
)
def test_split(message: str, zh: str | None, en: str) -> None:
    assert split_message(message) == (zh, en)


def test_error_text_names_the_field_by_its_label_never_its_key() -> None:
    error = errors.WorkflowError("a returned report needs a reason (退回须说明理由)", field="reason")
    assert error_text(error, "zh") == "退回理由：退回须说明理由"
    assert error_text(error, "en") == "Reason for returning: a returned report needs a reason"
    assert str(error) == "reason: a returned report needs a reason (退回须说明理由)"  # the CLI prints both
    placed = errors.StructureError(
        "the task table has no rows (任务表没有数据行)", file="000.txt", line=12, field="责任分工"
    )
    assert error_text(placed, "zh") == "000.txt 第12行 · 责任分工：任务表没有数据行"
    assert error_text(placed, "en") == "000.txt:12 · 责任分工: the task table has no rows"
    unlabelled = errors.InputError("bad (不对)", field="some_key")
    assert error_text(unlabelled, "zh") == "不对" and "some_key" in error_text(unlabelled, "en")


def _flags() -> Iterator[tuple[str, int, str]]:
    """The messages of the review flags the plan parser and corrections raise (shown on the plans page)."""
    for path in sorted((SRC / "domain" / "plans").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("ReviewFlag", "flag"):
                for text in _sample(node.args[1], {}):
                    yield path.name, node.lineno, text


def test_every_review_flag_carries_its_chinese_without_command_line() -> None:
    flags = list(_flags())
    assert len(flags) > 15
    bad = [
        f"{w}:{n}: {t}"
        for w, n, t in flags
        if not (split_message(t)[0] or "") or CLI_SYNTAX.search(split_message(t)[0] or "")
    ]
    assert not bad, "\n".join(bad)
