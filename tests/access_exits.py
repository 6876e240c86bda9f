"""Access-matrix rows and world objects for exits and graduation (issue #6).

Company A ("owner") has a proposed breach exit case; test_access_matrix.py merges ROWS into its
MATRIX and `build` into its world."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from incubator.exits.models import BreachType, ExitCase, ExitKind, ExitOrigin, ExitPolicy, ExitState

READERS = {"operator", "lead", "deputy", "commander", "supervisor", "admin"}
EDITORS = {"operator", "admin"}
MEMBERS = {"owner", "other"}


def rows(row) -> dict:
    case = "/exits/{exit_case}"
    return {
        "exits.index": row("/exits/", READERS),
        "exits.export": row("/exits/export.xlsx", READERS),
        "exits.propose_now": row("/exits/propose-now", EDITORS, "POST"),
        "exits.new": row("/exits/new", EDITORS),
        "exits.new:POST": row("/exits/new", EDITORS, "POST"),
        "exits.case": row(case, READERS | {"owner"}),
        "exits.add_evidence": row(case + "/evidence", EDITORS | {"owner"}, "POST"),
        "exits.prepare": row(case + "/settlement", EDITORS),
        "exits.prepare:POST": row(case + "/settlement", EDITORS, "POST"),
        "exits.review": row(case + "/review", {"lead"}, "POST"),
        "exits.send_back": row(case + "/send-back", {"lead", "commander"}, "POST"),
        "exits.decide": row(case + "/decide", {"commander"}, "POST"),
        "exits.archive": row(case + "/archive", EDITORS, "POST"),
        # the case is the operator's (a breach): only its own request may a company withdraw
        "exits.withdraw": row(case + "/withdraw", EDITORS | {"commander"}, "POST"),
        "exits.execute": row(case + "/execute", EDITORS),
        "exits.execute:POST": row(case + "/execute", EDITORS, "POST"),
        "exits.notice_pdf": row(case + "/notice.pdf", READERS | {"owner"}),
        "exits.certificate_pdf": row(case + "/certificate.pdf", READERS | {"owner"}),
        "exits.settlement_pdf": row(case + "/settlement.pdf", READERS | {"owner"}),
        "exits.mine": row("/exits/mine", MEMBERS),
        "exits.request_exit": row("/exits/request", MEMBERS),
        "exits.request_exit:POST": row("/exits/request", MEMBERS, "POST"),
        "exits.respond": row(case + "/respond", {"owner"}, "POST"),
    }


def build(session, company) -> dict:
    policy = session.scalar(sa.select(ExitPolicy).where(ExitPolicy.version == 1))
    case = ExitCase(number="TC-T-0001", company_id=company.id, policy_id=policy.id, kind=ExitKind.BREACH, breach_type=list(BreachType)[0],
                    origin=ExitOrigin.OPERATOR, reason="擅自转租", state=ExitState.PROPOSED,
                    planned_exit_on=dt.date.today() + dt.timedelta(days=30))
    session.add(case)
    session.flush()
    return {"exit_case": case.id}
