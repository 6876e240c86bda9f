"""Every change in admission review: policies, applications, completeness check, reviewers,
scoring, joint review, decision and the lease that follows. Each takes the acting user."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..audit.services import record
from ..certificates.numbering import next_number
from ..companies.models import Company
from ..core.calendar import add_working_days
from ..core.errors import ConcurrentChange, DomainError, NotFound, PermissionDenied
from ..core.formatting import today
from ..core.roles import Role
from ..db import utcnow
from ..documents.models import Document
from ..documents.rules import DocumentCategory
from ..leases.services import create_lease
from ..spaces.models import Unit, UnitStatus
from . import rules
from .models import EDITABLE_STATES, AdmissionPolicy, Application, IntakeRound, ReviewAssignment, ReviewScore
from .models import ApplicationState as S
from .models import AssignmentState as A
from .workflow import ADMISSION, CLOSED

SUBJECT = "application"


# --- policies --------------------------------------------------------------------------------

def current_policy(session: Session, carrier_id: int | None, track, on: dt.date | None = None) -> AdmissionPolicy:
    """The newest version in force for carrier × track; the most specific match wins
    (carrier and track, then carrier, then track, then the community default)."""
    on = on or today()
    candidates = session.scalars(
        sa.select(AdmissionPolicy).where(
            AdmissionPolicy.effective_from <= on,
            sa.or_(AdmissionPolicy.carrier_id == carrier_id, AdmissionPolicy.carrier_id.is_(None)),
            sa.or_(AdmissionPolicy.track == track, AdmissionPolicy.track.is_(None)),
        )).all()
    if not candidates:
        raise DomainError(_("No admission policy is in force. An administrator must set one up first."))
    return max(candidates, key=lambda p: (p.carrier_id is not None, p.track is not None, p.version))


def save_policy_version(session: Session, actor, *, carrier_id: int | None, track, config: dict,
                        effective_from: dt.date, note: str | None = None) -> AdmissionPolicy:
    """Policies are never edited in place: a change is the next version for that carrier × track."""
    if not actor.has_role(Role.ADMIN, Role.OPERATOR):
        raise PermissionDenied(_("You are not allowed to do this."))
    problems = rules.config_problems(config)
    # materials are uploaded as documents of that category, so a key must be one
    unknown = {m.get("key") for m in config.get("materials", [])} - {c.value for c in DocumentCategory}
    if unknown:
        problems.append(f"unknown material keys: {', '.join(sorted(map(str, unknown)))}")
    if problems:
        raise DomainError(_("The policy is not valid: %(problems)s", problems="; ".join(problems)))
    last = session.scalar(sa.select(sa.func.max(AdmissionPolicy.version)).where(
        AdmissionPolicy.carrier_id.is_(None) if carrier_id is None else AdmissionPolicy.carrier_id == carrier_id,
        AdmissionPolicy.track.is_(None) if track is None else AdmissionPolicy.track == track)) or 0
    policy = AdmissionPolicy(carrier_id=carrier_id, track=track, version=last + 1, effective_from=effective_from,
                             config=config, note=note, created_by_id=actor.id)
    session.add(policy)
    session.flush()
    record(session, actor, "admission_policy.version", policy, after={"version": policy.version, "config": config},
           summary=f"v{policy.version}")
    return policy


def create_round(session: Session, actor, *, name: str, opens_on: dt.date, closes_on: dt.date,
                 note: str | None = None) -> IntakeRound:
    if not actor.has_role(Role.ADMIN, Role.OPERATOR):
        raise PermissionDenied(_("You are not allowed to do this."))
    if closes_on < opens_on:
        raise DomainError(_("The round must close on or after the day it opens."), field="closes_on")
    if session.scalar(sa.select(IntakeRound.id).where(IntakeRound.name == name.strip())):
        raise DomainError(_("An intake round with this name exists already."), field="name")
    intake = IntakeRound(name=name.strip(), opens_on=opens_on, closes_on=closes_on, note=note)
    session.add(intake)
    session.flush()
    record(session, actor, "intake_round.create", intake, after={"name": intake.name}, summary=intake.name)
    return intake


def open_round(session: Session, on: dt.date | None = None) -> IntakeRound | None:
    on = on or today()
    return session.scalar(sa.select(IntakeRound).where(IntakeRound.opens_on <= on, IntakeRound.closes_on >= on)
                          .order_by(IntakeRound.opens_on.desc()).limit(1))


# --- the company's application ----------------------------------------------------------------

APPLICATION_FIELDS = ("carrier_id", "track", "unit_type", "area_requested", "project_name", "project_summary",
                      "team_summary", "ip_summary", "revenue_last_year", "tax_last_year", "rd_expense_last_year",
                      "financing_total", "expected_jobs", "will_move_registration", "agent_id")


def _require_owner(actor, app_or_company_id) -> None:
    company_id = getattr(app_or_company_id, "company_id", app_or_company_id)
    if not (actor.has_role(Role.COMPANY) and actor.company_id == company_id):
        raise PermissionDenied(_("Only members of the applying company can do this."))


def _validate(data: dict) -> None:
    area = data.get("area_requested")
    if area is None or area <= 0:
        raise DomainError(_("The requested area must be more than 0 m²."), field="area_requested")
    for key in ("revenue_last_year", "tax_last_year", "rd_expense_last_year", "financing_total"):
        if data.get(key) is not None and data[key] < 0:
            raise DomainError(_("Amounts cannot be negative."), field=key)
    if data.get("expected_jobs") is not None and data["expected_jobs"] < 0:
        raise DomainError(_("The number of jobs cannot be negative."), field="expected_jobs")


def create_application(session: Session, actor, company: Company, data: dict) -> Application:
    _require_owner(actor, company.id)
    if not company.is_active_member_company:
        raise DomainError(_("Your company's records are read-only."))
    if session.scalar(sa.select(Application.id).where(Application.company_id == company.id,
                                                      Application.state.not_in(CLOSED))):
        raise DomainError(_("Your company already has an application in progress."))
    _validate(data)
    policy = current_policy(session, data["carrier_id"], data["track"])
    year = today().year
    intake = open_round(session)
    app = Application(number=f"SQ-{year}-{next_number(session, 'application', year):04d}", company_id=company.id,
                      policy_id=policy.id, round_id=intake.id if intake else None,
                      **{k: data.get(k) for k in APPLICATION_FIELDS})
    session.add(app)
    session.flush()
    record(session, actor, "application.create", app, after={k: data.get(k) for k in APPLICATION_FIELDS},
           summary=f"{app.number} {app.project_name}")
    return app


def _require_writable(app: Application) -> None:
    if not app.company.is_active_member_company:
        raise DomainError(_("Your company's records are read-only."))


def update_application(session: Session, actor, app: Application, data: dict) -> Application:
    _require_owner(actor, app)
    _require_writable(app)
    if app.state not in EDITABLE_STATES:
        raise DomainError(_("The application can be changed only as a draft or when returned for supplement."))
    _validate(data)
    before = {k: getattr(app, k) for k in APPLICATION_FIELDS}
    changed = {k: data.get(k) for k in APPLICATION_FIELDS if data.get(k) != before[k]}
    if "carrier_id" in changed or "track" in changed:
        if app.state != S.DRAFT:
            raise DomainError(_("The carrier and industry track are fixed once the application was submitted."))
        app.policy_id = current_policy(session, data["carrier_id"], data["track"]).id
    for key, value in changed.items():
        setattr(app, key, value)
    session.flush()
    if changed:
        record(session, actor, "application.update", app, before={k: before[k] for k in changed}, after=changed,
               summary=app.number)
    return app


def materials(session: Session, app: Application) -> list[dict]:
    """The checklist for this applicant: each item with its uploaded documents and whether it is missing."""
    factory = app.unit_type is not None and app.unit_type.value == "factory"
    items = rules.required_materials(app.policy.config, founded_on=app.company.founded_on,
                                     on=(app.submitted_at.date() if app.submitted_at else today()), factory=factory)
    docs = session.scalars(sa.select(Document).where(Document.subject_type == SUBJECT, Document.subject_id == app.id)
                           .order_by(Document.created_at)).all()
    by_category: dict[str, list[Document]] = {}
    for doc in docs:
        by_category.setdefault(doc.category, []).append(doc)
    reasons = app.supplement_items or {}
    return [{**item, "documents": by_category.get(item["key"], []), "reason": reasons.get(item["key"]),
             "missing": item.get("required", False) and not by_category.get(item["key"])} for item in items]


def upload_material(session: Session, actor, app: Application, key: str, file_storage) -> Document:
    """A file for one checklist item: the first upload creates the item's document, a re-upload
    adds a version to it. Only while the company may change the application."""
    from ..documents.services import add_version, upload_document

    _require_owner(actor, app)
    _require_writable(app)
    # claim the row first: concurrent uploads queue up here and none can slip in after a submission
    claimed = session.execute(sa.update(Application).where(Application.id == app.id, Application.state.in_(EDITABLE_STATES))
                              .values(version=Application.version + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise DomainError(_("Materials can be changed only as a draft or when returned for supplement."))
    session.refresh(app)
    item = next((i for i in materials(session, app) if i["key"] == key), None)
    if item is None:
        raise DomainError(_("This item is not on the application's checklist."), field="category")
    if item["documents"]:
        document = item["documents"][-1]
        add_version(session, actor, document, file_storage)
        return document
    return upload_document(session, actor, app.company, category=key, title=item["label"],
                           file_storage=file_storage, subject_type=SUBJECT, subject_id=app.id)


def _check_complete(session: Session, app: Application) -> None:
    missing = [i["label"] for i in materials(session, app) if i["missing"]]
    if missing:
        raise DomainError(_("Please upload the missing materials first: %(items)s", items="、".join(missing)))
    unmet = rules.unmet_conditions(app.policy.config, founded_on=app.company.founded_on, on=today(),
                                   will_move_registration=app.will_move_registration)
    messages = {
        "company_age": _("The company must have been founded at most %(months)s months ago.",
                         months=app.policy.config["conditions"].get("max_company_age_months")),
        "registration_move": _("The company must agree to move its business registration, tax and statistics "
                               "relationship into the community."),
    }
    if unmet:
        raise DomainError(" ".join(messages[u] for u in unmet))


def _snapshot(app: Application) -> dict:
    c = app.company
    return {
        "company": {"name": c.name, "credit_code": c.credit_code, "legal_rep": c.legal_rep,
                    "registered_capital": c.registered_capital, "founded_on": c.founded_on,
                    "headcount": c.headcount, "talents_bachelor": c.talents_bachelor,
                    "talents_high_level": c.talents_high_level, "ip_invention": c.ip_invention,
                    "ip_utility": c.ip_utility, "ip_software": c.ip_software},
        "application": {k: getattr(app, k) for k in APPLICATION_FIELDS},
        "policy_version": app.policy.version,
    }


def submit_application(session: Session, actor, app: Application) -> Application:
    _require_writable(app)
    _check_complete(session, app)
    action = "submit" if app.state == S.DRAFT else "resubmit"
    from ..audit.services import _jsonable
    ADMISSION.apply(session, actor, app, action,
                    values={"submitted_at": utcnow(), "supplement_due_on": None, "snapshot": _jsonable(_snapshot(app))})
    return app


def withdraw_application(session: Session, actor, app: Application, reason: str | None = None) -> Application:
    _require_writable(app)
    ADMISSION.apply(session, actor, app, "withdraw", comment=reason)
    return app


# --- operator: completeness check ---------------------------------------------------------------

def supplement_due_on(app: Application, on: dt.date | None = None) -> dt.date:
    """The deadline a return made on `on` would give (working days, 调休 included)."""
    return add_working_days(on or today(), int(app.policy.config.get("supplement_working_days", 10)))


def return_application(session: Session, actor, app: Application, comment: str,
                       item_reasons: dict[str, str] | None = None) -> Application:
    """Back to the company for supplement, with a reason per item; the deadline counts working days."""
    item_reasons = {k: v.strip() for k, v in (item_reasons or {}).items() if v and v.strip()}
    due = supplement_due_on(app)
    ADMISSION.apply(session, actor, app, "return", comment=comment,
                    values={"supplement_due_on": due, "supplement_items": item_reasons or None})
    return app


def accept_application(session: Session, actor, app: Application) -> Application:
    ADMISSION.apply(session, actor, app, "accept")
    return app


def lapse_overdue(session: Session, actor, on: dt.date | None = None) -> list[Application]:
    """Close every returned application whose supplement deadline has passed (run daily)."""
    on = on or today()
    overdue = session.scalars(sa.select(Application).where(Application.state == S.RETURNED,
                                                           Application.supplement_due_on < on)).all()
    lapsed = []
    for app in overdue:
        try:
            ADMISSION.apply(session, actor, app, "lapse",
                            comment=_("The supplement deadline (%(due)s) passed.", due=app.supplement_due_on))
            lapsed.append(app)
        except ConcurrentChange:  # resubmitted at this very moment: nothing to lapse
            continue
    return lapsed


# --- reviewers ---------------------------------------------------------------------------------

def active_assignments(app: Application) -> list[ReviewAssignment]:
    return [a for a in app.assignments if a.state != A.CONFLICT]


def assign_reviewers(session: Session, actor, app: Application, reviewer_ids: list[int]) -> list[ReviewAssignment]:
    from ..accounts.models import User

    if not actor.has_role(Role.OPERATOR, Role.ADMIN):
        raise PermissionDenied(_("You are not allowed to do this."))
    if app.state not in (S.ACCEPTED, S.EXPERT_REVIEW):
        raise DomainError(_("Reviewers can be assigned once the application is accepted."))
    taken = {a.reviewer_id for a in app.assignments}
    new_ids = []
    for reviewer_id in dict.fromkeys(reviewer_ids):  # check them all before adding any
        reviewer = session.get(User, reviewer_id)
        if reviewer is None or not reviewer.active or not reviewer.has_role(Role.REVIEWER):
            raise DomainError(_("Only active reviewers can be assigned."))
        if reviewer.company_id == app.company_id:
            raise DomainError(_("A member of the applying company cannot review it."))
        if reviewer_id not in taken:
            new_ids.append(reviewer_id)
    added = [ReviewAssignment(application_id=app.id, reviewer_id=rid, assigned_by_id=actor.id) for rid in new_ids]
    session.add_all(added)
    session.flush()
    session.refresh(app, ["assignments"])
    if added:
        record(session, actor, "application.assign_reviewers", app,
               after={"reviewers": [a.reviewer_id for a in added]}, summary=app.number)
    return added


def start_review(session: Session, actor, app: Application) -> Application:
    needed = int(app.policy.config["min_reviewers"])
    if len(active_assignments(app)) < needed:
        raise DomainError(_("Assign at least %(n)s reviewers first.", n=needed))
    ADMISSION.apply(session, actor, app, "start_review")
    return app


def _own_assignment(actor, assignment: ReviewAssignment) -> None:
    if assignment.reviewer_id != actor.id or not actor.has_role(Role.REVIEWER):
        raise NotFound(_("The page or record was not found."))


def _move_assignment(session: Session, assignment: ReviewAssignment, source: A, target: A, **values) -> None:
    done = session.execute(sa.update(ReviewAssignment)
                           .where(ReviewAssignment.id == assignment.id, ReviewAssignment.state == source)
                           .values(state=target, version=ReviewAssignment.version + 1, **values))
    if done.rowcount != 1:
        raise ConcurrentChange(_("Someone else changed this record first. Please reload and try again."))
    session.refresh(assignment)


def declare_interest(session: Session, actor, assignment: ReviewAssignment, *, conflict: bool,
                     note: str | None = None) -> ReviewAssignment:
    """Before seeing the file a reviewer declares a conflict of interest (and is excused) or none."""
    _own_assignment(actor, assignment)
    if assignment.state != A.ASSIGNED:
        raise DomainError(_("You have already made your declaration for this application."))
    if conflict and not (note or "").strip():
        raise DomainError(_("Please describe the conflict of interest."), field="note")
    _move_assignment(session, assignment, A.ASSIGNED, A.CONFLICT if conflict else A.SCORING,
                     declared_at=utcnow(), conflict_note=(note or "").strip() or None)
    record(session, actor, "review.declare", assignment, company_id=assignment.application.company_id,
           after={"conflict": conflict, "note": note}, summary=assignment.application.number)
    return assignment


def save_scores(session: Session, actor, assignment: ReviewAssignment, scores: dict[str, Decimal | None],
                comments: dict[str, str], overall: str | None, submit: bool = False) -> ReviewAssignment:
    _own_assignment(actor, assignment)
    app = assignment.application
    if assignment.state != A.SCORING or app.state != S.EXPERT_REVIEW:
        raise DomainError(_("These scores can no longer be changed."))
    config = app.policy.config
    errors = rules.score_errors(config, scores) if submit else {
        k: v for k, v in rules.score_errors(config, scores).items() if v != "missing"}
    if errors:
        labels = {i["key"]: i["label"] for i in config["rubric"]}
        raise DomainError(_("Check the scores: %(items)s", items="、".join(labels[k] for k in errors)))
    existing = {s.item_key: s for s in assignment.scores}
    for item in config["rubric"]:
        key = item["key"]
        if scores.get(key) is None:
            continue
        row = existing.get(key) or ReviewScore(assignment=assignment, item_key=key, score=scores[key])
        row.score, row.comment = scores[key], (comments.get(key) or "").strip() or None
        session.add(row)
    assignment.overall_comment = (overall or "").strip() or None
    assignment.total = rules.sheet_total({k: v for k, v in scores.items() if v is not None})
    session.flush()
    if submit:
        if assignment.total < Decimal(str(config["low_score"])) and not assignment.overall_comment:
            raise DomainError(_("A total below %(n)s needs a written note.", n=config["low_score"]), field="overall")
        _move_assignment(session, assignment, A.SCORING, A.SUBMITTED, submitted_at=utcnow())
        record(session, actor, "review.submit", assignment, company_id=app.company_id,
               after={"total": assignment.total, "scores": {s.item_key: s.score for s in assignment.scores}},
               summary=app.number)
    return assignment


def may_see_panel(actor, app: Application) -> bool:
    """Reviewers see each other's scores only after submitting their own; HQ staff always."""
    if actor.has_role(Role.OPERATOR, Role.LEAD, Role.DEPUTY, Role.COMMANDER, Role.SUPERVISOR, Role.ADMIN):
        return True
    return any(a.reviewer_id == actor.id and a.state == A.SUBMITTED for a in app.assignments)


