"""The rules of reminders, retries and webhooks (提醒、重试与群机器人).

Webhook signature (签名), checked by a receiver that knows the secret:

- header ``X-Lantian-Timestamp``: milliseconds since 1970 (UTC), as text;
- header ``X-Lantian-Signature``: ``base64(HMAC-SHA256(secret, timestamp + "\\n" + body))``, the body
  being the exact bytes posted (UTF-8 JSON);
- and, as 钉钉's robots ask, ``timestamp`` and ``sign`` added to the URL's query, ``sign`` being
  ``base64(HMAC-SHA256(secret, timestamp + "\\n" + secret))``, URL-encoded.

A webhook without a secret is posted unsigned.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lantian.domain.notify.model import Webhook
from lantian.domain.targets.registry import place_key
from lantian.errors import InputError

DEFAULT_REMIND_DAYS = (7, 3, 1)
MAX_BACKOFF = dt.timedelta(hours=6)
TIMESTAMP_HEADER = "X-Lantian-Timestamp"
SIGNATURE_HEADER = "X-Lantian-Signature"


def reminder_rung(days_left: int, days: Iterable[int]) -> int | None:
    """The reminder due with ``days_left`` days to go: the smallest N of ``days`` not below it (a
    run missed on the 7th day before still reminds on the 6th; each N is sent once). None when
    nothing is due (past due, or further off than every N)."""
    if days_left < 0:
        return None
    fitting = [n for n in days if n >= days_left]
    return min(fitting) if fitting else None


def backoff(attempt: int, base: dt.timedelta) -> dt.timedelta:
    """The wait after failed attempt ``attempt`` (1, 2, …): base, 2×base, 4×base …, at most 6 hours."""
    wait: dt.timedelta = base * (2 ** max(attempt - 1, 0))
    return min(wait, MAX_BACKOFF)


def _hmac(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Lantian-Signature`` of ``body`` posted at ``timestamp`` (see the module)."""
    return _hmac(secret, timestamp + "\n" + body.decode("utf-8"))


def verify(secret: str, timestamp: str, body: bytes, sent: str) -> bool:
    """What a receiver checks (constant time)."""
    return hmac.compare_digest(signature(secret, timestamp, body), sent)


def signed_url(url: str, secret: str, timestamp: str) -> str:
    """The URL with 钉钉's ``timestamp`` and ``sign`` query parameters added (see the module)."""
    parts = urlsplit(url)
    query = [
        *parse_qsl(parts.query, keep_blank_values=True),
        ("timestamp", timestamp),
        ("sign", _hmac(secret, timestamp + "\n" + secret)),
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def payload(subject: str, body: str, link: str = "") -> bytes:
    """The robot's text message (政务微信 and 钉钉 read the same shape), as UTF-8 JSON."""
    content = f"【蓝天】{subject}\n{body}" + (f"\n{link}" if link else "")
    return json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False).encode("utf-8")


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"不是 http(s) 网址 (not an http or https URL): {url!r}", field="url")
    return url


def hears(hook: Webhook, place: str, department: str | None) -> bool:
    """An event of ``place`` (about ``department``, None: the office's own) goes to ``hook``: the
    same place, and the hook takes every event of it or is that department's."""
    if not hook.active or place_key(hook.place) != place_key(place):
        return False
    return hook.department is None or hook.department == department
