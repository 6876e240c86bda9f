"""The two reports on demand, as PDFs in Chinese whatever the reader's language: the annual community
report (社区年度运营报告) and the bi-weekly progress report (每两周一报). They are not numbered
documents (nothing to verify: they are read, not relied on), so they go straight through
certificates.pdf.render_pdf; their charts are the dashboard's, drawn with Chinese labels."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy.orm import Session

from ..assessment.rules import GRADE_LABELS
from ..certificates.pdf import render_pdf
from ..core.formatting import format_date, format_money
from . import layout, rules, services

_ZH_FIXED = {
    "indicators": {"platforms": "科技创新平台", "talents": "创新创业人才", "companies": "优质科技企业和项目",
                   "high_tech": "高新技术企业"},
    "units": {"platforms": "个", "talents": "人", "companies": "个", "high_tech": "家"},
    "statuses": {"met": "已完成", "on_track": "进度正常", "behind": "进度滞后", "missed": "未完成", "none": "未设目标"},
    "series": {"paid": "已拨付（扣除追回）", "committed": "已承诺未拨付", "remaining": "可用余额", "exited": "退出",
               "graduated": "毕业", "leased": "已出租", "vacant": "未出租", "received": "已收", "unpaid": "未收"},
    "fund_fields": {"allocated": "到位", "paid": "已拨付", "committed": "已承诺", "remaining": "余额"},
    "sources": {"city": "市科技局专项经费", "committee": "管委会配套资金"},
    "dimensions": {"ecosystem": "创新生态营造", "talent": "创新人才集聚", "growth": "企业成长性", "efficiency": "运营效益"},
    "operator": {"platforms": "科技创新平台", "ip_per_company": "企业平均新增知识产权", "high_tech_share": "在驻企业高企占比",
                 "talents": "集聚创新创业人才", "talent_growth": "人才增长率", "high_level": "高层次人才",
                 "revenue_growth": "企业营业收入增长率（同口径）", "financing": "企业融资额", "graduations": "毕业企业",
                 "decision_days": "入驻申请平均办结天数", "claim_days": "补贴申请平均拨付天数", "occupancy": "载体去化率",
                 "collection": "租金收缴率"},
    "operator_units": {"platforms": "个", "talents": "人", "high_level": "人", "graduations": "家"},
    "formulas": {
        "platforms": "累计入驻的科技创新平台数（含已退出的，与工作目标同口径）",
        "ip_per_company": "{year}年度新增知识产权 {ip} 件 ÷ 填报企业 {companies} 家",
        "high_tech_share": "在驻高新技术企业 {high_tech} 家 ÷ 在驻企业 {resident} 家",
        "talents": "累计入驻企业的本科及以上人才与高层次人才之和（以最近一次核实的考核填报为准，未填报的以企业信息为准）",
        "talent_growth": "（统计日 {now} 人 − {since} {before} 人）÷ {before} 人",
        "high_level": "累计入驻企业的高层次人才（口径同上）",
        "revenue_growth": "两年均有核实填报的 {companies} 家企业：{year}年营业收入 {revenue} ÷ 上年 {previous} − 1",
        "financing": "{year}年度 {companies} 家企业填报的融资额合计",
        "graduations": "本年度毕业离开社区的企业数",
        "decision_days": "本年度作出决定的 {decided} 件入驻申请（准予入驻 {admitted} 件），自首次提交至决定的平均天数",
        "claim_days": "本年度拨付的 {paid} 笔补贴（合计 {amount}），自提交申请至拨付的平均天数",
        "occupancy": "已出租面积 {leased} ÷ 可出租面积 {lettable}",
        "collection": "本年度到期的租金及物业费 {charged} 中已收 {received}（欠缴 {arrears}）",
    },
    "titles": {"targets": "{year}年工作目标完成情况", "occupancy": "各载体分类型去化率",
               "funnel": "{year}年入驻申请转化情况", "funds": "专项政策经费使用情况（按期次与资金池）",
               "grades": "历年年度绩效考核等次分布", "exits": "历年退出与毕业企业数"},
    "text": {"no_target": "未设目标", "no_data": "暂无数据", "days": "天", "year_n": "{year}年", "companies_unit": "家"},
    "grades": GRADE_LABELS,
    "stages": {"submitted": "提交申请", "accepted": "形式审查通过", "expert_review": "专家评审", "joint_review": "联合评审",
               "decision": "待决定", "admitted": "准予入驻", "returned": "退回补正", "resubmitted": "补正后重新提交", "lapsed": "逾期未补正",
               "rejected": "不予入驻", "withdrawn": "撤回"},
}

# what a meeting's agenda candidate is, in the bi-weekly report (incubator.meetings' kinds)
CANDIDATE_KINDS = {"application": "入驻申请", "subsidy_claim": "补贴申请", "clawback": "补贴追回", "exit_case": "退出",
                   "expense_request": "经费支出", "budget": "预算"}
TIERS = {"lead": "工作组分管领导", "deputy": "现场副指挥长", "commander": "指挥长"}
AWAITING = {"admission_joint": "入驻申请待联合评审", "admission_decision": "入驻申请待副指挥长决定",
            "claims_lead": "补贴待工作组分管领导审批", "claims_deputy": "补贴待副指挥长审批（经工作组例会审议）",
            "claims_commander": "补贴待指挥长审批（经工作协调会审议）", "exits_review": "退出结算待分管领导审核",
            "exits_decide": "退出待指挥长批准", "appeals": "考核申诉待处理", "exit_proposals": "考核清退建议待处理"}
ATTENTION = {"claim_correction": "补贴申请补正期限", "application_supplement": "入驻申请补正期限",
             "rectification": "整改期限", "objection": "公示异议待处理", "exit_execution": "已批准退出待执行"}


def zh_labels() -> dict:
    """The PDFs' label set (layout.py reads it): Chinese, with the shared PDF labels of the enums."""
    env = current_app.jinja_env
    common = env.get_template("pdf/_labels.html").module
    exits = env.get_template("pdf/exit_labels.html").module
    return {**_ZH_FIXED, "unit_types": common.UNIT_TYPES, "tracks": common.TRACKS,
            "application_states": common.APPLICATION_STATES, "exit_kinds": exits.KINDS, "date": format_date}


