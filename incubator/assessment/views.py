"""Assessment pages: campaigns (list, new, detail with its filings and steps), the ranking, the
staff's filings list and the reviews due. Filings, results, reviewers and schemes register their
routes on the same blueprint (see the imports at the end)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.models import User, UserRole
from ..companies.models import Company, CompanyStatus
from ..core.errors import DomainError
from ..core.excel import send_export
from ..core.formatting import today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, has_any_role, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..db import db
from ..spaces.rules import int_arg, normalize_text
from ..spaces.services import named_history
from . import exports, reports, scoring, services, tasks  # noqa: F401 - tasks registers the inbox providers
from .consequences import open_appeal_count
from .forms import AssignForm, CampaignForm, CommentForm
from .models import AssignmentState as A
from .models import Campaign, CampaignKind, Filing, Grade, Result, ReviewerAssignment
from .models import CampaignState as C
from .models import FilingState as F
from .workflow import ACTION_LABELS, CAMPAIGN

bp = Blueprint("assessment", __name__, url_prefix="/assessment")

STEP_MESSAGES = {
    "open": _l("Filing is open: every company in the campaign has its task."),
    "close_filing": _l("Filing is closed; filings not submitted count as not filed."),
    "rank": _l("Scores are computed and ranked. The work-group lead confirms them next."),
    "confirm": _l("The results are confirmed. The operator publishes them next."),
    "publish": _l("The results are published to each company; the appeal period has started."),
    "close": _l("The campaign is closed."),
}
COMMENT_STEPS = ("send_back", "cancel")


@bp.app_template_filter("assessment_action")
def assessment_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# --- campaigns ---------------------------------------------------------------------------------------

def _filters(args) -> dict:
    return {"q": normalize_text(args.get("q"))[:60], "state": C.from_arg(args.get("state")),
            "kind": CampaignKind.from_arg(args.get("kind")), "year": int_arg(args.get("year"))}


def _query(f: dict) -> sa.Select:
    """The campaigns list's rows, the latest filing window first: the page and its export."""
    stmt = sa.select(Campaign).order_by(Campaign.opens_on.desc(), Campaign.id.desc())
    if f["q"]:
        stmt = stmt.where(Campaign.name.ilike(f"%{f['q']}%"))
    if f["state"]:
        stmt = stmt.where(Campaign.state == f["state"])
    if f["kind"]:
        stmt = stmt.where(Campaign.kind == f["kind"])
    if f["year"]:
        stmt = stmt.where(Campaign.year == f["year"])
    return stmt


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    f = _filters(request.args)
    q, state, kind, year = f["q"], f["state"], f["kind"], f["year"]
    page = paginate(db.session, _query(f), parse_page(request.args.get("page")))
    ids = [c.id for c in page.items]
    overdue = dict(db.session.execute(sa.select(Filing.campaign_id, sa.func.count()).where(
        Filing.campaign_id.in_(ids), services.overdue_condition()).group_by(Filing.campaign_id)).all()) if ids else {}
    return render_template("assessment/index.html", page=page, q=q, state=state, kind=kind, year=year,
                           states=list(C), kinds=list(CampaignKind), counts=reports.state_counts(db.session, ids),
                           overdue=overdue, F=F, can_edit=current_user.has_role(*STAFF_EDITORS))


def _tenant_choices() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(sa.select(Company.id, Company.name).where(Company.status == CompanyStatus.TENANT)
                                   .order_by(Company.name)).all()]


def _campaign_page(form: CampaignForm, status: int = 200):
    return render_template("assessment/campaign_form.html", form=form), status


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_campaign():
    form = CampaignForm() if request.method == "POST" else CampaignForm(formdata=None)
    form.company_ids.choices = _tenant_choices()
    if request.method == "GET":
        day = today()
        chosen = [i for i in map(int_arg, request.args.getlist("companies")) if i]
        if chosen:  # from the reviews-due list: an interim review of those companies
            form.kind.data, form.company_ids.data = CampaignKind.INTERIM.value, chosen
            form.name.data = _("Interim review %(day)s", day=day.isoformat())
            form.year.data = day.year
        else:
            form.year.data = day.year - 1
            form.name.data = _("Annual assessment %(year)s", year=day.year - 1)
        form.opens_on.data = day
        return _campaign_page(form)
    if not form.validate():
        return _campaign_page(form, 400)
    try:
        campaign = services.create_campaign(
            db.session, current_user, name=form.name.data, year=form.year.data, kind=CampaignKind(form.kind.data),
            opens_on=form.opens_on.data, closes_on=form.closes_on.data, company_ids=form.company_ids.data,
            note=form.note.data)
    except DomainError as exc:
        db.session.rollback()
        return _campaign_page(form, form_error(form, exc))
    db.session.commit()
    flash(_("Campaign %(name)s is drafted. Open filing when the window starts.", name=campaign.name), "success")
    return redirect(url_for("assessment.campaign", campaign_id=campaign.id), 303)


