"""Meeting pages (staff only; companies never see meetings): the list, what is waiting for a
meeting, scheduling, the meeting page (agenda, resolutions, attendance, minutes, closing and
sign-off) and its PDFs (the decision pack on demand, the issued minutes)."""
from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..accounts.models import User, UserRole
from ..certificates.views import _send_pdf
from ..core.errors import DomainError
from ..core.formatting import SHANGHAI, local, today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_READERS
from ..db import db
from ..spaces.rules import int_arg, normalize_text
from ..spaces.services import named_history
from ..subsidies.workflow import TIER_LABELS
from . import agenda, gate, services, tasks  # noqa: F401 - tasks registers the inbox providers
from .forms import (
    AddItemForm,
    CancelForm,
    CommentForm,
    DeferForm,
    DetailsForm,
    GuestForm,
    MinutesForm,
    ReasonForm,
    ResolutionForm,
    ScheduleForm,
)
from .models import AgendaItem, ItemState, Meeting, MeetingState, MeetingType
from .workflow import ACTION_LABELS, CHAIRS, SECRETARIES

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

ACTORS = (*SECRETARIES, *CHAIRS)  # may act on some meeting; the services narrow it to the secretary and the chair


@bp.app_template_global("deliberation")
def deliberation(kind: str, object_id: int, tier: str | None = None, amount=None) -> gate.Deliberation:
    """For a matter's page: `{% with d = deliberation(...) %}{% include "meetings/_deliberation.html" %}`."""
    return gate.status(db.session, kind, object_id, tier, amount)


@bp.app_template_filter("agenda_kind")
def agenda_kind(kind: str) -> str:
    return agenda.kind_label(kind)


@bp.app_template_filter("meeting_action")
def meeting_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _matter_url(item) -> str | None:
    try:
        return url_for(item.endpoint, **item.values)
    except Exception:  # noqa: BLE001 - a source's endpoint that no longer exists: show the title without a link
        return None


@bp.app_context_processor
def _helpers():
    return {"matter_url": _matter_url, "tier_labels": TIER_LABELS}


# --- the list ------------------------------------------------------------------------------------------

def _filters(args) -> dict:
    year = int_arg(args.get("year"))
    return {"q": normalize_text(args.get("q"))[:60], "state": MeetingState.from_arg(args.get("state")),
            "type": (args.get("type") or "")[:40] or None, "year": year if year and 2000 <= year <= 2100 else None}


def _conditions(f: dict) -> list:
    conditions = []
    if f["q"]:
        like = f"%{f['q']}%"
        conditions.append(sa.or_(Meeting.number.ilike(like), Meeting.title.ilike(like), Meeting.place.ilike(like)))
    if f["type"]:
        conditions.append(Meeting.type_id.in_(sa.select(MeetingType.id).where(MeetingType.code == f["type"])))
    if f["year"]:
        start = dt.datetime(f["year"], 1, 1, tzinfo=SHANGHAI)
        conditions.append(Meeting.starts_at >= start)
        conditions.append(Meeting.starts_at < start.replace(year=f["year"] + 1))
    return conditions


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    f = _filters(request.args)
    conditions = _conditions(f)
    counts = dict(db.session.execute(sa.select(Meeting.state, sa.func.count()).where(*conditions)
                                     .group_by(Meeting.state)).all())
    stmt = (sa.select(Meeting).where(*conditions).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .options(selectinload(Meeting.minutes_document)))
    if f["state"]:
        stmt = stmt.where(Meeting.state == f["state"])
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    items = dict(db.session.execute(  # matters on each shown meeting's agenda (withdrawn ones not counted)
        sa.select(AgendaItem.meeting_id, sa.func.count()).where(AgendaItem.meeting_id.in_([m.id for m in page.items]),
                                                                AgendaItem.state != ItemState.WITHDRAWN)
        .group_by(AgendaItem.meeting_id)).all()) if page.items else {}
    first, last = db.session.execute(sa.select(sa.func.min(Meeting.starts_at), sa.func.max(Meeting.starts_at))).one()
    years = list(range(local(last).year, local(first).year - 1, -1)) if first else []
    return render_template("meetings/index.html", page=page, f=f, counts=counts, total=sum(counts.values()),
                           pill_args={k: v for k, v in request.args.items() if k not in ("page", "state")},
                           states=list(MeetingState), types=gate.active_types(db.session), years=years,
                           items=items, may_schedule=services.may_schedule(current_user))


