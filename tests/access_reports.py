"""Access-matrix rows for the dashboard and the reports (issue #7): every staff reader; not the
companies, not the reviewers."""
from __future__ import annotations

READERS = {"operator", "lead", "deputy", "commander", "supervisor", "admin"}


def rows(row) -> dict:
    return {
        "reports.dashboard": row("/dashboard/", READERS),
        "reports.index": row("/reports/", READERS),
        "reports.annual_pdf": row("/reports/annual.pdf", READERS),
        "reports.biweekly_pdf": row("/reports/biweekly.pdf", READERS),
    }


def build(session, people, company, lease) -> dict:
    return {}