def panel(app: Application) -> rules.PanelSummary:
    sheets = [rules.Sheet(reviewer=a.reviewer.display_name, scores={s.item_key: s.score for s in a.scores},
                          comments={s.item_key: s.comment or "" for s in a.scores}, overall=a.overall_comment or "")
              for a in app.assignments if a.state == A.SUBMITTED]
    return rules.panel_summary(app.policy.config, sheets)


def close_review(session: Session, actor, app: Application) -> Application:
    open_sheets = [a for a in active_assignments(app) if a.state != A.SUBMITTED]
    if open_sheets:
        raise DomainError(_("%(n)s reviewers have not submitted their scores yet.", n=len(open_sheets)))
    if len(active_assignments(app)) < int(app.policy.config["min_reviewers"]):
        raise DomainError(_("Assign at least %(n)s reviewers first.", n=app.policy.config["min_reviewers"]))
    ADMISSION.apply(session, actor, app, "close_review")
    return app


# --- joint review and decision ------------------------------------------------------------------

def recommend(session: Session, actor, app: Application, *, recommendation: str, minutes: str) -> Application:
    if recommendation not in ("admit", "reject"):
        raise DomainError(_("Choose a recommendation."), field="recommendation")
    ADMISSION.apply(session, actor, app, "recommend", comment=minutes,
                    values={"joint_recommendation": recommendation, "joint_minutes": minutes.strip()},
                    visible_to_company=False)
    return app