@bp.get("/pending")
@roles_required(*STAFF_READERS)
def pending():
    """What waits for a meeting, per meeting type, with the next scheduled meeting of each type."""
    waiting = agenda.pending(db.session)
    scheduled = db.session.scalars(sa.select(Meeting).where(Meeting.state == MeetingState.SCHEDULED)
                                   .order_by(Meeting.starts_at)).all()
    groups = []
    for t in gate.active_types(db.session):
        items = [c for c in waiting if services.rules.may_deliberate(t.config, c.kind, c.tier)]
        upcoming = [m for m in scheduled if m.type_id == t.id]
        groups.append({"type": t, "items": items, "upcoming": upcoming,
                       "may_add": [m for m in upcoming if services.may_edit(current_user, m)],
                       "may_schedule": services.may_schedule(current_user, t)})
    return render_template("meetings/pending.html", groups=groups, total=len(waiting))


# --- scheduling -------------------------------------------------------------------------------------------

def _chair_choices() -> list[tuple[int, str]]:
    users = db.session.scalars(sa.select(User).where(
        User.active.is_(True), User.company_id.is_(None),
        User.id.in_(sa.select(UserRole.user_id).where(UserRole.role.in_(CHAIRS)))).order_by(User.display_name)).all()
    return [(0, "—")] + [(u.id, f"{u.display_name}（{'、'.join(str(r.label) for r in sorted(u.role_set) if r in CHAIRS)}）")
                         for u in users]


def _starts_at(form: DetailsForm) -> dt.datetime:
    return dt.datetime.combine(form.starts_on.data, form.starts_time.data, SHANGHAI)


def _schedule_page(form: ScheduleForm, status: int = 200):
    return render_template("meetings/schedule.html", form=form), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ACTORS)
def new():
    types = [t for t in gate.active_types(db.session) if services.may_schedule(current_user, t)]
    if not types:
        abort(403)
    form = ScheduleForm(formdata=None) if request.method == "GET" else ScheduleForm()
    form.type_id.choices = [(0, "—")] + [(t.id, t.label) for t in types]
    form.chair_id.choices = _chair_choices()
    if request.method == "GET":
        wanted = request.args.get("type")
        form.type_id.data = next((t.id for t in types if t.code == wanted), 0)
        form.starts_on.data = today() + dt.timedelta(days=7)
        form.starts_time.data = dt.time(14, 30)
        form.fill.data = True
        if current_user.role_set & set(CHAIRS):
            form.chair_id.data = current_user.id
        return _schedule_page(form)
    if not form.validate():
        return _schedule_page(form, 400)
    meeting_type = next((t for t in types if t.id == form.type_id.data), None)
    if meeting_type is None:
        form.type_id.errors = [*form.type_id.errors, _("Please choose the meeting type.")]
        return _schedule_page(form, 400)
    try:
        meeting = services.schedule(db.session, current_user, meeting_type=meeting_type, starts_at=_starts_at(form),
                                    place=form.place.data, chair=db.session.get(User, form.chair_id.data),
                                    title=form.title.data, fill=form.fill.data)
    except DomainError as exc:
        db.session.rollback()
        return _schedule_page(form, form_error(form, exc))
    n = len(meeting.items)
    return _done(meeting, _("%(number)s is scheduled with %(n)s item(s) on its agenda.", number=meeting.number, n=n))


