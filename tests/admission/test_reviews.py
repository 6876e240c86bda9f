"""The reviewer's pages: my reviews, the conflict-of-interest gate, the score sheet (validation,
drafts, the low-score note, the running total) and isolation: no peeking before one's own submit."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.admission.models import ApplicationState as S
from incubator.admission.models import AssignmentState as A
from incubator.admission.models import ReviewScore
from incubator.audit.models import AuditEntry
from incubator.core.roles import Role

from ..factories import make_user
from .reviewing import SHEETS


@pytest.fixture
def review(session, admission_world):
    """The expert review has started; the three reviewers have not declared yet."""
    admission_world.advance(S.EXPERT_REVIEW)
    return admission_world


def page(assignment) -> str:
    return f"/admission/reviews/{assignment.id}"


def declare(client, assignment, conflict=False, note=""):
    return client.post(page(assignment), data={"step": "declare", "conflict": "conflict" if conflict else "none",
                                                "note": note})


def sheet(values: dict, action="save", overall="", comments=None) -> dict:
    data = {"step": "scores", "action": action, "overall": overall}
    data.update({f"score_{k}": v for k, v in values.items()})
    data.update({f"comment_{k}": v for k, v in (comments or {}).items()})
    return data


def audit(session, action):
    return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


# --- my reviews ------------------------------------------------------------------------------------------

def test_my_reviews_lists_assignments(client, login, session, review):
    w = review
    login(w.reviewers[0])
    resp = client.get("/admission/reviews")
    assert resp.status_code == 200
    assert w.app.number in resp.text and w.company.name in resp.text and "工业视觉质检平台" in resp.text
    assert "Declare any conflict of interest" in resp.text
    assert f'href="{page(w.app.assignments[0])}"' in resp.text
    assert f'href="{page(w.app.assignments[1])}"' not in resp.text  # another reviewer's assignment


def test_my_reviews_empty_and_tabs(client, login, session, review):
    login(make_user(session, Role.REVIEWER))
    resp = client.get("/admission/reviews")
    assert resp.status_code == 200 and "Nothing to review right now." in resp.text
    assert client.get("/admission/reviews?show=done").status_code == 200
    assert client.get("/admission/reviews?show=<script>&page=-5").status_code == 200


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.COMPANY])
def test_only_reviewers_have_review_pages(role, client, login, session, review):
    login(make_user(session, role))
    assert client.get("/admission/reviews").status_code == 403
    assert client.get(page(review.app.assignments[0])).status_code == 403


def test_another_reviewers_assignment_is_not_found(client, login, session, review):
    w = review
    login(w.reviewers[0])
    theirs = w.app.assignments[1]
    assert client.get(page(theirs)).status_code == 404
    assert declare(client, theirs).status_code == 404
    assert client.post(page(theirs), data=sheet(SHEETS[0], "submit", "x")).status_code == 404
    assert client.get("/admission/reviews/999999").status_code == 404
    session.refresh(theirs)
    assert theirs.state == A.ASSIGNED


# --- the declaration gate --------------------------------------------------------------------------

def test_declaration_comes_before_the_file(client, login, session, review):
    w = review
    mine = w.app.assignments[0]
    login(w.reviewers[0])
    resp = client.get(page(mine))
    assert resp.status_code == 200
    assert 'name="conflict"' in resp.text and 'name="score_technology"' not in resp.text
    assert "基于深度学习的工业视觉缺陷检测平台" not in resp.text  # the project summary stays closed
    assert "Open the application file" not in resp.text
    # the file itself sends an undeclared reviewer back to the declaration
    detail = client.get(f"/admission/{w.app.id}")
    assert detail.status_code in (302, 303) and page(mine) in detail.headers["Location"]

    resp = declare(client, mine)
    assert resp.status_code == 303
    session.refresh(mine)
    assert mine.state == A.SCORING and mine.declared_at is not None
    assert [e.after["conflict"] for e in audit(session, "review.declare")] == [False]
    resp = client.get(page(mine))
    assert 'name="score_technology"' in resp.text and "Open the application file" in resp.text
    assert client.get(f"/admission/{w.app.id}").status_code == 200


def test_declaring_a_conflict_excuses_the_reviewer(client, login, session, review):
    w = review
    mine = w.app.assignments[0]
    login(w.reviewers[0])
    resp = declare(client, mine, conflict=True, note="")
    assert resp.status_code == 400 and "Please describe the conflict of interest." in resp.text
    session.refresh(mine)
    assert mine.state == A.ASSIGNED

    assert declare(client, mine, conflict=True, note="曾任该公司技术顾问").status_code == 303
    session.refresh(mine)
    assert mine.state == A.CONFLICT and mine.conflict_note == "曾任该公司技术顾问"
    resp = client.get(page(mine))
    assert "You are excused from this review" in resp.text and 'name="score_technology"' not in resp.text
    assert client.get(f"/admission/{w.app.id}").status_code == 404  # the file is never shown
    # no second declaration, no scores
    resp = declare(client, mine)
    assert resp.status_code == 400 and "You have already made your declaration" in resp.text
    resp = client.post(page(mine), data=sheet(SHEETS[0], "submit", "x"))
    assert resp.status_code == 400
    session.refresh(mine)
    assert mine.state == A.CONFLICT and session.scalar(sa.select(sa.func.count()).select_from(ReviewScore)) == 0


def test_declaration_needs_a_choice(client, login, session, review):
    w = review
    login(w.reviewers[0])
    resp = client.post(page(w.app.assignments[0]), data={"step": "declare"})
    assert resp.status_code == 400 and "Please choose one of the two declarations." in resp.text
    assert client.post(page(w.app.assignments[0]), data={"step": "other"}).status_code == 400


# --- the score sheet ---------------------------------------------------------------------------------

@pytest.fixture
def scoring(client, login, session, review):
    """Reviewer 1 has declared no conflict and is signed in."""
    w = review
    login(w.reviewers[0])
    assert declare(client, w.app.assignments[0]).status_code == 303
    return w, w.app.assignments[0]


@pytest.mark.parametrize("value, message", [
    ("26", "At most 25 points for this item."),
    ("-1", "A score cannot be negative."),
    ("12.25", "Use at most one decimal place."),
    ("abc", "Please enter a number, such as 18 or 18.5."),
    ("1e1", "Please enter a number, such as 18 or 18.5."),
    ("NaN", "Please enter a number, such as 18 or 18.5."),
])
def test_bad_scores_are_refused(value, message, client, session, scoring):
    _w, mine = scoring
    for action in ("save", "submit"):
        resp = client.post(page(mine), data=sheet({**SHEETS[0], "technology": value}, action, "ok"))
        assert resp.status_code == 400 and message in resp.text
        assert f'value="{value}"' in resp.text  # what was typed stays in the box
    session.refresh(mine)
    assert mine.state == A.SCORING and mine.scores == []


def test_submit_needs_every_score(client, session, scoring):
    _w, mine = scoring
    partial = {k: v for k, v in SHEETS[0].items() if k != "market"}
    resp = client.post(page(mine), data=sheet(partial, "submit", "ok"))
    assert resp.status_code == 400 and "Please score this item before submitting." in resp.text
    session.refresh(mine)
    assert mine.state == A.SCORING


def test_draft_keeps_partial_scores(client, session, scoring):
    _w, mine = scoring
    resp = client.post(page(mine), data=sheet({"technology": "２０.５", "team": "15"}, "save",
                                              comments={"technology": "算法扎实"}))
    assert resp.status_code == 303
    session.refresh(mine)
    assert mine.state == A.SCORING and mine.total == Decimal("35.50")
    assert {s.item_key: (s.score, s.comment) for s in mine.scores} == {
        "technology": (Decimal("20.50"), "算法扎实"), "team": (Decimal("15.00"), None)}
    resp = client.get(page(mine))
    assert 'value="20.5"' in resp.text and "算法扎实" in resp.text
    assert re.search(r'id="running-total"[^>]*>35\.5<', resp.text)


def test_low_total_needs_a_note(client, session, scoring):
    _w, mine = scoring
    low = {"technology": "10", "team": "8", "fit": "8", "market": "6", "operations": "4", "contribution": "4"}
    resp = client.post(page(mine), data=sheet(low, "submit", overall="  "))
    assert resp.status_code == 400 and "A total below 50 needs a written note." in resp.text
    session.refresh(mine)
    assert mine.state == A.SCORING and mine.scores == []  # nothing of the refused submit was kept
    resp = client.post(page(mine), data=sheet(low, "submit", overall="商业模式尚不清晰，建议孵化后再申请。"))
    assert resp.status_code == 303
    session.refresh(mine)
    assert mine.state == A.SUBMITTED and mine.total == Decimal("40.00")


def test_submit_and_no_changes_after(client, session, scoring):
    w, mine = scoring
    resp = client.post(page(mine), data=sheet(SHEETS[0], "submit", "整体较好", {"technology": "领先"}))
    assert resp.status_code == 303
    session.refresh(mine)
    assert mine.state == A.SUBMITTED and mine.total == Decimal("85.50") and mine.submitted_at is not None
    [entry] = audit(session, "review.submit")
    assert entry.after["total"] == "85.50"
    resp = client.post(page(mine), data=sheet({**SHEETS[0], "technology": "10"}, "submit", "改分"))
    assert resp.status_code == 400 and "These scores can no longer be changed." in resp.text
    session.refresh(mine)
    assert mine.total == Decimal("85.50")


def test_running_total_script(client, scoring):
    _w, mine = scoring
    resp = client.get(page(mine))
    assert '<script src="/static/js/scoring.js" defer></script>' in resp.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", resp.text)  # CSP: no inline script
    assert 'id="running-total"' in resp.text and 'data-low="50"' in resp.text
    assert resp.text.count('class="form-control js-score') == 6 and 'data-max="25"' in resp.text
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    js = client.get("/static/js/scoring.js")
    assert js.status_code == 200 and "running-total" in js.text


def test_scoring_waits_for_the_review_to_start(client, login, session, admission_world):
    w = admission_world
    w.advance(S.ACCEPTED)
    from incubator.admission import services
    services.assign_reviewers(session, w.operator, w.app, [r.id for r in w.reviewers])
    session.commit()
    mine = w.app.assignments[0]
    login(w.reviewers[0])
    assert declare(client, mine).status_code == 303
    resp = client.get(page(mine))
    assert "scoring opens when the operator starts the expert review" in resp.text
    assert 'name="score_technology"' not in resp.text
    assert client.post(page(mine), data=sheet(SHEETS[0], "save")).status_code == 400


# --- isolation: no peeking ------------------------------------------------------------------------------

SECRET_COMMENT = "独家评语：估值偏高需谨慎"
SECRET_OVERALL = "另一位专家的总体意见"


def test_no_peeking_before_own_submission(client, login, session, review):
    w = review
    me, other = w.app.assignments[0], w.app.assignments[1]
    # reviewer 2 declares and submits a distinctive sheet (23.5 for technology, 84.5 in all)
    login(w.reviewers[1])
    declare(client, other)
    distinct = {**SHEETS[0], "technology": "23.5", "fit": "16.0"}
    assert client.post(page(other), data=sheet(distinct, "submit", SECRET_OVERALL,
                                               {"market": SECRET_COMMENT})).status_code == 303
    session.refresh(other)
    assert other.state == A.SUBMITTED and other.total == Decimal("84.50")

    login(w.reviewers[0])
    declare(client, me)
    before = [client.get(page(me)).text, client.get(f"/admission/{w.app.id}").text,
              client.get("/admission/reviews").text]
    for html in before:
        for secret in (SECRET_COMMENT, SECRET_OVERALL, "23.5", "84.5"):
            assert secret not in html, secret
    assert w.reviewers[1].display_name not in before[0]
    assert 'id="panel"' not in before[0]

    # a draft is not enough either
    client.post(page(me), data=sheet({"technology": "20"}, "save"))
    assert SECRET_COMMENT not in client.get(page(me)).text

    assert client.post(page(me), data=sheet(SHEETS[1], "submit", "我的意见")).status_code == 303
    after = client.get(page(me)).text
    assert 'id="panel"' in after
    for shown in (SECRET_COMMENT, SECRET_OVERALL, "23.5", "84.50", w.reviewers[1].display_name):
        assert shown in after, shown
    # reviewer 3 has not submitted: nothing of theirs, and no one else peeks at them
    assert w.reviewers[2].display_name not in after


def test_an_unassigned_reviewer_sees_nothing(client, login, session, review):
    w = review
    login(make_user(session, Role.REVIEWER))
    assert client.get(f"/admission/{w.app.id}").status_code == 404
    assert client.get(page(w.app.assignments[0])).status_code == 404
