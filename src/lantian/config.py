"""Settings (配置): where the data folder is and which database holds the records.

Precedence: explicit argument > environment (``LANTIAN_DATA_DIR``, ``LANTIAN_DATABASE_URL``) >
defaults (``./lantian-data`` and a SQLite file ``lantian.db`` inside it). The accepted dates of
monitoring data (监测数据时间范围, ``LANTIAN_AQ_EARLIEST`` / ``LANTIAN_AQ_LATEST``) come from the
environment only: 2000-01-01 … tomorrow (Beijing time) unless set.
Nothing here touches the disk; :func:`Settings.ensure_dirs` does, when a command needs it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lantian.errors import ConfigError

DEFAULT_DATA_DIR = "lantian-data"
ENV_DATA_DIR = "LANTIAN_DATA_DIR"
ENV_DATABASE_URL = "LANTIAN_DATABASE_URL"
ENV_AQ_EARLIEST = "LANTIAN_AQ_EARLIEST"
ENV_AQ_LATEST = "LANTIAN_AQ_LATEST"
# hourly data before this date are quarantined: the national network's automatic stations publish
# from 2013, older research series reach back to the early 2000s; year 0001 is a broken time
DEFAULT_AQ_EARLIEST = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    aq_earliest: dt.date = DEFAULT_AQ_EARLIEST
    aq_latest: dt.date | None = None  # None: tomorrow in Beijing time, when data are read

    @classmethod
    def load(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Settings:
        environ = os.environ if env is None else env
        folder = Path(data_dir or environ.get(ENV_DATA_DIR) or DEFAULT_DATA_DIR).expanduser()
        folder = folder.resolve()
        url = database_url or environ.get(ENV_DATABASE_URL) or f"sqlite:///{folder / 'lantian.db'}"
        earliest = _date_setting(environ, ENV_AQ_EARLIEST) or DEFAULT_AQ_EARLIEST
        latest = _date_setting(environ, ENV_AQ_LATEST)
        if latest is not None and latest < earliest:
            raise ConfigError(
                f"{ENV_AQ_LATEST} 早于 {ENV_AQ_EARLIEST}（{latest} < {earliest}）(the window is empty)",
                field=ENV_AQ_LATEST,
            )
        return cls(data_dir=folder, database_url=url, aq_earliest=earliest, aq_latest=latest)

    @property
    def departments_file(self) -> Path:
        """The user's own department dictionary (部门名称词典), merged over the shipped one."""
        return self.data_dir / "departments.toml"

    @property
    def workflow_file(self) -> Path:
        """The office's rules for the monthly round (调度规则: grace_days, clause_reporters), if any."""
        return self.data_dir / "workflow.toml"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


def _date_setting(environ: Mapping[str, str], name: str) -> dt.date | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} 不是日期 YYYY-MM-DD (not a date)", field=name) from None
