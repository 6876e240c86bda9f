"""Intent-named view decorators and the object loader that gives 404/403."""
from __future__ import annotations

from collections.abc import Iterable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .roles import Role


def has_any_role(user, roles: Iterable[Role]) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(user.role_set & set(roles))


def roles_required(*roles: Role):
    """Login, then at least one of `roles`; 403 otherwise."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_any_role(current_user, allowed):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed  # read by the access-matrix test
        return wrapped

    return decorator


MAX_ID = 2**31 - 1  # ids are INTEGER: a bigger number in a URL would make the database (or driver) fail


def get_or_404(session, model, ident):
    if isinstance(ident, int) and not 0 < ident <= MAX_ID:
        abort(404)
    obj = session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
