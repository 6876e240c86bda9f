"""The dashboard (看板, the HQ's home) and the reports page with its two PDFs. Staff who read
everything see them (the operator with its own assessment first); company members and reviewers
do not."""
from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, Response, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import DomainError
from ..core.formatting import format_date, today
from ..core.permissions import roles_required
from ..core.roles import STAFF_READERS, Role
from ..db import db
from ..exits.models import ExitKind
from ..spaces.models import UnitType
from ..spaces.rules import int_arg
from . import documents, layout, rules, services, tasks  # noqa: F401 - tasks registers the inbox provider

bp = Blueprint("reports", __name__)

RECENT_FORTNIGHTS = 6


def page_labels() -> dict:
    """The page's label set (layout.py reads it), in the reader's language."""
    from flask_babel import get_locale

    locale = str(get_locale())
    return {
        "indicators": {"platforms": _("Sci-tech platforms"), "talents": _("Talents"),
                       "companies": _("Companies & projects"), "high_tech": _("High-tech enterprises")},
        "units": {"platforms": _("platforms"), "talents": _("people"), "companies": _("companies"),
                  "high_tech": _("companies")},
        "statuses": {"met": _("Met"), "on_track": _("On track"), "behind": _("Behind"), "missed": _("Missed"),
                     "none": _("No target")},
        "series": {"paid": _("Paid out (net of returns)"), "committed": _("Committed"), "remaining": _("Remaining"),
                   "exited": _("Exited"), "graduated": _("Graduated"), "leased": _("Leased"), "vacant": _("Vacant"),
                   "received": _("Received"), "unpaid": _("Unpaid")},
        "fund_fields": {"allocated": _("allocated"), "paid": _("paid"), "committed": _("committed"),
                        "remaining": _("remaining")},
        "sources": {"city": _("City special fund"), "committee": _("Committee matching")},
        "dimensions": {"ecosystem": _("Innovation ecosystem"), "talent": _("Talent gathered"),
                       "growth": _("Company growth"), "efficiency": _("Efficiency")},
        "operator": {"platforms": _("Sci-tech platforms"), "ip_per_company": _("New IP per company"),
                     "high_tech_share": _("High-tech share of tenants"), "talents": _("Talents gathered"),
                     "talent_growth": _("Talent growth"), "high_level": _("High-level talents"),
                     "revenue_growth": _("Revenue growth (like for like)"), "financing": _("Financing raised"),
                     "graduations": _("Graduations"), "decision_days": _("Days from application to decision"),
                     "claim_days": _("Days from subsidy claim to payment"), "occupancy": _("Occupancy"),
                     "collection": _("Rent collection rate")},
        "operator_units": {"platforms": "", "talents": _("people"), "high_level": _("people"),
                           "graduations": _("companies")},
        "formulas": {
            "platforms": _("Platforms moved in so far, those that left included (as for the targets)"),
            "ip_per_company": _("New IP filed for {year} ({ip}) ÷ companies filing ({companies})"),
            "high_tech_share": _("High-tech tenants ({high_tech}) ÷ tenants ({resident})"),
            "talents": _("Bachelor's or above plus high-level talents of the companies moved in so far, as last "
                         "verified in an assessment filing (else as on the profile)"),
            "talent_growth": _("(now {now} − {before} on {since}) ÷ {before}"),
            "high_level": _("High-level talents of the companies moved in so far (as above)"),
            "revenue_growth": _("Revenue {year} of the {companies} companies that filed both years ({revenue}) ÷ "
                                "the year before ({previous}) − 1"),
            "financing": _("Financing raised in {year} as filed by {companies} companies"),
            "graduations": _("Companies that graduated and left this year"),
            "decision_days": _("Mean days from first submission to the decision, over the {decided} applications "
                               "decided this year ({admitted} admitted)"),
            "claim_days": _("Mean days from submission to payment, over the {paid} subsidy claims paid this year "
                            "({amount})"),
            "occupancy": _("Area leased ({leased}) ÷ lettable area ({lettable})"),
            "collection": _("Received ({received}) of the rent and fees due this year ({charged}); unpaid {arrears}"),
        },
        "titles": {"targets": _("Progress against the {year} targets"), "occupancy": _("Occupancy by carrier and type"),
                   "funnel": _("Applications first submitted in {year}, by the stage reached"),
                   "funds": _("Special fund use by phase and pool"), "grades": _("Assessment grades by year"),
                   "exits": _("Exits and graduations by year")},
        "text": {"no_target": _("no target"), "no_data": _("No data yet"), "days": _("days"),
                 "year_n": _("Year {year}"), "companies_unit": _("companies")},
        "grades": {"excellent": _("Excellent"), "good": _("Good"), "pass": _("Pass"), "fail": _("Fail")},
        "stages": {"submitted": _("Submitted"), "accepted": _("Accepted (complete)"),
                   "expert_review": _("Expert review"), "joint_review": _("Joint review"),
                   "decision": _("Awaiting decision"), "admitted": _("Admitted"),
                   "returned": _("Returned for supplement"), "resubmitted": _("Resubmitted"), "lapsed": _("Lapsed"),
                   "rejected": _("Rejected"), "withdrawn": _("Withdrawn")},
        "unit_types": {t.value: t.label for t in UnitType},
        "exit_kinds": {k.value: k.label for k in ExitKind},
        "date": lambda d: format_date(d, locale),
    }


