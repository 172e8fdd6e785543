"""Settings (配置): where the data folder is and which database holds the records.

Precedence: explicit argument > environment (``LANTIAN_DATA_DIR``, ``LANTIAN_DATABASE_URL``) >
defaults (``./lantian-data`` and a SQLite file ``lantian.db`` inside it).
Nothing here touches the disk; :func:`Settings.ensure_dirs` does, when a command needs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "lantian-data"
ENV_DATA_DIR = "LANTIAN_DATA_DIR"
ENV_DATABASE_URL = "LANTIAN_DATABASE_URL"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str

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
        return cls(data_dir=folder, database_url=url)

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
