"""Dossier tests read English pages (the dossier itself is Chinese whatever the language).

`world`: 东莞审计档案测试科技有限公司 with uploads in several versions and types — a 营业执照 in three
versions, a second document also titled 营业执照, a JPEG 付款凭证, titles that try to escape the folder
or name a Windows device — issued documents (a superseded 企业档案, its successor, a revoked 入驻证书),
an audit entry whose summary looks like a spreadsheet formula, another company with a document of its
own, and a user for every role."""
from __future__ import annotations

import datetime as dt
import io
import secrets
from types import SimpleNamespace

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from incubator.audit.services import record
from incubator.certificates.models import IssuedDocument
from incubator.core.roles import Role
from incubator.documents.services import add_version, upload_document
from incubator.documents.storage import file_store

from ..factories import make_company, make_user

EVIL = '=HYPERLINK("http://evil.example/x","点击查看")'
STAFF = ("operator", "lead", "deputy", "commander", "supervisor", "admin")


@pytest.fixture(autouse=True)
def english_everywhere(english):
    """Pages and service messages in English (tests/conftest.py::english)."""


def pdf_bytes(label: str) -> bytes:
    """A small PDF-looking file whose bytes differ by `label` (uploads are recognised by content)."""
    return b"%PDF-1.4\n% " + label.encode() + b"\n" + secrets.token_bytes(64) + b"\n%%EOF\n"


def image_bytes(fmt: str, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(out, fmt)
    return out.getvalue()


def upload(session, actor, company, category, title, data: bytes, filename: str):
    return upload_document(session, actor, company, category=category, title=title,
                           file_storage=FileStorage(io.BytesIO(data), filename=filename))


def new_version(session, actor, document, data: bytes, filename: str):
    return add_version(session, actor, document, FileStorage(io.BytesIO(data), filename=filename))


def issued(session, company, number: str, title: str, kind: str, at: dt.datetime, **kw) -> IssuedDocument:
    """An issued document with a real stored PDF, as certificates.issue_document leaves one."""
    import hashlib
    data = pdf_bytes(number)
    doc = IssuedDocument(number=number, kind=kind, title=title, company_id=company.id, subject_type="company",
                         subject_id=company.id, verify_code=secrets.token_urlsafe(16), data_fingerprint="0" * 64,
                         sha256=hashlib.sha256(data).hexdigest(), storage_key=file_store().save(session, data),
                         size=len(data), issued_at=at, **kw)
    session.add(doc)
    session.flush()
    return doc


@pytest.fixture
def world(session):
    w = SimpleNamespace(session=session)
    for name in (*STAFF, "reviewer"):
        setattr(w, name, make_user(session, Role(name), display_name=f"{name} 测试"))
    w.company = make_company(session, name="东莞审计档案测试科技有限公司", address="东莞市水乡功能区科创中心1栋")
    w.member = make_user(session, Role.COMPANY, company=w.company, display_name="企业 王芳")
    w.other = make_company(session, name="东莞另一家档案科技有限公司")
    w.other_member = make_user(session, Role.COMPANY, company=w.other, display_name="另一家 赵强")

    w.licence = upload(session, w.member, w.company, "business_licence", "营业执照", pdf_bytes("licence v1"),
                       "营业执照扫描件.pdf")
    new_version(session, w.operator, w.licence, pdf_bytes("licence v2"), "营业执照（更新）.pdf")
    new_version(session, w.member, w.licence, pdf_bytes("licence v3"), "营业执照2026.pdf")
    w.licence_copy = upload(session, w.operator, w.company, "business_licence", "营业执照", image_bytes("PNG"),
                            "副本.png")
    w.receipt = upload(session, w.member, w.company, "payment_evidence", "2026年第三季度租金", image_bytes("JPEG"),
                       "回单.jpg")
    w.escape = upload(session, w.member, w.company, "other", "../../etc/passwd", pdf_bytes("escape"), "x.pdf")
    w.device = upload(session, w.member, w.company, "team_cvs", "CON", pdf_bytes("device"), "简历.pdf")
    w.others_doc = upload(session, w.other_member, w.other, "business_plan", "商业计划书", pdf_bytes("other"), "计划书.pdf")

    day = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    w.old_dossier = issued(session, w.company, "SX-DA-2026-90001", "企业档案", "company_dossier", day)
    w.new_dossier = issued(session, w.company, "SX-DA-2026-90002", "企业档案", "company_dossier",
                           day + dt.timedelta(days=30), issued_by_id=w.operator.id)
    w.old_dossier.superseded_by_id = w.new_dossier.id
    w.revoked = issued(session, w.company, "SX-RZ-2026-90003", "入驻证书", "admission_certificate",
                       day + dt.timedelta(days=40), revoked_at=day + dt.timedelta(days=41), revoked_reason="信息有误")
    issued(session, w.other, "SX-RZ-2026-90004", "入驻证书", "admission_certificate", day)
    record(session, w.operator, "company.update", w.company, summary=EVIL, before={"address": "旧地址"},
           after={"address": w.company.address})
    session.commit()
    return w


# the world's ZIP, written out by hand from the data above
EXPECTED_STORED = {
    "01_签发文件/SX-DA-2026-90001_企业档案.pdf",
    "01_签发文件/SX-DA-2026-90002_企业档案.pdf",
    "01_签发文件/SX-RZ-2026-90003_入驻证书.pdf",
    "02_上传材料/营业执照/营业执照_v1.pdf",
    "02_上传材料/营业执照/营业执照_v2.pdf",
    "02_上传材料/营业执照/营业执照_v3.pdf",
    "02_上传材料/营业执照/营业执照(2)_v1.png",
    "02_上传材料/付款凭证/2026年第三季度租金_v1.jpg",
    "02_上传材料/其他/etcpasswd_v1.pdf",
    "02_上传材料/团队简历/_CON_v1.pdf",
}
GENERATED = {"00_索引.pdf", "03_审计记录.xlsx", "manifest.json", "SHA256SUMS.txt"}
