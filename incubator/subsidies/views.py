"""Subsidy pages on one blueprint: batches and claims for staff (this file); the company's
claims, policies and the calculator, clawbacks and documents in the views_* files."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import defer, lazyload

from ..companies.models import Company
from ..core.errors import DomainError
from ..core.excel import send_export
from ..core.formatting import format_money
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, has_any_role, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..core.workflow import history
from ..db import db
from ..funds.models import FundPool
from ..meetings import gate
from ..spaces.rules import int_arg, normalize_text
from ..spaces.services import named_history
from . import batches, documents, exports, forms, rules, services, tasks
from .models import BatchState as B
from .models import ClaimState as C
from .models import Objection, ObjectionOutcome, SubsidyBatch, SubsidyClaim, SupportType
from .workflow import ACTION_LABELS, BATCH_FLOW, CLAIM_FLOW, TIER_LABELS, TIER_ROLES

bp = Blueprint("subsidies", __name__, url_prefix="/subsidies")

DECIDERS = (*STAFF_EDITORS, Role.LEAD, Role.DEPUTY, Role.COMMANDER)
# who may post each claim step at all (the workflow then checks state, tier and four-eyes)
STEP_ROLES = {"return": STAFF_EDITORS, "verify": STAFF_EDITORS, "disburse": STAFF_EDITORS,
              "originals": STAFF_EDITORS, "reject": DECIDERS,
              **{f"approve_{tier}": roles for tier, roles in TIER_ROLES.items()}}


@bp.app_template_filter("subsidy_action")
def subsidy_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


support_type_name = bp.app_template_filter("support_type_name")(exports.support_type_name)


def _done(message: str, endpoint: str, **kw):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **kw), 303)


def refused_form(form, exc: DomainError) -> int:
    """A service refused a form's change: nothing is kept; the reason goes next to its field.
    Refused access is shown as such."""
    db.session.rollback()
    if exc.status_code in (403, 404):
        raise exc
    return form_error(form, exc)


# --- batches ----------------------------------------------------------------------------------------

def _batch_filters(args) -> dict:
    return {"state": B.from_arg(args.get("state"))}


def _batch_query(f: dict) -> sa.Select:
    """The batches list's rows, newest intake first (the page and its export)."""
    stmt = sa.select(SubsidyBatch).order_by(SubsidyBatch.intake_opens_on.desc(), SubsidyBatch.id.desc())
    if f["state"]:
        stmt = stmt.where(SubsidyBatch.state == f["state"])
    return stmt


@bp.get("/", endpoint="batches")
@roles_required(*STAFF_READERS)
def batch_list():
    f = _batch_filters(request.args)
    counts = dict(db.session.execute(sa.select(SubsidyBatch.state, sa.func.count()).group_by(SubsidyBatch.state)).all())
    page = paginate(db.session, _batch_query(f), parse_page(request.args.get("page")))
    # claims, those to check, approved and paid amounts, for the batches shown only
    stats = exports.batch_stats(db.session, [b.id for b in page.items])
    return render_template("subsidies/batches.html", page=page, state=f["state"], counts=counts,
                           total=sum(counts.values()), states=list(B), stats=stats)


@bp.get("/batches/export.xlsx")
@roles_required(*STAFF_READERS)
def batches_export():
    f = _batch_filters(request.args)
    return send_export(db.session, current_user, "subsidy_batches", _batch_query(f),
                       lambda rows: exports.batches_workbook(db.session, rows), filename="补贴批次", filters=f,
                       back=url_for("subsidies.batches", **request.args.to_dict()))


def _batch_form() -> forms.BatchForm:
    form = forms.BatchForm()
    form.support_type_id.choices = [(0, "—")] + [
        (st.id, support_type_name(st)) for st in db.session.scalars(
            sa.select(SupportType).where(SupportType.active).order_by(SupportType.position, SupportType.id))]
    form.fund_pool_id.choices = [(0, "—")] + [
        (p.id, f"{p.program.name} · {p.name} ({_('%(amount)s left', amount=format_money(p.remaining))})")
        for p in db.session.scalars(sa.select(FundPool).where(FundPool.active).order_by(FundPool.program_id,
                                                                                        FundPool.id))]
    return form


