"""The actor for scheduled work (deadline lapses, automatic proposals): it holds the staff
roles a rule may require, has no id (so segregation-of-duties never matches it) and shows
as "system" in the audit log."""
from __future__ import annotations

from .roles import Role


class SystemActor:
    id = None
    username = "system"
    display_name = "系统"
    company_id = None
    is_authenticated = True
    role_set = frozenset({Role.OPERATOR, Role.ADMIN})

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set & set(roles))


SYSTEM = SystemActor()
