"""What a till's receipts print of its store: the details the server publishes with the store entity."""

from datetime import UTC, datetime

from devices.preview import text_preview
from devices.receipt import layout_receipt
from pos_agent.checkout.basket import Basket
from pos_agent.checkout.completion import _footer, store_header
from tests.devices_support.sales import sample_sale

STORE = {"code": "B1", "name": "Corner Shop", "receipt": {
    "address_lines": ["1 High Street", "1000 Town"], "tax_number": "DE123456789",
    "header_lines": ["Open 7-22 every day"], "footer_lines": ["Returns within 30 days", "See you soon"]}}
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_the_receipt_prints_the_stores_address_tax_number_header_and_footer():
    sale = sample_sale(store=store_header(STORE), footer=_footer(Basket("b-1", AT), STORE, None))
    text = text_preview(layout_receipt(sale))
    lines = [line.strip() for line in text.splitlines()]
    head = lines[:lines.index("Open 7-22 every day") + 1]
    assert head[-4:] == ["1 High Street", "1000 Town", "VAT DE123456789", "Open 7-22 every day"]
    assert lines.index("Returns within 30 days") + 1 == lines.index("See you soon")
    assert "Thank you for shopping with us" not in lines


def test_a_store_that_publishes_no_details_prints_its_name_and_the_default_footer():
    bare = {"code": "B2", "name": "Bare"}
    header = store_header(bare)
    assert (header.name, header.address_lines, header.tax_id, header.header_lines) == ("Bare", (), "", ())
    assert _footer(Basket("b-2", AT), bare, None) == ("Thank you for shopping with us",)
    offline = Basket("b-3", AT, offline=True)
    assert _footer(offline, STORE, AT)[-1] == "Member data as of 2026-11-30 12:00 UTC"
