"""The audit log's export: the page's filters and order; exporting is itself an audit event."""
from __future__ import annotations

import datetime as dt

from incubator.audit.services import record
from incubator.core.formatting import today
from incubator.core.roles import Role

from ..factories import make_company, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, read


def test_audit_log_export(client, login, session):
    operator = make_user(session, Role.OPERATOR, username="wangmin")
    lead = make_user(session, Role.LEAD, username="liuyang")
    company = make_company(session, name="东莞甲科技有限公司")
    record(session, operator, "company.create", company, after={"name": company.name}, summary=company.name)
    record(session, lead, "lease.sign", object_type="leases", object_id=7, summary=EVIL[0])
    record(session, operator, "company.update", company, before={"headcount": 10}, after={"headcount": 12},
           summary="从业人数 10 → 12")
    session.commit()
    login(make_user(session, Role.SUPERVISOR, username="jiandu"))

    ws, rows = read(client.get("/audit/export.xlsx?action=company."))
    assert ws.title == "审计日志"
    assert [(r["操作"], r["操作人"], r["对象类型"], r["对象编号"], r["企业编号"], r["摘要"], r["变更前"], r["变更后"])
            for r in rows] == [
        ("company.update", "wangmin", "companies", company.id, company.id, "从业人数 10 → 12", '{"headcount": 10}',
         '{"headcount": 12}'),
        ("company.create", "wangmin", "companies", company.id, company.id, company.name, None,
         '{"name": "东莞甲科技有限公司"}')]  # newest first, as the page
    assert rows[0]["序号"] == rows[1]["序号"] + 2 and rows[0]["时间"].date() == today()  # lease.sign between

    ws, rows = read(client.get("/audit/export.xlsx?actor=liuyang"))
    assert [r["操作"] for r in rows] == ["lease.sign"]
    assert_neutralised(ws, EVIL[0])
    _ws, rows = read(client.get(f"/audit/export.xlsx?object_type=companies&company_id={company.id}"
                                f"&from={today().isoformat()}&to={today().isoformat()}"))
    assert [r["操作"] for r in rows] == ["company.update", "company.create"]
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    assert read(client.get(f"/audit/export.xlsx?from={tomorrow}"))[1] == []
    # each export was recorded, with who asked and for what
    entries = audit_entries(session, "export.audit")
    assert [e.actor_name for e in entries] == ["jiandu"] * 4
    assert entries[2].after == {"filters": {"object_type": "companies", "company_id": company.id,
                                            "from": today().isoformat(), "to": today().isoformat()}, "rows": 2}
    # the export of everything now lists those exports too
    _ws, rows = read(client.get("/audit/export.xlsx?action=export."))
    assert [r["操作"] for r in rows] == ["export.audit"] * 4
