"""Formulas for print: the TeX of ``pymdownx.arithmatex`` typeset as SVG.

The site typesets math in the reader's browser with KaTeX; a PDF has no
browser, and neither Typst nor any Python package runs KaTeX. ziamath (pure
Python, maintained, MIT) parses the same LaTeX subset into MathML and lays it
out with the STIX Two Math font it ships (SIL OFL), as paths: the result needs
no TeX installation and no font on the machine, and prints the same anywhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Rendering size in SVG units; sizes handed to the page are relative to it (em).
SIZE = 10.0
_BOX = re.compile(rb'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')
_DELIMITERS = re.compile(r"^\s*(?:\\\(|\\\[|\$\$?)(.*?)(?:\\\)|\\\]|\$\$?)\s*$", re.S)


class FormulaInvalid(ValueError):
    """The TeX could not be typeset; the page shows its source instead."""


@dataclass(frozen=True)
class Formula:
    svg: bytes
    width: float      # in em of the surrounding text
    height: float     # in em, ascent + depth
    depth: float      # in em below the baseline (for inline formulas)


def strip_delimiters(source: str) -> str:
    """The TeX inside arithmatex's ``\\(…\\)`` / ``\\[…\\]`` (generic mode) delimiters."""
    match = _DELIMITERS.match(source)
    return (match.group(1) if match else source).strip()


def typeset(tex: str, *, display: bool) -> Formula:
    import ziamath

    try:
        svg = ziamath.Latex(tex, size=SIZE, inline=not display).svg().encode("utf-8")
    except Exception as exc:  # ziamath raises many kinds on TeX it cannot read
        raise FormulaInvalid(f"cannot typeset {tex!r}: {exc}") from None
    box = _BOX.search(svg)
    if box is None:
        raise FormulaInvalid(f"cannot typeset {tex!r}")
    _x, top, width, height = (float(v) for v in box.groups())
    return Formula(svg, width / SIZE, height / SIZE, max(0.0, (top + height) / SIZE))
