"""A result with its breakdown (staff; the owning company once published), appeals and their
decision, and the consequences: rectification notices and exit proposals."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..companies.models import Company
from ..core.errors import DomainError
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..db import db
from ..spaces.rules import normalize_text
from ..spaces.services import named_history
from . import consequences as cq
from . import reports
from .forms import AppealForm, NoteForm, decide_appeal_form
from .models import (
    Appeal,
    AppealState,
    ExitProposal,
    ExitProposalState,
    Rectification,
    RectificationState,
    Result,
)
from .views import bp
from .workflow import APPEAL, EXIT_PROPOSAL, RECTIFICATION


def _load(result_id: int) -> tuple[Result, str]:
    """staff | owner (only once the campaign is published); anyone else 404."""
    result = get_or_404(db.session, Result, result_id)
    if current_user.is_staff_reader:
        return result, "staff"
    if (current_user.has_role(Role.COMPANY) and current_user.company_id == result.company_id
            and reports.is_visible_to_company(result)):
        return result, "owner"
    abort(404)


def _render(result: Result, viewer: str, status: int = 200, **forms):
    report = reports.company_report(db.session, result)
    appeal = report["appeal"]
    if viewer == "owner" and appeal is None and cq.may_appeal(result) and "appeal_form" not in forms:
        forms["appeal_form"] = AppealForm(formdata=None)
    if (appeal is not None and APPEAL.available(db.session, current_user, appeal)
            and "decide_form" not in forms):
        forms["decide_form"] = decide_appeal_form(result.campaign.scheme.config["indicators"], formdata=None)
    rects = db.session.scalars(sa.select(Rectification).where(Rectification.company_id == result.company_id,
                                                              Rectification.result_id.in_(
                                                                  [r.id for r in report["revisions"]]))).all()
    proposals = db.session.scalars(sa.select(ExitProposal).where(
        ExitProposal.result_id.in_([r.id for r in report["revisions"]]))).all()
    editor = viewer == "staff" and current_user.has_role(*STAFF_EDITORS)
    may_propose_exit = (editor and result.current and result.grade.value == "fail"
                        and reports.is_visible_to_company(result)
                        and not any(p.state == ExitProposalState.OPEN for p in proposals))
    return render_template("assessment/result.html", r=result, viewer=viewer, report=report, rects=rects,
                           proposals=proposals, may_propose_exit=may_propose_exit, editor=editor,
                           note_form=NoteForm(formdata=None),
                           rect_actions={x.id: RECTIFICATION.available(db.session, current_user, x) for x in rects},
                           proposal_actions={p.id: EXIT_PROPOSAL.available(db.session, current_user, p)
                                             for p in proposals},
                           appeal_events=named_history(db.session, APPEAL.name, appeal.id) if appeal else [],
                           **forms), status


@bp.get("/results/<int:result_id>")
@login_required
def result(result_id: int):
    r, viewer = _load(result_id)
    return _render(r, viewer)


def _to_result(r: Result, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("assessment.result", result_id=r.id), 303)


@bp.post("/results/<int:result_id>/appeal")
@roles_required(Role.COMPANY)
def file_appeal(result_id: int):
    r, viewer = _load(result_id)
    if viewer != "owner":
        abort(404)
    form = AppealForm()
    if not form.validate():
        return _render(r, viewer, 400, appeal_form=form)
    cq.file_appeal(db.session, current_user, r, form.grounds.data)
    return _to_result(r, _("Your appeal was filed. The work-group lead will decide it and give the reason."))


@bp.post("/appeals/<int:appeal_id>/decide")
@roles_required(Role.LEAD)
def decide_appeal(appeal_id: int):
    appeal = get_or_404(db.session, Appeal, appeal_id)
    r = appeal.result
    form = decide_appeal_form(r.campaign.scheme.config["indicators"])
    if not form.validate():
        return _render(r, "staff", 400, decide_form=form)
    upheld = form.decision.data == "uphold"
    cq.decide_appeal(db.session, current_user, appeal, upheld=upheld, reason=form.reason.data,
                               adjustments=form.adjustments(), lift_vetoes=form.lift_vetoes.data)
    if upheld:
        return _to_result(appeal.new_result, _("The appeal is upheld: the result has a new revision; the earlier "
                                               "one is kept."))
    return _to_result(r, _("The appeal is dismissed; the company sees your reason."))


@bp.get("/appeals")
@roles_required(*STAFF_READERS)
def appeals():
    state = AppealState.from_arg(request.args.get("state"))
    stmt = sa.select(Appeal).order_by(Appeal.filed_at.desc(), Appeal.id.desc())
    if state:
        stmt = stmt.where(Appeal.state == state)
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    return render_template("assessment/appeals.html", page=page, state=state, states=list(AppealState))


# --- consequences -------------------------------------------------------------------------------------

TABS = ("rectifications", "exits")


@bp.get("/consequences")
@roles_required(*STAFF_READERS)
def consequences():
    tab = request.args.get("tab") if request.args.get("tab") in TABS else "rectifications"
    q = normalize_text(request.args.get("q"))[:60]
    model, states = ((Rectification, list(RectificationState)) if tab == "rectifications"
                     else (ExitProposal, list(ExitProposalState)))
    state = states[0].__class__.from_arg(request.args.get("state"))
    stmt = sa.select(model).order_by(model.created_at.desc(), model.id.desc())
    if state:
        stmt = stmt.where(model.state == state)
    if q:
        stmt = stmt.where(model.company_id.in_(sa.select(Company.id).where(Company.name.ilike(f"%{q}%"))))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    return render_template("assessment/consequences.html", page=page, tab=tab, state=state, states=states, q=q)


@bp.post("/rectifications/<int:rect_id>/complete")
@roles_required(*STAFF_EDITORS)
def complete_rectification(rect_id: int):
    rect = get_or_404(db.session, Rectification, rect_id)
    form = NoteForm()
    if not form.validate():
        raise DomainError(_("A reason is required."))
    cq.complete_rectification(db.session, current_user, rect, form.note.data)
    return _to_result(rect.result, _("The rectification is recorded as completed."))


@bp.post("/results/<int:result_id>/propose-exit")
@roles_required(*STAFF_EDITORS)
def propose_exit(result_id: int):
    r = get_or_404(db.session, Result, result_id)
    form = NoteForm()
    if not form.validate():
        raise DomainError(_("A reason is required."))
    cq.propose_exit(db.session, current_user, r, form.note.data)
    return _to_result(r, _("An exit proposal was raised for %(company)s.", company=r.company.name))


@bp.post("/exit-proposals/<int:proposal_id>/dismiss")
@roles_required(Role.OPERATOR, Role.ADMIN, Role.LEAD)
def dismiss_exit(proposal_id: int):
    proposal = get_or_404(db.session, ExitProposal, proposal_id)
    form = NoteForm()
    if not form.validate():
        raise DomainError(_("A reason is required."))
    cq.dismiss_exit_proposal(db.session, current_user, proposal, form.note.data)
    return _to_result(proposal.result, _("The exit proposal is dismissed."))
