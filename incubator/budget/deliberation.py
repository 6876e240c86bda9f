"""Expense requests before the meetings: the deputy-commander tier waits for the work-group
meeting (工作例会), the commander tier for the coordination meeting (工作协调会), as the plan's
经费审批 rule says. Which meeting gates which tier is the meeting types' data (meetings.gate);
this module offers the requests waiting for one to the agenda."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..core.formatting import format_money
from ..meetings.agenda import Candidate, agenda_source
from ..meetings.gate import agreed_ids, require_agreed, resolution_for, status  # noqa: F401 - used by services, tasks, views
from . import rules
from .models import ExpenseRequest
from .models import RequestState as S

KIND = "expense_request"  # the agenda item kind and the gate's object kind


@agenda_source(KIND)
def waiting_requests(session: Session) -> list[Candidate]:
    """Submitted requests at the deputy or commander tier (titles in Chinese: they go into the
    agenda and the minutes)."""
    requests = session.scalars(sa.select(ExpenseRequest).where(
        ExpenseRequest.state == S.SUBMITTED, ExpenseRequest.tier.in_(list(rules.DELIBERATED)))
        .order_by(ExpenseRequest.id)).all()
    return [Candidate(KIND, r.id, f"{r.number} {r.title}", r.tier, r.amount, None, "budget.request",
                      {"request_id": r.id},
                      f"{r.year}年 {r.category.name} · 收款方：{r.payee} · {format_money(r.amount)} · "
                      f"申请人：{r.requested_by.display_name}")
            for r in requests]
