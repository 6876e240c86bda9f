"""Access-matrix rows and world objects for the HQ budget (issue #8): this year's budget of 办公费 and
a draft expense request the matrix's operator drafted (only its requester may edit, submit or
withdraw it; the other steps are open to their roles and refused by the request's state)."""
from __future__ import annotations

import sqlalchemy as sa

from incubator.budget import services
from incubator.budget.models import BudgetCategory
from incubator.core.formatting import today

READERS = {"operator", "lead", "deputy", "commander", "supervisor", "admin"}
EDITORS = {"operator", "admin"}
REQUESTERS = {"operator", "lead", "deputy"}
APPROVERS = {"lead", "deputy", "commander"}


def rows(row) -> dict:
    req = "/budget/requests/{expense_request}"
    return {
        "budget.index": row("/budget/", READERS),
        "budget.edit_budget": row("/budget/{budget_year}/edit", EDITORS),
        "budget.edit_budget:POST": row("/budget/{budget_year}/edit", EDITORS, "POST"),
        "budget.requests": row("/budget/requests", READERS),
        "budget.export": row("/budget/requests/export.xlsx", READERS),
        "budget.new_request": row("/budget/requests/new", REQUESTERS),
        "budget.new_request:POST": row("/budget/requests/new", REQUESTERS, "POST"),
        "budget.request": row(req, READERS),
        "budget.edit_request": row(req + "/edit", {"operator"}),
        "budget.edit_request:POST": row(req + "/edit", {"operator"}, "POST"),
        "budget.submit": row(req + "/submit", {"operator"}, "POST"),
        "budget.decide": row(req + "/decide", APPROVERS, "POST"),
        "budget.pay": row(req + "/pay", EDITORS, "POST"),
        "budget.withdraw": row(req + "/withdraw", {"operator"}, "POST"),
        "budget.cancel": row(req + "/cancel", EDITORS, "POST"),
    }


def build(session, people, company, lease) -> dict:
    year = today().year
    office = session.scalar(sa.select(BudgetCategory).where(BudgetCategory.code == "office"))
    services.set_budget(session, people["operator"], year, office, "500000")
    req = services.create_request(session, people["operator"], year=year, category_id=office.id, title="办公用品采购",
                                  purpose="季度办公用品", payee="东莞市文具有限公司", amount="3200.00")
    return {"expense_request": req.id, "budget_year": year}
