"""The exits list's export (it existed, by year only): now every filter of the list — search,
state, kind, year — in the list's order."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from incubator.core.roles import Role
from incubator.exits.models import BreachType, ExitCase, ExitKind, ExitOrigin, ExitPolicy
from incubator.exits.models import ExitState as S

from ..factories import make_company, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, order_on_page, read


def test_export_honours_every_filter_of_the_list(client, login, session):
    policy = session.scalar(sa.select(ExitPolicy).where(ExitPolicy.version == 1))

    def case(number, name, kind, state, exit_on, **kw):
        made = ExitCase(number=number, company_id=make_company(session, name=name).id, policy_id=policy.id, kind=kind,
                        origin=ExitOrigin.OPERATOR, reason="退出事由", state=state, planned_exit_on=exit_on, **kw)
        session.add(made)
        session.flush()

    case("TC-X-0001", "东莞甲科技有限公司", ExitKind.VOLUNTARY, S.EXECUTED, dt.date(2026, 6, 15),
         executed_on=dt.date(2026, 6, 15))
    case("TC-X-0002", EVIL[0], ExitKind.BREACH, S.PROPOSED, dt.date(2026, 12, 31), breach_type=BreachType.SUBLET)
    case("TC-X-0003", "东莞乙科技有限公司", ExitKind.GRADUATION, S.APPROVED, dt.date(2025, 10, 31))
    login(make_user(session, Role.COMMANDER))

    def numbers(query=""):
        return [r["案件编号"] for r in read(client.get("/exits/export.xlsx" + query))[1]]

    assert numbers() == ["TC-X-0003", "TC-X-0002", "TC-X-0001"]  # newest first, as the list
    page = client.get("/exits/").text
    assert order_on_page(page, ["TC-X-0001", "TC-X-0002", "TC-X-0003"]) == ["TC-X-0003", "TC-X-0002", "TC-X-0001"]
    assert numbers("?year=2026") == ["TC-X-0002", "TC-X-0001"]
    assert numbers("?kind=breach") == ["TC-X-0002"]
    assert numbers("?state=executed") == ["TC-X-0001"]
    assert numbers("?q=甲科技") == ["TC-X-0001"]
    assert numbers("?year=2026&kind=voluntary&state=executed") == ["TC-X-0001"]
    assert numbers("?year=2025&kind=breach") == []

    ws, rows = read(client.get("/exits/export.xlsx?year=2026"))
    assert ws.title == "2026年退出"
    assert (rows[1]["企业名称"], rows[1]["退出日期"], rows[1]["执行日期"], rows[1]["结算净额（正数为企业应付）"]) == (
        "东莞甲科技有限公司", dt.datetime(2026, 6, 15), dt.datetime(2026, 6, 15), None)  # no settlement: no figures
    assert_neutralised(ws, EVIL[0])
    assert read(client.get("/exits/export.xlsx"))[0].title == "退出企业"
    assert audit_entries(session, "export.exits")[-1].after == {"filters": {}, "rows": 3}
    assert audit_entries(session, "export.exits")[-2].after == {"filters": {"year": 2026}, "rows": 2}
