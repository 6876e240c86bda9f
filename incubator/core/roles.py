"""The roles of SPEC §2. One user may hold several."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .enums import LabeledEnum


class Role(LabeledEnum):
    COMPANY = "company"
    OPERATOR = "operator"
    REVIEWER = "reviewer"
    LEAD = "lead"
    DEPUTY = "deputy"
    COMMANDER = "commander"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


Role.__labels__ = {
    Role.COMPANY: _l("Company member"),
    Role.OPERATOR: _l("Operator"),
    Role.REVIEWER: _l("Reviewer"),
    Role.LEAD: _l("Work-group lead"),
    Role.DEPUTY: _l("Deputy commander"),
    Role.COMMANDER: _l("Commander"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator"),
}
Role.__badges__ = {
    Role.COMPANY: "azure",
    Role.OPERATOR: "blue",
    Role.REVIEWER: "purple",
    Role.LEAD: "teal",
    Role.DEPUTY: "orange",
    Role.COMMANDER: "red",
    Role.SUPERVISOR: "dark",
    Role.ADMIN: "secondary",
}

# Who may read the company registry, spaces and the audit log (the HQ and its operator).
STAFF_READERS = frozenset({Role.OPERATOR, Role.LEAD, Role.DEPUTY, Role.COMMANDER, Role.SUPERVISOR, Role.ADMIN})
# Who may change spaces and company records on the operator's side.
STAFF_EDITORS = frozenset({Role.OPERATOR, Role.ADMIN})
ALL_STAFF = STAFF_READERS | {Role.REVIEWER}