def _edit_page(meeting: Meeting, form: DetailsForm, status: int = 200):
    return render_template("meetings/edit.html", meeting=meeting, form=form), status


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@roles_required(*ACTORS)
def edit(meeting_id: int):
    meeting = _editable(meeting_id)
    form = DetailsForm(formdata=None) if request.method == "GET" else DetailsForm()
    form.chair_id.choices = _chair_choices()
    if request.method == "GET":
        starts = local(meeting.starts_at)
        form.starts_on.data, form.starts_time.data = starts.date(), starts.time().replace(second=0, microsecond=0)
        form.place.data, form.chair_id.data, form.title.data = meeting.place, meeting.chair_id, meeting.title
        return _edit_page(meeting, form)
    if not form.validate():
        return _edit_page(meeting, form, 400)
    try:
        services.reschedule(db.session, current_user, meeting, starts_at=_starts_at(form), place=form.place.data,
                            chair=db.session.get(User, form.chair_id.data), title=form.title.data)
    except DomainError as exc:
        db.session.rollback()
        return _edit_page(meeting, form, form_error(form, exc))
    return _done(meeting, _("The meeting details are saved."))


# --- the meeting page -----------------------------------------------------------------------------------------

def _load(meeting_id: int) -> Meeting:
    return get_or_404(db.session, Meeting, meeting_id)


def _editable(meeting_id: int) -> Meeting:
    """The meeting, for its secretary or chair (403 for anyone else)."""
    meeting = _load(meeting_id)
    if not services.may_edit(current_user, meeting):
        abort(403)
    return meeting


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = get_or_404(db.session, AgendaItem, item_id)
    if item.meeting_id != meeting.id:
        abort(404)
    return item


def render_meeting(meeting: Meeting, status: int = 200, **forms):
    acts = services.actions(db.session, current_user, meeting)
    candidates = agenda.pending(db.session, meeting.type) if "edit" in acts else []
    resolution_forms = forms.pop("resolution_forms", {})
    if "edit" in acts:
        for item in meeting.items:
            if item.state != ItemState.WITHDRAWN and item.id not in resolution_forms:
                r = item.resolution
                resolution_forms[item.id] = ResolutionForm(formdata=None, prefix=f"r{item.id}", outcome=(
                    r.outcome.value if r else None), text=r.text if r else None, conditions=r.conditions if r else None,
                    votes_for=r.votes_for if r else None, votes_against=r.votes_against if r else None,
                    votes_abstain=r.votes_abstain if r else None)
        forms.setdefault("guest_form", GuestForm(formdata=None))
        forms.setdefault("withdraw_form", ReasonForm(formdata=None))
        forms.setdefault("defer_form", DeferForm(formdata=None))
        forms.setdefault("cancel_form", CancelForm(formdata=None))
    if "hold" in acts:
        forms.setdefault("hold_form", CommentForm(formdata=None))
    if "minutes" in acts:
        forms.setdefault("minutes_form", MinutesForm(formdata=None, minutes=meeting.minutes))
    return render_template(
        "meetings/meeting.html", meeting=meeting, acts=acts, candidates=candidates,
        resolution_forms=resolution_forms, add_form=AddItemForm(formdata=None), items=meeting.items,
        hold_problems=services.hold_problems(meeting) if meeting.state == MeetingState.SCHEDULED else [],
        present=services.present_count(meeting), chair=services.is_chair(current_user, meeting),
        events=named_history(db.session, "meeting", meeting.id), states=MeetingState, **forms), status


@bp.get("/<int:meeting_id>")
@roles_required(*STAFF_READERS)
def meeting(meeting_id: int):
    return render_meeting(_load(meeting_id))


def _done(meeting: Meeting, message: str, anchor: str | None = None):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id, _anchor=anchor), 303)


# --- the agenda -----------------------------------------------------------------------------------------------

