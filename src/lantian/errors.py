"""Every error lantian shows a person.

The tree::

    LantianError                 code "error"; exit status 1
    ├── InputError               code "input"; a file a user gave us is unreadable or malformed
    │   ├── EncodingError        code "encoding"; not UTF-8 (with or without BOM) nor GBK/GB18030
    │   ├── EmptyInputError      code "empty"; nothing to read
    │   ├── UnsupportedFormatError  code "format"; not .txt/.docx/.xlsx, or a binary file
    │   ├── StructureError       code "structure"; a table without a needed column, a truncated table…
    │   └── LimitError           code "too_large"; over a size limit (上限, lantian.config.Limits); HTTP 413
    ├── ConfigError              code "config"; a setting or dictionary file is wrong
    ├── NotFoundError            code "not_found"; a plan, task or revision does not exist
    ├── ConflictError            code "conflict"; someone else changed the record first
    ├── WorkflowError            code "workflow"; the record's state does not allow the step (销号 before 核查)
    ├── AuthenticationError      code "unauthenticated"; no session, a wrong password, a locked account
    └── ForbiddenError           code "forbidden"; the role or jurisdiction does not allow it

Every error carries the file, line and field it is about, where known, so the message names them
(``000.txt:12: 责任分工: …``). Front doors (CLI, web) print ``str(error)`` and never a traceback.
"""

from __future__ import annotations


class LantianError(Exception):
    code = "error"
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def location(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        if self.field:
            where = f"{where}: {self.field}" if where else self.field
        return where

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "field": self.field,
        }


class InputError(LantianError):
    code = "input"
    exit_code = 2


class EncodingError(InputError):
    code = "encoding"


class EmptyInputError(InputError):
    code = "empty"


class UnsupportedFormatError(InputError):
    code = "format"


class StructureError(InputError):
    code = "structure"


class LimitError(InputError):
    """A file or text over one of the configured size limits; the message names the limit."""

    code = "too_large"


class ConfigError(LantianError):
    code = "config"
    exit_code = 3


class NotFoundError(LantianError):
    code = "not_found"
    exit_code = 4


class ConflictError(LantianError):
    code = "conflict"
    exit_code = 5


class WorkflowError(LantianError):
    code = "workflow"
    exit_code = 6


class AuthenticationError(LantianError):
    code = "unauthenticated"
    exit_code = 7


class ThrottledError(AuthenticationError):
    """Too many failed sign-ins from one address (HTTP 429)."""

    code = "throttled"


class ForbiddenError(LantianError):
    code = "forbidden"
    exit_code = 7
