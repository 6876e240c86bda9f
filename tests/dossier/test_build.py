"""The dossier ZIP itself: every issued PDF and every version of every upload of the company — and
nothing of another company — each file's bytes hashing to the SHA-256 recorded when it was stored,
SHA256SUMS.txt that `sha256sum -c` accepts, the index PDF listing every file in Chinese, the audit
sheet, and the checks that catch a corrupted or missing stored file."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from incubator.audit.models import AuditEntry
from incubator.core.formatting import local
from incubator.documents.storage import file_store
from incubator.dossier.models import DossierJob, DossierState

from ..pdfs import cjk, keep, nospace, pdf_text
from .conftest import EVIL, EXPECTED_STORED, GENERATED


def build_zip(client, login, world, who=None) -> tuple[DossierJob, bytes]:
    """Ask for the dossier as `who` (the supervisor by default), follow to the download."""
    login(who or world.supervisor)
    resp = client.post(f"/dossiers/company/{world.company.id}/build")
    assert resp.status_code == 303, resp.data[:300]
    assert "/download" in resp.headers["Location"], resp.headers["Location"]  # small: built at once
    got = client.get(resp.headers["Location"])
    assert got.status_code == 200, got.data[:300]
    assert got.mimetype == "application/zip"
    job = world.session.scalars(sa.select(DossierJob).where(DossierJob.company_id == world.company.id)
                                .order_by(DossierJob.id.desc())).first()
    return job, got.data


def stored_hashes(world) -> dict[str, str]:
    """Path in the ZIP → the SHA-256 recorded in the database, for the world's stored files."""
    versions = {v.version_no: v.sha256 for v in world.licence.versions}
    return {
        "01_签发文件/SX-DA-2026-90001_企业档案.pdf": world.old_dossier.sha256,
        "01_签发文件/SX-DA-2026-90002_企业档案.pdf": world.new_dossier.sha256,
        "01_签发文件/SX-RZ-2026-90003_入驻证书.pdf": world.revoked.sha256,
        "02_上传材料/营业执照/营业执照_v1.pdf": versions[1],
        "02_上传材料/营业执照/营业执照_v2.pdf": versions[2],
        "02_上传材料/营业执照/营业执照_v3.pdf": versions[3],
        "02_上传材料/营业执照/营业执照(2)_v1.png": world.licence_copy.versions[0].sha256,
        "02_上传材料/付款凭证/2026年第三季度租金_v1.jpg": world.receipt.versions[0].sha256,
        "02_上传材料/其他/etcpasswd_v1.pdf": world.escape.versions[0].sha256,
        "02_上传材料/团队简历/_CON_v1.pdf": world.device.versions[0].sha256,
    }


def test_every_issued_document_and_every_version_is_in_the_zip_with_matching_hashes(client, login, world):
    job, data = build_zip(client, login, world)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == EXPECTED_STORED | GENERATED
    assert archive.testzip() is None
    for path, sha256 in stored_hashes(world).items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == sha256, path
    # the ZIP is the one the job recorded
    assert job.state == DossierState.DONE and job.sha256 == hashlib.sha256(data).hexdigest()
    assert job.size == len(data) and job.file_count == len(EXPECTED_STORED | GENERATED) and job.mismatches == 0
    assert job.progress_done == job.progress_total == len(EXPECTED_STORED) + 2


def test_the_zip_matches_the_database_for_any_company(client, login, world):
    """Independently of the hand-written list: as many upload entries as versions in the database,
    as many issued entries as issued documents, and the set of hashes is the database's."""
    from incubator.certificates.models import IssuedDocument
    from incubator.documents.models import Document, DocumentVersion
    _job, data = build_zip(client, login, world)
    archive = zipfile.ZipFile(io.BytesIO(data))
    s = world.session
    version_hashes = s.scalars(sa.select(DocumentVersion.sha256).join(Document)
                               .where(Document.company_id == world.company.id)).all()
    issued_hashes = s.scalars(sa.select(IssuedDocument.sha256).where(IssuedDocument.company_id == world.company.id)).all()
    uploads = [n for n in archive.namelist() if n.startswith("02_上传材料/")]
    issued = [n for n in archive.namelist() if n.startswith("01_签发文件/")]
    assert sorted(hashlib.sha256(archive.read(n)).hexdigest() for n in uploads) == sorted(version_hashes)
    assert sorted(hashlib.sha256(archive.read(n)).hexdigest() for n in issued) == sorted(issued_hashes)
    others = s.scalar(sa.select(DocumentVersion.sha256).join(Document).where(Document.company_id == world.other.id))
    assert others not in {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}


