"""The assessment documents on demand: a result's report and 优秀 certificate, a rectification
notice (the owning company's members and staff readers), the campaign's ranking table and Excel
export (staff readers). PDFs are issued through certificates, so a GET may write and commits."""
from __future__ import annotations

import io

from flask import abort, send_file
from flask_login import current_user, login_required

from ..certificates.views import _send_pdf
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_READERS, Role
from ..db import db
from . import documents, reports
from .models import Campaign, Rectification, Result
from .views import bp


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
    campaign = get_or_404(db.session, Campaign, campaign_id)
    resp = send_file(io.BytesIO(documents.export_campaign(db.session, campaign)), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"绩效考核-{campaign.year}-{campaign.id}.xlsx")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
