"""Who is asked to act next (the inbox), reminders as the deadline nears, and the review timing."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from incubator.assessment import consequences, reports, scoring, services, tasks
from incubator.assessment.models import Result
from incubator.core.formatting import today
from incubator.core.inbox import tasks_for
from incubator.core.roles import Role

from ..factories import make_company, make_user
from .flow import WEAK, file, filing_of, new_campaign, run


def mine(session, user):
    return [t for t in tasks_for(session, user) if t.module == "assessment"]


@pytest.mark.parametrize("days_left, level", [(20, "primary"), (7, "warning"), (0, "warning"), (-1, "danger")])
def test_the_companys_task_escalates_as_the_deadline_nears(session, app, world, days_left, level):
    campaign = new_campaign(session, world, closes_on=today() + dt.timedelta(days=days_left))
    with app.test_request_context():
        [task] = mine(session, world.members[0])
    assert task.level == level and task.due == campaign.closes_on
    assert "File your assessment data" in task.title


def test_no_task_once_submitted_and_a_returned_filing_asks_for_correction(session, app, world):
    campaign = new_campaign(session, world)
    filing = file(session, world.members[0], filing_of(session, campaign, world.companies[0]))
    with app.test_request_context():
        assert mine(session, world.members[0]) == []
        services.return_filing(session, world.operator, filing, "请更正")
        [task] = mine(session, world.members[0])
    assert "Correct and resubmit" in task.title


def test_staff_tasks_follow_the_campaign(session, app, world):
    campaign = new_campaign(session, world, closes_on=today() - dt.timedelta(days=1))
    file(session, world.members[0], filing_of(session, campaign, world.companies[0]))
    with app.test_request_context():
        titles = {t.title: t.count for t in mine(session, world.operator)}
    assert titles["Assessment filings to verify"] == 1
    assert titles["Assessment filings overdue"] == 2
    assert any("has passed: close filing" in t for t in titles)
    with app.test_request_context():
        assert mine(session, world.supervisor) == []


def test_the_lead_is_asked_to_confirm_unless_he_ranked_it_and_to_decide_appeals(session, app, world):
    both = make_user(session, Role.OPERATOR, Role.LEAD)
    world.operator = both
    c = world.companies[2]
    campaign = run(session, world, {c.id: WEAK}, confirm=False)
    with app.test_request_context():
        assert any("Confirm the assessment results" in t.title for t in mine(session, world.lead))
        assert not any("Confirm the assessment results" in t.title for t in mine(session, both))
    scoring.confirm_results(session, world.lead, campaign)
    scoring.publish_results(session, both, campaign)
    result = session.scalar(sa.select(Result).where(Result.company_id == c.id, Result.current))
    consequences.file_appeal(session, world.members[2], result, "不服")
    with app.test_request_context():
        assert any(t.title == "Assessment appeals to decide" and t.count == 1 for t in mine(session, world.lead))
        company_titles = [t.title for t in mine(session, world.members[2])]
    assert any("is published" in t for t in company_titles)
    assert "Complete the rectification required by the assessment" in company_titles


def test_reviewers_are_asked_to_declare_then_to_score(session, app, world):
    campaign = new_campaign(session, world)
    filing = file(session, world.members[0], filing_of(session, campaign, world.companies[0]))
    scoring.assign_reviewers(session, world.operator, campaign, [filing.id], [world.reviewers[0].id])
    with app.test_request_context():
        [task] = mine(session, world.reviewers[0])
        assert "Declare any conflict" in task.title
        scoring.declare_interest(session, world.reviewers[0], filing.assignments[0], conflict=False)
        [task] = mine(session, world.reviewers[0])
    assert task.title == "Assessment companies to score" and task.count == 1


def test_reminder_levels():
    day = dt.date(2026, 3, 20)
    assert tasks.reminder_level(dt.date(2026, 3, 31), day, 7) == "primary"
    assert tasks.reminder_level(dt.date(2026, 3, 27), day, 7) == "warning"
    assert tasks.reminder_level(dt.date(2026, 3, 19), day, 7) == "danger"


def test_reviews_due_follow_move_in_and_results(session, client, login, world):
    day = today()
    new = make_company(session, name="新入驻科技有限公司", moved_in_on=day - dt.timedelta(days=200))
    not_yet = make_company(session, name="刚入驻科技有限公司", moved_in_on=day - dt.timedelta(days=30))
    rows = {r["company"].id: r for r in reports.reviews_due(session, day)}
    assert new.id in rows and not_yet.id not in rows
    assert rows[new.id]["last"] is None
    # the three world companies moved in 2024-03-01: overdue until a published result
    assert all(rows[c.id]["overdue"] for c in world.companies)
    login(world.operator)
    body = client.get("/assessment/reviews-due").get_data(as_text=True)
    assert "新入驻科技有限公司" in body and "Start an interim review" in body
    form = client.get(f"/assessment/campaigns/new?companies={new.id}").get_data(as_text=True)
    assert f'<option selected value="{new.id}">' in form and "Interim review" in form
    run(session, world, {world.companies[2].id: WEAK, new.id: None, not_yet.id: None})
    rows = {r["company"].id: r for r in reports.reviews_due(session, day)}
    assert world.companies[0].id not in rows  # passed today: next in 12 months
    assert world.companies[2].id not in rows  # failed today: next in 6 months
