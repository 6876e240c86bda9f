"""The exit documents on demand: a case's 退出通知书, 毕业证书 and 退出结算单 (staff readers and the
exiting company's own members) and the Excel list of a year's exits (staff readers). PDFs are
issued through certificates, so a GET may write and commits."""
from __future__ import annotations

import io

from flask import abort, request, send_file
from flask_login import current_user, login_required

from ..certificates.views import _send_pdf
from ..core.formatting import today
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_READERS, Role
from ..db import db
from ..spaces.rules import int_arg
from . import documents
from .models import ExitCase
from .views import bp


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
    """?year=2026 (the exit date's year); the current year when missing or out of range."""
    year = int_arg(request.args.get("year"))
    year = year if year and 2000 <= year <= 2100 else today().year
    resp = send_file(io.BytesIO(documents.export_year(db.session, year)), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"退出企业-{year}.xlsx")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
