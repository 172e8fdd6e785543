"""Interface languages (界面语言): Chinese first, English kept in ``i18n/en/LC_MESSAGES/messages.po``.

Templates and messages are written in Chinese (the msgids); the English catalog translates them. The
catalog is read with Babel and compiled in memory when the app starts, so no binary ``.mo`` file is
kept in the repository. A missing English string falls back to the Chinese text (and a test fails).
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT = "zh"


def catalog_path(lang: str) -> str:
    return f"i18n/{lang}/LC_MESSAGES/messages.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT or lang not in LANGUAGES:
        return gettext.NullTranslations()
    source = resources.files("lantian.web").joinpath(catalog_path(lang))
    with source.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick(cookie: str | None, accept_language: str | None) -> str:
    """The cookie wins; otherwise Chinese unless the browser asks for English before Chinese."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return DEFAULT
