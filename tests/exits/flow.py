"""Take an exit case through the services to any state, as the people of the `world` would."""
from __future__ import annotations

import datetime as dt

from incubator.core.formatting import today
from incubator.exits import services
from incubator.exits.models import ExitState as S
from incubator.exits.settlement import CHECKLIST

ALL_DONE = {key: {"done": True, "note": None} for key in CHECKLIST}
PATH = [S.PROPOSED, S.PREPARED, S.REVIEWED, S.APPROVED, S.EXECUTED, S.ARCHIVED]


def breach(session, w, exit_on: dt.date | None = None, company=None):
    """The operator raises a breach (unauthorised sublet) of the world's tenant."""
    return services.raise_case(session, w.operator, company or w.company, kind="breach", breach_type="sublet",
                               reason="经查，该企业将101室擅自转租给第三方。", planned_exit_on=exit_on or today())


def prepare(session, w, case, exit_on: dt.date | None = None, approved: bool = True, damage="0", **kw):
    return services.prepare(session, w.operator, case, exit_on=exit_on or case.planned_exit_on,
                            departure_approved=approved, damage=damage, checklist=kw.pop("checklist", ALL_DONE),
                            **kw)


def drive(session, w, case, target: S, member=None, **prepare_kw):
    """From proposed to `target` (rejected and withdrawn branch off after review / at once); the
    company (`member`, default the world's) responds first when it is asked to."""
    if target == S.WITHDRAWN:
        return services.withdraw(session, w.operator, case, "情况已变化")
    if case.company_response is None and case.response_due_on is not None:
        services.respond(session, member or w.member, case, response="我司对此无异议。", agrees=True)
    prepare(session, w, case, **prepare_kw)
    if target == S.PREPARED:
        return case
    services.review(session, w.lead, case, "结算无误")
    if target == S.REVIEWED:
        return case
    services.decide(session, w.commander, case, approve=target != S.REJECTED, reason="同意" if target != S.REJECTED
                    else "暂缓清退")
    if target in (S.APPROVED, S.REJECTED):
        return case
    services.execute(session, w.operator, case)
    if target == S.EXECUTED:
        return case
    return services.archive(session, w.operator, case, "结算款已结清")
