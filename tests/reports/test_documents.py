"""The two PDFs, read back as text (Chinese, whatever the reader's language) with their CJK fonts
embedded. Figures as worked out by hand in test_kpis.py and test_fortnight.py."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.reports import services, views

from ..pdfs import cjk, get_pdf, pdf_text
from .conftest import TODAY


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(views, "today", lambda: TODAY)


def test_the_annual_report(client, login, community, session):
    login(community.commander)
    data = get_pdf(client, "/reports/annual.pdf?year=2026", "report-annual-2026")
    assert cjk(data)
    text = pdf_text(data)
    assert "社区年度运营报告" in text and "2026年度·统计截至2026年6月30日，年度进行中" in text
    # the summary paragraph
    assert "社区累计进驻优质科技企业和项目6个，其中高新技术企业4家、科技创新平台2个" in text
    assert "累计集聚创新创业人才212人（其中高层次人才24人）；目前在驻企业4家" in text
    assert "载体总体去化率85.7%；本年度提交入驻申请4件，准予入驻1件；专项政策经费本年度拨付¥60,000.00" in text
    # targets: the table row and the chart's text
    assert "创新创业人才（人）>2,0002121,78910.6%1244.3进度滞后" in text
    assert "优质科技企业和项目（个）≥100694" in text and "6.0%74.8进度滞后" in text
    assert "212/>2,000·10.6%" in text  # the progress chart's label
    assert "2024年2024年12月31日1/≥1已完成" in text
    # occupancy, funnel, funds, grades, exits
    assert "350.00m²300.00m²85.7%" in text
    assert "提交申请4·100.0%" in text and "准予入驻1·25.0%" in text
    assert "市科技局专项经费第一期" in text and "¥1,000,000.00¥0.00¥150,000.00¥20,000.00¥870,000.00" in text
    assert "2025年2025年度考核（报告测试）" in text and "优秀" in text
    assert "本年度经退出流程执行的：毕业1家" in text
    # the operator's own assessment with its formulas
    assert "租金收缴率81.0%" in text and "本年度到期的租金及物业费¥13,950.00中已收¥11,300.00（欠缴¥2,650.00）" in text
    assert "企业营业收入增长率（同口径）20.0%" in text
    assert "附：统计口径" in text
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "report.annual"))
    assert (entry.actor_id, entry.after) == (community.commander.id, {"year": 2026})
    if services.budget_figures(session, 2026) is not None:  # incubator.budget installed
        assert "指挥部经费年终情况" in text and "本年度经费支出申请" in text


def test_the_annual_report_of_a_past_year(client, login, community):
    login(community.supervisor)
    text = pdf_text(get_pdf(client, "/reports/annual.pdf?year=2025"))
    assert "（2025年度·统计截至2025年12月31日·2026年6月30日生成）" in text
    assert "社区累计进驻优质科技企业和项目5个，其中高新技术企业3家、科技创新平台2个" in text
    assert "去化率按2025年12月31日在执行租约的面积计算" in text and "28.6%" in text
    # target 3, counted 2, 1 to go, 66.7%, expected by year end 3.0, missed
    assert "科技创新平台（个）≥32166.7%3.0未完成" in text


def test_the_biweekly_report(client, login, community):
    login(community.lead)
    data = get_pdf(client, "/reports/biweekly.pdf?start=2026-04-30", "report-biweekly")
    assert cjk(data)
    text = pdf_text(data)
    assert "每两周工作进展报告" in text
    assert "报告期：2026年4月30日至2026年5月13日·报送时限：2026年5月14日12时前" in text
    assert "新提交入驻申请1件" in text and "作出入驻决定1件" in text and "拨付补贴1笔·¥10,000.00" in text
    assert "SQ-BG-3东莞庚科技有限公司" in text and "已撤回" in text
    assert "SQ-BG-2东莞庚科技有限公司东莞庚科技有限公司项目不予入驻2026年4月30日" in text
    assert "BT-BG-4东莞戊科技有限公司2026年租金补贴¥10,000.002026年5月10日" in text
    assert "补贴待副指挥长审批（经工作组例会审议）1" in text
    assert "补贴申请补正期限1项（已逾期1项）；入驻申请补正期限1项；公示异议待处理1项" in text
    assert "补贴申请补正期限BT-BG-6东莞丁研究院有限公司2026年6月25日（已逾期）" in text
    assert "入驻申请补正期限SQ-BG-5东莞庚科技有限公司2026年7月3日" in text
    assert "创新创业人才（人）>2,0002121,78910.6%进度滞后" in text


def test_the_default_fortnight_is_the_last_complete_one(client, login, community, session):
    login(community.operator)
    text = pdf_text(get_pdf(client, "/reports/biweekly.pdf"))
    # who took which report is audited (it names companies)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "report.biweekly"))
    assert (entry.actor_id, entry.after) == (community.operator.id, {"start": "2026-06-15", "end": "2026-06-28"})
    assert "报告期：2026年6月15日至2026年6月28日·报送时限：2026年6月29日12时前" in text
    assert "SQ-BG-5" in text  # submitted 20 June
