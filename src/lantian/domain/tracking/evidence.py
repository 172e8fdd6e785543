"""Evidence files (佐证材料): which files are accepted, checked by size, extension and content.

A file is accepted when its extension is on the list, its first bytes match that type (a renamed
executable is not a PDF), and it is not larger than the limit. Both are settings of the deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from lantian.errors import InputError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # 20 MiB

# extension → (content type, accepted leading bytes; empty = any text)
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
}


@dataclass(frozen=True)
class Checked:
    filename: str
    content_type: str
    size: int


def check(filename: str, head: bytes, size: int, max_bytes: int = DEFAULT_MAX_BYTES) -> Checked:
    """Accept or refuse an upload from its name, its first bytes and its size."""
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if not name:
        raise InputError("the file has no name (文件名为空)", field="file")
    ext = PurePath(name).suffix.lower()
    if ext not in TYPES:
        accepted = " ".join(sorted(TYPES))
        raise InputError(f"{ext or 'untyped'} files are not accepted; accepted: {accepted} "
                         f"(不支持该文件类型，可上传 {accepted})",
                         file=name, field="file")  # fmt: skip
    if size == 0:
        raise InputError("the file is empty (文件为空)", file=name, field="file")
    if size > max_bytes:
        raise InputError(f"{size:,} bytes is over the limit of {max_bytes:,} (文件过大)", file=name, field="file")
    content_type, magics = TYPES[ext]
    if magics and not any(head.startswith(m) for m in magics):
        raise InputError(f"the content is not a {ext} file (文件内容与扩展名不符)", file=name, field="file")
    if not magics and b"\x00" in head:
        raise InputError(f"a {ext} file must be text (文本文件含二进制内容)", file=name, field="file")
    return Checked(name, content_type, size)
