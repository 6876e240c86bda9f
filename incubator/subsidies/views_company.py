"""The claiming company's pages: the batches it may apply to and its claims, and the changes it
makes on its claim page (remarks, declared amount, payment evidence, submit, withdraw).

Only company members use them (staff get 403); another company's claim is a 404."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import defer, lazyload

from ..companies.models import Company, CompanyStatus
from ..core.errors import DomainError
from ..core.formatting import today
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import Role
from ..db import db
from . import forms, services
from .models import BatchState as B
from .models import ClaimState as C
from .models import SubsidyBatch, SubsidyClaim
from .views import bp, refused_form, render_claim


def _own_company() -> Company:
    if not current_user.company_id:
        abort(404)
    return get_or_404(db.session, Company, current_user.company_id)


def _own_claim(claim_id: int) -> SubsidyClaim:
    """The member's own claim to change (404 for anyone else's; 403 once the company left)."""
    claim = get_or_404(db.session, SubsidyClaim, claim_id)
    if claim.company_id != current_user.company_id:
        abort(404)
    if not claim.company.is_active_member_company:
        abort(403)
    return claim


def _to_claim(claim: SubsidyClaim, anchor: str | None = None):
    return redirect(url_for("subsidies.claim", claim_id=claim.id, _anchor=anchor), 303)


def _refused(claim_id: int, exc: DomainError):
    """The claim page again with the reason and a 4xx (nothing was changed)."""
    db.session.rollback()
    if exc.status_code in (403, 404):
        abort(exc.status_code)
    flash(exc.message, "danger")
    return render_claim(get_or_404(db.session, SubsidyClaim, claim_id), exc.status_code)


@bp.get("/mine")
@roles_required(Role.COMPANY)
def my_claims():
    company = _own_company()
    day = today()
    stmt = (sa.select(SubsidyClaim).where(SubsidyClaim.company_id == company.id)
            .options(lazyload(SubsidyClaim.policy), lazyload(SubsidyClaim.company), defer(SubsidyClaim.calculation))
            .order_by(SubsidyClaim.id.desc()))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    open_batches = []
    if company.status == CompanyStatus.TENANT:
        claimed = sa.select(SubsidyClaim.batch_id).where(SubsidyClaim.company_id == company.id)
        open_batches = db.session.scalars(sa.select(SubsidyBatch).where(
            SubsidyBatch.state == B.OPEN, SubsidyBatch.intake_opens_on <= day, SubsidyBatch.intake_closes_on >= day,
            SubsidyBatch.id.not_in(claimed)).order_by(SubsidyBatch.intake_closes_on, SubsidyBatch.id)).all()
    return render_template("subsidies/company/mine.html", company=company, page=page, open_batches=open_batches,
                           tenant=company.status == CompanyStatus.TENANT)


@bp.post("/batches/<int:batch_id>/apply")
@roles_required(Role.COMPANY)
def apply(batch_id: int):
    batch = get_or_404(db.session, SubsidyBatch, batch_id)
    claim = services.start_claim(db.session, current_user, batch)
    db.session.commit()
    flash(_("Claim %(number)s was started. Check the amount computed from your rent ledger, upload the payment "
            "evidence and submit.", number=claim.number), "success")
    return _to_claim(claim)


@bp.post("/claims/<int:claim_id>/save")
@roles_required(Role.COMPANY)
def save_claim(claim_id: int):
    claim = _own_claim(claim_id)
    form = forms.ClaimForm()
    if not form.validate():
        return render_claim(claim, 400, claim_form=form)
    try:
        services.save_claim(db.session, current_user, claim, remarks=form.remarks.data,
                            declared_amount=form.declared_amount.data)
    except DomainError as exc:
        return render_claim(_own_claim(claim_id), refused_form(form, exc), claim_form=form)
    db.session.commit()
    flash(_("Saved."), "success")
    return _to_claim(claim)


@bp.post("/claims/<int:claim_id>/evidence")
@roles_required(Role.COMPANY)
def upload_evidence(claim_id: int):
    claim = _own_claim(claim_id)
    form = forms.EvidenceForm()
    if not form.validate():
        return render_claim(claim, 400, evidence_form=form)
    try:
        document = services.upload_evidence(db.session, current_user, claim, form.file.data)
    except DomainError as exc:
        return render_claim(_own_claim(claim_id), refused_form(form, exc), evidence_form=form)
    db.session.commit()
    flash(_("%(name)s was uploaded.", name=document.current.display_name), "success")
    return _to_claim(claim, "evidence")


@bp.post("/claims/<int:claim_id>/submit")
@roles_required(Role.COMPANY)
def submit_claim(claim_id: int):
    claim = _own_claim(claim_id)
    resubmit = claim.state == C.RETURNED
    try:
        (services.resubmit if resubmit else services.submit)(db.session, current_user, claim)
    except DomainError as exc:
        return _refused(claim_id, exc)
    db.session.commit()
    flash(_("The claim was resubmitted.") if resubmit else
          _("The claim was submitted. The operator will check it."), "success")
    return _to_claim(claim)


@bp.post("/claims/<int:claim_id>/withdraw")
@roles_required(Role.COMPANY)
def withdraw_claim(claim_id: int):
    claim = _own_claim(claim_id)
    form = forms.WithdrawForm()
    if not form.validate():
        return render_claim(claim, 400, withdraw_form=form)
    try:
        services.withdraw(db.session, current_user, claim, form.reason.data)
    except DomainError as exc:
        return _refused(claim_id, exc)
    db.session.commit()
    flash(_("The claim was withdrawn."), "success")
    return _to_claim(claim)
