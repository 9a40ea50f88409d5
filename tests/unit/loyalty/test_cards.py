import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from loyalty.cards import CardNumberScheme, CodeKind, gs1_check_digit, is_valid_gtin
from loyalty.exceptions import InvalidCardNumber, InvalidValue

SCHEME = CardNumberScheme("27")


def test_the_gs1_check_digit_of_the_wikipedia_example_is_1():
    assert gs1_check_digit("400638133393") == "1"
    assert is_valid_gtin("4006381333931")
    assert not is_valid_gtin("4006381333932")


@pytest.mark.parametrize("code", ["036000291452", "96385074", "98412345678908", "9780306406157"])
def test_other_gtin_lengths_validate(code):
    assert is_valid_gtin(code)


def test_serial_1234567890_becomes_card_2712345678902():
    assert SCHEME.number_for(1234567890) == "2712345678902"
    assert SCHEME.number_for(1) == "2700000000014"
    assert SCHEME.serial_of("2712345678902") == 1234567890


def test_a_valid_card_number_is_returned_trimmed():
    assert SCHEME.validate(" 2712345678902\r\n") == "2712345678902"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("2712345678904", "wrong check digit"),
        ("4006381333931", "not in the chain's card range 27"),
        ("271234567890", "must be 13 digits"),
        ("27123456789O2", "must be digits only"),
        ("２７12345678902", "must be digits only"),
    ],
)
def test_invalid_card_numbers_say_why(number, reason):
    with pytest.raises(InvalidCardNumber) as error:
        SCHEME.validate(number)
    assert error.value.reason == reason
    assert error.value.number == number


def test_a_serial_too_large_for_the_range_is_refused():
    with pytest.raises(InvalidValue):
        SCHEME.number_for(10**10)
    with pytest.raises(InvalidValue):
        CardNumberScheme("40")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("2712345678902", CodeKind.MEMBER_CARD),
        ("4006381333931", CodeKind.PRODUCT),
        ("036000291452", CodeKind.PRODUCT),
        ("2812345012345", CodeKind.IN_STORE),  # a weighed item: price in the code
        ("0212345678909", CodeKind.IN_STORE),
        ("2712345678904", CodeKind.INVALID),
        ("hello", CodeKind.INVALID),
    ],
)
def test_a_scanner_tells_a_member_card_from_an_in_store_code_and_a_product(code, kind):
    assert SCHEME.classify(code) is kind


def test_another_chain_prefix_makes_our_numbers_in_store_codes():
    assert CardNumberScheme("29").classify("2712345678902") is CodeKind.IN_STORE


@given(st.integers(min_value=0, max_value=10**10 - 1))
def test_every_generated_card_number_validates_and_gives_back_its_serial(serial):
    number = SCHEME.number_for(serial)
    assert SCHEME.classify(number) is CodeKind.MEMBER_CARD
    assert SCHEME.serial_of(number) == serial


@given(st.integers(min_value=0, max_value=10**10 - 1), st.integers(0, 12), st.integers(1, 9))
def test_any_single_digit_error_is_caught(serial, position, delta):
    number = SCHEME.number_for(serial)
    digit = (int(number[position]) + delta) % 10
    typo = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(InvalidCardNumber):
        SCHEME.validate(typo)


@given(st.text(alphabet="0123456789", min_size=7, max_size=13))
def test_our_check_digit_agrees_with_python_stdnum(body):
    assert gs1_check_digit(body) == ean.calc_check_digit(body)
