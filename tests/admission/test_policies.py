"""Admission policies (a change is a new version; applications keep theirs) and intake rounds."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from incubator.admission import services
from incubator.admission.models import AdmissionPolicy, IntakeRound
from incubator.admission.rules import DEFAULT_CONFIG
from incubator.audit.models import AuditEntry
from incubator.companies.models import CompanyStatus, IndustryTrack
from incubator.core.formatting import today
from incubator.core.roles import Role

from ..factories import make_company, make_user
from .flow import application_data


def policy_form(carrier_id=0, track="", config=None, **overrides) -> dict:
    """The new-version form as a browser would post it, from a configuration."""
    config = config or DEFAULT_CONFIG
    cond = config["conditions"]
    data = {"carrier_id": str(carrier_id), "track": track, "effective_from": today().isoformat(), "note": "调整评分权重",
            "max_company_age_months": "" if cond["max_company_age_months"] is None else str(cond["max_company_age_months"]),
            "tech_area_share_min": str(cond["tech_area_share_min"]), "min_reviewers": str(config["min_reviewers"]),
            "min_mean": str(config["min_mean"]), "low_score": str(config["low_score"]),
            "supplement_working_days": str(config["supplement_working_days"])}
    if cond["require_registration_move"]:
        data["require_registration_move"] = "y"
    for i, m in enumerate(config["materials"]):
        data.update({f"materials-{i}-label": m["label"], f"materials-{i}-key": m["key"],
                     f"materials-{i}-when": m.get("when", "")})
        if m.get("required"):
            data[f"materials-{i}-required"] = "y"
    for i, r in enumerate(config["rubric"]):
        data.update({f"rubric-{i}-label": r["label"], f"rubric-{i}-key": r["key"], f"rubric-{i}-weight": str(r["weight"])})
    data.update(overrides)
    return data


def versions(session):
    return session.scalar(sa.select(sa.func.count()).select_from(AdmissionPolicy))


def test_policy_list_shows_the_shipped_default(client, login, session, admission_world):
    w = admission_world
    login(w.operator)
    resp = client.get("/admission/policies")
    assert resp.status_code == 200
    assert "All carriers" in resp.text and "Any track" in resp.text and "Version 1" in resp.text
    assert "(1 applications)" in resp.text and "New policy version" in resp.text
    login(make_user(session, Role.SUPERVISOR))
    resp = client.get("/admission/policies")
    assert resp.status_code == 200 and "New policy version" not in resp.text


def test_new_version_form_is_prefilled(client, login, session, admission_world):
    w = admission_world
    login(w.operator)
    resp = client.get(f"/admission/policies/new?carrier={w.kc.id}&track=digital")
    assert resp.status_code == 200
    assert "技术与创新" in resp.text and 'value="technology"' in resp.text and "营业执照" in resp.text
    assert f'<option selected value="{w.kc.id}">' in resp.text or f'value="{w.kc.id}" selected' in resp.text
    assert client.get("/admission/policies/new?carrier=abc&track=<x>").status_code == 200


def test_a_new_version_leaves_existing_applications_alone(client, login, session, admission_world):
    w = admission_world
    old_policy = w.app.policy_id
    login(w.operator)
    config = {**DEFAULT_CONFIG, "rubric": [*DEFAULT_CONFIG["rubric"][:5],
                                           {"key": "contribution", "label": "带动效应", "weight": 10},
                                           {"key": "esg", "label": "绿色低碳", "weight": "5.5"}],
              "min_mean": "72.5"}
    resp = client.post("/admission/policies/new", data=policy_form(w.kc.id, "digital", config))
    assert resp.status_code == 303
    new = session.scalar(sa.select(AdmissionPolicy).where(AdmissionPolicy.carrier_id == w.kc.id))
    assert (new.version, new.track, new.created_by_id) == (1, IndustryTrack.DIGITAL, w.operator.id)
    assert resp.headers["Location"].endswith(f"/admission/policies/{new.id}")
    assert [i["weight"] for i in new.config["rubric"]][-2:] == [10, "5.5"] and new.config["min_mean"] == "72.5"
    assert new.config["materials"][3] == {"key": "financial_statements", "label": "近两年财务报表", "required": True,
                                          "when": "founded_over_1y"}
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "admission_policy.version",
                                                      AuditEntry.object_id == new.id)) is not None
    session.refresh(w.app)
    assert w.app.policy_id == old_policy  # judged by the version it was started under

    # a new application in that carrier × track gets the new version; saving again makes version 2
    company = make_company(session, status=CompanyStatus.APPLICANT, founded_on=today() - dt.timedelta(days=30))
    member = make_user(session, Role.COMPANY, company=company)
    later = services.create_application(session, member, company, application_data(w.kc.id))
    assert later.policy_id == new.id
    session.commit()
    assert client.post("/admission/policies/new", data=policy_form(w.kc.id, "digital", config)).status_code == 303
    assert session.scalar(sa.select(sa.func.max(AdmissionPolicy.version))
                          .where(AdmissionPolicy.carrier_id == w.kc.id)) == 2
    session.refresh(later)
    assert later.policy_id == new.id

    page = client.get(f"/admission/policies/{new.id}")
    assert page.status_code == 200 and "绿色低碳" in page.text and later.number in page.text
    assert "105.5" in page.text  # the rubric's maximum


@pytest.mark.parametrize("overrides, message", [
    ({"rubric-1-key": "technology"}, "rubric items need distinct keys"),
    ({"min_mean": "101"}, "the passing mean must be between 0 and the rubric"),
    ({"low_score": "150"}, "the low-score threshold must be between 0"),
    ({"materials-1-key": "business_licence"}, "materials need distinct keys"),
])
def test_invalid_configurations_are_refused(overrides, message, client, login, session, admission_world):
    login(admission_world.operator)
    before = versions(session)
    resp = client.post("/admission/policies/new", data=policy_form(**overrides))
    assert resp.status_code == 400 and message in resp.text
    assert versions(session) == before


@pytest.mark.parametrize("overrides, message", [
    ({"rubric-0-weight": "0"}, "A weight must be more than 0."),
    ({"rubric-0-weight": "abc"}, "Please enter a number."),
    ({"rubric-0-weight": "-5"}, "at most one decimal place"),
    ({"rubric-0-weight": "12.25"}, "at most one decimal place"),
    ({"rubric-0-key": "Tech nology"}, "Lower-case letters, digits and _ only"),
    ({"rubric-0-label": ""}, "Give a label, a key and a weight"),
    ({"materials-0-label": ""}, "Give both a label and a document category"),
    ({"materials-0-key": "passport"}, "Not a valid choice"),
    ({"min_reviewers": "0"}, "Number must be between 1 and 15."),
    ({"min_mean": ""}, "This field is required."),
    ({"supplement_working_days": "x"}, "Not a valid integer value."),
    ({"max_company_age_months": "0"}, "Number must be between 1 and 600."),
    ({"effective_from": "2026-02-30"}, "Not a valid date value."),
    ({"effective_from": "1900-01-01"}, "between 2000 and 2100"),
    ({"carrier_id": "999999"}, "Not a valid choice"),
    ({"track": "space"}, "Not a valid choice"),
])
def test_bad_input_in_the_policy_form(overrides, message, client, login, session, admission_world):
    login(admission_world.operator)
    before = versions(session)
    resp = client.post("/admission/policies/new", data=policy_form(**overrides))
    assert resp.status_code == 400 and message in resp.text
    assert versions(session) == before


def test_no_age_limit_and_dropped_rows(client, login, session, admission_world):
    login(admission_world.operator)
    data = policy_form(max_company_age_months="", **{"rubric-5-label": "", "rubric-5-key": "", "rubric-5-weight": "",
                                                     "materials-8-label": "", "materials-8-key": ""})
    assert client.post("/admission/policies/new", data=data).status_code == 303
    newest = session.scalar(sa.select(AdmissionPolicy).order_by(AdmissionPolicy.id.desc()).limit(1))
    assert newest.version == 2 and newest.carrier_id is None
    assert newest.config["conditions"]["max_company_age_months"] is None
    assert len(newest.config["rubric"]) == 5 and len(newest.config["materials"]) == 8


def test_policy_access(client, login, session, admission_world):
    w = admission_world
    policy_id = w.app.policy_id
    for who in (w.member, w.reviewers[0]):
        login(who)
        assert client.get("/admission/policies").status_code == 403
        assert client.get(f"/admission/policies/{policy_id}").status_code == 403
        assert client.get("/admission/policies/new").status_code == 403
    for role in (Role.SUPERVISOR, Role.LEAD, Role.DEPUTY):
        login(make_user(session, role))
        assert client.get(f"/admission/policies/{policy_id}").status_code == 200
        assert client.get("/admission/policies/new").status_code == 403
        assert client.post("/admission/policies/new", data=policy_form()).status_code == 403
    login(make_user(session, Role.ADMIN))
    assert client.get("/admission/policies/new").status_code == 200
    assert client.get("/admission/policies/999999").status_code == 404
    assert versions(session) == 1


# --- intake rounds --------------------------------------------------------------------------------------

def round_form(**kw):
    data = {"name": "2026年第一批", "opens_on": "2026-01-05", "closes_on": "2026-03-31", "note": "春季招商"}
    data.update(kw)
    return data


def test_rounds_list_and_create(client, login, session, admission_world):
    w = admission_world
    login(w.operator)
    resp = client.get("/admission/rounds")
    assert resp.status_code == 200 and "No intake rounds yet." in resp.text
    resp = client.post("/admission/rounds", data=round_form())
    assert resp.status_code == 303
    intake = session.scalar(sa.select(IntakeRound))
    assert (intake.name, intake.opens_on, intake.closes_on) == ("2026年第一批", dt.date(2026, 1, 5), dt.date(2026, 3, 31))
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "intake_round.create")) is not None
    w.app.round_id = intake.id
    session.commit()
    resp = client.get("/admission/rounds")
    assert "2026年第一批" in resp.text and "春季招商" in resp.text
    assert f"/admission/?round={intake.id}" in resp.text and f"/admission/export.xlsx?round={intake.id}" in resp.text


@pytest.mark.parametrize("overrides, message", [
    ({"closes_on": "2026-01-04"}, "The round must close on or after the day it opens."),
    ({"name": ""}, "This field is required."),
    ({"name": "x" * 81}, "Field must be between 2 and 80 characters long."),
    ({"opens_on": "2026-13-01"}, "Not a valid date value."),
    ({"closes_on": "3026-01-01"}, "between 2000 and 2100"),
])
def test_bad_rounds_are_refused(overrides, message, client, login, session, admission_world):
    login(admission_world.operator)
    resp = client.post("/admission/rounds", data=round_form(**overrides))
    assert resp.status_code == 400 and message in resp.text
    assert session.scalar(sa.select(sa.func.count()).select_from(IntakeRound)) == 0


def test_round_names_are_unique(client, login, session, admission_world):
    login(admission_world.operator)
    assert client.post("/admission/rounds", data=round_form()).status_code == 303
    resp = client.post("/admission/rounds", data=round_form(name=" 2026年第一批 "))
    assert resp.status_code == 400 and "An intake round with this name exists already." in resp.text


def test_round_access(client, login, session, admission_world):
    w = admission_world
    for who in (w.member, w.reviewers[0]):
        login(who)
        assert client.get("/admission/rounds").status_code == 403
        assert client.post("/admission/rounds", data=round_form()).status_code == 403
    login(make_user(session, Role.SUPERVISOR))
    resp = client.get("/admission/rounds")
    assert resp.status_code == 200 and 'id="new-round"' not in resp.text
    assert client.post("/admission/rounds", data=round_form()).status_code == 403
    assert session.scalar(sa.select(sa.func.count()).select_from(IntakeRound)) == 0