def _reviewers() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(User.id, User.display_name).join(UserRole).where(UserRole.role == Role.REVIEWER, User.active)
        .order_by(User.display_name, User.id)).all()]


FILING_FILTERS = ("to_verify", "overdue", "unassigned")


def _filing_conditions(flt: str | None, q: str) -> list:
    conditions = []
    if flt == "to_verify":
        conditions.append(Filing.state.in_((F.SUBMITTED, F.RESUBMITTED)))
    elif flt == "overdue":
        conditions.append(services.overdue_condition())
    elif flt == "unassigned":
        conditions.append(~sa.exists().where(ReviewerAssignment.filing_id == Filing.id))
    elif F.from_arg(flt):
        conditions.append(Filing.state == F(flt))
    if q:
        conditions.append(Filing.company_id.in_(sa.select(Company.id).where(
            sa.or_(Company.name.ilike(f"%{q}%"), Company.credit_code.ilike(f"%{q}%")))))
    return conditions


def _review_progress(filing_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not filing_ids:
        return {}
    return {row.filing_id: (row.submitted or 0, row.active) for row in db.session.execute(
        sa.select(ReviewerAssignment.filing_id, sa.func.count().label("active"),
                  sa.func.sum(sa.case((ReviewerAssignment.state == A.SUBMITTED, 1), else_=0)).label("submitted"))
        .where(ReviewerAssignment.filing_id.in_(filing_ids), ReviewerAssignment.state != A.CONFLICT)
        .group_by(ReviewerAssignment.filing_id))}


def filing_filters(args) -> dict:
    """The campaign page's filings filters: a state or a queue (FILING_FILTERS), and a company search."""
    return {"state": args.get("state"), "q": normalize_text(args.get("q"))[:60]}


def campaign_filings(c: Campaign, f: dict) -> sa.Select:
    """The campaign page's filings, by company name: the page and the campaign's export."""
    return (sa.select(Filing).join(Company, Filing.company_id == Company.id)
            .where(Filing.campaign_id == c.id, *_filing_conditions(f["state"], f["q"])).order_by(Company.name, Filing.id))


def ranking_query(c: Campaign, grade: Grade | None) -> sa.Select:
    """The ranking page's results (those in force, by rank), of one grade if chosen."""
    stmt = reports.ranking_stmt(c)
    return stmt.where(Result.grade == grade) if grade else stmt


@bp.get("/campaigns/<int:campaign_id>")
@roles_required(*STAFF_READERS)
def campaign(campaign_id: int, assign_form: AssignForm | None = None, status: int = 200):
    c = get_or_404(db.session, Campaign, campaign_id)
    f = filing_filters(request.args)
    flt, q = f["state"], f["q"]
    page = paginate(db.session, campaign_filings(c, f), parse_page(request.args.get("page")))
    counts = reports.state_counts(db.session, [c.id]).get(c.id, {})
    overdue = db.session.scalar(sa.select(sa.func.count()).select_from(Filing).where(
        Filing.campaign_id == c.id, services.overdue_condition())) or 0
    actions = CAMPAIGN.available(db.session, current_user, c)
    if c.appeals_close_on is not None and today() <= c.appeals_close_on:  # closing waits for the appeal period
        actions = [a for a in actions if a != "close"]
    if assign_form is None and c.state in (C.OPEN, C.REVIEWING) and current_user.has_role(*STAFF_EDITORS):
        assign_form = AssignForm(formdata=None)
    if assign_form is not None:
        assign_form.reviewer_ids.choices = _reviewers()
    return render_template(
        "assessment/campaign.html", c=c, page=page, flt=flt, q=q, counts=counts, overdue=overdue, F=F, C=C,
        states=list(F), actions=actions, comment_steps=COMMENT_STEPS, comment_form=CommentForm(formdata=None),
        assign_form=assign_form, progress=_review_progress([f.id for f in page.items]),
        blockers=scoring.ranking_blockers(db.session, c) if "rank" in actions else [],
        grades=reports.grade_counts(db.session, c) if c.state not in (C.DRAFT, C.OPEN, C.REVIEWING) else {},
        grade_list=list(Grade), open_appeals=open_appeal_count(db.session, c),
        events=named_history(db.session, CAMPAIGN.name, c.id), day=today()), status


# who may post each campaign step at all (the workflow then checks the state and four-eyes)
STEP_ROLES = {"send_back": (Role.LEAD,), "confirm": (Role.LEAD,)}


@bp.post("/campaigns/<int:campaign_id>/<any(open, close_filing, rank, send_back, confirm, publish, close, cancel):step>")
@roles_required(Role.OPERATOR, Role.ADMIN, Role.LEAD)
def campaign_step(campaign_id: int, step: str):
    c = get_or_404(db.session, Campaign, campaign_id)
    session, actor = db.session, current_user
    if not has_any_role(actor, STEP_ROLES.get(step, STAFF_EDITORS)):
        abort(403)  # a role's refusal comes before any state check: it never reads as "not yet"
    if step in COMMENT_STEPS:
        form = CommentForm()
        if not form.validate():
            raise DomainError(_("A reason is required."))
        if step == "send_back":
            scoring.send_back(session, actor, c, form.comment.data)
            message = _("The results were sent back to the operator with your reason.")
        else:
            services.cancel_campaign(session, actor, c, form.comment.data)
            message = _("The campaign is cancelled.")
    else:
        {"open": services.open_campaign, "close_filing": services.close_filing, "rank": scoring.rank_results,
         "confirm": scoring.confirm_results, "publish": scoring.publish_results,
         "close": scoring.close_campaign}[step](session, actor, c)
        message = STEP_MESSAGES[step]
    session.commit()
    flash(str(message), "success")
    target = "assessment.ranking" if step in ("rank", "confirm", "publish") else "assessment.campaign"
    return redirect(url_for(target, campaign_id=c.id), 303)


@bp.post("/campaigns/<int:campaign_id>/reviewers")
@roles_required(*STAFF_EDITORS)
def assign_reviewers(campaign_id: int):
    c = get_or_404(db.session, Campaign, campaign_id)
    form = AssignForm()
    form.reviewer_ids.choices = _reviewers()
    if not form.validate():
        return campaign(campaign_id, assign_form=form, status=400)
    added = scoring.assign_reviewers(db.session, current_user, c, form.filing_ids.data, form.reviewer_ids.data)
    db.session.commit()
    flash(_("%(n)s reviewer assignment(s) added. Each reviewer declares any conflict of interest before scoring.",
            n=added), "success")
    return redirect(url_for("assessment.campaign", campaign_id=c.id), 303)


@bp.get("/campaigns/<int:campaign_id>/ranking")
@roles_required(*STAFF_READERS)
def ranking(campaign_id: int):
    c = get_or_404(db.session, Campaign, campaign_id)
    if c.state in (C.DRAFT, C.OPEN, C.REVIEWING, C.CANCELLED):
        flash(_("The campaign is not ranked yet."), "info")
        return redirect(url_for("assessment.campaign", campaign_id=c.id))
    grade = Grade.from_arg(request.args.get("grade"))
    page = paginate(db.session, ranking_query(c, grade), parse_page(request.args.get("page")), per_page=50)
    return render_template("assessment/ranking.html", c=c, page=page, grade=grade, grades=list(Grade),
                           counts=reports.grade_counts(db.session, c), medians=reports.campaign_medians(db.session, c),
                           dimensions=c.scheme.config["dimensions"],
                           actions=CAMPAIGN.available(db.session, current_user, c), comment_form=CommentForm(formdata=None))


@bp.get("/filings")
@roles_required(*STAFF_READERS)
def filings():
    """Filings across the campaigns under way: to verify, overdue, by state, by company."""
    flt, q = request.args.get("state"), normalize_text(request.args.get("q"))[:60]
    if flt and flt not in FILING_FILTERS and not F.from_arg(flt):
        abort(404)
    stmt = (sa.select(Filing).join(Campaign, Filing.campaign_id == Campaign.id)
            .where(Campaign.state.in_(services.LIVE), *_filing_conditions(flt, q))
            .order_by(Campaign.closes_on, Filing.id))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    return render_template("assessment/filings.html", page=page, flt=flt, q=q, states=list(F), F=F, day=today())


@bp.get("/export.xlsx")
@roles_required(*STAFF_READERS)
def export():
    f = _filters(request.args)
    return send_export(db.session, current_user, "campaigns", _query(f),
                       lambda rows: exports.campaigns_workbook(db.session, rows), filename="绩效考核", filters=f,
                       back=url_for("assessment.index", **request.args.to_dict()))


@bp.get("/reviews-due")
@roles_required(*STAFF_READERS)
def reviews_due():
    rows = reports.reviews_due(db.session)
    return render_template("assessment/reviews_due.html", rows=rows, day=today(),
                           can_edit=current_user.has_role(*STAFF_EDITORS))


from . import views_documents, views_filing, views_results, views_review, views_scheme  # noqa: E402,F401 - they add their routes to bp
