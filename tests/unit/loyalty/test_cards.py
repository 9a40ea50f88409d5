import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.barcodes import BarcodeRules, CodeKind, classify
from loyalty.cards import CardNumberScheme, CardState, card_is_usable, require_usable_card
from loyalty.exceptions import CardNotUsable, InvalidCardNumber, InvalidValue

SCHEME = CardNumberScheme("27")


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


@given(st.integers(min_value=0, max_value=10**10 - 1))
def test_every_generated_card_number_validates_and_gives_back_its_serial(serial):
    number = SCHEME.number_for(serial)
    assert SCHEME.validate(number) == number
    assert classify(number, BarcodeRules(member_prefixes=(SCHEME.prefix,))).kind is CodeKind.MEMBER_CARD
    assert SCHEME.serial_of(number) == serial


@given(st.integers(min_value=0, max_value=10**10 - 1), st.integers(0, 12), st.integers(1, 9))
def test_any_single_digit_error_is_caught(serial, position, delta):
    number = SCHEME.number_for(serial)
    digit = (int(number[position]) + delta) % 10
    typo = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(InvalidCardNumber):
        SCHEME.validate(typo)


def test_only_an_active_card_is_usable():
    assert card_is_usable(CardState.ACTIVE)
    assert [state for state in CardState if not card_is_usable(state)] == ["blocked", "lost", "replaced"]


def test_a_stored_state_string_is_judged_like_its_enum_and_an_unknown_one_is_not_usable():
    assert card_is_usable("active")
    assert not card_is_usable("blocked")
    assert not card_is_usable("suspended")


def test_requiring_a_usable_card_names_the_card_and_its_state():
    require_usable_card("2712345678902", "active")
    with pytest.raises(CardNotUsable) as refused:
        require_usable_card("2712345678902", CardState.LOST)
    assert (refused.value.number, refused.value.state) == ("2712345678902", "lost")
