"""The assessment documents on demand: a result's report and 优秀 certificate, a rectification
notice (the owning company's members and staff readers), the campaign's ranking table and Excel
export (staff readers). PDFs are issued through certificates and an export is an audit event, so a
GET may write and commits."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user, login_required

from ..certificates.views import _send_pdf
from ..core.excel import send_export
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_READERS, Role
from ..db import db
from . import documents, exports, reports
from .models import Campaign, Grade, Rectification, Result
from .views import bp, campaign_filings, filing_filters, ranking_query


def _owned(company_id: int, visible: bool = True) -> None:
    """Staff readers pass; the company's own members when it may see the thing; other companies'
    members get 404, anyone else 403."""
    if current_user.is_staff_reader:
        return
    if not current_user.has_role(Role.COMPANY):
        abort(403)
    if current_user.company_id != company_id or not visible:
        abort(404)


def _readable_result(result_id: int) -> Result:
    result = get_or_404(db.session, Result, result_id)
    _owned(result.company_id, reports.is_visible_to_company(result))  # unpublished results do not exist for them
    return result


def _sent(doc):
    db.session.commit()
    return _send_pdf(doc, inline=True)


@bp.get("/results/<int:result_id>/report.pdf")
@login_required
def report_pdf(result_id: int):
    result = _readable_result(result_id)
    return _sent(documents.issue_report(db.session, current_user, result))


@bp.get("/results/<int:result_id>/certificate.pdf")
@login_required
def certificate_pdf(result_id: int):
    result = _readable_result(result_id)
    return _sent(documents.issue_certificate(db.session, current_user, result))


@bp.get("/rectifications/<int:rect_id>/notice.pdf")
@login_required
def rectification_pdf(rect_id: int):
    rect = get_or_404(db.session, Rectification, rect_id)
    _owned(rect.company_id)
    return _sent(documents.issue_rectification_notice(db.session, current_user, rect))


@bp.get("/campaigns/<int:campaign_id>/ranking.pdf")
@roles_required(*STAFF_READERS)
def ranking_pdf(campaign_id: int):
    campaign = get_or_404(db.session, Campaign, campaign_id)
    return _sent(documents.issue_ranking(db.session, current_user, campaign))


@bp.get("/campaigns/<int:campaign_id>/export.xlsx")
@roles_required(*STAFF_READERS)
def campaign_export(campaign_id: int):
    """The filings as the campaign page filters them (state or queue, company search) and the
    results as the ranking page does (grade)."""
    campaign = get_or_404(db.session, Campaign, campaign_id)
    f = {**filing_filters(request.args), "grade": Grade.from_arg(request.args.get("grade"))}
    results = ranking_query(campaign, f["grade"])
    return send_export(db.session, current_user, "assessment_campaign", campaign_filings(campaign, f),
                       lambda filings: exports.campaign_workbook(campaign, filings, db.session.scalars(results).all()),
                       filename=f"绩效考核-{campaign.year}-{campaign.id}", filters=f, obj=campaign,
                       back=url_for("assessment.campaign", campaign_id=campaign.id, **request.args.to_dict()))
