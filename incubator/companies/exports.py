"""The Excel export of the company registry: the staff list's rows (its filters and order), every
field the registry keeps, labels in the page's language."""
from __future__ import annotations

import datetime as dt

from ..core.excel import DATE, MONEY, table_bytes, yes_no
from .models import Company

COLUMNS = (("企业名称", 30, None), ("统一社会信用代码", 22, None), ("产业方向", 14, None), ("细分领域", 16, None),
           ("状态", 10, None), ("科技创新平台", 8, None), ("法定代表人", 10, None), ("注册资本（元）", 16, MONEY),
           ("成立日期", 12, DATE), ("从业人数", 8, None), ("本科及以上学历人数", 8, None), ("高层次人才", 8, None),
           ("发明专利", 8, None), ("实用新型专利", 8, None), ("软件著作权", 8, None), ("其他知识产权", 8, None),
           ("有效资质", 24, None), ("入驻日期", 12, DATE), ("迁出日期", 12, DATE), ("联系人", 10, None),
           ("联系电话", 14, None), ("电子邮箱", 22, None), ("通讯地址", 30, None), ("引荐机构", 16, None))


def companies_workbook(companies: list[Company], day: dt.date) -> bytes:
    """One row per company; qualifications are those valid on `day` (as the list shows them)."""
    rows = [[c.name, c.credit_code, c.track.label if c.track else None, c.sub_field, c.status.label,
             yes_no(c.is_platform), c.legal_rep, c.registered_capital, c.founded_on, c.headcount, c.talents_bachelor,
             c.talents_high_level, c.ip_invention, c.ip_utility, c.ip_software, c.ip_other,
             "、".join(k.label for k in sorted(c.qualification_kinds_on(day))) or None, c.moved_in_on, c.left_on,
             c.contact_name, c.contact_phone, c.contact_email, c.address, c.agent.name if c.agent else None]
            for c in companies]
    return table_bytes("入驻企业", COLUMNS, rows)
