"""Downloads (下载): an ``.xlsx`` answer with its Chinese file name, and the uploads of a reduction-list
check kept for an hour so that the report shown can be downloaded without choosing the files again.

- ``Content-Disposition: attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>``
  (RFC 6266 / RFC 5987): browsers use the Chinese name, older clients the ASCII one.
- A check's uploads go to ``<data-dir>/downloads/<token>/`` with the name of the user who checked;
  only that user downloads its report, for :data:`KEEP` after the check. Each new check removes the
  folders older than that (a server with several workers shares the data folder, as for evidence).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
from pathlib import Path, PurePath
from urllib.parse import quote

from fastapi import Response

from lantian.bootstrap import App
from lantian.domain.tracking.model import User
from lantian.errors import NotFoundError
from lantian.web.views import Upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KEEP = dt.timedelta(hours=1)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
PARTS = ("file", "registry", "permits")  # the check form's uploads


def attachment(filename: str, fallback: str) -> str:
    """The Content-Disposition of a download named ``filename`` (Chinese kept, RFC 5987)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", fallback) or "download"
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(content: bytes, filename: str, fallback: str) -> Response:
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": attachment(filename, fallback), "Cache-Control": "private, no-store"},
    )


def _root(app: App) -> Path:
    return app.settings.data_dir / "downloads"


def _sweep(root: Path, now: dt.datetime) -> None:
    for folder in root.iterdir() if root.is_dir() else ():
        try:
            made = dt.datetime.fromisoformat(json.loads((folder / "meta.json").read_text("utf-8"))["at"])
        except (OSError, ValueError, KeyError, TypeError):
            made = dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC)
        if now - made > KEEP:
            shutil.rmtree(folder, ignore_errors=True)


def keep_check(app: App, user: User, jurisdiction: str | None, uploads: dict[str, Upload | None]) -> str:
    """Keep a check's uploads for its download; the token of the download's address."""
    root = _root(app)
    now = dt.datetime.now(dt.UTC)
    _sweep(root, now)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir(parents=True)
    names = {}
    for part, upload in uploads.items():
        if upload is None:
            continue
        name = PurePath(upload[0].replace("\\", "/")).name or part
        (folder / part).mkdir()
        (folder / part / name).write_bytes(upload[1])
        names[part] = name
    meta = {"user": user.username, "at": now.isoformat(), "jurisdiction": jurisdiction, "files": names}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def kept_check(app: App, user: User, token: str) -> tuple[str | None, dict[str, Upload | None]]:
    """The jurisdiction and uploads of a check ``user`` made within :data:`KEEP`."""
    gone = NotFoundError("this report is no longer kept; check the list again (核查报告已过期，请重新核查)")
    folder = _root(app) / token
    if not TOKEN.match(token) or not (folder / "meta.json").is_file():
        raise gone
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    if meta.get("user") != user.username:  # another user's check: as if it did not exist
        raise gone
    if dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(meta["at"]) > KEEP:
        shutil.rmtree(folder, ignore_errors=True)
        raise gone
    uploads: dict[str, Upload | None] = dict.fromkeys(PARTS)
    for part, name in meta.get("files", {}).items():
        if part in PARTS:
            uploads[part] = (name, (folder / part / name).read_bytes())
    return meta.get("jurisdiction"), uploads
