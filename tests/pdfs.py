"""Reading generated PDFs in tests: their text, embedded fonts, and a copy (with PNG pages)
under test-artifacts/ for looking at the layout."""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from incubator.certificates.models import IssuedDocument

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pdf_text(data: bytes) -> str:
    """The text of every page, without the line breaks and spaces layout puts in."""
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> set[str]:
    """Base names of the fonts whose glyphs are embedded in the PDF."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for d in font.get("/DescendantFonts", [font]):
                desc = d.get_object().get("/FontDescriptor")
                if desc and any(k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(font["/BaseFont"]))
    return names


def cjk(data: bytes) -> bool:
    """Both CJK fonts are embedded (the glyphs are in the file, not left to the reader's machine)."""
    fonts = embedded_fonts(data)
    return any("Noto-Sans-CJK-SC" in f for f in fonts) and any("Noto-Serif-CJK-SC" in f for f in fonts)


def keep(name: str, data: bytes) -> None:
    """Save the PDF and its pages as PNG under test-artifacts/ to look at the layout."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(data)
    for stale in ARTIFACTS.glob(f"{name}-[0-9]*.png"):  # pages of an earlier, longer render
        stale.unlink()
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "100", str(path), str(ARTIFACTS / name)], check=True, timeout=60)


def get_pdf(client, path: str, name: str | None = None) -> bytes:
    resp = client.get(path)
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "application/pdf"
    if name:
        keep(name, resp.data)
    return resp.data


def issued(session, kind: str, subject_type: str, subject_id: int) -> list[IssuedDocument]:
    return list(session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.kind == kind, IssuedDocument.subject_type == subject_type,
        IssuedDocument.subject_id == subject_id).order_by(IssuedDocument.id)))


def nospace(value: str) -> str:
    return "".join(value.split())
