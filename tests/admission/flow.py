"""Helpers shared by the admission tests: the application's data, materials as tiny real PDFs,
and `drive` which takes an application through the services to any state."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from werkzeug.datastructures import FileStorage

from incubator.admission import services
from incubator.admission.models import ApplicationState as S
from incubator.companies.models import IndustryTrack
from incubator.core.system import SYSTEM
from incubator.demo import tiny_pdf
from incubator.documents.services import upload_document
from incubator.spaces.models import UnitType

# a passing sheet: 80 of 100
GOOD_SCORES = {"technology": Decimal("20"), "team": Decimal("16"), "fit": Decimal("16"), "market": Decimal("12"),
               "operations": Decimal("8"), "contribution": Decimal("8")}
MINUTES = "综合统筹组会同市科技局联合评审：项目技术领先，同意入驻。"


def application_data(carrier_id: int, **kw) -> dict:
    data = dict(carrier_id=carrier_id, track=IndustryTrack.DIGITAL, unit_type=UnitType.OFFICE,
                area_requested=Decimal("200.00"), project_name="工业视觉质检平台",
                project_summary="基于深度学习的工业视觉缺陷检测平台。", team_summary="核心团队8人，博士2人。",
                ip_summary="发明专利2项，软件著作权5项。", revenue_last_year=Decimal("3200000.00"),
                tax_last_year=Decimal("150000.00"), rd_expense_last_year=Decimal("900000.00"),
                financing_total=Decimal("5000000.00"), expected_jobs=30, will_move_registration=True,
                agent_id=None)
    data.update(kw)
    return data


def pdf_upload(name: str) -> FileStorage:
    return FileStorage(io.BytesIO(tiny_pdf(f"material {name}")), f"{name}.pdf")


def upload_materials(session, actor, app, keys=None) -> None:
    """Upload one PDF for each checklist item (the required ones unless `keys` is given)."""
    items = services.materials(session, app)
    keys = keys if keys is not None else [i["key"] for i in items if i.get("required")]
    for key in keys:
        upload_document(session, actor, app.company, category=key, title=key, file_storage=pdf_upload(key),
                        subject_type=services.SUBJECT, subject_id=app.id)


# states in the order `drive` reaches them
PATH = [S.SUBMITTED, S.ACCEPTED, S.EXPERT_REVIEW, S.JOINT_REVIEW, S.DECISION]


def drive(session, w, app, target: S, admit: bool = True, member=None):
    """Take a draft application (with its materials) to `target` through the services, as the
    people of the world `w` (member, operator, reviewers, lead, deputy) would."""
    member = member or w.member
    if target == S.DRAFT:
        return app
    if target == S.WITHDRAWN:
        return services.withdraw_application(session, member, app, "不再需要")
    services.submit_application(session, member, app)
    if target in (S.RETURNED, S.RESUBMITTED, S.LAPSED):
        services.return_application(session, w.operator, app, "请补正材料", {"business_plan": "商业计划书缺少财务预测"})
        if target == S.RESUBMITTED:
            services.submit_application(session, member, app)
        elif target == S.LAPSED:
            services.lapse_overdue(session, SYSTEM, on=app.supplement_due_on + dt.timedelta(days=1))
        return app
    if target == S.SUBMITTED:
        return app
    services.accept_application(session, w.operator, app)
    if target == S.ACCEPTED:
        return app
    services.assign_reviewers(session, w.operator, app, [r.id for r in w.reviewers])
    services.start_review(session, w.operator, app)
    if target == S.EXPERT_REVIEW:
        return app
    for reviewer, assignment in zip(w.reviewers, app.assignments, strict=True):
        services.declare_interest(session, reviewer, assignment, conflict=False)
        services.save_scores(session, reviewer, assignment, GOOD_SCORES, {}, "整体良好", submit=True)
    services.close_review(session, w.operator, app)
    if target == S.JOINT_REVIEW:
        return app
    services.recommend(session, w.lead, app, recommendation="admit" if admit else "reject", minutes=MINUTES)
    if target == S.DECISION:
        return app
    services.decide(session, w.deputy, app, admit=target == S.ADMITTED,
                    reason="同意入驻" if target == S.ADMITTED else "与社区产业方向契合度不足")
    return app


def new_applicant(session, w, name: str, materials: bool = True, **data):
    """Another applicant company with a member and a draft application in the world's KC."""
    from incubator.companies.models import CompanyStatus
    from incubator.core.formatting import today
    from incubator.core.roles import Role

    from ..factories import make_company, make_user

    company = make_company(session, name=name, status=CompanyStatus.APPLICANT,
                           founded_on=today() - dt.timedelta(days=300))
    member = make_user(session, Role.COMPANY, company=company)
    app = services.create_application(session, member, company, application_data(w.kc.id, **data))
    if materials:
        upload_materials(session, member, app)
    return app, member
