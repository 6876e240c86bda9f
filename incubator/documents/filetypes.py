"""Recognise an uploaded file by its content, never by its name, and refuse anything
that is not one of the accepted types or that would blow up when opened."""
from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from ..core.errors import DomainError

MAX_IMAGE_PIXELS = 60_000_000  # an A4 scan at 600 dpi is about 35 million
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_UNPACKED = 200 * 1024 * 1024
MAX_CONTENT_TYPES_XML = 1024 * 1024

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


@dataclass(frozen=True)
class FileType:
    ext: str
    mime: str
    extensions: tuple[str, ...]


PDF = FileType("pdf", "application/pdf", ("pdf",))
JPEG = FileType("jpg", "image/jpeg", ("jpg", "jpeg"))
PNG = FileType("png", "image/png", ("png",))
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",))
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))


def _refuse(message: str) -> DomainError:
    return DomainError(message, field="file")


def _unsupported() -> DomainError:
    return _refuse(_("This file type is not accepted. Please upload a PDF, JPEG, PNG, Word (.docx) "
                     "or Excel (.xlsx) file."))


def detect(data: bytes, max_bytes: int) -> FileType:
    """The type of `data`, or a DomainError in plain words explaining why it is refused."""
    if not data:
        raise _refuse(_("The file is empty."))
    if len(data) > max_bytes:
        raise _refuse(_("The file is larger than %(mb)s MB. Please upload a smaller file.",
                        mb=max_bytes // (1024 * 1024)))
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return _check_image(data, JPEG, "JPEG")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _check_image(data, PNG, "PNG")
    if data.startswith(b"PK\x03\x04"):
        return _check_office(data)
    raise _unsupported()


def _check_image(data: bytes, ftype: FileType, pil_format: str) -> FileType:
    damaged = _refuse(_("The image is damaged or not really a %(kind)s file.", kind=pil_format))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[pil_format]) as img:
                if img.width * img.height > MAX_IMAGE_PIXELS:
                    raise _refuse(_("The image has too many pixels. Please scan it at a lower resolution."))
                img.verify()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _refuse(_("The image has too many pixels. Please scan it at a lower resolution.")) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise damaged from None
    return ftype


def _check_office(data: bytes) -> FileType:
    damaged = _refuse(_("The Word or Excel file is damaged. Please save it again and upload it."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise damaged from None
    with archive:
        entries = archive.infolist()
        # a zip bomb announces its sizes in the directory; nothing is unpacked before this check
        if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_ZIP_UNPACKED:
            raise _refuse(_("The file unpacks to far more data than a normal document. It was refused."))
        names = {e.filename for e in entries}
        if "[Content_Types].xml" not in names:
            raise _unsupported()
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > MAX_CONTENT_TYPES_XML:
            raise damaged
        try:
            content_types = archive.read(info).decode("utf-8", "replace")
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError):
            raise damaged from None
    # the main part's content type also refuses macro-enabled .docm/.xlsm files
    if DOCX_MAIN in content_types and any(n.startswith("word/") for n in names):
        return DOCX
    if XLSX_MAIN in content_types and any(n.startswith("xl/") for n in names):
        return XLSX
    raise _unsupported()
