"""The monthly bulletin from the browser (月报): generate it for the user's place and a month, download
the .docx, and — the 大气办 — publish it to the public page with a PDF made by LibreOffice.

- Generating takes seconds (the month's figures, the rankings, the targets' probabilities): it runs
  in a background thread, one at a time per server process (:meth:`BulletinService.start`); the page
  shows it working and refreshes until it is done (:meth:`BulletinService.job`).
- A generated bulletin is a draft (草稿) of its user, kept in ``<data>/bulletins/drafts`` until the
  month is generated again; the draft is what the admin read and what is published.
- Publishing keeps the .docx and the PDF under their SHA-256 in ``<data>/bulletins`` and records
  the bulletin (:class:`~lantian.storage.bulletins.BulletinRepository`) with an audit entry in the same
  transaction; the same month published again replaces it (``bulletin.republish``, the old digests in
  the entry). Without LibreOffice the .docx is still published and the error says why there is no PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lantian.domain.bulletins import PublishedBulletin, check_month
from lantian.domain.targets.accountability import Rules
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking import access
from lantian.domain.tracking.model import Actor
from lantian.errors import ConfigError, ForbiddenError, InputError, LantianError, NotFoundError
from lantian.reports.bulletin import docx_to_pdf
from lantian.services.accountability import load_rules
from lantian.services.audit import AuditTrail
from lantian.services.clock import Clock, beijing, utc_now
from lantian.services.reports import ReportService
from lantian.services.targets import RUNS
from lantian.storage.bulletins import BulletinRepository

RULES_FILE = "accountability.toml"  # the office's own rules in the data folder, else the shipped ones
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Job:
    """A generation or publication under way or done (one per user, place and month)."""

    kind: str  # generate | publish
    place: str
    month: str
    started: dt.datetime
    state: str = "running"  # running | done | failed
    error: LantianError | None = None
    warnings: list[str] = field(default_factory=list)  # the chart left out, no PDF made …
    title: str = ""
    finished: dt.datetime | None = None


@dataclass(frozen=True)
class Draft:
    place: str
    month: str
    title: str
    path: Path
    made: dt.datetime  # when it was generated (UTC)
    warnings: tuple[str, ...] = ()  # as it was generated: the chart left out for want of a CJK font


class BulletinService:
    def __init__(self, reports: ReportService, audit: AuditTrail, data_dir: Path, *, runs: int = RUNS,
                 clock: Clock = utc_now, to_pdf: Callable[[Path], bytes] = docx_to_pdf) -> None:  # fmt: skip
        self.reports = reports
        self.audit = audit
        self.data_dir = data_dir
        self.folder = data_dir / "bulletins"
        self.runs = runs
        self.clock = clock
        self.to_pdf = to_pdf
        self._jobs: dict[tuple[str, str, str], Job] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()  # generating is heavy: one after another

    # ---------------------------------------------------------------- rules, places, months
    def rules(self) -> Rules:
        path = self.data_dir / RULES_FILE
        return load_rules(path if path.is_file() else None)

    @staticmethod
    def place_of(actor: Actor, office: str | None) -> str:
        """The place whose bulletin a user generates: its own (the command line: the platform's)."""
        place = actor.jurisdiction.strip() or (office or "").strip()
        if not place:
            raise InputError("which place? (请指定辖区)", field="place")
        return place

    # ---------------------------------------------------------------- drafts
    def draft_path(self, actor: Actor, place: str, month: str) -> Path:
        who = hashlib.sha256(actor.username.encode("utf-8")).hexdigest()[:16]
        where = hashlib.sha256(place_key(place).encode("utf-8")).hexdigest()[:16]
        return self.folder / "drafts" / who / f"{where}-{check_month(month)}.docx"

    def draft(self, actor: Actor, place: str, month: str) -> Draft | None:
        path = self.draft_path(actor, place, month)
        if not path.is_file():
            return None
        title = path.with_suffix(".title").read_text(encoding="utf-8") if path.with_suffix(".title").is_file() else ""
        made = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        return Draft(place, month, title or f"{place}{month}月报", path, made)

    def generate(self, actor: Actor, place: str, month: str) -> Draft:
        """Generate the bulletin of ``place`` (the user's own) for ``month`` as the user's draft."""
        month = check_month(month)
        require_own(actor, place)
        issued = beijing(self.clock()).date()
        with self._one_at_a_time:
            bulletin = self.reports.monthly(place, month, self.rules(), runs=self.runs, issued=issued)
            path = self.draft_path(actor, place, month)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".draft-", suffix=".docx")
            os.close(fd)
            warnings = self.reports.write_monthly(bulletin, Path(tmp))
            os.replace(tmp, path)
            path.with_suffix(".title").write_text(bulletin.title, encoding="utf-8")
        draft = self.draft(actor, place, month)
        assert draft is not None
        return replace(draft, warnings=tuple(warnings))

    # ---------------------------------------------------------------- publishing
    def publish(self, actor: Actor, place: str, month: str) -> tuple[PublishedBulletin, list[str]]:
        """Publish the user's draft of ``month`` (generated first when there is none): the .docx and
        its PDF kept under their digests, the record saved and audited. Returns it and the warnings
        (no PDF: LibreOffice missing or failed — the .docx is published all the same)."""
        month = check_month(month)
        access.require_admin(actor, place)
        draft = self.draft(actor, place, month) or self.generate(actor, place, month)
        data = draft.path.read_bytes()
        warnings: list[str] = []
        pdf: bytes | None
        try:
            pdf = self.to_pdf(draft.path)
        except ConfigError as exc:
            pdf = None
            warnings.append(exc.message)
        docx_sha = self._keep(data)
        pdf_sha = None if pdf is None else self._keep(pdf)
        with self.audit.writing() as trail:
            repo = BulletinRepository(trail.session)
            before = repo.find(place, month)
            after = repo.save(PublishedBulletin(
                place, month, draft.title, docx_sha, len(data), pdf_sha, None if pdf is None else len(pdf),
                actor.username, self.clock(),
            ))  # fmt: skip
            action = "bulletin.publish" if before is None else "bulletin.republish"
            self.audit.record(trail, actor, action, "bulletin", f"{place}·{month}",
                              None if before is None else before.as_audit(), after.as_audit(),
                              places=[place])  # fmt: skip
        return after, warnings

    def published(self, place: str | None) -> list[PublishedBulletin]:
        """The bulletins published for ``place`` (as 苏州 or 苏州市), newest month first; of every place
        when none is named (a platform without an office place: its public page covers every place)."""
        key = None if not place else place_key(place)
        with self.audit.store.tracking_read() as trail:
            return BulletinRepository(trail.session).of_places(None if key is None else [key, f"{key}市", place or key])

    def file(self, bulletin_id: int, kind: str) -> tuple[str, str, Path]:
        """(file name, content type, path) of a published bulletin's .docx or .pdf: public."""
        with self.audit.store.tracking_read() as trail:
            found = BulletinRepository(trail.session).get(bulletin_id)
        if found is None:
            raise NotFoundError("no such bulletin (没有这份月报)", field="bulletin")
        digest = found.docx_sha256 if kind == "docx" else found.pdf_sha256
        if digest is None:
            raise NotFoundError("this bulletin was published without a PDF (该月报未生成 PDF)", field="bulletin")
        path = self.blob_path(digest)
        if not path.is_file():
            raise NotFoundError("the bulletin's file is missing from the data folder (月报文件缺失)", field="bulletin")
        return f"{found.title}.{kind}", DOCX if kind == "docx" else "application/pdf", path

    def blob_path(self, digest: str) -> Path:
        return self.folder / digest[:2] / digest

    def _keep(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.blob_path(digest)
        if not path.is_file():  # content-addressed: the same bytes are kept once
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bulletin-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        return digest

    # ---------------------------------------------------------------- background jobs
    def start(self, actor: Actor, place: str, month: str, kind: str) -> Job:
        """Generate (``generate``) or publish (``publish``) in the background; the job of the same
        user, place and month already running is returned as it is. Checks first, in the request:
        a bad month or a place not the user's is refused at once."""
        month = check_month(month)
        if kind == "publish":
            access.require_admin(actor, place)
        else:
            require_own(actor, place)
        key = (actor.username, place_key(place), month)
        with self._lock:
            running = self._jobs.get(key)
            if running is not None and running.state == "running":
                return running
            job = Job(kind, place, month, self.clock())
            self._jobs[key] = job
        threading.Thread(target=self._run, args=(job, actor), daemon=True, name=f"bulletin-{kind}").start()
        return job

    def job(self, actor: Actor, place: str, month: str) -> Job | None:
        with self._lock:
            return self._jobs.get((actor.username, place_key(place), month))

    def _run(self, job: Job, actor: Actor) -> None:
        try:
            if job.kind == "publish":
                published, warnings = self.publish(actor, job.place, job.month)
                job.title, job.warnings = published.title, warnings
            else:
                draft = self.generate(actor, job.place, job.month)
                job.title, job.warnings = draft.title, list(draft.warnings)
            job.state = "done"
        except LantianError as exc:
            job.error, job.state = exc, "failed"
        except Exception as exc:  # a job never dies silently: the page says it failed
            job.error, job.state = ConfigError(f"{type(exc).__name__}: {exc} (月报生成失败)"), "failed"
        job.finished = self.clock()


def require_own(actor: Actor, place: str) -> None:
    """A user generates the bulletin of its own place (the command line: any)."""
    if access.is_everywhere(actor) or place_key(place) == place_key(actor.jurisdiction):
        return
    raise ForbiddenError(
        f"{place} is not your place (只能生成本辖区的月报：{place}非本辖区，本账号辖区为{actor.jurisdiction})",
        field="place",
    )
