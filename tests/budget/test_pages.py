"""The budget pages through HTTP: the year's overview, setting the budget, the request list with
its filters and Excel export, the request form with bad input, the request page and every step."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from incubator.audit.models import AuditEntry
from incubator.budget import services
from incubator.budget.models import ExpenseRequest
from incubator.budget.models import RequestState as S
from incubator.core.formatting import today
from incubator.core.roles import Role

from .flow import approved, draft, paid, submitted

D = Decimal


def text(resp) -> str:
    return resp.get_data(as_text=True)


def flashed(client) -> str:
    return text(client.get("/"))


@pytest.mark.parametrize("role, status", [(Role.OPERATOR, 200), (Role.LEAD, 200), (Role.DEPUTY, 200),
                                          (Role.COMMANDER, 200), (Role.SUPERVISOR, 200), (Role.ADMIN, 200),
                                          (Role.REVIEWER, 403), (Role.COMPANY, 403)])
def test_the_budget_is_for_staff_readers(world, client, login, role, status):
    login(role)
    assert client.get("/budget/").status_code == status
    assert client.get("/budget/requests").status_code == status


# --- the overview --------------------------------------------------------------------------------------------

def test_the_overview_shows_each_line_against_its_budget(world, session, client, login):
    paid(world, "60000.00")
    approved(world, "40000.00")
    session.commit()
    login(world.supervisor)
    page = text(client.get(f"/budget/?year={world.year}"))
    row = re.search(r'data-category="office">(.*?)</tr>', page, re.S).group(1)
    # 500,000 budget; 40,000 committed; 60,000 spent; 400,000 left; 12% spent and 8% committed on the bar
    assert re.findall(r"¥[\d,.]+", row) == ["¥500,000.00", "¥40,000.00", "¥60,000.00", "¥400,000.00"]
    assert 'style="width: 12.0%"' in row and 'style="width: 8.0%"' in row
    office_total = re.search(r'id="total-office">(.*?)</div></div>', page, re.S).group(1)
    assert "¥580,000.00" in office_total  # 办公费 500,000 + 差旅费 80,000
    assert "Special policy fund" in page and "Set the budget" not in page  # the supervisor changes nothing
    assert "below ¥100,000.00: Work-group lead" in page
    assert "¥300,000.00 and above: Commander" in page


def test_a_year_without_a_budget_says_so(world, client, login):
    login(world.operator)
    page = text(client.get(f"/budget/?year={world.year - 2}"))
    assert page.count(f"No budget is set for {world.year - 2} yet.") == 2
    for junk in ("year=abc", "year=99999", "year=-1"):
        assert client.get(f"/budget/?{junk}").status_code == 200


# --- setting the budget -------------------------------------------------------------------------------------------

def _budget_form(world, **amounts) -> dict:
    data = {f"cat_{c.id}": "0" for c in services.categories(world.session)}
    data.update({f"cat_{getattr(world, k).id}": v for k, v in amounts.items()})
    return data


def test_next_years_budget_starts_from_this_years(world, session, client, login):
    login(world.operator)
    page = text(client.get(f"/budget/{world.year + 1}/edit"))
    assert "the amounts below are last year's" in page
    assert re.search(rf'name="cat_{world.office.id}"[^>]*value="500000.00"', page)
    data = _budget_form(world, office="520000", travel="90000.50", maintenance="1000000", publicity="66000")
    resp = client.post(f"/budget/{world.year + 1}/edit", data={**data, "note": "东水管〔2026〕12号"})
    assert resp.status_code == 303
    lines = {line.category.code: line.budget for _c, line in services.year_lines(session, world.year + 1) if line}
    assert lines == {"office": D("520000.00"), "travel": D("90000.50"), "maintenance": D("1000000.00"),
                     "publicity": D("66000.00")}
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "budget_line.set")) == 3 + 4  # the world's 3, these 4


@pytest.mark.parametrize("raw, message", [("-5", "must not be negative"), ("1.234", "At most 2 decimal places"),
                                          ("abc", "digits and a decimal point only"), ("", "Please enter a number")])
def test_the_budget_form_refuses_bad_amounts(world, session, client, login, raw, message):
    login(world.operator)
    resp = client.post(f"/budget/{world.year}/edit", data=_budget_form(world, office=raw, travel="80000",
                                                                        maintenance="1000000"))
    assert resp.status_code == 400
    assert message in text(resp)
    assert services.line_for(session, world.year, world.office.id).budget == D("500000.00")


def test_the_budget_form_refuses_going_below_what_is_used(world, session, client, login):
    approved(world, "30000.00", category=world.travel)
    session.commit()
    login(world.admin)
    resp = client.post(f"/budget/{world.year}/edit",
                       data=_budget_form(world, office="1", travel="29999.99", maintenance="1000000"))
    assert resp.status_code == 400
    assert "already has ¥30,000.00 approved or paid" in text(resp)
    session.expire_all()
    assert services.line_for(session, world.year, world.office.id).budget == D("500000.00")  # nothing saved


def test_budgets_stop_at_next_year(world, client, login):
    login(world.operator)
    assert client.get(f"/budget/{world.year + 2}/edit").status_code == 404
    assert client.get("/budget/1999/edit").status_code == 404


# --- the request list and its export ---------------------------------------------------------------------------------

def test_list_counts_filters_search_and_pages(world, session, client, login):
    w = world
    first = submitted(w, "150000.00", title="年度宣传片制作", payee="东莞市影视传媒有限公司")
    travel = [draft(w, "1000.00", category=w.travel, title=f"出差{i:02d}") for i in range(21)]
    maintenance = submitted(w, "8000.00", category=w.maintenance, title="空调维保", by=w.lead)
    session.commit()
    login(w.supervisor)
    page = text(client.get("/budget/requests"))
    assert re.search(r'data-state="draft">\s*Draft <span[^>]*>21<', page)
    assert "page 1 of 2" in page
    assert first.number in text(client.get("/budget/requests?q=宣传片"))
    assert first.number in text(client.get("/budget/requests?q=影视传媒"))
    assert first.number in text(client.get("/budget/requests?tier=deputy"))
    assert travel[0].number not in text(client.get("/budget/requests?tier=deputy"))
    by_pool = text(client.get("/budget/requests?pool=operations"))
    assert maintenance.number in by_pool and first.number not in by_pool
    assert "No expense requests match" in text(client.get(f"/budget/requests?category={w.publicity.id}"))
    by_category = text(client.get(f"/budget/requests?category={w.travel.id}"))
    assert re.search(r'>All <span[^>]*>21<', by_category) and first.number not in by_category
    assert "No expense requests match" in text(client.get(f"/budget/requests?year={w.year - 1}"))
    login(w.lead)
    assert maintenance.number in text(client.get("/budget/requests?mine=1"))
    assert first.number not in text(client.get("/budget/requests?mine=1"))
    for junk in ("state=x", "pool=%00", "year=99999", "tier=boss", "category=abc", "queue=x", "page=-3",
                 "q=" + "长" * 500):
        assert client.get(f"/budget/requests?{junk}").status_code == 200, junk


def test_the_export_has_the_lists_filters_and_neutralised_cells(world, session, client, login):
    w = world
    paid(w, "12000.00", title="=HYPERLINK(\"http://x\")", payee="+86 东莞")
    submitted(w, "5000.00", category=w.travel, title="北京调研差旅")
    session.commit()
    login(w.supervisor)
    resp = client.get(f"/budget/requests/export.xlsx?pool=office&category={w.office.id}")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:7] == ("申请编号", "预算年度", "经费", "支出类别", "事项", "收款方", "金额（元）")
    assert len(rows) == 2  # the travel request is filtered out
    row = rows[1]
    assert row[1:8] == (w.year, "日常办公经费", "办公费", "'=HYPERLINK(\"http://x\")", "'+86 东莞", 12000, "工作组分管领导")
    assert row[8] == "已支付" and row[14] == "HK-20260101-001"
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "export.expense_requests")) == 1


# --- the request form ------------------------------------------------------------------------------------------------

def _form(world, **over) -> dict:
    return {"year": str(world.year), "category_id": str(world.office.id), "title": "招商推介会场地租赁",
            "purpose": "第三季度招商推介会，租用会展中心B厅一天，附报价单。", "payee": "东莞会展中心有限公司",
            "amount": "45000.00", **over}


def test_a_request_from_the_form_to_payment(world, session, client, login):
    login(world.operator)
    assert "below ¥100,000.00: Work-group lead" in text(client.get("/budget/requests/new"))
    resp = client.post("/budget/requests/new", data=_form(world, amount="４５０００．００"))
    assert resp.status_code == 303
    req = session.scalar(sa.select(ExpenseRequest))
    assert (req.amount, req.tier, req.state) == (D("45000.00"), "lead", S.DRAFT)
    page = text(client.get(resp.headers["Location"]))
    assert "Submit for approval" in page and "Edit" in page
    assert client.post(f"/budget/requests/{req.id}/submit", data={"comment": "请审批"}).status_code == 303
    login(world.lead)
    page = text(client.get(f"/budget/requests/{req.id}"))
    assert "Decision at the Work-group lead tier" in page
    resp = client.post(f"/budget/requests/{req.id}/decide", data={"decision": "approve", "comment": "同意"})
    assert resp.status_code == 303
    assert "is approved; ¥45,000.00 is committed" in flashed(client)
    login(world.operator2)
    resp = client.post(f"/budget/requests/{req.id}/pay", data={"reference": "HK-2026-1108",
                                                               "paid_on": today().isoformat()})
    assert resp.status_code == 303
    session.expire_all()
    assert (req.state, req.payment_reference) == (S.PAID, "HK-2026-1108")
    page = text(client.get(f"/budget/requests/{req.id}"))
    for step in ("Drafted", "Submitted", "Approved by the work-group lead", "Paid"):
        assert step in page
    assert "Your next step" not in page


@pytest.mark.parametrize("over, field_message", [
    ({"amount": "-1"}, "greater than zero"),
    ({"amount": "12.345"}, "At most 2 decimal places"),
    ({"amount": "NaN"}, "digits and a decimal point only"),
    ({"amount": "99999999999999"}, "too large"),
    ({"amount": ""}, "Please enter a number."),
    ({"title": ""}, "Please enter a title."),
    ({"payee": ""}, "Please enter who is paid."),
    ({"category_id": "0"}, "Please choose a category from the list."),
    ({"category_id": "99999"}, "Not a valid choice"),
    ({"year": "1999"}, "Not a valid choice"),
])
def test_the_form_refuses_bad_input(world, session, client, login, over, field_message):
    login(world.lead)
    resp = client.post("/budget/requests/new", data=_form(world, **over))
    assert resp.status_code == 400
    assert field_message in text(resp)
    assert session.scalar(sa.select(sa.func.count()).select_from(ExpenseRequest)) == 0


def test_only_the_requester_edits(world, session, client, login):
    req = draft(world)
    session.commit()
    login(world.operator2)
    assert client.get(f"/budget/requests/{req.id}/edit").status_code == 403
    login(world.operator)
    resp = client.post(f"/budget/requests/{req.id}/edit", data=_form(world, amount="150000"))
    assert resp.status_code == 303
    session.expire_all()
    assert (req.amount, req.tier, req.title) == (D("150000.00"), "deputy", "招商推介会场地租赁")


# --- decisions on the page -------------------------------------------------------------------------------------------

def test_a_deputy_tier_request_waits_for_the_meeting_on_the_page(world, session, client, login):
    req = submitted(world, "100000.00")
    session.commit()
    login(world.deputy)
    page = text(client.get(f"/budget/requests/{req.id}"))
    assert "Awaiting the" in page
    resp = client.post(f"/budget/requests/{req.id}/decide", data={"decision": "approve"})
    assert resp.status_code == 409
    assert "must first be deliberated and agreed at the" in text(resp)
    session.expire_all()
    assert req.state == S.SUBMITTED
    resp = client.post(f"/budget/requests/{req.id}/decide", data={"decision": "return"})
    assert resp.status_code == 400 and "A reason is required." in text(resp)
    assert client.post(f"/budget/requests/{req.id}/decide",
                       data={"decision": "return", "comment": "请附三家比价"}).status_code == 303
    session.expire_all()
    assert req.state == S.RETURNED
    login(world.operator)
    assert "returned to you for correction" in text(client.get(f"/budget/requests/{req.id}"))


def test_the_lead_cannot_decide_a_deputy_tier_request(world, session, client, login):
    req = submitted(world, "100000.00")
    session.commit()
    login(world.lead)
    assert "Your next step" not in text(client.get(f"/budget/requests/{req.id}"))
    assert client.post(f"/budget/requests/{req.id}/decide", data={"decision": "reject", "comment": "x"}).status_code == 403


def test_bad_payments_on_the_page(world, session, client, login):
    req = approved(world)
    session.commit()
    login(world.operator)
    resp = client.post(f"/budget/requests/{req.id}/pay", data={"reference": "HK-1", "paid_on": "2099-01-01"})
    assert resp.status_code == 400 and "cannot be in the future" in text(resp)
    resp = client.post(f"/budget/requests/{req.id}/pay", data={"reference": "", "paid_on": today().isoformat()})
    assert resp.status_code == 400 and "Please enter the payment reference." in text(resp)
    resp = client.post(f"/budget/requests/{req.id}/pay", data={"reference": "HK-1", "paid_on": "2026-13-45"})
    assert resp.status_code == 400
    session.expire_all()
    assert req.state == S.APPROVED


def test_withdraw_and_cancel_on_the_page(world, session, client, login):
    mine, done = submitted(world), approved(world, "30000.00")
    session.commit()
    login(world.operator)
    assert client.post(f"/budget/requests/{mine.id}/withdraw", data={"comment": "重复提交"}).status_code == 303
    assert client.post(f"/budget/requests/{done.id}/cancel", data={"comment": ""}).status_code == 303
    assert "A reason is required." in flashed(client)
    assert client.post(f"/budget/requests/{done.id}/cancel", data={"comment": "活动取消"}).status_code == 303
    session.expire_all()
    assert (mine.state, done.state) == (S.WITHDRAWN, S.WITHDRAWN)
    assert services.line_for(session, world.year, world.office.id).committed == D("0.00")