def test_entries_are_stored_or_deflated_by_type_and_named_in_utf8(client, login, world):
    _job, data = build_zip(client, login, world)
    archive = zipfile.ZipFile(io.BytesIO(data))
    kinds = {info.filename: info.compress_type for info in archive.infolist()}
    assert kinds["02_上传材料/付款凭证/2026年第三季度租金_v1.jpg"] == zipfile.ZIP_STORED
    assert kinds["02_上传材料/营业执照/营业执照(2)_v1.png"] == zipfile.ZIP_STORED
    assert kinds["01_签发文件/SX-RZ-2026-90003_入驻证书.pdf"] == zipfile.ZIP_STORED
    assert kinds["manifest.json"] == kinds["SHA256SUMS.txt"] == zipfile.ZIP_DEFLATED
    # the UTF-8 flag is set, so unpacking tools show the Chinese names
    assert all(info.flag_bits & 0x800 for info in archive.infolist() if not info.filename.isascii())
    # no entry leaves the folder it is unpacked in
    assert not [n for n in archive.namelist() if n.startswith("/") or ".." in n.split("/") or "\\" in n]


def test_sha256sums_is_accepted_by_sha256sum(client, login, world, tmp_path):
    _job, data = build_zip(client, login, world)
    archive = zipfile.ZipFile(io.BytesIO(data))
    lines = archive.read("SHA256SUMS.txt").decode().splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
    assert set(listed) == EXPECTED_STORED | GENERATED - {"SHA256SUMS.txt"}
    for path, sha256 in listed.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == sha256, path
    if shutil.which("sha256sum"):
        archive.extractall(tmp_path)
        done = subprocess.run(["sha256sum", "-c", "SHA256SUMS.txt"], cwd=tmp_path, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    manifest = json.loads(archive.read("manifest.json"))
    assert {f["path"] for f in manifest["files"]} == EXPECTED_STORED
    assert all(f["check"] == "ok" and f["sha256"] == f["recorded_sha256"] for f in manifest["files"])


def test_the_index_lists_every_file_in_chinese(client, login, world):
    _job, data = build_zip(client, login, world)
    archive = zipfile.ZipFile(io.BytesIO(data))
    index = archive.read("00_索引.pdf")
    keep("dossier-index", index)
    text = pdf_text(index)
    assert cjk(index)
    assert "审计档案索引" in text and nospace(world.company.name) in text and world.company.credit_code in text
    for path, sha256 in stored_hashes(world).items():
        assert nospace(path) in text, path
        assert sha256 in text, path
    # original names, versions, who uploaded or issued, the status of issued documents
    for fragment in ("营业执照扫描件.pdf", "营业执照（更新）.pdf", "回单.jpg", "第3版", "当前版本", "历史版本",
                     "企业王芳", "operator测试", "已被新出具的文书取代", "已撤销", "有效"):
        assert nospace(fragment) in text, fragment
    assert "签发文件状态" in text and "校验失败" in text
    assert "03_审计记录.xlsx" in text and hashlib.sha256(archive.read("03_审计记录.xlsx")).hexdigest() in text
    assert text.count("校验通过") == len(EXPECTED_STORED)  # every stored file checked, none failed


def test_the_audit_sheet_holds_the_companys_trail_with_formulas_neutralised(client, login, world):
    s = world.session
    entries = s.scalars(sa.select(AuditEntry).where(AuditEntry.company_id == world.company.id)
                        .order_by(AuditEntry.seq)).all()
    assert len(entries) >= 8  # seven uploads and versions, the formula-like update
    _job, data = build_zip(client, login, world)
    sheet = load_workbook(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read("03_审计记录.xlsx"))).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("序号", "时间（北京时间）", "操作人") and "条目哈希" in header
    by_seq = {row[0]: row for row in rows}
    assert set(by_seq) == {e.seq for e in entries}  # this company's entries, and only those
    for entry in entries:
        row = by_seq[entry.seq]
        assert row[1] == local(entry.at).replace(tzinfo=None, microsecond=row[1].microsecond)
        assert row[4] == entry.action and row[9] == entry.hash
    update = next(row for row in rows if row[4] == "company.update")
    assert update[6] == "'" + EVIL  # shown as text, never run as a formula
    assert "旧地址" in update[7] and update[2] == "operator 测试"
    assert not any(isinstance(v, str) and v.startswith("=") for row in rows for v in row)


