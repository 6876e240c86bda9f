"""The pure rules: which type deliberates what, which tiers wait for it, votes, amounts; and the
shipped meeting types as the plan describes them."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.meetings import rules
from incubator.meetings.models import MeetingCategory, MeetingType

WORK_GROUP = {"chair_roles": ["lead"], "attendee_roles": ["lead", "operator"], "cadence": "regular",
              "deliberates": [{"kind": "subsidy_claim", "tiers": ["deputy"], "gate": True},
                              {"kind": "appeal", "tiers": None}]}


def test_may_deliberate_follows_the_tiers():
    assert rules.may_deliberate(WORK_GROUP, "subsidy_claim", "deputy")
    assert not rules.may_deliberate(WORK_GROUP, "subsidy_claim", "commander")
    assert not rules.may_deliberate(WORK_GROUP, "subsidy_claim", None)
    assert rules.may_deliberate(WORK_GROUP, "appeal", None)  # tiers null: whatever the tier
    assert rules.may_deliberate(WORK_GROUP, "appeal", "lead")
    assert not rules.may_deliberate(WORK_GROUP, "exit_case", None)


def test_only_gate_entries_hold_back_an_approval():
    assert rules.gates(WORK_GROUP, "subsidy_claim", "deputy")
    assert not rules.gates(WORK_GROUP, "subsidy_claim", "lead")
    assert not rules.gates(WORK_GROUP, "appeal", None)


@pytest.mark.parametrize(("votes", "present", "problem"), [
    ((None, None, None), 0, None),  # votes are optional
    ((3, 1, 1), 5, None),
    ((5, 0, 0), 5, None),
    ((3, 2, 1), 5, "too_many"),
    ((3, None, 1), 5, "partial"),
    ((-1, 0, 0), 5, "negative"),
    ((1, 0, 0), 0, "no_attendance"),
    ((True, 0, 0), 5, "partial"),  # a checkbox is not a count
])
def test_vote_problems(votes, present, problem):
    assert rules.vote_problem(*votes, present) == problem


@pytest.mark.parametrize(("agreed", "asked", "covers"), [
    ("120000.00", "120000.00", True), ("120000.00", "119999.99", True), ("120000.00", "120000.01", False),
    (None, "1.00", False), ("1.00", None, True), (None, None, True)])
def test_an_agreement_covers_its_amount_or_less(agreed, asked, covers):
    as_dec = lambda v: Decimal(v) if v else None  # noqa: E731
    assert rules.covers_amount(as_dec(agreed), as_dec(asked)) is covers


def test_config_problems_are_named():
    assert rules.config_problems(WORK_GROUP) == []
    bad = {"chair_roles": ["operator"], "attendee_roles": ["mayor"], "cadence": "weekly",
           "deliberates": [{"kind": "subsidy_claim", "tiers": None, "gate": True}, {"tiers": ["boss"]}]}
    problems = " | ".join(rules.config_problems(bad))
    for words in ("chair_roles", "attendee_roles", "cadence", "gate on subsidy_claim", "needs a kind", "tiers of"):
        assert words in problems


def test_the_shipped_types_are_the_plans(session):
    """四、工作保障: three work groups meeting regularly under their leads, the monthly coordination
    meeting called by the commander or a deputy, the joint admission review; ¥100k–¥300k waits for the
    work-group meeting (综合统筹组: policy execution and payouts), ¥300k+ for the coordination meeting."""
    types = {t.code: t for t in session.scalars(sa.select(MeetingType).where(MeetingType.active.is_(True)))}
    assert {t.name for t in types.values()} >= {"综合统筹组工作例会", "资源导入组工作例会", "招商运营组工作例会",
                                               "现场指挥部工作协调会", "入驻项目联合评审会"}
    for t in types.values():
        assert rules.config_problems(t.config) == [], t.code
    coordination = types["coordination"]
    assert coordination.category == MeetingCategory.COORDINATION and coordination.config["cadence"] == "monthly"
    assert set(coordination.config["chair_roles"]) == {"commander", "deputy"}
    assert rules.gates(coordination.config, "subsidy_claim", "commander")
    assert rules.gates(types["work_group_integrated"].config, "subsidy_claim", "deputy")
    assert not any(rules.gates(t.config, "subsidy_claim", "lead") for t in types.values())
    assert rules.may_deliberate(types["joint_review"].config, "application", None)
    assert set(types["joint_review"].config["chair_roles"]) == {"lead", "deputy"}
