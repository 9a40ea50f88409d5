"""Receipt previews for people without a printer: plain text, or a PNG drawn with Pillow."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from devices.receipt import Align, Barcode, Cut, Feed, ReceiptDocument, Text

_MONO_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
)


def _place(text: str, align: Align, width: int) -> str:
    if align is Align.CENTER:
        return text.center(width).rstrip()
    if align is Align.RIGHT:
        return text.rjust(width)
    return text


def text_preview(document: ReceiptDocument) -> str:
    """The receipt as text: large lines spaced out, barcodes and the cut marked."""
    width, out = document.width, []
    for element in document.elements:
        if isinstance(element, Text):
            text = " ".join(element.text) if element.large else element.text
            out.append(_place(text, element.align, width))
        elif isinstance(element, Barcode):
            out.append(_place(f"[{element.symbology} {element.data}]", Align.CENTER, width))
        elif isinstance(element, Feed):
            out += [""] * element.lines
        elif isinstance(element, Cut):
            out.append("- " * (width // 2) + "8<")
    return "\n".join(out) + "\n"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _MONO_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def png_preview(document: ReceiptDocument, path: str | Path | None = None) -> bytes:
    """Draw the receipt as a PNG (text, a barcode-like strip, the cut); optionally save it."""
    font, line_height, margin = _font(14), 18, 12
    char = max(int(font.getlength("M")), 1)
    lines = text_preview(document).splitlines()
    size = (document.width * char + 2 * margin, len(lines) * line_height + 2 * margin)
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        top = margin + row * line_height
        if line.strip().startswith("[") and line.strip().endswith("]"):
            _bars(draw, line.strip()[1:-1], (margin, top, size[0] - margin, top + line_height - 2))
        else:
            draw.text((margin, top), line, fill=0, font=font)
    data = _png_bytes(image)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _bars(draw: ImageDraw.ImageDraw, data: str, box: tuple[int, int, int, int]) -> None:
    """A stand-in strip derived from the data bits (the printed symbol comes from the printer)."""
    left, top, right, bottom = box
    bits = "".join(f"{ord(c):08b}" for c in data)
    step = max((right - left) // max(len(bits), 1), 1)
    for i, bit in enumerate(bits):
        if bit == "1":
            x = left + i * step
            draw.rectangle((x, top, x + step - 1, bottom), fill=0)


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
