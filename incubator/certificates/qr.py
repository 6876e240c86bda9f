"""QR codes as SVG data URIs (vector, so they stay sharp in print)."""
from __future__ import annotations

import segno


def qr_data_uri(text: str, scale: int = 4) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=scale, border=2)
