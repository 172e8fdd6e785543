"""Public complaints (群众举报): the rules a visitor's report is held to, and what of its ticket the
visitor may follow.

- A tracking code (查询码) is 12 characters of Crockford's base-32 (60 random bits), shown as
  ``ABCD-EFGH-JKMN``; only its SHA-256 is stored, so the code cannot be read back from the database
  and the ticket's id (which counts up) reveals nothing about it. Typing is forgiving: case,
  spaces and dashes are ignored and O/I/L read as 0/1/1.
- Photos (照片) are accepted by their content, JPEG or PNG, whatever their name says, and their
  metadata (EXIF with a phone's GPS position, text chunks) is removed before they are kept: an
  anonymous report stays anonymous.
- The form is signed (表单令牌) with the server's secret, the time it was issued and the client's
  address: no session is needed, a token is good for a few hours, and a token fetched by another
  site's server is not good for a visitor's browser.
- What the visitor sees of the ticket (:class:`PublicView`): its state and the date and name of each
  step. Never notes, names, departments or files: those are the office's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass

from lantian.domain.tracking.model import TICKET_LABELS, Ticket, TicketState
from lantian.domain.tracking.workflow import ACTION_LABELS, TicketAction
from lantian.errors import InputError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
CODE_LENGTH = 12  # 60 bits: guessing one of a million codes takes ~10^12 tries
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
TOKEN_HOURS = 4  # a form is good this long after it was shown
TEXT_LIMIT = 2000  # 举报内容
LOCATION_LIMIT = 200  # 地点
CONTACT_LIMIT = 100  # 联系方式 (optional, never shown publicly)

JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"
PHOTO_TYPES = {JPEG: ("image/jpeg", ".jpg"), PNG: ("image/png", ".png")}


def new_code() -> str:
    """A fresh tracking code, as shown: ``ABCD-EFGH-JKMN``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str | None:
    """The code as typed, in its stored form (12 characters, no dashes); None when it cannot be one."""
    raw = "".join(text.upper().split()).replace("-", "").translate(_READ_AS)
    if len(raw) != CODE_LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return raw


