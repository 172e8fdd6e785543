"""Public complaints (群众举报): anyone files one on the public page, without an account; it opens a
ticket (问题, source 群众投诉) of the office's place with the photos as its evidence, and the reporter
follows it by a tracking code (查询码). The rules are :mod:`lantian.domain.tracking.public`'s.

- Whose: the place set as ``LANTIAN_OFFICE_PLACE`` or in ``<data>/office.toml`` (本平台所属辖区);
  without one no complaint is taken (there is no office to hand it to).
- Rate limit (频率限制): at most ``Limits.reports_per_hour`` complaints per client address in an
  hour, counted in the database (it holds across restarts and server processes); the address is
  the sign-in throttle's (:func:`lantian.web.views.client_address`), stored keyed, never as it is.
- Lookups of unknown codes are throttled per address too (in memory): a code has 60 random bits,
  the throttle only keeps a scanner from costing the server.
- The contact a reporter may leave is kept beside the ticket for the office (:meth:`contact`),
  never shown on the public page or in the audit log.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from lantian.config import Limits
from lantian.domain.tracking import access
from lantian.domain.tracking.evidence import Checked
from lantian.domain.tracking.model import Actor, TicketSource, UserRole
from lantian.domain.tracking.public import (
    CONTACT_LIMIT,
    LOCATION_LIMIT,
    TEXT_LIMIT,
    PublicView,
    address_key,
    check_form_token,
    check_photos,
    clean_text,
    code_digest,
    form_token,
    new_code,
    normalize_code,
    public_view,
)
from lantian.errors import InputError, NotFoundError, ThrottledError
from lantian.services.audit import AuditTrail
from lantian.services.clock import Clock, utc_now
from lantian.services.tracking import WorkflowService
from lantian.storage.public_reports import PublicReportRepository

PUBLIC_USER = "（公众）"  # who filed a complaint, in the ticket and the audit log: never a user name
LOOKUP_MISSES = 30  # unknown codes one address may try in LOOKUP_MINUTES
LOOKUP_MINUTES = 10


class PublicReportService:
    def __init__(self, audit: AuditTrail, workflow: WorkflowService, *, office_place: str | None, limits: Limits,
                 key_file: Path, clock: Clock = utc_now) -> None:  # fmt: skip
        self.audit = audit
        self.workflow = workflow
        self.office_place = office_place
        self.limits = limits
        self.key_file = key_file
        self.clock = clock
        self._secret: bytes | None = None
        self._misses: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- the server's secret
    def secret(self) -> bytes:
        """The key that signs forms and keys addresses, created in the data folder on first use (0600)."""
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    self._secret = self._read_or_create_key()
        return self._secret

    def _read_or_create_key(self) -> bytes:
        path = self.key_file
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: read theirs
            else:
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(secrets.token_hex(32) + "\n")
        text = path.read_text(encoding="ascii").strip()
        if len(text) < 32:
            raise InputError(
                f"{path.name} is not a key; delete it to make a new one (密钥文件内容无效)", file=str(path)
            )
        return text.encode("ascii")

    # ---------------------------------------------------------------- filing
    def form_token(self, address: str | None) -> str:
        return form_token(self.secret(), address, self.clock())

    def submit(self, *, token: str, address: str | None, text: str, location: str, contact: str,
               photos: Sequence[tuple[str, bytes]]) -> tuple[str, PublicView]:  # fmt: skip
        """File a complaint: (its tracking code, what the reporter sees of it)."""
        place = self.office_place
        if not place:
            raise NotFoundError("this platform takes no complaints: no place is set (本平台未设所属辖区，暂不受理举报)",
                                field="office")  # fmt: skip
        now = self.clock()
        check_form_token(self.secret(), token, address, now)
        body = clean_text(text, "text", "举报内容", TEXT_LIMIT)
        where = clean_text(location, "location", "地点", LOCATION_LIMIT)
        reach = clean_text(contact, "contact", "联系方式", CONTACT_LIMIT, required=False)
        kept = check_photos(list(photos), self.limits.report_photos, self.limits.report_photo_bytes)
        key = address_key(self.secret(), address)
        actor = Actor(PUBLIC_USER, UserRole.DEPARTMENT, place, display_name="公众举报")
        title = f"群众举报：{where}"
        with self.audit.writing() as repo:
            reports = PublicReportRepository(repo.session)
            since = now - dt.timedelta(hours=1)
            if reports.count_since(key, since) >= self.limits.reports_per_hour:
                oldest = reports.oldest_since(key, since) or now
                wait = max(1, int((_aware(oldest) + dt.timedelta(hours=1) - _aware(now)).total_seconds() // 60) + 1)
                raise ThrottledError(
                    f"too many complaints from this address; try again in {wait} minutes"
                    f" (提交过于频繁，请 {wait} 分钟后再试)",
                    field="address",
                )
            ticket = self.workflow.create_ticket(
                repo, actor, place, source=TicketSource.COMPLAINT, title=title, description=body, location=where,
                checked=[Checked(p.filename, p.content_type, len(p.data)) for p in kept],
                files=[(p.filename, p.data) for p in kept],
            )  # fmt: skip
            code = new_code()
            plain = normalize_code(code)
            assert plain is not None
            reports.add(code_sha256=code_digest(plain), ticket_id=ticket.id, contact=reach, address_key=key, at=now)
        return code, public_view(plain, ticket)

    # ---------------------------------------------------------------- following
    def track(self, code: str, address: str | None) -> PublicView:
        """What the reporter of ``code`` may see; unknown codes count against the address."""
        plain = normalize_code(code)
        if plain is None:
            raise InputError("a tracking code is 12 letters and digits (查询码为 12 位字母和数字)", field="code")
        now = self.clock()
        self._check_misses(address, now)
        with self.audit.store.tracking_read() as repo:
            found = PublicReportRepository(repo.session).by_code(code_digest(plain))
            ticket = repo.ticket(found.ticket_id) if found else None
        if ticket is None:
            self._missed(address, now)
            raise NotFoundError("no complaint has this tracking code (没有该查询码对应的举报)", field="code")
        return public_view(plain, ticket)

    def _check_misses(self, address: str | None, now: dt.datetime) -> None:
        with self._lock:
            recent = self._misses.get(address or "")
            while recent and recent[0] <= now - dt.timedelta(minutes=LOOKUP_MINUTES):
                recent.popleft()
            if recent is not None and len(recent) >= LOOKUP_MISSES:
                raise ThrottledError(
                    f"too many unknown codes from this address; try again in {LOOKUP_MINUTES} minutes"
                    f" (查询过于频繁，请 {LOOKUP_MINUTES} 分钟后再试)",
                    field="code",
                )

    def _missed(self, address: str | None, now: dt.datetime) -> None:
        with self._lock:
            if len(self._misses) > 10_000:  # made-up addresses do not grow memory without end
                self._misses.clear()
            self._misses.setdefault(address or "", deque()).append(now)

    # ---------------------------------------------------------------- for the office
    def contact(self, actor: Actor, ticket_id: int) -> str | None:
        """The reporter's contact of a complaint ticket, for the office (admins and leaders of a place
        that sees the ticket); None when the ticket is not a public complaint or none was left."""
        ticket = self.workflow.ticket(actor, ticket_id)
        lineage = self.workflow.ancestors
        if actor.role is UserRole.DEPARTMENT or not access.sees_plan(actor, ticket.jurisdiction, lineage):
            return None
        with self.audit.store.tracking_read() as repo:
            found = PublicReportRepository(repo.session).by_ticket(ticket_id)
        return found.contact or None if found else None


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
