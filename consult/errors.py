"""Domain errors: what went wrong, in words the caller can act on, with no HTTP in them.

Services, pure forms and infrastructure raise these; the error middleware (consult.middleware) turns any
of them into an answer. Which status each kind gets is decided in one table, STATUS, below, not where the
error is raised (STYLE.md: one error type per domain failure, turned into a status in one place).

Messages and field problems are English message ids (marked with N_) translated when the answer is written.
"""

from __future__ import annotations

from collections.abc import Mapping

from consult.i18n import N_


class ApiError(Exception):
    """A failure the caller can act on: a stable code, a message id, field problems, extra headers."""

    default_code = "error"
    default_message = N_("Something went wrong on our side.")

    def __init__(
        self,
        code: str | None = None,
        message: str | None = None,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.code = code or self.default_code
        super().__init__(self.code)
        self.message = message or self.default_message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})

    @property
    def status(self) -> int:
        return status_of(self)


class Invalid(ApiError):
    """The input is wrong; `fields` names what to fix."""

    default_code = "invalid"
    default_message = N_("Some fields need attention.")


class Unauthenticated(ApiError):
    """The caller must say who they are (or what they said is not valid)."""

    default_code = "unauthenticated"
    default_message = N_("Please sign in.")


class Forbidden(ApiError):
    default_code = "forbidden"
    default_message = N_("You may not do this.")


class NotFound(ApiError):
    """Missing, or not the caller's: both answer the same, so that nothing leaks."""

    default_code = "not_found"
    default_message = N_("Not found.")


class Conflict(ApiError):
    """The request is fine but the state of things refuses it (slot taken, already answered)."""

    default_code = "conflict"


class Unprocessable(ApiError):
    """Well-formed, but it contradicts what was sent before (an Idempotency-Key reused for another body)."""

    default_code = "unprocessable"


class TooLarge(ApiError):
    default_code = "too_large"
    default_message = N_("The request body is too large.")


class UnsupportedMediaType(ApiError):
    default_code = "unsupported_media_type"


class RateLimited(ApiError):
    """Too many attempts; headers carry Retry-After."""

    default_code = "rate_limited"


class Unavailable(ApiError):
    """Not now (a search that ran out of time, a provider that does not answer); try again."""

    default_code = "unavailable"


class Internal(ApiError):
    default_code = "internal"


class HttpError(ApiError):
    """An error of the HTTP layer itself (aiohttp's own 404, 405, 413...): its status is kept as it came."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(code, message, headers=headers)
        self.http_status = status


# The one table: which status each kind of failure answers with.
STATUS: dict[type[ApiError], int] = {
    Invalid: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unprocessable: 422,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    RateLimited: 429,
    Unavailable: 503,
    Internal: 500,
}


def status_of(error: ApiError) -> int:
    if isinstance(error, HttpError):
        return error.http_status
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def invalid(fields: Mapping[str, str], message: str = N_("Some fields need attention.")) -> Invalid:
    return Invalid("invalid", message, fields)


def not_found() -> NotFound:
    return NotFound()


def conflict(code: str, message: str) -> Conflict:
    return Conflict(code, message)
