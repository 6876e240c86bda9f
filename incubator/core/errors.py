"""Typed errors raised by services; views turn them into flashed messages and 4xx codes."""
from __future__ import annotations


class DomainError(Exception):
    """A rule refused the change; the message is shown to the user (already translated)."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class PermissionDenied(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class TransitionNotAllowed(DomainError):
    status_code = 409


class SegregationOfDuties(DomainError):
    status_code = 403


class ConcurrentChange(DomainError):
    """Somebody else changed the object first; nothing was written."""

    status_code = 409
