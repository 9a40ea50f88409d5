"""Document -> ESC/POS bytes (python-escpos Dummy), checked by our decoder; and previews."""

from __future__ import annotations

from devices.escpos_render import render
from devices.preview import png_preview, text_preview
from devices.receipt import layout_receipt
from devices.simulators.escpos_decode import decode
from tests.devices_support.sales import sample_sale


def test_rendered_bytes_decode_back_to_the_document_text():
    document = layout_receipt(sample_sale())
    printed = decode(render(document))
    assert printed.text_lines == [*document.text_lines()[:-2], "", *document.text_lines()[-2:]]
    assert printed.unknown == []


def test_rendering_prints_nothing_to_stdout(capsys):
    render(layout_receipt(sample_sale()))
    assert capsys.readouterr().out == ""


def test_a_receipt_id_too_long_for_code128_on_80mm_becomes_a_qr_code():
    ulid = "01JH3Z8K2M4N5P6Q7R8S9T0V1W"
    printed = decode(render(layout_receipt(sample_sale(receipt_id=ulid))))
    assert (printed.barcodes, printed.qr_codes) == ([], [ulid])


def test_the_text_preview_centres_the_header_and_marks_the_barcode():
    preview = text_preview(layout_receipt(sample_sale())).splitlines()
    assert preview[0] == "D E M O   M A R T   # 0 4 2".center(42).rstrip()
    assert "[CODE128 R042-3-000117]" in preview[-4]


def test_the_png_preview_is_a_png(tmp_path):
    data = png_preview(layout_receipt(sample_sale()), tmp_path / "receipt.png")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (tmp_path / "receipt.png").read_bytes() == data


def test_the_png_preview_keeps_the_last_character_of_right_aligned_amounts(tmp_path):
    import io

    from PIL import Image

    document = layout_receipt(sample_sale())
    assert any(len(line) == document.width for line in text_preview(document).splitlines())
    image = Image.open(io.BytesIO(png_preview(document))).convert("L")
    ink = [x for x in range(image.width) if min(image.getpixel((x, y)) for y in range(image.height)) < 128]
    # Nothing is drawn into the right margin's outer half: no glyph ran off the edge and was cut.
    assert max(ink) < image.width - 6