def decide(session: Session, actor, app: Application, *, admit: bool, reason: str | None) -> Application:
    ADMISSION.apply(session, actor, app, "admit" if admit else "reject", comment=reason,
                    values={"decided_at": utcnow(), "decision_reason": (reason or "").strip() or None})
    return app


# --- after admission: units and lease ----------------------------------------------------------------

def allocable_units(session: Session, app: Application) -> list[Unit]:
    from ..spaces.models import Building
    return list(session.scalars(
        sa.select(Unit).join(Building).where(Building.carrier_id == app.carrier_id, Unit.type == app.unit_type,
                                             Unit.status == UnitStatus.VACANT)
        .order_by(Building.name, Unit.floor, Unit.number)))


def allocate_units(session: Session, actor, app: Application, units: list[Unit], **terms) -> Application:
    """Create the lease on the chosen units (they become reserved). Exactly once per application."""
    if app.state != S.ADMITTED:
        raise DomainError(_("Units can be allocated only to an admitted application."))
    wrong = [u for u in units if u.type != app.unit_type or u.building.carrier_id != app.carrier_id]
    if wrong:
        raise DomainError(_("Choose vacant units of the requested type in the requested carrier."))
    lease = create_lease(session, actor, app.company, units, **terms)
    done = session.execute(sa.update(Application).where(Application.id == app.id, Application.lease_id.is_(None))
                           .values(lease_id=lease.id, version=Application.version + 1))
    if done.rowcount != 1:
        raise ConcurrentChange(_("A lease was already created for this application."))
    session.refresh(app)
    record(session, actor, "application.allocate", app, after={"lease": lease.number,
                                                               "units": [u.label for u in units]},
           summary=app.number)
    return app
