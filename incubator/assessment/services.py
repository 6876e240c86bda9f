"""Schemes, campaigns, the company's filing and the operator's verification. Each takes the
acting user and flushes; the view commits. Scoring and ranking are in scoring.py, appeals and
consequences in consequences.py."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..audit.services import record
from ..companies.models import Company, CompanyStatus
from ..core.errors import ConcurrentChange, DomainError, NotFound, PermissionDenied
from ..core.formatting import local, today
from ..core.roles import STAFF_EDITORS, Role
from ..db import utcnow
from ..documents.models import Document
from ..documents.rules import DocumentCategory
from . import rules
from .models import (
    COUNT_FIGURES,
    EDITABLE_FILING_STATES,
    FIGURES,
    MONEY_FIGURES,
    AssessmentScheme,
    Campaign,
    CampaignKind,
    CheckOutcome,
    FigureCheck,
    Filing,
)
from .models import CampaignState as C
from .models import FilingState as F
from .workflow import CAMPAIGN, FILING

SUBJECT = "assessment_filing"
EVIDENCE_CATEGORIES = (DocumentCategory.FINANCIAL_STATEMENTS, DocumentCategory.IP_CERTIFICATE,
                       DocumentCategory.QUALIFICATION_CERTIFICATE, DocumentCategory.TEAM_CVS,
                       DocumentCategory.OTHER)
MAX_COUNT = 10_000_000
MAX_MONEY = Decimal("1000000000000")  # Numeric(14, 2)
LIVE = (C.DRAFT, C.OPEN, C.REVIEWING, C.RANKED, C.CONFIRMED)  # a campaign still under way


def require_editor(actor) -> None:
    if not actor.has_role(*STAFF_EDITORS):
        raise PermissionDenied(_("You are not allowed to do this."))


def _claim(session: Session, model, obj, *conditions, message: str) -> None:
    """Bump the row's version only while `conditions` hold: concurrent changes queue here and a
    change that lost its precondition is refused with `message`."""
    done = session.execute(sa.update(model).where(model.id == obj.id, *conditions)
                           .values(version=model.version + 1).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ConcurrentChange(message)
    session.refresh(obj)


# --- schemes ---------------------------------------------------------------------------------------

def current_scheme(session: Session, on: dt.date | None = None) -> AssessmentScheme:
    scheme = session.scalar(sa.select(AssessmentScheme).where(AssessmentScheme.effective_from <= (on or today()))
                            .order_by(AssessmentScheme.effective_from.desc(), AssessmentScheme.version.desc())
                            .limit(1))
    if scheme is None:
        raise DomainError(_("No assessment scheme is in force. An administrator must set one up first."))
    return scheme


def save_scheme_version(session: Session, actor, config: dict, effective_from: dt.date,
                        note: str | None = None) -> AssessmentScheme:
    """Schemes are never edited in place: a change is the next version."""
    require_editor(actor)
    problems = rules.config_problems(config)
    if problems:
        raise DomainError(_("The scheme is not valid: %(problems)s", problems="; ".join(problems)))
    last = session.scalar(sa.select(sa.func.max(AssessmentScheme.version))) or 0
    scheme = AssessmentScheme(version=last + 1, effective_from=effective_from, config=config, note=note,
                              created_by_id=actor.id)
    session.add(scheme)
    session.flush()
    record(session, actor, "assessment_scheme.version", scheme, after={"version": scheme.version, "config": config},
           summary=f"v{scheme.version}")
    return scheme


# --- campaigns -----------------------------------------------------------------------------------

def _tenant_ids(session: Session) -> list[int]:
    return list(session.scalars(sa.select(Company.id).where(Company.status == CompanyStatus.TENANT)
                                .order_by(Company.id)))


def _add_filings(session: Session, campaign: Campaign, company_ids) -> int:
    taken = set(session.scalars(sa.select(Filing.company_id).where(Filing.campaign_id == campaign.id)))
    new = [Filing(campaign_id=campaign.id, company_id=cid) for cid in dict.fromkeys(company_ids) if cid not in taken]
    session.add_all(new)
    session.flush()
    return len(new)


def create_campaign(session: Session, actor, *, name: str, year: int, kind: CampaignKind, opens_on: dt.date,
                    closes_on: dt.date, company_ids: list[int] | None = None, note: str | None = None) -> Campaign:
    """A draft campaign with a filing for each company: every tenant for the annual campaign,
    the chosen tenants for an interim review. The scheme in force on the opening day applies."""
    require_editor(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Please give the campaign a name."), field="name")
    if closes_on < opens_on:
        raise DomainError(_("The filing deadline must be on or after the opening day."), field="closes_on")
    if not 2000 <= year <= 2100:
        raise DomainError(_("Please enter a year between 2000 and 2100."), field="year")
    if session.scalar(sa.select(Campaign.id).where(Campaign.name == name)):
        raise DomainError(_("A campaign with this name exists already."), field="name")
    if kind == CampaignKind.ANNUAL and session.scalar(sa.select(Campaign.id).where(
            Campaign.year == year, Campaign.kind == CampaignKind.ANNUAL, Campaign.state != C.CANCELLED)):
        raise DomainError(_("There is already an annual campaign for %(year)s.", year=year), field="year")
    if kind == CampaignKind.ANNUAL:
        company_ids = _tenant_ids(session)
    else:
        tenants = set(_tenant_ids(session))
        company_ids = [cid for cid in (company_ids or []) if cid in tenants]
        if not company_ids:
            raise DomainError(_("Choose at least one tenant company to review."), field="company_ids")
    scheme = current_scheme(session, opens_on)
    campaign = Campaign(name=name, year=year, kind=kind, scheme_id=scheme.id, opens_on=opens_on, closes_on=closes_on,
                        note=(note or "").strip() or None, created_by_id=actor.id)
    session.add(campaign)
    session.flush()
    n = _add_filings(session, campaign, company_ids)
    record(session, actor, "assessment_campaign.create", campaign,
           after={"name": name, "year": year, "kind": kind, "scheme_version": scheme.version,
                  "opens_on": opens_on, "closes_on": closes_on, "companies": n}, summary=name)
    return campaign


def open_campaign(session: Session, actor, campaign: Campaign) -> Campaign:
    """Filing opens: every company with a filing gets its task. The annual campaign also takes in
    companies that became tenants since it was drafted."""
    CAMPAIGN.apply(session, actor, campaign, "open")
    if campaign.kind == CampaignKind.ANNUAL:
        added = _add_filings(session, campaign, _tenant_ids(session))
        if added:
            record(session, actor, "assessment_campaign.add_companies", campaign, after={"added": added},
                   summary=campaign.name)
    return campaign


def close_filing(session: Session, actor, campaign: Campaign) -> Campaign:
    """The window closes: drafts and filings still returned for correction count as not filed."""
    CAMPAIGN.apply(session, actor, campaign, "close_filing")
    unfiled = session.scalars(sa.select(Filing).where(Filing.campaign_id == campaign.id,
                                                      Filing.state.in_(EDITABLE_FILING_STATES))).all()
    for filing in unfiled:
        FILING.apply(session, actor, filing, "lapse",
                     comment=_("Not filed when the filing window closed (deadline %(day)s).",
                               day=campaign.closes_on.isoformat()))
    return campaign


def cancel_campaign(session: Session, actor, campaign: Campaign, reason: str) -> Campaign:
    CAMPAIGN.apply(session, actor, campaign, "cancel", comment=reason)
    return campaign


def overdue_condition(day: dt.date | None = None):
    """Filings not submitted although the deadline of their open campaign has passed."""
    day = day or today()
    return sa.and_(Filing.state.in_(EDITABLE_FILING_STATES), Filing.campaign_id.in_(
        sa.select(Campaign.id).where(Campaign.state == C.OPEN, Campaign.closes_on < day)))


def is_overdue(filing: Filing, day: dt.date | None = None) -> bool:
    return (filing.state in EDITABLE_FILING_STATES and filing.campaign.state == C.OPEN
            and filing.campaign.closes_on < (day or today()))


# --- the company's filing -----------------------------------------------------------------------------

def _require_owner(actor, filing: Filing) -> None:
    if not (actor.has_role(Role.COMPANY) and actor.company_id == filing.company_id):
        raise PermissionDenied(_("Only members of the company can do this."))


def filing_editable(filing: Filing) -> bool:
    return (filing.state in EDITABLE_FILING_STATES and filing.campaign.state == C.OPEN
            and filing.company.is_active_member_company)


def _check_figures(data: dict) -> dict:
    clean = {}
    for key in MONEY_FIGURES:
        value = data.get(key)
        if value is not None:
            if isinstance(value, float) or not isinstance(value, Decimal) or not value.is_finite():
                raise DomainError(_("Please enter a number."), field=key)
            if value < 0:
                raise DomainError(_("Amounts cannot be negative."), field=key)
            if value >= MAX_MONEY or value != value.quantize(Decimal("0.01")):
                raise DomainError(_("Please enter an amount in yuan with at most two decimal places."), field=key)
        clean[key] = value
    for key in COUNT_FIGURES:
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 <= value < MAX_COUNT):
            raise DomainError(_("Please enter a whole number (0 or more)."), field=key)
        clean[key] = value
    return clean


def save_filing(session: Session, actor, filing: Filing, data: dict, note: str | None = None) -> Filing:
    """The company saves its figures (a draft, or a filing returned for correction)."""
    _require_owner(actor, filing)
    clean = _check_figures(data)
    _claim(session, Filing, filing, Filing.state.in_(EDITABLE_FILING_STATES), Filing.campaign_id.in_(
        sa.select(Campaign.id).where(Campaign.state == C.OPEN)),
        message=_("The filing can be changed only as a draft or when returned, while filing is open."))
    if not filing.company.is_active_member_company:
        raise DomainError(_("Your company's records are read-only."))
    before = filing.figures() | {"company_note": filing.company_note}
    after = clean | {"company_note": (note or "").strip() or None}
    changed = {k: v for k, v in after.items() if v != before[k]}
    for key, value in changed.items():
        setattr(filing, key, value)
    session.flush()
    if changed:
        record(session, actor, "assessment_filing.update", filing, before={k: before[k] for k in changed},
               after=changed, summary=filing.campaign.name)
    return filing


def missing_figures(filing: Filing) -> list[str]:
    return [key for key in FIGURES if getattr(filing, key) is None]


def submit_filing(session: Session, actor, filing: Filing) -> Filing:
    if filing.campaign.state != C.OPEN:
        raise DomainError(_("Filing is closed for this campaign."))
    if not filing.company.is_active_member_company:
        raise DomainError(_("Your company's records are read-only."))
    now = utcnow()
    if filing.state == F.DRAFT:
        FILING.apply(session, actor, filing, "submit", values={"submitted_at": now})
    else:
        FILING.apply(session, actor, filing, "resubmit", values={"resubmitted_at": now})
    return filing


def submitted_on(filing: Filing) -> dt.date | None:
    """The day of the first submission in Beijing time (on-time filing is judged by it)."""
    return local(filing.submitted_at).date() if filing.submitted_at else None


def evidence(session: Session, filing: Filing) -> list[Document]:
    return list(session.scalars(sa.select(Document).where(Document.subject_type == SUBJECT,
                                                          Document.subject_id == filing.id)
                                .order_by(Document.created_at, Document.id)))


def upload_evidence(session: Session, actor, filing: Filing, category: str, title: str | None,
                    file_storage) -> Document:
    """An evidence file: by the company while it may change the filing, by the operator any time
    before the results are computed."""
    from ..documents.services import upload_document

    if category not in {c.value for c in EVIDENCE_CATEGORIES}:
        raise DomainError(_("Please choose a category from the list."), field="category")
    if actor.has_role(*STAFF_EDITORS):
        if filing.campaign.state not in (C.OPEN, C.REVIEWING):
            raise DomainError(_("Evidence can no longer be added to this filing."))
    else:
        _require_owner(actor, filing)
        _claim(session, Filing, filing, Filing.state.in_(EDITABLE_FILING_STATES),
               message=_("Evidence can be added only as a draft or when returned for correction."))
        if not filing_editable(filing):
            raise DomainError(_("Evidence can be added only as a draft or when returned for correction."))
    return upload_document(session, actor, filing.company, category=category, title=title,
                           file_storage=file_storage, subject_type=SUBJECT, subject_id=filing.id)


# --- previous year --------------------------------------------------------------------------------------

def previous_filings(session: Session, year: int, company_ids) -> dict[int, Filing]:
    """Each company's latest verified filing for a year before `year` (the annual one when a year has two)."""
    rows = session.scalars(
        sa.select(Filing).join(Campaign, Filing.campaign_id == Campaign.id)
        .where(Filing.company_id.in_(list(company_ids)), Filing.state == F.VERIFIED, Campaign.year < year,
               Campaign.state != C.CANCELLED)
        .order_by(Filing.company_id, Campaign.year.desc(), (Campaign.kind == CampaignKind.ANNUAL).desc(),
                  Campaign.closes_on.desc()))
    latest: dict[int, Filing] = {}
    for filing in rows:
        latest.setdefault(filing.company_id, filing)
    return latest


