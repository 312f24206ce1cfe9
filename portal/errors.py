"""The one domain error: services raise it, pages turn it into a message, the API into JSON."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule of the portal refused an action. ``message`` is translated for the person."""

    status_code = 400

    def __init__(self, message, *, code: str = "invalid", extra: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.extra = extra or {}


class PermissionDenied(ApplicationError):
    status_code = 403

    def __init__(self, message, *, code: str = "permission_denied", extra: dict | None = None):
        super().__init__(message, code=code, extra=extra)


class Conflict(ApplicationError):
    status_code = 409

    def __init__(self, message, *, code: str = "conflict", extra: dict | None = None):
        super().__init__(message, code=code, extra=extra)
