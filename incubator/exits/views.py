"""Exit pages: the staff list, the one case page staff and the company share, raising a case,
the settlement, review, decision, execution (with a confirmation page) and archiving. The
company's own pages register on the same blueprint (views_company, imported at the end)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..assessment.models import ExitProposalState
from ..companies.models import Company, CompanyStatus
from ..core.errors import DomainError
from ..core.formatting import today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..core.workflow import history
from ..db import db
from ..spaces.rules import int_arg, normalize_text
from ..spaces.services import named_history
from . import services, settlement, tasks, triggers  # noqa: F401 - tasks registers the inbox providers
from .forms import (
    CHECKLIST_LABELS,
    EVENT_LABELS,
    CommentForm,
    DecideForm,
    EvidenceForm,
    RaiseForm,
    RespondForm,
    SettlementForm,
)
from .models import OPEN_STATES, ExitCase, ExitKind
from .models import ExitState as S
from .workflow import ACTION_LABELS, EXIT_FLOW

bp = Blueprint("exits", __name__, url_prefix="/exits")

CONDITION_LABELS = {"incubation_over": _l("Incubation period over"),
                    "high_tech": _l("Certified high-tech enterprise"),
                    "financing": _l("Financing raised above the threshold"),
                    "revenue": _l("Revenue above the threshold in consecutive years"), **EVENT_LABELS}


@bp.app_template_filter("exit_action")
def exit_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# --- the staff list ----------------------------------------------------------------------------------

def _filters(args) -> dict:
    year = int_arg(args.get("year"))
    return {"q": normalize_text(args.get("q"))[:60], "state": S.from_arg(args.get("state")),
            "kind": ExitKind.from_arg(args.get("kind")), "year": year if year and 2000 <= year <= 2100 else None}


def _conditions(f: dict) -> list:
    """Every filter but the state (the state pills count across the others)."""
    conditions = []
    if f["q"]:
        like = f"%{f['q']}%"
        companies = sa.select(Company.id).where(sa.or_(Company.name.ilike(like), Company.credit_code.ilike(like)))
        conditions.append(sa.or_(ExitCase.number.ilike(like), ExitCase.company_id.in_(companies)))
    if f["kind"]:
        conditions.append(ExitCase.kind == f["kind"])
    if f["year"]:  # the year of the exit date (planned, or the day it was executed on)
        conditions.append(ExitCase.planned_exit_on.between(dt.date(f["year"], 1, 1), dt.date(f["year"], 12, 31)))
    return conditions


def _query(f: dict) -> sa.Select:
    """The list's rows (every filter, the state too), newest first: the page and its export."""
    stmt = sa.select(ExitCase).where(*_conditions(f)).order_by(ExitCase.id.desc())
    if f["state"]:
        stmt = stmt.where(ExitCase.state == f["state"])
    return stmt


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    f = _filters(request.args)
    conditions = _conditions(f)
    counts = dict(db.session.execute(sa.select(ExitCase.state, sa.func.count()).where(*conditions)
                                     .group_by(ExitCase.state)).all())
    page = paginate(db.session, _query(f), parse_page(request.args.get("page")))
    year = sa.extract("year", ExitCase.planned_exit_on)
    years = [int(y) for y in db.session.scalars(sa.select(year).distinct().order_by(year.desc()))]
    return render_template("exits/index.html", page=page, f=f, counts=counts, total=sum(counts.values()),
                           pill_args={k: v for k, v in request.args.items() if k not in ("page", "state")},
                           states=list(S), kinds=list(ExitKind), years=years,
                           editor=current_user.has_role(*STAFF_EDITORS))


@bp.post("/propose-now")
@roles_required(*STAFF_EDITORS)
def propose_now():
    """Run the daily job's proposals now (e.g. right after an assessment was published)."""
    created, withdrawn = triggers.propose_exits(db.session)
    db.session.commit()
    flash(_("%(n)s exit case(s) proposed, %(m)s withdrawn.", n=len(created), m=len(withdrawn)), "success")
    return redirect(url_for("exits.index"), 303)


# --- the case page ------------------------------------------------------------------------------------

def load_case(case_id: int) -> tuple[ExitCase, str]:
    """The case and who reads it (staff | owner); another company's case is a 404."""
    case = get_or_404(db.session, ExitCase, case_id)
    if current_user.is_staff_reader:
        return case, "staff"
    if services.is_owner(current_user, case):
        return case, "owner"
    abort(404)


