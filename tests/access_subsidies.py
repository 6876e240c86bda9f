"""Access-matrix rows and world objects for the rent ledger, funds and subsidies (issue #4).

Company A ("owner") has a submitted rent claim in an open batch, a charge on its lease and a
clawback; test_access_matrix.py merges ROWS into its MATRIX and `build` into its world."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from incubator.funds.models import FundPool, FundProgram, FundSource
from incubator.leases.models import RentCharge
from incubator.subsidies.models import (
    BatchState,
    ClaimState,
    Clawback,
    ClawbackReason,
    Objection,
    SubsidyBatch,
    SubsidyClaim,
    SubsidyPolicy,
)

READERS = {"operator", "lead", "deputy", "commander", "supervisor", "admin"}
EDITORS = {"operator", "admin"}
MEMBERS = {"owner", "other"}
DECIDERS = EDITORS | {"lead", "deputy", "commander"}


def rows(row) -> dict:
    return {
        "leases.arrears": row("/leases/arrears", READERS),
        "leases.arrears_export": row("/leases/arrears/export.xlsx", READERS),
        "leases.generate_charges": row("/leases/{lease}/charges", EDITORS, "POST"),
        "leases.record_payment": row("/leases/{lease}/charges/{charge}/payments", EDITORS, "POST"),
        "leases.renew": row("/leases/{lease}/renew", EDITORS, "POST"),
        "funds.index": row("/funds/", READERS),
        "funds.pool": row("/funds/pools/{pool}", READERS),
        "funds.pool_export": row("/funds/pools/{pool}/export.xlsx", READERS),
        "funds.new_pool": row("/funds/pools/new", EDITORS),
        "funds.new_pool:POST": row("/funds/pools/new", EDITORS, "POST"),
        "funds.new_program": row("/funds/programs/new", EDITORS),
        "funds.new_program:POST": row("/funds/programs/new", EDITORS, "POST"),
        "funds.edit_program": row("/funds/programs/{program}/edit", EDITORS),
        "funds.edit_program:POST": row("/funds/programs/{program}/edit", EDITORS, "POST"),
        "funds.allocate": row("/funds/pools/{pool}/allocate", EDITORS, "POST"),
        "subsidies.batches": row("/subsidies/", READERS),
        "subsidies.batches_export": row("/subsidies/batches/export.xlsx", READERS),
        "subsidies.new_batch": row("/subsidies/batches/new", EDITORS),
        "subsidies.new_batch:POST": row("/subsidies/batches/new", EDITORS, "POST"),
        "subsidies.batch": row("/subsidies/batches/{batch}", READERS),
        "subsidies.batch_step": row("/subsidies/batches/{batch}/close_intake", EDITORS, "POST"),
        "subsidies.record_objection": row("/subsidies/batches/{batch}/objections", EDITORS, "POST"),
        "subsidies.resolve_objection": row("/subsidies/objections/{objection}/resolve", EDITORS, "POST"),
        "subsidies.batch_notice_pdf": row("/subsidies/batches/{batch}/notice.pdf", READERS),  # public once noticed
        "subsidies.batch_export": row("/subsidies/batches/{batch}/export.xlsx", READERS),
        "subsidies.claims": row("/subsidies/claims", READERS),
        "subsidies.claims_export": row("/subsidies/claims/export.xlsx", READERS),
        "subsidies.claim": row("/subsidies/claims/{claim}", READERS | {"owner"}),
        # the decorator lets deciders in; returning a claim is the operator's (the service refuses the tiers)
        "subsidies.claim_step": row("/subsidies/claims/{claim}/return", EDITORS, "POST"),
        "subsidies.claim_pdf": row("/subsidies/claims/{claim}/approval.pdf", READERS | {"owner"}),
        "subsidies.payment_statement_pdf": row("/subsidies/claims/{claim}/statement.pdf", READERS | {"owner"}),
        "subsidies.my_claims": row("/subsidies/mine", MEMBERS),
        "subsidies.apply": row("/subsidies/batches/{batch}/apply", MEMBERS, "POST"),
        "subsidies.save_claim": row("/subsidies/claims/{claim}/save", {"owner"}, "POST"),
        "subsidies.upload_evidence": row("/subsidies/claims/{claim}/evidence", {"owner"}, "POST"),
        "subsidies.submit_claim": row("/subsidies/claims/{claim}/submit", {"owner"}, "POST"),
        "subsidies.withdraw_claim": row("/subsidies/claims/{claim}/withdraw", {"owner"}, "POST"),
        "subsidies.policies": row("/subsidies/policies", READERS),
        "subsidies.policy": row("/subsidies/policies/version/{subsidy_policy}", READERS),
        "subsidies.new_policy": row("/subsidies/policies/1/new", EDITORS),
        "subsidies.new_policy:POST": row("/subsidies/policies/1/new", EDITORS, "POST"),
        "subsidies.calculator": row("/subsidies/calculator", READERS | MEMBERS),
        "subsidies.clawbacks": row("/subsidies/clawbacks", READERS),
        "subsidies.clawbacks_export": row("/subsidies/clawbacks/export.xlsx", READERS),
        "subsidies.clawback": row("/subsidies/clawbacks/{clawback}", READERS | {"owner"}),
        "subsidies.new_clawback": row("/subsidies/clawbacks/new", EDITORS),
        "subsidies.new_clawback:POST": row("/subsidies/clawbacks/new", EDITORS, "POST"),
        "subsidies.repay_clawback": row("/subsidies/clawbacks/{clawback}/repay", EDITORS, "POST"),
        "subsidies.waive_clawback": row("/subsidies/clawbacks/{clawback}/waive", {"commander"}, "POST"),
    }


def build(session, company, lease) -> dict:
    """A programme and pool, an open rent batch, company A's submitted claim, an objection, a
    clawback and a charge on its lease."""
    program = FundProgram(name="访问矩阵专项经费", config={"phase_cap": "10000000", "max_city_phases": 3,
                                                         "matching_ratio": "1"})
    pool = FundPool(program=program, source=FundSource.CITY, phase=1, name="市专项一期",
                    allocated=Decimal("1000000.00"), opened_on=dt.date(2026, 1, 1))
    session.add_all([program, pool])
    session.flush()
    policy = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == 1,
                                                           SubsidyPolicy.version == 1))
    today = dt.date.today()
    batch = SubsidyBatch(number="PC-T-01", name="测试批次", support_type_id=1, fund_pool_id=pool.id,
                         intake_opens_on=today - dt.timedelta(days=10), intake_closes_on=today + dt.timedelta(days=20),
                         period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), state=BatchState.OPEN)
    session.add(batch)
    session.flush()
    claim = SubsidyClaim(number="BT-T-0001", batch_id=batch.id, company_id=company.id, policy_id=policy.id,
                         state=ClaimState.SUBMITTED)
    objection = Objection(batch_id=batch.id, raised_by="匿名", received_on=today, content="对名单有异议")
    clawback = Clawback(number="ZH-T-0001", company_id=company.id, reason=ClawbackReason.BREACH, trigger_on=today,
                        amount=Decimal("1000.00"), basis={"claims": [], "total": "1000.00"})
    charge = RentCharge(lease_id=lease.id, company_id=company.id, period_start=dt.date(2026, 1, 1),
                        period_end=dt.date(2026, 1, 31), due_on=dt.date(2026, 1, 11), rent_per_m2=lease.rent_per_m2,
                        rent=Decimal("3000.00"), property_fee=Decimal("300.00"))
    session.add_all([claim, objection, clawback, charge])
    session.flush()
    return {"program": program.id, "pool": pool.id, "batch": batch.id, "claim": claim.id,
            "objection": objection.id, "clawback": clawback.id, "charge": charge.id, "subsidy_policy": policy.id}