def test_a_corrupted_stored_file_is_marked_and_the_dossier_still_completes(client, login, world, tmp_path):
    version = world.licence.versions[1]  # v2
    file_store().path(version.storage_key).write_bytes(b"%PDF-1.4 tampered with after upload")
    job, data = build_zip(client, login, world)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == EXPECTED_STORED | GENERATED  # the auditor gets the file as it is now
    assert job.state == DossierState.DONE and job.mismatches == 1
    text = pdf_text(archive.read("00_索引.pdf"))
    assert "校验失败" in text and f"登记值：{version.sha256}" in text
    manifest = {f["path"]: f for f in json.loads(archive.read("manifest.json"))["files"]}
    bad = manifest["02_上传材料/营业执照/营业执照_v2.pdf"]
    assert bad["check"] == "mismatch" and bad["recorded_sha256"] == version.sha256 != bad["sha256"]
    assert [p for p, f in manifest.items() if f["check"] != "ok"] == ["02_上传材料/营业执照/营业执照_v2.pdf"]
    # SHA256SUMS keeps the recorded value: sha256sum -c flags exactly that file
    if shutil.which("sha256sum"):
        archive.extractall(tmp_path)
        done = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS.txt"], cwd=tmp_path, capture_output=True,
                              timeout=60)
        assert done.returncode == 1
        assert done.stdout.decode().strip() == "02_上传材料/营业执照/营业执照_v2.pdf: FAILED"


def test_a_missing_stored_file_is_listed_as_missing(client, login, world):
    file_store().path(world.receipt.versions[0].storage_key).unlink()
    job, data = build_zip(client, login, world)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == (EXPECTED_STORED - {"02_上传材料/付款凭证/2026年第三季度租金_v1.jpg"}) | GENERATED
    assert job.mismatches == 1
    text = pdf_text(archive.read("00_索引.pdf"))
    assert "文件缺失" in text and nospace("02_上传材料/付款凭证/2026年第三季度租金_v1.jpg") in text


def test_building_and_downloading_are_audited(client, login, world):
    job, data = build_zip(client, login, world)
    s = world.session
    actions = s.execute(sa.select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.company_id, AuditEntry.after)
                        .where(AuditEntry.object_type == "dossier_jobs", AuditEntry.object_id == job.id)
                        .order_by(AuditEntry.id)).all()
    assert [(a, actor, company) for a, actor, company, _after in actions] == [
        ("dossier.build", world.supervisor.id, world.company.id), ("dossier.download", world.supervisor.id, world.company.id)]
    assert actions[0].after["sha256"] == hashlib.sha256(data).hexdigest()
    assert client.get(f"/dossiers/jobs/{job.id}/download").status_code == 200
    assert s.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "dossier.download", AuditEntry.object_id == job.id)) == 2


@pytest.mark.parametrize("who", ["member", "operator"])
def test_the_company_and_staff_get_the_same_contents(client, login, world, who):
    _job, data = build_zip(client, login, world, getattr(world, who))
    assert set(zipfile.ZipFile(io.BytesIO(data)).namelist()) == EXPECTED_STORED | GENERATED
