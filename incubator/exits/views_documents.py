"""The exit documents on demand: a case's 退出通知书, 毕业证书 and 退出结算单 (staff readers and the
exiting company's own members) and the Excel list of exits (staff readers). PDFs are issued
through certificates and an export is an audit event, so a GET may write and commits."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import lazyload

from ..certificates.views import _send_pdf
from ..core.excel import send_export
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_READERS, Role
from ..db import db
from . import documents, exports
from .models import ExitCase
from .views import _filters, _query, bp


def _readable(case_id: int) -> ExitCase:
    """Staff readers, and the members of the exiting company; another company's members get 404,
    anyone else 403."""
    case = get_or_404(db.session, ExitCase, case_id)
    if current_user.is_staff_reader:
        return case
    if not current_user.has_role(Role.COMPANY):
        abort(403)
    if current_user.company_id != case.company_id:
        abort(404)
    return case


def _sent(doc):
    db.session.commit()
    return _send_pdf(doc, inline=True)


@bp.get("/<int:case_id>/notice.pdf")
@login_required
def notice_pdf(case_id: int):
    return _sent(documents.issue_notice(db.session, current_user, _readable(case_id)))


@bp.get("/<int:case_id>/certificate.pdf")
@login_required
def certificate_pdf(case_id: int):
    return _sent(documents.issue_certificate(db.session, current_user, _readable(case_id)))


@bp.get("/<int:case_id>/settlement.pdf")
@login_required
def settlement_pdf(case_id: int):
    return _sent(documents.issue_settlement(db.session, current_user, _readable(case_id)))


@bp.get("/export.xlsx")
@roles_required(*STAFF_READERS)
def export():
    """The staff list as a workbook: its filters (q, state, kind, year of the exit date) and order."""
    f = _filters(request.args)
    return send_export(db.session, current_user, "exits", _query(f).options(lazyload(ExitCase.policy)),
                       lambda cases: exports.cases_workbook(db.session, cases, f["year"]), filename="退出企业",
                       filters=f, back=url_for("exits.index", **request.args.to_dict()))