def previous_filing(session: Session, filing: Filing) -> Filing | None:
    return previous_filings(session, filing.campaign.year, [filing.company_id]).get(filing.company_id)


# --- verification ----------------------------------------------------------------------------------------

def _as_figure(key: str, value: Decimal | None):
    if value is None:
        return None
    return int(value) if key in COUNT_FIGURES else value


def verified_figures(filing: Filing) -> dict:
    """The figures scoring uses: the operator's correction where there is one, else as filed."""
    corrections = {c.figure: c.corrected_value for c in filing.checks if c.outcome == CheckOutcome.CORRECTED}
    return {key: _as_figure(key, corrections[key]) if key in corrections else getattr(filing, key)
            for key in FIGURES}


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and Decimal(a) == Decimal(b))


def pending_figures(filing: Filing) -> list[str]:
    """Figures still to check: never checked, returned, or changed by the company since."""
    checks = {c.figure: c for c in filing.checks}
    return [key for key in FIGURES if key not in checks or checks[key].outcome == CheckOutcome.RETURNED
            or not _same(checks[key].filed_value, getattr(filing, key))]


def check_figure(session: Session, actor, filing: Filing, figure: str, outcome: CheckOutcome,
                 corrected: Decimal | None = None, reason: str | None = None) -> FigureCheck:
    require_editor(actor)
    if figure not in FIGURES:
        raise NotFound(_("The page or record was not found."))
    reason = (reason or "").strip() or None
    filed = getattr(filing, figure)
    if outcome == CheckOutcome.CORRECTED:
        if corrected is None:
            raise DomainError(_("Enter the corrected value."), field="corrected")
        if figure in COUNT_FIGURES and corrected != corrected.to_integral_value():
            raise DomainError(_("Please enter a whole number (0 or more)."), field="corrected")
        if _same(corrected, filed):
            raise DomainError(_("The corrected value is the value filed: accept it instead."), field="corrected")
        if not reason:
            raise DomainError(_("Give the reason for the correction; the company will see it."), field="reason")
    elif outcome == CheckOutcome.RETURNED and not reason:
        raise DomainError(_("Say what the company must correct."), field="reason")
    _claim(session, Filing, filing, Filing.state.in_((F.SUBMITTED, F.RESUBMITTED)),
           message=_("Figures can be checked only on a submitted filing."))
    check = next((c for c in filing.checks if c.figure == figure), None)
    before = {"outcome": check.outcome, "corrected": check.corrected_value, "reason": check.reason} if check else None
    if check is None:
        check = FigureCheck(filing=filing, figure=figure, outcome=outcome)
    check.outcome, check.filed_value = outcome, Decimal(filed) if filed is not None else None
    check.corrected_value = corrected if outcome == CheckOutcome.CORRECTED else None
    check.reason, check.checked_by_id, check.checked_at = reason, actor.id, utcnow()
    session.add(check)
    session.flush()
    record(session, actor, "assessment_filing.check", filing, before=before,
           after={"figure": figure, "outcome": outcome, "filed": filed, "corrected": check.corrected_value,
                  "reason": reason}, summary=f"{filing.company.name}: {rules.FIGURE_LABELS[figure]}")
    return check