def _conditions_shown(case: ExitCase) -> list[dict]:
    return [{**c, "label": CONDITION_LABELS.get(c["key"], c["key"])} for c in (case.basis or {}).get("conditions", [])]


def render_case(case: ExitCase, viewer: str, status: int = 200, **forms):
    owner = viewer == "owner"
    actions = EXIT_FLOW.available(db.session, current_user, case)
    if owner and case.origin.value != "company":
        actions = [a for a in actions if a != "withdraw"]
    if "respond" in actions and "respond_form" not in forms:
        forms["respond_form"] = RespondForm(formdata=None)
    if {"approve", "reject"} & set(actions) and "decide_form" not in forms:
        forms["decide_form"] = DecideForm(formdata=None)
    if services.may_add_evidence(current_user, case) and "evidence_form" not in forms:
        forms["evidence_form"] = EvidenceForm(formdata=None)
    forms.setdefault("comment_form", CommentForm(formdata=None))
    proposal = case.assessment_proposal
    return render_template(
        "exits/case.html", case=case, viewer=viewer, staff=viewer == "staff", owner=owner, actions=actions,
        action_labels=ACTION_LABELS, states=S, evidence=services.evidence(db.session, case),
        events=named_history(db.session, EXIT_FLOW.name, case.id) if not owner else [],
        history=history(db.session, EXIT_FLOW.name, case.id, company_view=True) if owner else [],
        conditions=_conditions_shown(case), checklist_labels=CHECKLIST_LABELS, fig=settlement.stored_figures(case),
        response_pending=services.response_pending(case),
        proposal_dismissed=proposal is not None and proposal.state == ExitProposalState.DISMISSED,
        **forms), status


@bp.get("/<int:case_id>")
@login_required
def case(case_id: int):
    return render_case(*load_case(case_id))


def done(case: ExitCase, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("exits.case", case_id=case.id), 303)


# --- raising a case -------------------------------------------------------------------------------------

def _raise_page(form: RaiseForm, status: int = 200):
    return render_template("exits/raise.html", form=form), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new():
    form = RaiseForm()
    busy = sa.select(ExitCase.company_id).where(ExitCase.state.in_(OPEN_STATES))
    form.company_id.choices = [(0, "—")] + [tuple(r) for r in db.session.execute(
        sa.select(Company.id, Company.name).where(Company.status == CompanyStatus.TENANT, Company.id.not_in(busy))
        .order_by(Company.name))]
    if request.method == "GET":
        form.company_id.data = int_arg(request.args.get("company_id")) or 0
        form.planned_exit_on.data = today() + dt.timedelta(days=30)
        return _raise_page(form)
    if not form.validate():
        return _raise_page(form, 400)
    try:
        case = services.raise_case(db.session, current_user, db.session.get(Company, form.company_id.data),
                                   kind=form.kind.data, reason=form.reason.data, breach_type=form.breach_type.data,
                                   planned_exit_on=form.planned_exit_on.data, events=form.events.data)
        if form.evidence.data:
            services.upload_evidence(db.session, current_user, case, form.evidence.data)
    except DomainError as exc:
        db.session.rollback()
        return _raise_page(form, form_error(form, exc))
    return done(case, _("Exit case %(number)s was raised; %(company)s is told and may respond.", number=case.number,
                        company=case.company.name))


@bp.post("/<int:case_id>/evidence")
@roles_required(*STAFF_EDITORS, Role.COMPANY)
def add_evidence(case_id: int):
    case, viewer = load_case(case_id)
    form = EvidenceForm()
    if not form.validate():
        return render_case(case, viewer, 400, evidence_form=form)
    document = services.upload_evidence(db.session, current_user, case, form.file.data, form.title.data)
    return done(case, _("%(name)s was added to the case.", name=document.title))


# --- the settlement -----------------------------------------------------------------------------------------

def _settlement_page(case: ExitCase, form: SettlementForm, preview, status: int = 200):
    return render_template("exits/settlement.html", case=case, form=form, preview=preview,
                           checklist=settlement.CHECKLIST), status


