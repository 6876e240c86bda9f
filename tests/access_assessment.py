"""Access-matrix rows and world objects for the annual assessment (issue #5).

Company A ("owner") has a verified filing in a published campaign, a failed result with a
filed appeal, a rectification and an exit proposal; "reviewer" is assigned to the filing and
scoring. test_access_matrix.py merges ROWS into its MATRIX and `build` into its world."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from incubator.assessment import rules
from incubator.assessment.models import (
    Appeal,
    AssessmentScheme,
    AssignmentState,
    Campaign,
    CampaignState,
    ExitProposal,
    ExitReason,
    Filing,
    FilingState,
    Grade,
    Rectification,
    Result,
    ReviewerAssignment,
)
from incubator.core.calendar import add_working_days
from incubator.documents.services import upload_document

READERS = {"operator", "lead", "deputy", "commander", "supervisor", "admin"}
EDITORS = {"operator", "admin"}
MEMBERS = {"owner", "other"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def rows(row) -> dict:
    c, f, r = "/assessment/campaigns/{campaign}", "/assessment/filings/{filing}", "/assessment/results/{result}"
    return {
        "assessment.index": row("/assessment/", READERS),
        "assessment.export": row("/assessment/export.xlsx", READERS),
        "assessment.new_campaign": row("/assessment/campaigns/new", EDITORS),
        "assessment.new_campaign:POST": row("/assessment/campaigns/new", EDITORS, "POST"),
        "assessment.campaign": row(c, READERS),
        "assessment.campaign_step": row(c + "/close", EDITORS, "POST"),
        "assessment.assign_reviewers": row(c + "/reviewers", EDITORS, "POST"),
        "assessment.ranking": row(c + "/ranking", READERS),
        "assessment.ranking_pdf": row(c + "/ranking.pdf", READERS),
        "assessment.campaign_export": row(c + "/export.xlsx", READERS),
        "assessment.filings": row("/assessment/filings", READERS),
        "assessment.reviews_due": row("/assessment/reviews-due", READERS),
        "assessment.filing": row(f, READERS | {"owner", "reviewer"}),
        "assessment.evidence_file": row(f + "/files/{evidence}", READERS | {"owner", "reviewer"}),
        "assessment.mine": row("/assessment/mine", MEMBERS),
        "assessment.edit_filing": row(f + "/edit", {"owner"}),
        "assessment.edit_filing:POST": row(f + "/edit", {"owner"}, "POST"),
        "assessment.submit_filing": row(f + "/submit", {"owner"}, "POST"),
        "assessment.upload_evidence": row(f + "/evidence", EDITORS | {"owner"}, "POST"),
        "assessment.check_figure": row(f + "/check", EDITORS, "POST"),
        "assessment.filing_step": row(f + "/reopen", EDITORS, "POST"),
        "assessment.compliance": row(f + "/compliance", EDITORS, "POST"),
        "assessment.result": row(r, READERS | {"owner"}),
        "assessment.report_pdf": row(r + "/report.pdf", READERS | {"owner"}),
        "assessment.certificate_pdf": row(r + "/certificate.pdf", READERS | {"owner"}),
        "assessment.file_appeal": row(r + "/appeal", {"owner"}, "POST"),
        "assessment.propose_exit": row(r + "/propose-exit", EDITORS, "POST"),
        "assessment.appeals": row("/assessment/appeals", READERS),
        "assessment.decide_appeal": row("/assessment/appeals/{appeal}/decide", {"lead"}, "POST"),
        "assessment.consequences": row("/assessment/consequences", READERS),
        "assessment.complete_rectification": row("/assessment/rectifications/{rectification}/complete", EDITORS,
                                                 "POST"),
        "assessment.rectification_pdf": row("/assessment/rectifications/{rectification}/notice.pdf",
                                            READERS | {"owner"}),
        "assessment.dismiss_exit": row("/assessment/exit-proposals/{exit_proposal}/dismiss", EDITORS | {"lead"},
                                       "POST"),
        "assessment.my_reviews": row("/assessment/reviews", {"reviewer"}),
        "assessment.review": row("/assessment/reviews/{review}", {"reviewer"}),
        "assessment.review:POST": row("/assessment/reviews/{review}", {"reviewer"}, "POST"),
        "assessment.schemes": row("/assessment/schemes", READERS),
        "assessment.scheme": row("/assessment/schemes/{scheme}", READERS),
        "assessment.new_scheme": row("/assessment/schemes/new", EDITORS),
        "assessment.new_scheme:POST": row("/assessment/schemes/new", EDITORS, "POST"),
    }


def build(session, people, company) -> dict:
    scheme = session.scalar(sa.select(AssessmentScheme).where(AssessmentScheme.version == 1))
    published = dt.date.today() - dt.timedelta(days=2)
    campaign = Campaign(name="2025年度绩效考核（矩阵）", year=2025, scheme_id=scheme.id, state=CampaignState.PUBLISHED,
                        opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2026, 3, 31), published_on=published,
                        appeals_close_on=add_working_days(published, 10))
    session.add(campaign)
    session.flush()
    figures = {"revenue": Decimal("100000.00"), "tax_paid": Decimal("1000.00"), "headcount": 5}
    filing = Filing(campaign_id=campaign.id, company_id=company.id, state=FilingState.VERIFIED, **figures)
    session.add(filing)
    session.flush()
    facts = rules.Facts(figures=figures, previous=None, previous_year=None, area=Decimal("120.00"), filed=True,
                        submitted_on=dt.date(2026, 3, 20), deadline=campaign.closes_on, arrears=Decimal("0.00"),
                        arrears_as_of=dt.date(2026, 1, 1), vetoes={}, reviewer_scores={})
    outcome = rules.score_filing(scheme.config, facts, scheme.version)
    placed = rules.rank_campaign(scheme.config, {company.id: (outcome.total, outcome.veto)})[company.id]
    result = Result(campaign_id=campaign.id, filing_id=filing.id, company_id=company.id, score=outcome.total,
                    rank=placed["rank"], grade=Grade(placed["grade"]), breakdown={**outcome.to_json(), "ranking": placed})
    assignment = ReviewerAssignment(filing_id=filing.id, reviewer_id=people["reviewer"].id,
                                    state=AssignmentState.SCORING)
    session.add_all([result, assignment])
    session.flush()
    appeal = Appeal(filing_id=filing.id, company_id=company.id, result_id=result.id, grounds="数据有误")
    rectification = Rectification(company_id=company.id, result_id=result.id, issued_on=published,
                                  due_on=add_working_days(published, 20), requirements="按期整改")
    proposal = ExitProposal(company_id=company.id, reason=ExitReason.FAILED_ASSESSMENT, result_id=result.id)
    evidence = upload_document(session, people["operator"], company, category="other", title="佐证",
                               subject_type="assessment_filing", subject_id=filing.id,
                               file_storage=FileStorage(io.BytesIO(PDF), filename="佐证.pdf",
                                                        content_type="application/pdf"))
    session.add_all([appeal, rectification, proposal])
    session.flush()
    return {"campaign": campaign.id, "filing": filing.id, "result": result.id, "appeal": appeal.id,
            "rectification": rectification.id, "exit_proposal": proposal.id, "review": assignment.id,
            "scheme": scheme.id, "evidence": evidence.versions[0].id}
