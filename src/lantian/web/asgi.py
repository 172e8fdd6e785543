"""The ASGI entry for several worker processes (``lantian serve --workers N``, or any ASGI server):
settings come from ``LANTIAN_DATA_DIR`` and ``LANTIAN_DATABASE_URL``."""

from __future__ import annotations

from lantian.config import Settings
from lantian.web.app import create_app

app = create_app(Settings.load())
