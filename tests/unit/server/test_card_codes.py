"""The card's EAN-13 bars follow the GS1 tables; a number that is not a valid EAN-13 is never drawn."""

import pytest

from admin_ui.member.codes import ean13_modules, ean13_svg

# 4006381333931, from the GS1 tables by hand: first digit 4 gives parities L G L L G G.
_LEFT = "0001101" + "0100111" + "0101111" + "0111101" + "0001001" + "0110011"
_RIGHT = "1000010" + "1000010" + "1000010" + "1110100" + "1000010" + "1100110"


def test_the_modules_of_a_known_number():
    assert ean13_modules("4006381333931") == "101" + _LEFT + "01010" + _RIGHT + "101"


@pytest.mark.parametrize("number", ["4006381333938", "400638133393", "40063813339311", "40063813339x1"])
def test_a_number_that_is_not_a_valid_ean13_is_refused(number):
    with pytest.raises(ValueError, match="not a valid EAN-13"):
        ean13_svg(number)