@bp.route("/<int:case_id>/settlement", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def prepare(case_id: int):
    """The settlement form with its figures from the ledger; "Recalculate" shows them for what was
    typed, "Prepare" records them and sends the case to the lead's review."""
    case = get_or_404(db.session, ExitCase, case_id)
    EXIT_FLOW.check(db.session, current_user, case, "prepare")
    form = SettlementForm(formdata=None) if request.method == "GET" else SettlementForm()
    if request.method == "GET":
        form.fill(case)
    elif not form.validate():
        return _settlement_page(case, form, None, 400)
    try:
        exit_on = services.check_exit_date(form.exit_on.data, case.company)
        if request.method == "POST" and request.form.get("step") == "prepare":
            services.prepare(db.session, current_user, case, exit_on=exit_on,
                             departure_approved=form.departure_approved.data, damage=form.damage.data,
                             damage_note=form.damage_note.data, checklist=form.checklist(), note=form.note.data)
            return done(case, _("The settlement of %(number)s is prepared; the work-group lead reviews it next.",
                                number=case.number))
        preview = settlement.compute(db.session, case, exit_on=exit_on,
                                     departure_approved=form.departure_approved.data,
                                     damage=form.damage.data or settlement.ZERO)
    except DomainError as exc:
        db.session.rollback()
        return _settlement_page(case, form, None, form_error(form, exc))
    return _settlement_page(case, form, preview)


# --- review, decision, archive, withdrawal ------------------------------------------------------------------

@bp.post("/<int:case_id>/review")
@roles_required(Role.LEAD)
def review(case_id: int):
    case, viewer = load_case(case_id)
    form = CommentForm()
    if not form.validate():
        return render_case(case, viewer, 400, comment_form=form)
    services.review(db.session, current_user, case, form.comment.data)
    return done(case, _("Reviewed; the commander decides next."))


@bp.post("/<int:case_id>/send-back")
@roles_required(Role.LEAD, Role.COMMANDER)
def send_back(case_id: int):
    case, viewer = load_case(case_id)
    form = CommentForm()
    if not form.validate():
        return render_case(case, viewer, 400, comment_form=form)
    services.send_back(db.session, current_user, case, form.comment.data)
    return done(case, _("The case went back to the operator to correct the settlement."))


@bp.post("/<int:case_id>/decide")
@roles_required(Role.COMMANDER)
def decide(case_id: int):
    case, viewer = load_case(case_id)
    form = DecideForm()
    if not form.validate():
        return render_case(case, viewer, 400, decide_form=form)
    approve = form.decision.data == "approve"
    services.decide(db.session, current_user, case, approve=approve, reason=form.comment.data)
    return done(case, _("The exit of %(company)s is approved for %(day)s; the operator executes it.",
                        company=case.company.name, day=case.planned_exit_on.isoformat()) if approve
                else _("The exit is rejected; %(company)s stays and sees the reason.", company=case.company.name))


@bp.post("/<int:case_id>/archive")
@roles_required(*STAFF_EDITORS)
def archive(case_id: int):
    case, viewer = load_case(case_id)
    form = CommentForm()
    if not form.validate():
        return render_case(case, viewer, 400, comment_form=form)
    services.archive(db.session, current_user, case, form.comment.data)
    return done(case, _("The case is archived."))


@bp.post("/<int:case_id>/withdraw")
@roles_required(*STAFF_EDITORS, Role.COMMANDER, Role.COMPANY)
def withdraw(case_id: int):
    case, viewer = load_case(case_id)
    form = CommentForm()
    if not form.validate():
        return render_case(case, viewer, 400, comment_form=form)
    services.withdraw(db.session, current_user, case, form.comment.data)
    return done(case, _("The exit case is withdrawn."))


# --- execution -------------------------------------------------------------------------------------------------

@bp.route("/<int:case_id>/execute", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def execute(case_id: int):
    """GET: what executing will do, and the confirmation; POST: do it."""
    case = get_or_404(db.session, ExitCase, case_id)
    EXIT_FLOW.check(db.session, current_user, case, "execute")
    if request.method == "GET":
        return render_template("exits/execute.html", case=case, plan=services.execution_plan(db.session, case))
    services.execute(db.session, current_user, case)
    return done(case, _("%(company)s has left the community on %(day)s: its leases ended, its units are vacant and "
                        "its admission certificate is no longer valid.", company=case.company.name,
                        day=case.planned_exit_on.isoformat()))


from . import views_company, views_documents  # noqa: E402,F401 - the company's pages and the documents add their routes to bp