@bp.post("/<int:meeting_id>/items")
@roles_required(*ACTORS)
def add_item(meeting_id: int):
    meeting = _editable(meeting_id)
    form = AddItemForm()
    if not form.validate():
        flash(_("Choose a matter to add."), "danger")
        return render_meeting(meeting, 400)
    item = services.add_item(db.session, current_user, meeting, form.kind.data, form.object_id.data)
    if request.form.get("back") == "pending":
        db.session.commit()
        flash(_("“%(title)s” is on the agenda of %(number)s.", title=item.title, number=meeting.number), "success")
        return redirect(url_for("meetings.pending"), 303)
    return _done(meeting, _("“%(title)s” is on the agenda.", title=item.title), f"item-{item.id}")


@bp.post("/<int:meeting_id>/fill")
@roles_required(*ACTORS)
def fill(meeting_id: int):
    meeting = _editable(meeting_id)
    added = services.fill_agenda(db.session, current_user, meeting)
    return _done(meeting, _("%(n)s item(s) added to the agenda.", n=len(added)), "agenda")


@bp.post("/<int:meeting_id>/items/<int:item_id>/withdraw")
@roles_required(*ACTORS)
def withdraw_item(meeting_id: int, item_id: int):
    meeting = _editable(meeting_id)
    item = _item(meeting, item_id)
    form = ReasonForm()
    if not form.validate():
        return render_meeting(meeting, 400, withdraw_form=form)
    services.withdraw_item(db.session, current_user, item, form.reason.data)
    return _done(meeting, _("“%(title)s” was withdrawn from the agenda; it waits for a meeting again.",
                            title=item.title), "agenda")


@bp.post("/<int:meeting_id>/items/<int:item_id>/defer")
@roles_required(*ACTORS)
def defer_item(meeting_id: int, item_id: int):
    meeting = _editable(meeting_id)
    item = _item(meeting, item_id)
    form = DeferForm()
    if not form.validate():
        return render_meeting(meeting, 400, defer_form=form)
    services.defer_item(db.session, current_user, item, form.reason.data)
    return _done(meeting, _("“%(title)s” is deferred to a later meeting.", title=item.title), f"item-{item.id}")


@bp.post("/<int:meeting_id>/items/<int:item_id>/resolution")
@roles_required(*ACTORS)
def resolve(meeting_id: int, item_id: int):
    meeting = _editable(meeting_id)
    item = _item(meeting, item_id)
    form = ResolutionForm(prefix=f"r{item.id}")
    if not form.validate():
        return render_meeting(meeting, 400, resolution_forms={item.id: form})
    try:
        services.record_resolution(db.session, current_user, item, outcome=form.outcome.data, text=form.text.data,
                                   conditions=form.conditions.data, votes_for=form.votes_for.data,
                                   votes_against=form.votes_against.data, votes_abstain=form.votes_abstain.data)
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code != 400:
            raise
        return render_meeting(_load(meeting_id), form_error(form, exc), resolution_forms={item.id: form})
    return _done(meeting, _("The resolution on “%(title)s” is recorded.", title=item.title), f"item-{item.id}")


# --- attendance ---------------------------------------------------------------------------------------------------

PRESENCE = {"yes": True, "no": False, "": None}


@bp.post("/<int:meeting_id>/attendance")
@roles_required(*ACTORS)
def attendance(meeting_id: int):
    meeting = _editable(meeting_id)
    present, notes = {}, {}
    for a in meeting.attendees:
        value = request.form.get(f"present_{a.id}")
        if value is not None:
            if value not in PRESENCE:
                abort(400)
            present[a.id] = PRESENCE[value]
        if f"note_{a.id}" in request.form:
            notes[a.id] = request.form.get(f"note_{a.id}")
    services.record_attendance(db.session, current_user, meeting, present, notes)
    return _done(meeting, _("Attendance saved: %(n)s present.", n=services.present_count(meeting)), "attendance")


