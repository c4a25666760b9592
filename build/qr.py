"""QR codes of a 新形态 (new-form) textbook: printed pages leading to the digital ones.

Made with segno (pure Python, no image library), as SVG: vector, so the
code stays sharp at any print resolution.
"""
from __future__ import annotations

import io


def qr_svg(url: str) -> bytes:
    """A QR code for ``url``; error correction M survives a smudged or curved page."""
    import segno

    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="svg", border=2, scale=1, xmldecl=False, svgns=True)
    return out.getvalue()


def short_address(url: str) -> str:
    """The address as printed beneath its code: without the scheme."""
    return url.split("://", 1)[-1]