@bp.route("/batches/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_batch():
    form = _batch_form()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                batch = batches.create_batch(
                    db.session, current_user, name=form.name.data,
                    support_type=db.session.get(SupportType, form.support_type_id.data),
                    fund_pool=db.session.get(FundPool, form.fund_pool_id.data),
                    intake_opens_on=form.intake_opens_on.data, intake_closes_on=form.intake_closes_on.data,
                    period_start=form.period_start.data, period_end=form.period_end.data, note=form.note.data)
            except DomainError as exc:
                status = refused_form(form, exc)
            else:
                return _done(_("Batch %(number)s was created; companies can apply from %(day)s.",
                               number=batch.number, day=batch.intake_opens_on.isoformat()),
                             "subsidies.batch", batch_id=batch.id)
    return render_template("subsidies/batch_form.html", form=form), status


def _objection_form(batch: SubsidyBatch, formdata=None) -> forms.ObjectionForm:
    form = forms.ObjectionForm(formdata=formdata)
    form.claim_id.choices = [(0, _("The batch as a whole"))] + [
        (row.id, f"{row.number} {row.name}") for row in db.session.execute(
            sa.select(SubsidyClaim.id, SubsidyClaim.number, Company.name).join(Company)
            .where(SubsidyClaim.batch_id == batch.id, SubsidyClaim.state == C.IN_NOTICE).order_by(SubsidyClaim.number))]
    return form


def _render_batch(batch: SubsidyBatch, status: int = 200, **page_forms):
    if current_user.has_role(*STAFF_EDITORS) and batch.state == B.NOTICE:
        page_forms.setdefault("objection_form", _objection_form(batch))
        page_forms.setdefault("resolve_form", forms.ResolveForm(formdata=None))
    steps = BATCH_FLOW.available(db.session, current_user, batch)
    return render_template(
        "subsidies/batch.html", batch=batch, summary=batches.batch_summary(db.session, batch), states=list(C),
        objections=batches.objections(db.session, batch), steps=steps,
        blocker=batches.step_blocker(db.session, batch) if steps else None,
        events=named_history(db.session, "subsidy_batch", batch.id), action_labels=ACTION_LABELS, batch_states=B,
        published=batch.state in documents.PUBLIC, outcomes=ObjectionOutcome, **page_forms), status


@bp.get("/batches/<int:batch_id>")
@roles_required(*STAFF_READERS)
def batch(batch_id: int):
    return _render_batch(get_or_404(db.session, SubsidyBatch, batch_id))


@bp.post("/batches/<int:batch_id>/<any(close_intake, start_notice, finish_notice, close):step>")
@roles_required(*STAFF_EDITORS)
def batch_step(batch_id: int, step: str):
    batch = get_or_404(db.session, SubsidyBatch, batch_id)
    if step == "close_intake":
        batches.close_intake(db.session, current_user, batch)
        message = _("The intake of %(number)s is closed; drafts never submitted lapsed.", number=batch.number)
    elif step == "start_notice":
        batches.start_notice(db.session, current_user, batch)
        message = _("The public notice of %(number)s runs until %(day)s.", number=batch.number,
                    day=batch.notice_ends_on.isoformat())
    elif step == "finish_notice":
        batches.finish_notice(db.session, current_user, batch)
        message = _("The public notice of %(number)s is over; payments can be recorded.", number=batch.number)
    else:
        batches.close_batch(db.session, current_user, batch)
        message = _("Batch %(number)s is closed.", number=batch.number)
    return _done(message, "subsidies.batch", batch_id=batch.id)


@bp.post("/batches/<int:batch_id>/objections")
@roles_required(*STAFF_EDITORS)
def record_objection(batch_id: int):
    batch = get_or_404(db.session, SubsidyBatch, batch_id)
    form = _objection_form(batch, formdata=request.form)
    if form.validate_on_submit():
        claim = db.session.get(SubsidyClaim, form.claim_id.data) if form.claim_id.data else None
        try:
            batches.record_objection(db.session, current_user, batch, raised_by=form.raised_by.data,
                                     received_on=form.received_on.data, content=form.content.data, claim=claim)
        except DomainError as exc:
            return _render_batch(batch, refused_form(form, exc), objection_form=form)
        return _done(_("The objection was recorded. Settle it before the notice ends."),
                     "subsidies.batch", batch_id=batch.id, _anchor="objections")
    return _render_batch(batch, 400, objection_form=form)


@bp.post("/objections/<int:objection_id>/resolve")
@roles_required(*STAFF_EDITORS)
def resolve_objection(objection_id: int):
    objection = get_or_404(db.session, Objection, objection_id)
    form = forms.ResolveForm()
    if form.validate_on_submit():
        upheld = form.outcome.data == "upheld"
        batches.resolve_objection(db.session, current_user, objection, upheld=upheld, resolution=form.resolution.data)
        message = (_("The objection was upheld; claim %(number)s is rejected and its funds released.",
                     number=objection.claim.number) if upheld and objection.claim else
                   _("The objection was upheld.") if upheld else _("The objection was dismissed."))
        return _done(message, "subsidies.batch", batch_id=objection.batch_id, _anchor="objections")
    flash(_("Choose the outcome and record how the objection was settled."), "danger")
    return _render_batch(db.session.get(SubsidyBatch, objection.batch_id), 400)


# --- claims -----------------------------------------------------------------------------------------

def _claim_filters(args) -> dict:
    tier, queue = args.get("tier"), args.get("queue")
    return {"q": normalize_text(args.get("q"))[:60], "state": C.from_arg(args.get("state")),
            "batch": int_arg(args.get("batch")), "tier": tier if tier in TIER_LABELS else None,
            "queue": queue if queue in tasks.QUEUES else None, "agreed": args.get("agreed") == "1"}


def _claim_conditions(f: dict) -> list:
    """Every filter but the state (the state pills count across the others)."""
    conditions = []
    if f["q"]:
        like = f"%{f['q']}%"
        companies = sa.select(Company.id).where(sa.or_(Company.name.ilike(like), Company.credit_code.ilike(like)))
        conditions.append(sa.or_(SubsidyClaim.number.ilike(like), SubsidyClaim.company_id.in_(companies)))
    if f["batch"]:
        conditions.append(SubsidyClaim.batch_id == f["batch"])
    if f["tier"]:
        conditions.append(SubsidyClaim.required_role == f["tier"])
    if f["queue"]:
        conditions.extend(tasks.queue_conditions(f["queue"]))
    if f["agreed"]:  # agreed by the meeting its tier waits for (the approvers' inbox opens this)
        conditions.append(gate.agreed_clause(CLAIM_FLOW.name, SubsidyClaim.id))
    return conditions


def _claim_query(f: dict) -> sa.Select:
    """The claims list's rows (every filter, the state too), newest first: the page and its export.
    The policy and the calculation are not shown: skip the JSON."""
    stmt = (sa.select(SubsidyClaim).where(*_claim_conditions(f))
            .options(lazyload(SubsidyClaim.policy), defer(SubsidyClaim.calculation)).order_by(SubsidyClaim.id.desc()))
    if f["state"]:
        stmt = stmt.where(SubsidyClaim.state == f["state"])
    return stmt


@bp.get("/claims")
@roles_required(*STAFF_READERS)
def claims():
    f = _claim_filters(request.args)
    conditions = _claim_conditions(f)
    counts = dict(db.session.execute(sa.select(SubsidyClaim.state, sa.func.count()).where(*conditions)
                                     .group_by(SubsidyClaim.state)).all())
    if f["state"]:
        conditions.append(SubsidyClaim.state == f["state"])
    amount = db.session.scalar(sa.select(sa.func.sum(SubsidyClaim.amount)).where(*conditions))
    page = paginate(db.session, _claim_query(f), parse_page(request.args.get("page")))
    pill_args = {k: v for k, v in request.args.items() if k not in ("page", "state")}
    return render_template(
        "subsidies/claims.html", page=page, f=f, counts=counts, total=sum(counts.values()), amount=amount,
        pill_args=pill_args, states=list(C), tiers=TIER_LABELS, queues=tasks.QUEUES,
        batches=db.session.execute(sa.select(SubsidyBatch.id, SubsidyBatch.number, SubsidyBatch.name)
                                   .order_by(SubsidyBatch.intake_opens_on.desc(), SubsidyBatch.id.desc())).all())


@bp.get("/claims/export.xlsx")
@roles_required(*STAFF_READERS)
def claims_export():
    f = _claim_filters(request.args)
    return send_export(db.session, current_user, "subsidy_claims", _claim_query(f), exports.claims_workbook,
                       filename="补贴申请", filters=f, back=url_for("subsidies.claims", **request.args.to_dict()))


def _viewer(claim: SubsidyClaim) -> str:
    """staff | owner; anyone else 404, so a guessed id tells nothing."""
    if current_user.is_staff_reader:
        return "staff"
    if current_user.has_role(Role.COMPANY) and current_user.company_id == claim.company_id:
        return "owner"
    abort(404)


def _calculation(claim: SubsidyClaim) -> tuple[dict | None, bool, str | None]:
    """The frozen calculation, or the engine's live preview while the claim is open and not yet
    verified; (json, is_preview, why there is none)."""
    if claim.calculation is not None:
        return claim.calculation, False, None
    if claim.state not in (C.DRAFT, C.SUBMITTED, C.RETURNED, C.RESUBMITTED):
        return None, False, None
    try:
        calc = services.preview(db.session, claim)
    except DomainError as exc:
        return None, True, exc.message
    if calc is None:
        return None, True, _("Enter the amount you claim to see what the policy allows.")
    return calc.to_json(), True, None


STEP_FORMS = {"return": ("return_form", forms.ReturnForm), "reject": ("reject_form", forms.RejectForm),
              "disburse": ("disburse_form", forms.DisburseForm), "originals": ("originals_form", forms.OriginalsForm)}


def render_claim(claim: SubsidyClaim, status: int = 200, **page_forms):
    """The one claim page: the owner company's panel or the staff steps its roles allow."""
    viewer = _viewer(claim)
    staff, owner = viewer == "staff", viewer == "owner"
    actions = services.claim_actions(db.session, current_user, claim)
    for action, (name, form_cls) in STEP_FORMS.items():
        if action in actions:
            page_forms.setdefault(name, form_cls(formdata=None))
    editable = owner and claim.state in (C.DRAFT, C.RETURNED) and claim.company.is_active_member_company
    if editable:
        page_forms.setdefault("claim_form", forms.ClaimForm(formdata=None, obj=claim, remarks=claim.contact_note))
        page_forms.setdefault("evidence_form", forms.EvidenceForm(formdata=None))
    if "withdraw" in actions:
        page_forms.setdefault("withdraw_form", forms.WithdrawForm(formdata=None))
    calculation, is_preview, no_calculation = _calculation(claim)
    events = named_history(db.session, "subsidy_claim", claim.id) if staff else []
    company_history = history(db.session, "subsidy_claim", claim.id, company_view=True) if owner else []
    steps = [e for e, _name in events] or company_history
    rejection = next((e.comment for e in reversed(steps) if e.action == "reject"), None) \
        if claim.state == C.REJECTED else None
    return render_template(
        "subsidies/claim.html", claim=claim, batch=claim.batch, staff=staff, owner=owner, actions=actions,
        editable=editable, declared=services.is_declared(claim.batch), calc=calculation, is_preview=is_preview,
        no_calculation=no_calculation, evidence=services.evidence(db.session, claim), reasons=rules.REASONS,
        categories=rules.CATEGORY_LABELS, tiers=TIER_LABELS, action_labels=ACTION_LABELS, states=C,
        events=events, history=company_history, rejection=rejection,
        objections=(db.session.scalars(sa.select(Objection).where(Objection.claim_id == claim.id)
                                       .order_by(Objection.id)).all() if staff else []),
        due_if_returned=services.return_due_on(claim) if "return" in actions else None,
        approval_pdf=claim.state in documents.AMOUNT_FIXED, statement_pdf=claim.state == C.DISBURSED,
        **page_forms), status


def _load(claim_id: int) -> SubsidyClaim:
    return get_or_404(db.session, SubsidyClaim, claim_id)


@bp.get("/claims/<int:claim_id>")
@login_required
def claim(claim_id: int):
    return render_claim(_load(claim_id))


@bp.post("/claims/<int:claim_id>/<any(return, verify, approve_lead, approve_deputy, approve_commander, reject, "
         "disburse, originals):step>")
@roles_required(*DECIDERS)
def claim_step(claim_id: int, step: str):
    claim = _load(claim_id)
    if not has_any_role(current_user, STEP_ROLES[step]):
        abort(403)  # before any form is read: a tier role posting an operator's step learns nothing
    if step == "verify":
        services.verify(db.session, current_user, claim)
        return _claim_done(claim, _("%(number)s is verified: %(amount)s, to be approved at the %(tier)s tier.",
                                    number=claim.number, amount=format_money(claim.amount),
                                    tier=TIER_LABELS[claim.required_role]))
    if step.startswith("approve_"):
        services.approve(db.session, current_user, claim, action=step)
        return _claim_done(claim, _("%(number)s is approved; %(amount)s is committed from %(pool)s.",
                                    number=claim.number, amount=format_money(claim.amount),
                                    pool=claim.batch.fund_pool.name))
    name, form_cls = STEP_FORMS[step]
    form = form_cls()
    if not form.validate_on_submit():
        return render_claim(claim, 400, **{name: form})
    try:
        message = _take_step(claim, step, form)
    except DomainError as exc:
        status = refused_form(form, exc)
        return render_claim(_load(claim_id), status, **{name: form})
    return _claim_done(claim, message)


def _take_step(claim: SubsidyClaim, step: str, form) -> str:
    if step == "return":
        services.return_claim(db.session, current_user, claim, form.reason.data)
        return _("%(number)s was returned to the company for correction, due %(day)s.", number=claim.number,
                 day=claim.due_on.isoformat())
    if step == "reject":
        services.reject(db.session, current_user, claim, form.reason.data)
        return _("%(number)s is rejected; the company sees the reason.", number=claim.number)
    if step == "disburse":
        services.disburse(db.session, current_user, claim, reference=form.reference.data, paid_on=form.paid_on.data)
        return _("The payment of %(amount)s to %(company)s is recorded.", amount=format_money(claim.amount),
                 company=claim.company.name)
    services.record_originals(db.session, current_user, claim, form.received_on.data)
    return _("The receipt of the signed and sealed originals is recorded.")


def _claim_done(claim: SubsidyClaim, message: str):
    return _done(message, "subsidies.claim", claim_id=claim.id)


# Routes in the other files attach to `bp` when imported.
from . import views_clawbacks, views_company, views_documents, views_policy  # noqa: E402, F401