def _doc(title: str, reference: str, day: dt.date) -> dict:
    # _base.html prints a number and a QR code for issued documents; these reports have neither (the
    # templates hide that header) and carry their own reference line instead
    return {"title": title, "number": reference, "issued_on": format_date(day), "qr": "", "verify_url": "",
            "valid_until": None}


def annual_context(session: Session, year: int, today: dt.date | None = None) -> dict:
    data = services.year_overview(session, year, today)
    L = zh_labels()
    return {"doc": _doc("社区年度运营报告", f"{year}年度", data["today"]), "data": data, "blocks": layout.year_blocks(data, L),
            "L": L, "money": format_money, "day": format_date, "budget": data["budget"],
            "generated_on": format_date(data["today"]), "counting_rules": COUNTING_RULES}


def annual_report_pdf(session: Session, year: int, today: dt.date | None = None) -> bytes:
    """社区年度运营报告 for `year` (read on its last day, or on `today` while it runs)."""
    return render_pdf("report_annual.html", annual_context(session, year, today))


def biweekly_context(session: Session, fortnight: rules.Fortnight, today: dt.date | None = None) -> dict:
    data = services.fortnight_overview(session, fortnight, today)
    L = zh_labels()
    progress = layout.targets({"headline": data["progress"], "year": data["last"].year}, L)  # no table
    return {"doc": _doc("每两周工作进展报告", f"{format_date(fortnight.start)}至{format_date(fortnight.end)}",
                        data["today"]),
            "data": data, "L": L, "money": format_money, "day": format_date,
            "progress": progress["rows"], "progress_chart": progress["chart"],
            "pending": _pending(data["pending"]), "attention": _attention(data["attention"]),
            "candidate_kinds": CANDIDATE_KINDS, "tiers": TIERS, "awaiting": AWAITING, "attention_kinds": ATTENTION,
            "due_on": format_date(fortnight.due_on), "generated_on": format_date(data["today"])}


PENDING_LISTED = 20  # the largest matters waiting for a meeting; the rest are counted per kind and tier
ATTENTION_LISTED = 30


def _pending(candidates: list | None) -> dict | None:
    """Matters waiting for a meeting: counted and summed per kind and tier, the largest listed."""
    if candidates is None:
        return None
    groups: dict[tuple, dict] = {}
    for c in candidates:
        g = groups.setdefault((c.kind, c.tier), {"kind": c.kind, "tier": c.tier, "count": 0, "amount": None})
        g["count"] += 1
        if c.amount is not None:
            g["amount"] = (g["amount"] or 0) + c.amount
    rows = sorted(candidates, key=lambda c: (c.amount is None, -(c.amount or 0), c.kind, c.object_id))
    return {"total": len(candidates), "groups": list(groups.values()), "rows": rows[:PENDING_LISTED]}


def _attention(items: list[dict]) -> dict:
    kinds: dict[str, dict] = {}
    for a in items:
        k = kinds.setdefault(a["kind"], {"kind": a["kind"], "count": 0, "overdue": 0})
        k["count"] += 1
        k["overdue"] += a["overdue"]
    rows = sorted(items, key=lambda a: (not a["overdue"], a["due"]))
    return {"total": len(items), "kinds": list(kinds.values()), "rows": rows[:ATTENTION_LISTED]}


def biweekly_report_pdf(session: Session, fortnight: rules.Fortnight, today: dt.date | None = None) -> bytes:
    """每两周工作进展报告 for the fortnight (up to `today` while it runs)."""
    return render_pdf("report_biweekly.html", biweekly_context(session, fortnight, today))


def filename(kind: str, value) -> str:
    if kind == "annual":
        return f"社区年度运营报告-{value}.pdf"
    start: dt.date = value
    return f"每两周工作进展报告-{start.isoformat()}.pdf"


COUNTING_RULES = [
    "优质科技企业和项目：统计日及以前已入驻的企业（含其后退出或毕业的），工作目标为累计数；申请中的企业不计入。",
    "科技创新平台：上述企业中认定为科技创新平台的。",
    "高新技术企业：上述企业中在统计日持有有效高新技术企业证书的；已离开社区的企业以其离开之日为准。",
    "创新创业人才：上述企业的本科及以上人才与高层次人才之和，以统计日所在年度及以前最近一次经核实的考核填报为准"
    "（运营人员更正的数据优先）；尚无核实填报的企业以其企业信息为准。",
    "载体去化率：已出租面积 ÷ 可出租面积（不含停用单元）；往年以当年12月31日在执行租约的面积计。",
    "状态判断：达到目标为“已完成”；年度结束仍未达到为“未完成”；年度中以上一年度目标（首年为零）至本年度目标的"
    "直线进度衡量，达到或超过为“进度正常”，低于为“进度滞后”。",
]