def return_filing(session: Session, actor, filing: Filing, comment: str) -> Filing:
    """Back to the company to correct, while filing is still open (afterwards the operator
    corrects figures himself, with reasons)."""
    if filing.campaign.state != C.OPEN:
        raise DomainError(_("Filing has closed: correct the figures with a reason instead of returning the filing."))
    FILING.apply(session, actor, filing, "return", comment=comment)
    return filing


def verify_filing(session: Session, actor, filing: Filing) -> Filing:
    pending = pending_figures(filing)
    if pending:
        raise DomainError(_("Check every figure first: %(items)s",
                            items="、".join(rules.FIGURE_LABELS[k] for k in pending)))
    if filing.campaign.state not in (C.OPEN, C.REVIEWING):
        raise DomainError(_("The results of this campaign are already computed."))
    FILING.apply(session, actor, filing, "verify", values={"verified_at": utcnow(), "verified_by_id": actor.id})
    return filing


def reopen_filing(session: Session, actor, filing: Filing, reason: str) -> Filing:
    if filing.campaign.state not in (C.OPEN, C.REVIEWING):
        raise DomainError(_("The results of this campaign are already computed."))
    FILING.apply(session, actor, filing, "reopen", comment=reason, visible_to_company=False)
    return filing


def record_compliance(session: Session, actor, filing: Filing, *, breach_note: str | None,
                      vetoes: dict[str, str]) -> Filing:
    """The operator's findings: a breach in the year and veto items (一票否决) with the facts."""
    require_editor(actor)
    known = {v["key"] for v in filing.campaign.scheme.config["vetoes"]}
    vetoes = {k: (v or "").strip() for k, v in vetoes.items()}
    if set(vetoes) - known:
        raise DomainError(_("Unknown veto item."), field="vetoes")
    if any(not v for v in vetoes.values()):
        raise DomainError(_("Describe the facts for each veto item ticked."), field="vetoes")
    _claim(session, Filing, filing, Filing.campaign_id.in_(
        sa.select(Campaign.id).where(Campaign.state.in_((C.OPEN, C.REVIEWING)))),
        message=_("The results of this campaign are already computed."))
    before = {"breach_note": filing.breach_note, "vetoes": filing.vetoes}
    filing.breach_note = (breach_note or "").strip() or None
    filing.vetoes = vetoes or None
    session.flush()
    record(session, actor, "assessment_filing.compliance", filing, before=before,
           after={"breach_note": filing.breach_note, "vetoes": filing.vetoes}, summary=filing.company.name)
    return filing
