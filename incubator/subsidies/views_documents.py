"""The subsidy documents on demand: a claim's approval form and payment statement, a batch's
public-notice list (PDFs issued through certificates, so a GET may write and commits) and the
batch's Excel export (an audit event, so it commits too)."""
from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user, login_required

from ..certificates.views import _send_pdf
from ..core.excel import send_export
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_READERS, Role
from ..db import db
from . import documents, exports
from .models import SubsidyBatch, SubsidyClaim
from .views import bp


def _readable_claim(claim_id: int) -> SubsidyClaim:
    """Staff readers and the claiming company's members; other companies get 404, anyone else 403."""
    claim = get_or_404(db.session, SubsidyClaim, claim_id)
    if current_user.is_staff_reader:
        return claim
    if current_user.has_role(Role.COMPANY):
        if current_user.company_id == claim.company_id:
            return claim
        abort(404)
    abort(403)


def _sent(doc):
    db.session.commit()
    return _send_pdf(doc, inline=True)


@bp.get("/claims/<int:claim_id>/approval.pdf")
@login_required
def claim_pdf(claim_id: int):
    claim = _readable_claim(claim_id)
    return _sent(documents.issue_approval_form(db.session, current_user, claim))


@bp.get("/claims/<int:claim_id>/statement.pdf")
@login_required
def payment_statement_pdf(claim_id: int):
    claim = _readable_claim(claim_id)
    return _sent(documents.issue_payment_statement(db.session, current_user, claim))


@bp.get("/batches/<int:batch_id>/notice.pdf")
@login_required
def batch_notice_pdf(batch_id: int):
    """Public once the notice has started: any company member may read it then (a batch not yet
    published is not found for them)."""
    batch = get_or_404(db.session, SubsidyBatch, batch_id)
    if not current_user.is_staff_reader:
        if not current_user.has_role(Role.COMPANY):
            abort(403)
        if batch.state not in documents.PUBLIC:
            abort(404)
    return _sent(documents.issue_notice_list(db.session, current_user, batch))


@bp.get("/batches/<int:batch_id>/export.xlsx")
@roles_required(*STAFF_READERS)
def batch_export(batch_id: int):
    batch = get_or_404(db.session, SubsidyBatch, batch_id)
    return send_export(db.session, current_user, "subsidy_batch", exports.batch_claims(batch),
                       lambda claims: exports.batch_workbook(db.session, claims), filename=f"补贴批次-{batch.number}",
                       filters={"batch": batch.number}, back=url_for("subsidies.batch", batch_id=batch.id), obj=batch)