def code_digest(code: str) -> str:
    """What is stored of a (normalised) code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


# ---------------------------------------------------------------- the signed form (表单令牌)
def _signature(secret: bytes, issued: int, address: str) -> str:
    return hmac.new(secret, f"{issued}|{address}".encode(), hashlib.sha256).hexdigest()[:32]


def form_token(secret: bytes, address: str | None, now: dt.datetime) -> str:
    issued = int(now.timestamp())
    return f"{issued}.{_signature(secret, issued, address or '')}"


def check_form_token(secret: bytes, token: str, address: str | None, now: dt.datetime) -> None:
    """Accept a token this server issued to ``address`` within :data:`TOKEN_HOURS`."""
    stale = InputError("the form has expired; reload the page (表单已过期，请刷新页面后重新提交)", field="token")
    issued_text, _, signature = token.partition(".")
    if not issued_text.isdigit() or len(issued_text) > 12:
        raise stale
    issued = int(issued_text)
    if not hmac.compare_digest(signature, _signature(secret, issued, address or "")):
        raise stale
    age = now.timestamp() - issued
    if not -60 <= age <= TOKEN_HOURS * 3600:
        raise stale


def address_key(secret: bytes, address: str | None) -> str:
    """A client address as the rate limit counts it, keyed so that no address is stored."""
    return hmac.new(secret, (address or "").encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- what a visitor writes
@dataclass(frozen=True)
class Photo:
    filename: str  # 照片1.jpg: the name it is kept under (the sender's file name is not kept)
    content_type: str
    data: bytes  # metadata removed


def clean_text(value: str, field: str, label: str, limit: int, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise InputError(f"{field} is required (请填写{label})", field=field)
    if len(text) > limit:
        raise InputError(f"{field}: at most {limit} characters ({label}不能超过 {limit} 字)", field=field)
    return text


def check_photos(files: list[tuple[str, bytes]], max_count: int, max_bytes: int) -> list[Photo]:
    """The photos of a report, each a JPEG or PNG by its content within ``max_bytes``; at most ``max_count``."""
    if len(files) > max_count:
        raise InputError(f"at most {max_count} photos (照片最多 {max_count} 张)", field="photos")
    out = []
    for number, (name, data) in enumerate(files, start=1):
        shown = name.replace("\\", "/").rsplit("/", 1)[-1] or f"#{number}"
        if not data:
            raise InputError(f"{shown}: the file is empty (照片为空)", field="photos", file=shown)
        if len(data) > max_bytes:
            limit = f"{max_bytes / 1024 / 1024:g} MB"
            raise InputError(f"{shown}: over {limit} (照片超过 {limit})", field="photos", file=shown)
        kind = next((v for magic, v in PHOTO_TYPES.items() if data.startswith(magic)), None)
        if kind is None:
            raise InputError(f"{shown}: not a JPEG or PNG picture (照片须为 JPEG 或 PNG 图片)", field="photos",
                             file=shown)  # fmt: skip
        content_type, suffix = kind
        try:
            cleaned = strip_jpeg(data) if content_type == "image/jpeg" else strip_png(data)
        except (ValueError, struct.error):
            raise InputError(f"{shown}: the picture is damaged (照片文件已损坏)", field="photos", file=shown) from None
        out.append(Photo(f"照片{number}{suffix}", content_type, cleaned))
    return out


def strip_jpeg(data: bytes) -> bytes:
    """A JPEG without its APPn (EXIF, XMP…) and comment segments; the picture itself unchanged."""
    out = bytearray(data[:2])
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError("not a JPEG segment")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is the picture
            out += data[i:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # no length
            out += data[i : i + 2]
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2 or i + 2 + length > len(data):
            raise ValueError("truncated JPEG segment")
        keep = not (0xE1 <= marker <= 0xEF or marker == 0xFE)  # APP0 (JFIF) stays
        if keep:
            out += data[i : i + 2 + length]
        i += 2 + length
    raise ValueError("JPEG without image data")


_PNG_DROPPED = {b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME"}


def strip_png(data: bytes) -> bytes:
    """A PNG without its EXIF, text and time chunks."""
    out = bytearray(PNG)
    i = len(PNG)
    while i < len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            raise ValueError("truncated PNG chunk")
        if kind not in _PNG_DROPPED:
            out += data[i:end]
        i = end
        if kind == b"IEND":
            return bytes(out)
    raise ValueError("PNG without IEND")


# ---------------------------------------------------------------- what a visitor may follow
@dataclass(frozen=True)
class PublicStep:
    day: dt.date  # Beijing date
    label: str  # 受理 / 交办 / 整改 / 核查通过 / 核查不通过 / 销号


@dataclass(frozen=True)
class PublicView:
    """A report as its reporter follows it: the state and dated steps, nothing the office wrote."""

    code: str
    state: TicketState
    state_label: str
    received: dt.date
    steps: list[PublicStep]

    @property
    def closed(self) -> bool:
        return self.state is TicketState.CLOSED


PUBLIC_STEP_LABELS = {a: ("受理" if a is TicketAction.CREATE else label) for a, label in ACTION_LABELS.items()}


def public_view(code: str, ticket: Ticket) -> PublicView:
    """``ticket`` as its reporter may see it (dates in Beijing time, UTC+8)."""
    beijing = dt.timezone(dt.timedelta(hours=8))

    def day(moment: dt.datetime) -> dt.date:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return aware.astimezone(beijing).date()

    steps = [PublicStep(day(s.at), PUBLIC_STEP_LABELS[TicketAction(s.action)]) for s in ticket.steps]
    shown = "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))
    return PublicView(shown, ticket.state, TICKET_LABELS[ticket.state], day(ticket.created_at), steps)
