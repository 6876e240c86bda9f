"""Form helpers shared by every module's views."""
from __future__ import annotations

from flask import flash

from .errors import DomainError


def form_error(form, exc: DomainError) -> int:
    """Show a service's refusal next to its field (or as a message); return the status code."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")
    return exc.status_code
