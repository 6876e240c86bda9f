"""Dashboards (看板) and reports on demand — the annual community report (社区年度运营报告) and the
bi-weekly progress report (每两周一报) — computed from every module's data (issue #7)."""