def _year(raw, choices: list[int], default: int) -> int:
    year = int_arg(raw)
    return year if year in choices else default


@bp.get("/dashboard/")
@roles_required(*STAFF_READERS)
def dashboard():
    day = today()
    targets = services.configured_targets()
    choices = services.year_choices(targets, day)
    year = _year(request.args.get("year"), choices, day.year)
    data = services.year_overview(db.session, year, day, targets)
    blocks = layout.year_blocks(data, page_labels())
    operator_view = current_user.has_role(Role.OPERATOR)
    return render_template("reports/dashboard.html", data=data, blocks=blocks, year=year, choices=choices,
                           operator_view=operator_view, budget=data["budget"])


@bp.get("/reports/")
@roles_required(*STAFF_READERS)
def index():
    day = today()
    targets = services.configured_targets()
    last = rules.last_complete_fortnight(day)
    recent = [rules.Fortnight(last.start - dt.timedelta(days=rules.FORTNIGHT_DAYS * i))
              for i in range(RECENT_FORTNIGHTS)]
    return render_template("reports/index.html", choices=services.year_choices(targets, day), this_year=day.year,
                           last=last, recent=recent, current=rules.fortnight_containing(day), day=day)


def _pdf(data: bytes, name: str) -> Response:
    """Shown in the browser (a report is read first), saved under its Chinese name."""
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False, download_name=name)


@bp.get("/reports/annual.pdf")
@roles_required(*STAFF_READERS)
def annual_pdf():
    day = today()
    choices = services.year_choices(services.configured_targets(), day)
    year = int_arg(request.args.get("year")) if request.args.get("year") else day.year
    if year not in choices:
        raise DomainError(_("Choose a year from %(first)s to %(last)s.", first=choices[-1], last=choices[0]))
    data = documents.annual_report_pdf(db.session, year, day)
    name = documents.filename("annual", year)
    services.record_report(db.session, current_user, "annual", name, year=year)
    db.session.commit()
    return _pdf(data, name)


@bp.get("/reports/biweekly.pdf")
@roles_required(*STAFF_READERS)
def biweekly_pdf():
    day = today()
    try:
        fortnight = services.parse_start(request.args.get("start"), day)
    except ValueError:
        raise DomainError(_("Enter the fortnight's first day as a date (such as %(example)s), not later than today.",
                            example=rules.last_complete_fortnight(day).start.isoformat())) from None
    data = documents.biweekly_report_pdf(db.session, fortnight, day)
    name = documents.filename("biweekly", fortnight.start)
    services.record_report(db.session, current_user, "biweekly", name, start=fortnight.start, end=fortnight.end)
    db.session.commit()
    return _pdf(data, name)
