"""GS1 check digits, member-card ranges and variable-measure codes, with published vectors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from loyalty.barcodes import (
    BarcodeRules,
    CodeKind,
    VariableMeasureLayout,
    classify,
    gs1_check_digit,
    is_valid_gtin,
)

VECTORS = [
    ("4006381333931", True),  # Wikipedia "International Article Number"
    ("4006381333932", False),  # same, last digit altered
    ("036000291452", True),  # Wikipedia "Universal Product Code"
    ("036000291453", False),
    ("96385074", True),  # Wikipedia "EAN-8"
    ("73513537", True),  # python-stdnum doctest
    ("98412345678908", True),  # GTIN-14, python-stdnum doctest
    ("2812345012345", True),  # constructed variable-measure code
    ("2712345678904", False),  # prefix-27 number with a wrong check digit
]


@pytest.mark.parametrize(("code", "valid"), VECTORS)
def test_check_digits_agree_with_the_vectors_and_with_stdnum(code, valid):
    assert is_valid_gtin(code) is valid
    assert ean.is_valid(code) is valid


def test_the_check_digit_of_the_ean13_example_is_1():
    assert gs1_check_digit("400638133393") == "1"


@pytest.mark.parametrize(
    ("code", "symbology", "kind"),
    [
        ("4006381333931", "EAN-13", CodeKind.ITEM),
        ("036000291452", "UPC-A", CodeKind.ITEM),
        ("96385074", "EAN-8", CodeKind.ITEM),
        ("2712345678902", "EAN-13", CodeKind.MEMBER_CARD),
        ("PJJ123C", "CODE128", CodeKind.OTHER),
    ],
)
def test_codes_are_classified_by_symbology_and_meaning(code, symbology, kind):
    found = classify(code)
    assert (found.valid, found.symbology, found.kind) == (True, symbology, kind)


def test_a_weight_embedded_code_gives_item_and_grams():
    found = classify("2812345012345")
    assert (found.kind, found.item, found.value) == (CodeKind.WEIGHT_ITEM, "12345", 1234)


def test_a_price_embedded_layout_with_a_price_check_digit_skips_that_digit():
    layout = VariableMeasureLayout("23", CodeKind.PRICE_ITEM, 4, 5, price_check_digit=True)
    code = "2312345012340"
    code = code[:-1] + gs1_check_digit(code[:-1])
    found = classify(code, BarcodeRules(layouts=(layout,)))
    assert (found.kind, found.item, found.value) == (CodeKind.PRICE_ITEM, "1234", 1234)


def test_the_member_prefix_is_configurable():
    rules = BarcodeRules(member_prefixes=("29",), layouts=())
    assert classify("2712345678902", rules).kind is CodeKind.ITEM
    assert classify("2900000000018", rules).kind is CodeKind.MEMBER_CARD


def test_a_wrong_check_digit_is_invalid_with_the_expected_digit_as_reason():
    found = classify("4006381333932")
    assert not found.valid
    assert found.reason == "EAN-13 check digit should be 1"


def test_a_layout_that_does_not_cover_13_digits_is_refused():
    with pytest.raises(ValueError, match="covers 12 digits"):
        VariableMeasureLayout("2", CodeKind.WEIGHT_ITEM, 5, 5)


def test_the_gs1_check_digit_of_the_wikipedia_example_is_1():
    assert gs1_check_digit("400638133393") == "1"
    assert is_valid_gtin("4006381333931")
    assert not is_valid_gtin("4006381333932")


@pytest.mark.parametrize("code", ["036000291452", "96385074", "98412345678908", "9780306406157"])
def test_other_gtin_lengths_validate(code):
    assert is_valid_gtin(code)


@given(st.text(alphabet="0123456789", min_size=7, max_size=13))
def test_our_check_digit_agrees_with_python_stdnum(body):
    assert gs1_check_digit(body) == ean.calc_check_digit(body)


def test_a_check_digit_is_computed_over_digits_only():
    with pytest.raises(ValueError, match="over digits"):
        gs1_check_digit("12a4")
