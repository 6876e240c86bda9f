"""Requests for the budget tests, made and moved through the real services."""
from __future__ import annotations

from incubator.budget import services
from incubator.budget.models import ExpenseRequest
from incubator.core.formatting import today


def draft(w, amount="12000.00", category=None, by=None, year=None, **kw) -> ExpenseRequest:
    fields = {"title": "社区宣传册印制", "purpose": "印制2000册社区招商宣传册，附报价单。", "payee": "东莞市印务有限公司",
              **kw}
    return services.create_request(w.session, by or w.operator, year=year or w.year,
                                   category_id=(category or w.office).id, amount=amount, **fields)


def submitted(w, amount="12000.00", **kw) -> ExpenseRequest:
    req = draft(w, amount, **kw)
    services.submit(w.session, kw.get("by") or w.operator, req)
    return req


def approved(w, amount="12000.00", **kw) -> ExpenseRequest:
    """Approved at the lead's tier (below ¥100,000: no meeting)."""
    req = submitted(w, amount, **kw)
    services.approve(w.session, w.lead, req)
    return req


def paid(w, amount="12000.00", **kw) -> ExpenseRequest:
    req = approved(w, amount, **kw)
    services.pay(w.session, w.operator2, req, reference="HK-20260101-001", paid_on=today())
    return req
