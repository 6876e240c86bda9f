"""The dossier's pure rules: names inside the ZIP (Chinese kept, nothing that escapes the folder or
that Windows refuses, unique — also ignoring case), compression by type, the in-request threshold,
the job's state table, progress and the checksum list's format."""
from __future__ import annotations

import datetime as dt

import pytest

from incubator.dossier import rules
from incubator.dossier.rules import UploadedDoc


@pytest.mark.parametrize("raw, expected", [
    ("营业执照", "营业执照"),
    ("../../etc/passwd", "etcpasswd"),
    ("..", "未命名"),
    ("", "未命名"),
    (None, "未命名"),
    ("a/b\\c:d*e?f\"g<h>i|j", "abcdefghij"),
    ("  财务\t报表\n2025  ", "财务 报表 2025"),
    ("CON", "_CON"),
    ("lpt1.txt", "_lpt1.txt"),
    ("CONSOLE", "CONSOLE"),
    ("名称.", "名称"),
    ("e\u0301", "\u00e9"),  # NFC: one character, as macOS and Windows show it
])
def test_safe_part(raw, expected):
    assert rules.safe_part(raw) == expected


def test_safe_part_is_short_enough_for_windows_paths():
    assert rules.safe_part("很长的标题" * 40) == ("很长的标题" * 12)
    assert len(rules.safe_part("x" * 500)) == 60


@pytest.mark.parametrize("name, mime, ext", [
    ("营业执照.PDF", "application/pdf", "pdf"),
    ("scan.jpeg", "image/jpeg", "jpeg"),
    ("no-extension", "image/png", "png"),
    ("weird.p d f", "application/pdf", "pdf"),
    ("x.toolongext", "application/pdf", "pdf"),
    (None, "application/octet-stream", "bin"),
])
def test_extension(name, mime, ext):
    assert rules.extension(name, mime) == ext


def test_issued_path():
    assert rules.issued_path("SX-RZ-2026-00001", "入驻证书") == "01_签发文件/SX-RZ-2026-00001_入驻证书.pdf"
    assert rules.issued_path("SX/../x", "a:b") == "01_签发文件/SX..x_ab.pdf"


def test_upload_paths_keep_versions_together_and_tell_namesakes_apart():
    docs = [UploadedDoc(1, "营业执照", "营业执照", ((1, "pdf"), (2, "pdf"))),
            UploadedDoc(2, "营业执照", "营业执照", ((1, "png"),)),
            UploadedDoc(3, "营业执照", "营业执照", ((1, "pdf"),)),
            UploadedDoc(4, "财务报表", "营业执照", ((1, "pdf"),)),  # another folder: no clash
            UploadedDoc(5, "营业执照", "营业执照_v1", ((1, "pdf"),)),
            UploadedDoc(6, "营业执照", "营业执照(2)", ((1, "pdf"),))]
    assert rules.upload_paths(docs) == {
        (1, 1): "02_上传材料/营业执照/营业执照_v1.pdf",
        (1, 2): "02_上传材料/营业执照/营业执照_v2.pdf",
        (2, 1): "02_上传材料/营业执照/营业执照(2)_v1.png",
        (3, 1): "02_上传材料/营业执照/营业执照(3)_v1.pdf",
        (4, 1): "02_上传材料/财务报表/营业执照_v1.pdf",
        (5, 1): "02_上传材料/营业执照/营业执照_v1_v1.pdf",
        (6, 1): "02_上传材料/营业执照/营业执照(2)(2)_v1.pdf",  # "营业执照(2)" is taken by document 2
    }


def test_upload_paths_ignore_case():
    docs = [UploadedDoc(1, "其他", "Report", ((1, "pdf"),)), UploadedDoc(2, "其他", "REPORT", ((1, "pdf"),))]
    assert list(rules.upload_paths(docs).values()) == ["02_上传材料/其他/Report_v1.pdf", "02_上传材料/其他/REPORT(2)_v1.pdf"]


def test_unique_paths():
    assert rules.unique_paths(["a/x.pdf", "a/X.pdf", "a/x.pdf", "a/y", "a/y"]) == [
        "a/x.pdf", "a/X(2).pdf", "a/x(3).pdf", "a/y", "a/y(2)"]


def test_compression_by_type():
    assert all(rules.is_stored(p) for p in ("a.pdf", "b.JPG", "c.jpeg", "d.png", "e.docx", "f.xlsx"))
    assert not any(rules.is_stored(p) for p in ("manifest.json", "SHA256SUMS.txt", "x.bin"))


def test_fits_in_request():
    assert rules.fits_in_request(rules.INLINE_MAX_FILES, rules.INLINE_MAX_BYTES)
    assert not rules.fits_in_request(rules.INLINE_MAX_FILES + 1, 0)
    assert not rules.fits_in_request(1, rules.INLINE_MAX_BYTES + 1)
    assert rules.fits_in_request(0, 0, max_files=0, max_bytes=0)


def test_stale():
    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    assert not rules.is_stale(now - rules.STALE_AFTER, now)
    assert rules.is_stale(now - rules.STALE_AFTER - dt.timedelta(seconds=1), now)


STATES = (rules.QUEUED, rules.RUNNING, rules.DONE, rules.FAILED)
ALLOWED = {(rules.QUEUED, "start"): rules.RUNNING, (rules.RUNNING, "finish"): rules.DONE,
           (rules.QUEUED, "fail"): rules.FAILED, (rules.RUNNING, "fail"): rules.FAILED,
           (rules.FAILED, "retry"): rules.QUEUED}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ["start", "finish", "fail", "retry"])
def test_transition_table(state, action):
    if (state, action) in ALLOWED:
        assert rules.next_state(state, action) == ALLOWED[(state, action)]
        assert state in rules.sources(action) and rules.target(action) == ALLOWED[(state, action)]
    else:
        with pytest.raises(ValueError):
            rules.next_state(state, action)
        assert state not in rules.sources(action)


def test_a_done_job_is_final():
    assert not [a for (s, a) in rules.TRANSITIONS if s == rules.DONE]


@pytest.mark.parametrize("done, total, pct", [(0, 0, 0), (0, 10, 0), (1, 3, 33), (199, 200, 99), (200, 200, 100)])
def test_percent(done, total, pct):
    assert rules.percent(done, total) == pct


def test_zip_date_time():
    assert rules.zip_date_time(dt.datetime(2026, 3, 2, 10, 5, 9, 123)) == (2026, 3, 2, 10, 5, 9)
    assert rules.zip_date_time(dt.datetime(1970, 1, 1)) == (1980, 1, 1, 0, 0, 0)


def test_checksums_text_is_sha256sum_format():
    assert rules.checksums_text([("01_签发文件/a b.pdf", "ab" * 32)]) == "ab" * 32 + "  01_签发文件/a b.pdf\n"


def test_cell_text():
    assert rules.cell_text("a\x00b\x1fc\td\ne") == "abc\td\ne"
    long = rules.cell_text("x" * 40_000)
    assert len(long) == rules.MAX_CELL and long.endswith("…")
    assert rules.cell_text(None) == ""


@pytest.mark.parametrize("size, text", [(None, "—"), (0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"),
                                        (5 * 1024 * 1024, "5.0 MB"), (3 * 1024 ** 4, "3072.0 GB")])
def test_human_size(size, text):
    assert rules.human_size(size) == text


def test_grouped_digest():
    assert rules.grouped("0123456789abcdef" * 4) == " ".join(["0123456789abcdef"] * 4)
    assert rules.grouped(None) == rules.grouped("") == "—"
