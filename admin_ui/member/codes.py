"""The card number drawn as SVG: an EAN-13 barcode (drawn here from the GS1 tables) and a QR code (segno).

Both are black on white with their quiet zones, sized by the page (``viewBox`` only), so a phone
turned to full brightness shows them as large as its screen allows.
"""

from __future__ import annotations

import segno

from loyalty.barcodes import is_valid_gtin

# GS1 General Specifications, EAN-13: the left half's digits in set A ("L", odd parity) or set B
# ("G", even parity) as the first digit says; the right half in set C ("R").
_L = ("0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111",
      "0001011")
_R = tuple("".join("1" if bit == "0" else "0" for bit in code) for code in _L)
_G = tuple(code[::-1] for code in _R)
_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")
_QUIET_LEFT, _QUIET_RIGHT = 11, 7  # modules of white either side (the standard minimum)
_BAR_HEIGHT, _GUARD_HEIGHT, _TEXT_HEIGHT = 50, 55, 10


def ean13_modules(number: str) -> str:
    """The 95 modules ("1" dark, "0" light) of a valid EAN-13 number, guards included.

    Raises:
        ValueError: ``number`` is not 13 digits with a right check digit.
    """
    if len(number) != 13 or not is_valid_gtin(number):
        raise ValueError(f"{number!r} is not a valid EAN-13 number")
    first, left, right = int(number[0]), number[1:7], number[7:]
    sets = {"L": _L, "G": _G}
    left_bars = "".join(sets[parity][int(d)] for parity, d in zip(_PARITY[first], left, strict=True))
    return "101" + left_bars + "01010" + "".join(_R[int(d)] for d in right) + "101"


def _guard(position: int) -> bool:
    return position < 3 or 45 <= position < 50 or position >= 92


def ean13_svg(number: str, title: str = "Card barcode") -> str:
    """An EAN-13 barcode of ``number`` with its digits printed under the bars."""
    modules = ean13_modules(number)
    width = _QUIET_LEFT + len(modules) + _QUIET_RIGHT
    height = _GUARD_HEIGHT + _TEXT_HEIGHT
    bars, start = [], None
    for i, bit in enumerate(modules + "0"):
        if bit == "1" and start is None:
            start = i
        elif bit != "1" and start is not None:
            tall = _GUARD_HEIGHT if _guard(start) else _BAR_HEIGHT
            bars.append(f'<rect x="{_QUIET_LEFT + start}" y="0" width="{i - start}" height="{tall}"/>')
            start = None
    digits = [(_QUIET_LEFT - 7, number[0]), *((_QUIET_LEFT + 3 + 7 * k + 3.5, d) for k, d in enumerate(number[1:7])),
              *((_QUIET_LEFT + 50 + 7 * k + 3.5, d) for k, d in enumerate(number[7:]))]
    text = "".join(f'<text x="{x}" y="{height - 1}">{d}</text>' for x, d in digits)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{title} {number}" shape-rendering="crispEdges" class="ean13">'
            f'<title>{title} {number}</title><rect width="{width}" height="{height}" fill="#fff"/>'
            f'<g fill="#000">{"".join(bars)}</g>'
            f'<g fill="#000" font-family="monospace" font-size="9" text-anchor="middle">{text}</g></svg>')


def qr_svg(number: str, title: str = "Card QR code") -> str:
    """A QR code of ``number`` (error correction M, four modules of quiet zone)."""
    qr = segno.make_qr(number, error="m", boost_error=False)
    svg = qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr",
                        lineclass=None, title=f"{title} {number}")
    return svg.replace("<svg ", f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{title} {number}" ', 1)
