"""Settings (配置): where the data folder is, which database holds the records, and the limits.

Precedence: explicit argument > environment (``LANTIAN_DATA_DIR``, ``LANTIAN_DATABASE_URL``) >
defaults (``./lantian-data`` and a SQLite file ``lantian.db`` inside it). The accepted dates of
monitoring data (监测数据时间范围, ``LANTIAN_AQ_EARLIEST`` / ``LANTIAN_AQ_LATEST``) come from the
environment only: 2000-01-01 … tomorrow (Beijing time) unless set.
Nothing here touches the disk; :func:`Settings.ensure_dirs` does, when a command needs it.

Limits (上限, :class:`Limits`): how large an uploaded file, an unpacked ``.docx``/``.xlsx`` and a
plan's text may be; each from its ``LANTIAN_MAX_*`` environment variable, else the default.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lantian.errors import ConfigError

DEFAULT_DATA_DIR = "lantian-data"
ENV_DATA_DIR = "LANTIAN_DATA_DIR"
ENV_DATABASE_URL = "LANTIAN_DATABASE_URL"
ENV_AQ_EARLIEST = "LANTIAN_AQ_EARLIEST"
ENV_AQ_LATEST = "LANTIAN_AQ_LATEST"
ENV_OFFICE_PLACE = "LANTIAN_OFFICE_PLACE"  # 本平台所属辖区: whose public page this is
# hourly data before this date are quarantined: the national network's automatic stations publish
# from 2013, older research series reach back to the early 2000s; year 0001 is a broken time
DEFAULT_AQ_EARLIEST = dt.date(2000, 1, 1)


MIB = 1024 * 1024
# environment variable → (Limits field, its unit: MiB or 1)
LIMIT_VARIABLES: dict[str, tuple[str, int]] = {
    "LANTIAN_MAX_UPLOAD_MB": ("upload_bytes", MIB),
    "LANTIAN_MAX_UNPACKED_MB": ("unpacked_bytes", MIB),
    "LANTIAN_MAX_ZIP_MEMBERS": ("zip_members", 1),
    "LANTIAN_MAX_ZIP_RATIO": ("zip_ratio", 1),
    "LANTIAN_MAX_PLAN_CHARS": ("plan_chars", 1),
    "LANTIAN_MAX_LINE_CHARS": ("line_chars", 1),
    "LANTIAN_MAX_REPORT_PHOTOS": ("report_photos", 1),
    "LANTIAN_MAX_REPORT_PHOTO_MB": ("report_photo_bytes", MIB),
    "LANTIAN_MAX_REPORTS_PER_HOUR": ("reports_per_hour", 1),
}


@dataclass(frozen=True)
class Limits:
    """Size limits (大小上限) on what users hand in; every refusal names the limit and its variable.

    - ``upload_bytes``: one web request's files together (上传大小), refused while it streams in;
    - ``unpacked_bytes`` / ``zip_members`` / ``zip_ratio``: a ``.docx``/``.xlsx`` package's members
      unpacked, their number, and one member's unpacked-to-packed ratio (解压后大小、成员数、压缩比),
      checked in the zip's directory before any member is opened;
    - ``plan_chars`` / ``line_chars``: the characters of one plan's text and of its longest line
      (计划文本长度、单行长度), checked before the plan is parsed;
    - ``report_photos`` / ``report_photo_bytes`` / ``reports_per_hour``: a public complaint's
      photos, one photo's size, and the complaints one client address may file in an hour
      (举报照片数、单张照片大小、每小时举报次数).
    """

    upload_bytes: int = 50 * MIB
    unpacked_bytes: int = 256 * MIB
    zip_members: int = 2000
    zip_ratio: int = 500
    plan_chars: int = 5_000_000
    line_chars: int = 100_000
    report_photos: int = 3
    report_photo_bytes: int = 5 * MIB
    reports_per_hour: int = 5

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> Limits:
        """The limits from the environment (``LANTIAN_MAX_*``), else the defaults; a bad value is a
        :class:`~lantian.errors.ConfigError` naming the variable."""
        environ = os.environ if env is None else env
        values: dict[str, int] = {}
        for variable, (name, unit) in LIMIT_VARIABLES.items():
            raw = environ.get(variable, "").strip()
            if not raw:
                continue
            try:
                number = int(raw)
            except ValueError:
                number = 0
            if number <= 0:
                raise ConfigError(
                    f"must be a whole number above 0, not {raw!r} (须为正整数，不能是 {raw})", field=variable
                )
            values[name] = number * unit
        return cls(**values)

    @staticmethod
    def describe(name: str, value: int) -> str:
        """``"50 MB (LANTIAN_MAX_UPLOAD_MB)"``: a limit as a person sets it."""
        variable, unit = next((v, u) for v, (n, u) in LIMIT_VARIABLES.items() if n == name)
        shown = f"{value // unit} MB" if unit == MIB and value % unit == 0 else f"{value:,}"
        return f"{shown} ({variable})"


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}={raw!r} 应为 1 或 0 (true or false)", field=name)


def _whole(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name}={raw!r} 应为 {low}–{high} 的整数 (a whole number from {low} to {high})", field=name)
    return int(raw)


@dataclass(frozen=True)
class NotifySettings:
    """Notifications (通知, docs/notifications.md), from ``LANTIAN_SMTP_*`` and ``LANTIAN_NOTIFY_*``.
    Nothing is mailed unless ``LANTIAN_SMTP_HOST`` is set; nothing is posted to a robot unless one
    is added (``lantian notify webhook add``)."""

    smtp_host: str = ""  # LANTIAN_SMTP_HOST ("" : no e-mail)
    smtp_port: int = 25  # LANTIAN_SMTP_PORT (25; 587 with STARTTLS, 465 with SSL, unless set)
    smtp_user: str = ""  # LANTIAN_SMTP_USER ("" : no login)
    smtp_password: str = ""  # LANTIAN_SMTP_PASSWORD
    smtp_starttls: bool = False  # LANTIAN_SMTP_STARTTLS
    smtp_ssl: bool = False  # LANTIAN_SMTP_SSL (SMTP over TLS from the start)
    smtp_from: str = ""  # LANTIAN_SMTP_FROM (the sender, 发件人)
    remind_days: tuple[int, ...] = (7, 3, 1)  # LANTIAN_NOTIFY_REMIND_DAYS: days before a due date
    digest_hour: int = 8  # LANTIAN_NOTIFY_DIGEST_HOUR: the daily digest from this hour (Beijing); -1: none
    max_attempts: int = 5  # LANTIAN_NOTIFY_MAX_ATTEMPTS: then a delivery is given up (发送失败)
    retry_seconds: int = 60  # LANTIAN_NOTIFY_RETRY_SECONDS: the first wait; doubled after each failure
    interval: int = 60  # LANTIAN_NOTIFY_INTERVAL: seconds between runs inside `lantian serve`; 0: none
    timeout: int = 10  # LANTIAN_NOTIFY_TIMEOUT: seconds to wait for a mail server or a robot
    base_url: str = ""  # LANTIAN_BASE_URL: the site's address, for links in e-mail and robots

    @property
    def email(self) -> bool:
        """E-mail is configured."""
        return bool(self.smtp_host)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> NotifySettings:
        environ = os.environ if env is None else env
        host = environ.get("LANTIAN_SMTP_HOST", "").strip()
        starttls, ssl = _flag(environ, "LANTIAN_SMTP_STARTTLS"), _flag(environ, "LANTIAN_SMTP_SSL")
        if starttls and ssl:
            raise ConfigError("LANTIAN_SMTP_STARTTLS 与 LANTIAN_SMTP_SSL 只能选一 (one or the other)",
                              field="LANTIAN_SMTP_SSL")  # fmt: skip
        port = _whole(environ, "LANTIAN_SMTP_PORT", 465 if ssl else 587 if starttls else 25, 1, 65535)
        sender = environ.get("LANTIAN_SMTP_FROM", "").strip()
        if host and "@" not in sender:
            raise ConfigError("设置 LANTIAN_SMTP_HOST 时须设发件人 LANTIAN_SMTP_FROM (an address, lantian@example.org)",
                              field="LANTIAN_SMTP_FROM")  # fmt: skip
        raw_days = environ.get("LANTIAN_NOTIFY_REMIND_DAYS", "7,3,1")
        days = []
        for part in raw_days.replace("，", ",").split(","):
            if part.strip():
                if not part.strip().isdigit() or int(part) > 60:
                    raise ConfigError(f"LANTIAN_NOTIFY_REMIND_DAYS={raw_days!r} 应为 0–60 的整数，以逗号分隔 (7,3,1)",
                                      field="LANTIAN_NOTIFY_REMIND_DAYS")  # fmt: skip
                days.append(int(part))
        return cls(
            smtp_host=host,
            smtp_port=port,
            smtp_user=environ.get("LANTIAN_SMTP_USER", "").strip(),
            smtp_password=environ.get("LANTIAN_SMTP_PASSWORD", ""),
            smtp_starttls=starttls,
            smtp_ssl=ssl,
            smtp_from=sender,
            remind_days=tuple(sorted(set(days), reverse=True)),
            digest_hour=_whole(environ, "LANTIAN_NOTIFY_DIGEST_HOUR", 8, -1, 23),
            max_attempts=_whole(environ, "LANTIAN_NOTIFY_MAX_ATTEMPTS", 5, 1, 50),
            retry_seconds=_whole(environ, "LANTIAN_NOTIFY_RETRY_SECONDS", 60, 1, 86400),
            interval=_whole(environ, "LANTIAN_NOTIFY_INTERVAL", 60, 0, 86400),
            timeout=_whole(environ, "LANTIAN_NOTIFY_TIMEOUT", 10, 1, 300),
            base_url=environ.get("LANTIAN_BASE_URL", "").strip().rstrip("/"),
        )


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    limits: Limits = field(default_factory=Limits)
    aq_earliest: dt.date = DEFAULT_AQ_EARLIEST
    aq_latest: dt.date | None = None  # None: tomorrow in Beijing time, when data are read
    # 本平台所属辖区 (LANTIAN_OFFICE_PLACE): the office whose public page this is and where public
    # complaints go; None: read ``office.toml`` in the data folder when the app opens (bootstrap)
    office_place: str | None = None
    notify: NotifySettings = field(default_factory=NotifySettings)  # 通知: docs/notifications.md

    @classmethod
    def load(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        env: Mapping[str, str] | None = None,
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
        office = environ.get(ENV_OFFICE_PLACE, "").strip() or None
        return cls(data_dir=folder, database_url=url, limits=Limits.load(environ), aq_earliest=earliest,
                   aq_latest=latest, office_place=office, notify=NotifySettings.load(environ))  # fmt: skip

    @property
    def departments_file(self) -> Path:
        """The user's own department dictionary (部门名称词典), merged over the shipped one."""
        return self.data_dir / "departments.toml"

    @property
    def workflow_file(self) -> Path:
        """The office's rules for the monthly round (调度规则: grace_days, clause_reporters), if any."""
        return self.data_dir / "workflow.toml"

    @property
    def office_file(self) -> Path:
        """The office's own settings (本平台所属辖区: ``place = "苏州市"``), if any."""
        return self.data_dir / "office.toml"

    @property
    def places_file(self) -> Path:
        """The office's own place directory (辖区目录: ``lantian places import``), merged over the
        shipped one (docs/places.md)."""
        return self.data_dir / "places.csv"

    @property
    def rules_file(self) -> Path:
        """The office's accountability rules (考核问责规则: flags, ladders, compensation, scorecard
        weights), if any; else the defaults lantian ships (docs/accountability.md)."""
        return self.data_dir / "accountability.toml"

    @property
    def public_key_file(self) -> Path:
        """The secret that signs the public complaint form and keys client addresses (created on first use)."""
        return self.data_dir / "public.key"

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