@bp.post("/<int:meeting_id>/attendees")
@roles_required(*ACTORS)
def add_attendee(meeting_id: int):
    meeting = _editable(meeting_id)
    form = GuestForm()
    if not form.validate():
        return render_meeting(meeting, 400, guest_form=form)
    try:
        services.add_attendee(db.session, current_user, meeting, name=form.name.data, title=form.title.data)
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code != 400:
            raise
        return render_meeting(_load(meeting_id), form_error(form, exc), guest_form=form)
    return _done(meeting, _("%(name)s is added to the attendance.", name=form.name.data.strip()), "attendance")


# --- closing, minutes, sign-off, cancelling -------------------------------------------------------------------------

@bp.post("/<int:meeting_id>/hold")
@roles_required(*CHAIRS)
def hold(meeting_id: int):
    meeting = _load(meeting_id)
    if not services.is_chair(current_user, meeting):
        abort(403)
    form = CommentForm()
    if not form.validate():
        return render_meeting(meeting, 400, hold_form=form)
    services.hold(db.session, current_user, meeting, form.comment.data)
    return _done(meeting, _("The meeting is closed: its resolutions are in force. Write the minutes and sign them "
                            "off next."), "minutes")


@bp.post("/<int:meeting_id>/minutes")
@roles_required(*ACTORS)
def minutes(meeting_id: int):
    meeting = _editable(meeting_id)
    form = MinutesForm()
    if not form.validate():
        return render_meeting(meeting, 400, minutes_form=form)
    try:
        services.save_minutes(db.session, current_user, meeting, form.minutes.data)
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code != 400:
            raise
        return render_meeting(_load(meeting_id), form_error(form, exc), minutes_form=form)
    return _done(meeting, _("The minutes are saved."), "minutes")


@bp.route("/<int:meeting_id>/sign-off", methods=["GET", "POST"])
@roles_required(*CHAIRS)
def sign_off(meeting_id: int):
    """GET: the minutes as they will be issued, and the confirmation; POST: sign them off."""
    meeting = _load(meeting_id)
    if not services.is_chair(current_user, meeting):
        abort(403)
    services.MEETING_FLOW.check(db.session, current_user, meeting, "sign_off")
    if request.method == "GET":
        return render_template("meetings/sign_off.html", meeting=meeting, items=meeting.items,
                               present=services.present_count(meeting))
    doc = services.sign_off(db.session, current_user, meeting)
    return _done(meeting, _("The minutes are signed off and issued as %(number)s.", number=doc.number), "minutes")


@bp.post("/<int:meeting_id>/cancel")
@roles_required(*ACTORS)
def cancel(meeting_id: int):
    meeting = _editable(meeting_id)
    form = CancelForm()
    if not form.validate():
        return render_meeting(meeting, 400, cancel_form=form)
    services.cancel(db.session, current_user, meeting, form.comment.data)
    return _done(meeting, _("The meeting is cancelled; its open items wait for a meeting again."))


# --- the PDFs -----------------------------------------------------------------------------------------------------

@bp.get("/<int:meeting_id>/decision-pack.pdf")
@roles_required(*STAFF_READERS)
def decision_pack(meeting_id: int):
    """The decision pack (议题材料汇编) for the members, rendered on demand."""
    from .documents import decision_pack_pdf

    meeting = _load(meeting_id)
    resp = send_file(io.BytesIO(decision_pack_pdf(db.session, meeting)), mimetype="application/pdf",
                     download_name=f"{meeting.number}-议题材料.pdf")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/<int:meeting_id>/minutes.pdf")
@roles_required(*STAFF_READERS)
def minutes_pdf(meeting_id: int):
    """The issued 会议纪要 (404 until the chair has signed it off)."""
    meeting = _load(meeting_id)
    if meeting.minutes_document is None:
        abort(404)
    return _send_pdf(meeting.minutes_document, inline=True)
