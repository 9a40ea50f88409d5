from promotions.rules import AmountOff, MemberPrice, MultiBuy, PercentOff, SpendThreshold, ThresholdTier

from .builders import WHOLE_BASKET, categories, discounts_of, line, member, price, promo, skus


def test_stackable_product_discounts_combine():
    ten = promo("ten", PercentOff(1000, skus("soap")))
    fifty = promo("fifty", AmountOff(50, skus("soap")))
    # 5.00 - 10 % = 4.50, - 0.50 = 4.00
    assert price([line("soap", 500)], [ten, fifty]).total == 400


def test_an_exclusive_offer_replaces_the_stack_when_it_is_better():
    ten = promo("ten", PercentOff(1000, skus("soap")))
    fifty = promo("fifty", AmountOff(50, skus("soap")))
    thirty = promo("thirty", PercentOff(3000, skus("soap")), exclusive=True)
    result = price([line("soap", 500)], [ten, fifty, thirty])
    assert discounts_of(result, "soap") == {"thirty": 150}


def test_the_stack_wins_over_a_weaker_exclusive_offer():
    ten = promo("ten", PercentOff(1000, skus("soap")))
    fifty = promo("fifty", AmountOff(50, skus("soap")))
    fifteen = promo("fifteen", PercentOff(1500, skus("soap")), exclusive=True)
    result = price([line("soap", 500)], [ten, fifty, fifteen])
    assert discounts_of(result, "soap") == {"ten": 50, "fifty": 50}


def test_equal_exclusive_offers_resolve_to_the_higher_priority():
    low = promo("a-low", AmountOff(100, skus("soap")), exclusive=True, priority=1)
    high = promo("b-high", AmountOff(100, skus("soap")), exclusive=True, priority=5)
    assert discounts_of(price([line("soap", 500)], [low, high]), "soap") == {"b-high": 100}


def test_priority_orders_a_stack_so_the_first_amount_can_use_up_the_price():
    first = promo("z-first", AmountOff(80, skus("gum")), priority=9)
    second = promo("a-second", AmountOff(80, skus("gum")), priority=1)
    assert discounts_of(price([line("gum", 100)], [first, second]), "gum") == {
        "z-first": 80,
        "a-second": 20,
    }


def test_a_discount_on_a_member_priced_item_starts_from_the_member_price():
    member_price = promo("mp", MemberPrice((("cheese", 100),)))
    twenty = promo("twenty", PercentOff(2000, skus("cheese")))
    result = price([line("cheese", 150)], [member_price, twenty], member=member())
    assert discounts_of(result, "cheese") == {"mp": 50, "twenty": 20}
    assert result.total == 80


def test_an_exclusive_multibuy_takes_its_units_out_of_other_item_discounts():
    three_for_two = promo("3for2", MultiBuy(2, 1, categories("snacks")), exclusive=True)
    ten = promo("ten", PercentOff(1000, categories("snacks")))
    result = price([line("chips", 199, qty=4, category="snacks")], [three_for_two, ten])
    # three units in the 3 for 2 (1.99 free), the fourth gets 10 % (0.20)
    assert discounts_of(result, "chips") == {"3for2": 199, "ten": 20}


def test_a_stackable_multibuy_is_priced_after_the_stackable_discounts_its_units_keep():
    three_for_two = promo("3for2", MultiBuy(2, 1, categories("snacks")))
    ten = promo("ten", PercentOff(1000, categories("snacks")))
    result = price([line("chips", 199, qty=3, category="snacks")], [three_for_two, ten])
    # each 1.99 - 0.20 = 1.79; one of three free
    assert result.total == 358


def test_basket_offers_apply_to_what_is_left_after_item_offers():
    ten = promo("ten", PercentOff(1000, skus("wine")))
    basket_five = promo("five", PercentOff(500, WHOLE_BASKET))
    # 20.00 - 2.00 = 18.00, - 5 % = 17.10
    assert price([line("wine", 2000)], [ten, basket_five]).total == 1710


def test_an_exclusive_basket_offer_is_not_combined_with_other_basket_offers():
    five = promo("five", PercentOff(500, WHOLE_BASKET))
    spend = promo("spend", SpendThreshold((ThresholdTier(1000, amount_off=100),)))
    fifteen = promo("fifteen", PercentOff(1500, WHOLE_BASKET), exclusive=True)
    # stack: 20.00 - 5 % = 19.00 - 1.00 = 18.00; exclusive alone: 17.00
    result = price([line("wine", 2000)], [five, spend, fifteen])
    assert result.total == 1700
    assert [a.promotion_id for a in result.applied] == ["fifteen"]


def test_no_line_goes_below_zero_however_much_stacks():
    offers = [promo(f"off{i}", AmountOff(70, skus("pen"))) for i in range(4)]
    offers.append(promo("basket", AmountOff(1000, WHOLE_BASKET)))
    result = price([line("pen", 150, qty=2), line("ink", 90)], offers)
    assert all(item.total >= 0 for item in result.lines)
    assert result.total == 0
