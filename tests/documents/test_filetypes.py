"""Uploads are recognised by content; disguised, empty, oversized and bomb files are refused."""
import pytest

from incubator.core.errors import DomainError
from incubator.documents import filetypes
from incubator.documents.rules import display_name

from . import files

MB = 1024 * 1024


@pytest.mark.parametrize(("data", "expected"), [
    (files.PDF, filetypes.PDF),
    (files.image("PNG"), filetypes.PNG),
    (files.image("JPEG"), filetypes.JPEG),
    (files.docx(), filetypes.DOCX),
    (files.xlsx(), filetypes.XLSX),
])
def test_accepted_types_are_recognised_by_content(data, expected):
    assert filetypes.detect(data, 20 * MB) == expected


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"<!doctype html><html><script>alert(1)</script></html>", "not accepted"),  # HTML renamed .pdf
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 200, "not accepted"),  # a Windows .exe renamed .pdf
    (b"GIF89a" + b"\0" * 50, "not accepted"),
    (files.office("application/vnd.ms-word.document.macroEnabled.main+xml"), "not accepted"),  # .docm
    (b"PK\x03\x04" + b"garbage" * 20, "damaged"),
    (files.image("PNG")[:60], "damaged"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "damaged"),
    (files.png_bomb(), "too many pixels"),
    (files.png_bomb(9000, 9000), "too many pixels"),  # below Pillow's own limit, above ours
])
def test_refused_files_get_a_clear_reason(data, words):
    with pytest.raises(DomainError) as err:
        filetypes.detect(data, 20 * MB)
    assert words in err.value.message
    assert err.value.field == "file"


def test_oversized_file_is_refused():
    with pytest.raises(DomainError, match="larger than 1 MB"):
        filetypes.detect(files.PDF + b"\0" * MB, 1 * MB)


def test_zip_bomb_is_refused_without_unpacking():
    with pytest.raises(DomainError, match="unpacks to far more data"):
        filetypes.detect(files.zip_bomb(), 20 * MB)


def test_zip_with_too_many_entries_is_refused():
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(filetypes.MAX_ZIP_ENTRIES + 1):
            z.writestr(f"word/{i}.xml", "")
    with pytest.raises(DomainError, match="unpacks to far more data"):
        filetypes.detect(buf.getvalue(), 20 * MB)


@pytest.mark.parametrize(("raw", "expected"), [
    ("营业执照.pdf", "营业执照.pdf"),
    ("C:\\fakepath\\营业执照.PDF", "营业执照.PDF"),
    ("../../etc/passwd", "passwd.pdf"),
    ("财务报表", "财务报表.pdf"),
    ("scan.exe", "scan.exe.pdf"),
    ("a\x00b<>.pdf", "ab.pdf"),
    ("", "document.pdf"),
    (None, "document.pdf"),
])
def test_display_name_keeps_unicode_and_never_carries_a_path(raw, expected):
    assert display_name(raw, "pdf", ("pdf",)) == expected
